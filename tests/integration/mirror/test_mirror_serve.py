"""`hedgectl mirror serve`: the real huggingface_hub client and `hf download` read a mirror in
SeaweedFS through it, byte for byte."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app
from tests.integration.mirror.conftest import mirror_args
from tests.servers.hub import HubServer
from tests.servers.seaweed import Seaweed

REPO = "acme/tiny-model"


@pytest.fixture
def served(
    hub: HubServer, seaweed: Seaweed, bucket: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A finished mirror of the test repo, and `hedgectl mirror serve` on it (a real process)."""
    copied = CliRunner().invoke(
        app, ["mirror", REPO, f"s3://{bucket}/m", *mirror_args(hub, seaweed, "--part-size", "5MiB")]
    )
    assert copied.exit_code == 0, copied.output
    cmd = [
        sys.executable, "-m", "hedgectl", "mirror", "serve", f"s3://{bucket}/m",
        "--port", "0", "--endpoint-url", seaweed.endpoint, "-q",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+)", line)
        assert match, line + (proc.stderr.read() if proc.poll() is not None else "")
        yield match[1], proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _same_tree(root: Path, hub: HubServer) -> None:
    repo = hub.repos[REPO]
    got = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".cache" not in p.relative_to(root).parts
    )
    assert got == sorted(f.path for f in repo.files)
    for f in repo.files:
        assert (root / f.path).read_bytes() == f.read(0, f.size), f.path


def test_snapshot_download_and_hf_download_read_the_mirror_byte_for_byte(
    served: tuple[str, subprocess.Popen[str]], hub: HubServer, tmp_path: Path
) -> None:
    from huggingface_hub import snapshot_download

    url, proc = served
    repo = hub.repos[REPO]
    # The real client, revision "main" resolved through the mirror's refs/main.
    local = snapshot_download(
        REPO, endpoint=url, cache_dir=tmp_path / "cache", local_dir=tmp_path / "snap"
    )
    _same_tree(Path(local), hub)
    # By commit too, into the standard cache layout.
    cached = snapshot_download(REPO, revision=repo.commit, endpoint=url, cache_dir=tmp_path / "c2")
    assert Path(cached).name == repo.commit
    _same_tree(Path(cached), hub)

    # The `hf` command line, pointed at the mirror with HF_ENDPOINT only.
    env = {**os.environ, "HF_ENDPOINT": url, "HF_HOME": str(tmp_path / "hf-home")}
    hf = Path(sys.executable).parent / "hf"
    done = subprocess.run(
        [str(hf), "download", REPO, "--local-dir", str(tmp_path / "cli")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _same_tree(tmp_path / "cli", hub)

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_ranges_revisions_and_errors_look_like_the_hub(
    served: tuple[str, subprocess.Popen[str]], hub: HubServer
) -> None:
    from huggingface_hub import HfApi, errors

    url, _ = served
    repo = hub.repos[REPO]
    shard = repo.file("model-00002-of-00003.safetensors")
    assert shard is not None
    with httpx.Client(base_url=url, timeout=30) as client:
        head = client.head(f"/{REPO}/resolve/main/{shard.path}")
        assert head.status_code == 200
        assert head.headers["x-repo-commit"] == repo.commit
        assert head.headers["x-linked-etag"].strip('"') == shard.sha256
        assert int(head.headers["content-length"]) == shard.size
        part = client.get(
            f"/{REPO}/resolve/{repo.commit}/{shard.path}", headers={"Range": "bytes=1000-1999"}
        )
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 1000-1999/{shard.size}"
        assert part.content == shard.read(1000, 2000)
        tail = client.get(f"/{REPO}/resolve/main/{shard.path}", headers={"Range": "bytes=-10"})
        assert tail.content == shard.read(shard.size - 10, shard.size)
        past = client.get(
            f"/{REPO}/resolve/main/{shard.path}", headers={"Range": f"bytes={shard.size}-"}
        )
        assert past.status_code == 416
        assert client.put(f"/{REPO}/resolve/main/{shard.path}").status_code == 405

    api = HfApi(endpoint=url)
    info = api.model_info(REPO, files_metadata=True)
    assert info.sha == repo.commit and info.card_data is not None
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    assert sizes == {f.path: f.size for f in repo.files}
    tree = {e.path for e in api.list_repo_tree(REPO, recursive=False)}
    assert "inference" in tree and "inference/generate.py" not in tree
    with pytest.raises(errors.RepositoryNotFoundError):
        api.model_info("acme/not-mirrored")
    with pytest.raises(errors.RevisionNotFoundError):
        api.model_info(REPO, revision="v9")
    from huggingface_hub import hf_hub_download

    with pytest.raises(errors.EntryNotFoundError):
        hf_hub_download(REPO, "nope.bin", endpoint=url, cache_dir=str(Path(os.environ["HOME"])))
