"""`hedgectl mirror sync` for cron: new commits of watched repos are mirrored, unchanged files are
copied inside the store, nothing is deleted unless --prune."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hedgectl.cli.app import app
from tests.integration.mirror.conftest import small_repo
from tests.servers.hub import HubFile, HubRepo
from tests.servers.seaweed import Seaweed

REPO = "acme/tiny-model"
CHANGED = "model-00002-of-00003.safetensors"


def sync(cfg: Path, *extra: str) -> Any:
    result = CliRunner().invoke(app, ["mirror", "sync", "--config", str(cfg), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["repos"][0]


def test_sync_mirrors_new_commits_reusing_unchanged_files(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str, tmp_path: Path
) -> None:
    v1 = small_repo()
    hub = hub_factory(v1)
    cfg = tmp_path / "hedge.toml"
    cfg.write_text(
        f'[mirror]\nhub_endpoint = "{hub.url}"\nendpoint_url = "{seaweed.endpoint}"\n'
        f'part_size = "5MiB"\ndest = "s3://{bucket}/m"\nwatch = ["{REPO}"]\n'
    )
    first = sync(cfg)
    assert first["status"] == "updated" and first["commit"] == v1.commit
    assert first["server_copied"] == 0

    served = dict(hub.bytes_served)
    again = sync(cfg)
    assert again["status"] == "up-to-date" and hub.bytes_served == served  # nothing read

    # A new commit: one shard changes, one file is added, the rest is the same bytes.
    old = v1.file(CHANGED)
    assert old is not None
    files = [f for f in small_repo().files if f.path != CHANGED]
    files.append(HubFile(CHANGED, old.size, seed=555))
    files.append(HubFile("generation_config.json", 9, lfs=False, content=b'{"t": 1}\n'))
    v2 = HubRepo(REPO, files, commit=hashlib.sha1(b"v2").hexdigest())
    hub.repos[REPO] = v2
    hub.bytes_served.clear()
    second = sync(cfg)
    assert second["status"] == "updated" and second["commit"] == v2.commit
    assert second["previous"] == v1.commit
    assert second["server_copied"] == len(files) - 2
    assert set(hub.bytes_served) == {CHANGED, "generation_config.json"}  # only these downloaded
    ref = s3.get_object(Bucket=bucket, Key=f"m/{REPO}/refs/main")["Body"].read().decode()
    assert ref == v2.commit
    copied = s3.head_object(Bucket=bucket, Key=f"m/{REPO}/{v2.commit}/tiktoken.model")
    assert copied["Metadata"]["hf-commit"] == v2.commit  # the new commit's metadata, not the old

    verify = CliRunner().invoke(
        app, ["mirror", "verify", REPO, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint]
    )
    assert verify.exit_code == 0, verify.output
    # Nothing pruned unless asked: the old commit is still there.
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"m/{REPO}/{v1.commit}/")["KeyCount"] > 0

    pruned = sync(cfg, "--prune")
    assert pruned["status"] == "up-to-date" and pruned["pruned"] == [v1.commit]
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"m/{REPO}/{v1.commit}")["KeyCount"] == 0
    verify = CliRunner().invoke(
        app, ["mirror", "verify", REPO, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint]
    )
    assert verify.exit_code == 0, verify.output


def test_sync_without_watched_repos_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "hedge.toml"
    cfg.write_text('[mirror]\ndest = "s3://some-bucket"\n')
    result = CliRunner().invoke(app, ["mirror", "sync", "--config", str(cfg)])
    assert result.exit_code == 2 and "watch" in result.stderr


def test_server_side_copy_above_the_single_copy_limit(
    seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """UploadPartCopy path (S3 refuses CopyObject above 5 GiB), with the limits scaled down."""
    from hedgectl.adapters.s3 import S3Adapter
    from hedgectl.core.mirror import Target

    data = bytes(range(256)) * (48 * 1024 + 7)  # ~12 MiB
    s3.put_object(Bucket=bucket, Key="src/blob", Body=data)
    store = S3Adapter(Target(bucket), endpoint_url=seaweed.endpoint, region="us-east-1")
    store.max_single_copy = store.copy_part = 5 * 1024 * 1024
    store.copy("src/blob", "dst/blob", {"hf-sha256": "x"}, len(data))
    got = s3.get_object(Bucket=bucket, Key="dst/blob")
    assert got["Body"].read() == data and got["Metadata"] == {"hf-sha256": "x"}
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
