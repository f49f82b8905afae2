"""--source modelscope: the same weights from a ModelScope-compatible server on loopback, checked
against the hashes of an earlier manifest or the Hub's listing, into the Hub-shaped layout."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app
from tests.integration.mirror.conftest import mirror_args, small_repo
from tests.servers.hub import HubRepo, HubServer
from tests.servers.modelscope import ModelScopeServer
from tests.servers.seaweed import Seaweed

REPO = "acme/tiny-model"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def modelscope() -> Iterator[Callable[..., ModelScopeServer]]:
    started: list[ModelScopeServer] = []

    def make(*repos: HubRepo) -> ModelScopeServer:
        server = ModelScopeServer(list(repos)).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def _verify(seaweed: Seaweed, dest: str) -> None:
    ok = run("mirror", "verify", REPO, dest, "--endpoint-url", seaweed.endpoint)
    assert ok.exit_code == 0, ok.output


def test_hub_lists_modelscope_serves(
    hub: HubServer,
    modelscope: Callable[..., ModelScopeServer],
    seaweed: Seaweed,
    s3: Any,
    bucket: str,
) -> None:
    """The Hub's API still answers but its files are blocked: bytes from ModelScope only."""
    repo = hub.repos[REPO]
    ms = modelscope(small_repo())
    result = run(
        "mirror", REPO, f"s3://{bucket}/m", "--json",
        *mirror_args(hub, seaweed, "--part-size", "5MiB", "--source", "modelscope",
                     "--source-endpoint", ms.url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["commit"] == repo.commit  # the Hub's commit, Hub layout
    assert hub.bytes_served == {}  # not one file byte from the Hub
    assert ms.bytes_served == sum(f.size for f in repo.files)
    assert all(e["query"].get("Revision") == "master" for e in ms.log)
    head = s3.head_object(
        Bucket=bucket, Key=f"m/{REPO}/{repo.commit}/model-00001-of-00003.safetensors"
    )
    assert head["Metadata"]["hf-sha256"] == repo.file("model-00001-of-00003.safetensors").sha256  # type: ignore[union-attr]
    _verify(seaweed, f"s3://{bucket}/m")


def test_hub_gone_hashes_from_an_earlier_manifest(
    hub: HubServer,
    modelscope: Callable[..., ModelScopeServer],
    seaweed: Seaweed,
    s3: Any,
    bucket: str,
    tmp_path: Path,
) -> None:
    """A takedown: the Hub answers nothing; an earlier mirror's manifest holds the hashes."""
    repo = hub.repos[REPO]
    first = run("mirror", REPO, f"s3://{bucket}/first", *mirror_args(hub, seaweed))
    assert first.exit_code == 0, first.output
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(
        s3.get_object(Bucket=bucket, Key=f"first/{REPO}/{repo.commit}.manifest.json")["Body"].read()
    )
    ms = modelscope(small_repo())
    result = run(
        "mirror", REPO, f"s3://{bucket}/second",
        "--hub-endpoint", "http://127.0.0.1:9", "--endpoint-url", seaweed.endpoint,
        "--source", "modelscope", "--source-endpoint", ms.url, "--manifest", str(manifest),
        "--part-size", "5MiB",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    _verify(seaweed, f"s3://{bucket}/second")
    ref = s3.get_object(Bucket=bucket, Key=f"second/{REPO}/refs/main")["Body"].read().decode()
    assert ref == repo.commit


def test_a_byte_modelscope_changed_is_refused(
    hub: HubServer,
    modelscope: Callable[..., ModelScopeServer],
    seaweed: Seaweed,
    s3: Any,
    bucket: str,
) -> None:
    repo = hub.repos[REPO]
    ms = modelscope(small_repo())
    shard = "model-00002-of-00003.safetensors"
    ms.corrupt.add(shard)
    result = run(
        "mirror", REPO, f"s3://{bucket}/m",
        *mirror_args(hub, seaweed, "--part-size", "5MiB", "--source", "modelscope",
                     "--source-endpoint", ms.url),
    )  # fmt: skip
    assert result.exit_code == 4
    assert shard in result.stderr and "Traceback" not in result.stderr
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"m/{REPO}/{repo.commit}/{shard}")
    assert listed["KeyCount"] == 0  # nothing at the final key


def test_other_weights_on_modelscope_are_refused_before_copying(
    hub: HubServer,
    modelscope: Callable[..., ModelScopeServer],
    seaweed: Seaweed,
    bucket: str,
) -> None:
    ms = modelscope(small_repo(seed=99))  # same names, other bytes
    result = run(
        "mirror", REPO, f"s3://{bucket}/m",
        *mirror_args(hub, seaweed, "--source", "modelscope", "--source-endpoint", ms.url),
    )  # fmt: skip
    assert result.exit_code == 4
    assert "not the same weights" in result.stderr
    assert ms.bytes_served == 0
    missing = run(
        "mirror", "acme/other", f"s3://{bucket}/m",
        *mirror_args(hub, seaweed, "--source", "modelscope", "--source-endpoint", ms.url),
    )  # fmt: skip
    assert missing.exit_code == 4 and "Traceback" not in missing.stderr


def test_the_real_modelscope_client_reads_the_test_server(
    modelscope: Callable[..., ModelScopeServer], tmp_path: Path, monkeypatch: Any
) -> None:
    """The fidelity check of the fake: ModelScope's own client library (modelscope 1.x) lists the
    repository and downloads a shard from the test server, byte for byte, through the same two
    endpoints hedgectl calls. What stays unproven here is the real service itself."""
    pytest.importorskip("modelscope")
    repo = small_repo(shards=1, shard_size=1024 * 1024)
    ms = modelscope(repo)
    monkeypatch.setenv("MODELSCOPE_ENDPOINT", ms.url)  # never the real service
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path / "cache"))
    from modelscope.hub.api import HubApi
    from modelscope.hub.file_download import model_file_download

    listed = HubApi(endpoint=ms.url).get_model_files(REPO, revision="master", recursive=True)
    assert {f["Path"]: f["Size"] for f in listed} == {f.path: f.size for f in repo.files}
    shard = "model-00001-of-00001.safetensors"
    path = model_file_download(REPO, shard, revision="master", cache_dir=str(tmp_path / "dl"))
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == repo.file(shard).sha256  # type: ignore[union-attr]
    paths = {e["path"] for e in ms.log}
    assert f"/api/v1/models/{REPO}/repo/files" in paths and f"/api/v1/models/{REPO}/repo" in paths
