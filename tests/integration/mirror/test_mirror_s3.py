"""hedgectl mirror end to end: the real huggingface_hub client against the test Hub, real SeaweedFS."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app
from tests.integration.mirror.conftest import mirror_args, small_repo
from tests.servers.hub import HubServer
from tests.servers.seaweed import CountingProxy, Seaweed

REPO = "acme/tiny-model"


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def copy(hub: HubServer, weed: Seaweed, dest: str, *extra: str, endpoint: str | None = None) -> Any:
    return run(
        "mirror",
        REPO,
        dest,
        *mirror_args(hub, weed, "--part-size", "5MiB", *extra, endpoint=endpoint),
    )


def objects(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            out[obj["Key"][len(prefix) :]] = s3.get_object(Bucket=bucket, Key=obj["Key"])[
                "Body"
            ].read()
    return out


def test_full_mirror_is_byte_identical_and_verifies(
    hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    repo = hub.repos[REPO]
    result = copy(hub, seaweed, f"s3://{bucket}/weights", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["schema"] == "hedgectl.mirror/v1"
    assert summary["commit"] == repo.commit
    assert summary["copied"] == len(repo.files)

    # <prefix>/<org>/<name>/<commit>/<path> holds exactly the repo's files, byte for byte.
    stored = objects(s3, bucket, f"weights/{REPO}/{repo.commit}/")
    assert sorted(stored) == sorted(f.path for f in repo.files)
    for f in repo.files:
        assert hashlib.sha256(stored[f.path]).hexdigest() == f.sha256, f.path
        head = s3.head_object(Bucket=bucket, Key=f"weights/{REPO}/{repo.commit}/{f.path}")
        key = "hf-sha256" if f.lfs else "hf-git-sha1"
        assert head["Metadata"][key] == (f.sha256 if f.lfs else f.oid)

    # The manifest sits beside the folder, and the ref names the commit.
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key=f"weights/{REPO}/{repo.commit}.manifest.json")[
            "Body"
        ].read()
    )
    assert manifest["commit"] == repo.commit and manifest["license"] == "mit"
    assert {e["path"]: e["size"] for e in manifest["files"]} == {f.path: f.size for f in repo.files}
    ref = s3.get_object(Bucket=bucket, Key=f"weights/{REPO}/refs/main")["Body"].read().decode()
    assert ref == repo.commit

    # The bytes came from the CDN origin as ranged reads, after one resolve HEAD per LFS file.
    cdn = hub.requests(origin="cdn")
    assert cdn and all(e["status"] == 206 for e in cdn)

    ok = run(
        "mirror",
        "verify",
        REPO,
        f"s3://{bucket}/weights",
        "--endpoint-url",
        seaweed.endpoint,
        "--json",
    )
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["ok"] is True and report["files_checked"] == len(repo.files)


def test_verify_reports_every_difference_with_exit_1(
    hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    repo = hub.repos[REPO]
    assert copy(hub, seaweed, f"s3://{bucket}/m").exit_code == 0
    base = f"m/{REPO}/{repo.commit}/"
    shard = "model-00001-of-00003.safetensors"
    body = bytearray(s3.get_object(Bucket=bucket, Key=base + shard)["Body"].read())
    body[1000] ^= 1  # same size, one bit flipped
    s3.put_object(Bucket=bucket, Key=base + shard, Body=bytes(body))
    s3.delete_object(Bucket=bucket, Key=base + "config.json")
    s3.put_object(Bucket=bucket, Key=base + "stray.bin", Body=b"x")

    bad = run(
        "mirror",
        "verify",
        f"{REPO}@{repo.commit}",
        f"s3://{bucket}/m",
        "--endpoint-url",
        seaweed.endpoint,
        "--json",
    )
    assert bad.exit_code == 1
    diffs = {(d["path"], d["problem"]) for d in json.loads(bad.stdout)["differences"]}
    assert diffs == {(shard, "hash"), ("config.json", "missing"), ("stray.bin", "extra")}


def test_rerun_uploads_nothing(hub: HubServer, seaweed: Seaweed, bucket: str) -> None:
    assert copy(hub, seaweed, f"s3://{bucket}/m").exit_code == 0
    before = len(hub.requests(origin="cdn"))
    proxy = CountingProxy(seaweed.endpoint).start()
    try:
        again = copy(hub, seaweed, f"s3://{bucket}/m", "--json", endpoint=proxy.url)
    finally:
        proxy.stop()
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert summary["skipped"] == len(hub.repos[REPO].files) and summary["bytes_sent"] == 0
    writes = [e for e in proxy.log if e["method"] in ("PUT", "POST", "DELETE")]
    assert writes == []
    assert len(hub.requests(origin="cdn")) == before  # not a byte read from the source either


def test_retries_429_5xx_drops_and_expired_urls(
    hub: HubServer, seaweed: Seaweed, bucket: str
) -> None:
    from collections import deque

    faults = hub.faults
    faults.statuses["model-00001-of-00003.safetensors"] = deque([429, 503])
    faults.drops["model-00002-of-00003.safetensors"] = deque([700_000, 10])
    faults.expire["model-00003-of-00003.safetensors"] = 1
    faults.statuses["config.json"] = deque([500])
    faults.api_statuses.extend([503])
    result = copy(hub, seaweed, f"s3://{bucket}/m")
    assert result.exit_code == 0, result.output
    shard1 = [
        e["status"] for e in hub.requests(origin="cdn", path="model-00001-of-00003.safetensors")
    ]
    assert 429 in shard1 and 503 in shard1 and shard1.count(206) >= 3
    # The expired URL was refreshed: a second resolve HEAD for that file.
    resolves = [
        e
        for e in hub.requests(origin="hub", path="model-00003-of-00003.safetensors")
        if e["method"] == "HEAD"
    ]
    assert len(resolves) == 2
    ok = run("mirror", "verify", REPO, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint)
    assert ok.exit_code == 0, ok.output


def test_a_source_that_ignores_range_still_mirrors_correctly(
    hub: HubServer, seaweed: Seaweed, bucket: str
) -> None:
    shard = "model-00002-of-00003.safetensors"
    hub.faults.ignore_range.add(shard)
    result = copy(hub, seaweed, f"s3://{bucket}/m")
    assert result.exit_code == 0, result.output
    assert "ignored Range" in result.stderr
    assert {e["status"] for e in hub.requests(origin="cdn", path=shard)} == {200}
    ok = run("mirror", "verify", REPO, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint)
    assert ok.exit_code == 0, ok.output


def test_a_large_file_from_a_source_without_range_is_refused(
    hub_factory: Any, seaweed: Seaweed, bucket: str
) -> None:
    from tests.servers.hub import HubFile, HubRepo

    big = HubFile("model.safetensors", 46 * 1024 * 1024, seed=5)  # 10 parts of 5 MiB
    hub = hub_factory(HubRepo(REPO, [big]))
    hub.faults.ignore_range.add(big.path)
    result = copy(hub, seaweed, f"s3://{bucket}/m")
    assert result.exit_code == 4
    assert "ignores HTTP Range" in result.stderr and "--part-size" in result.stderr


def test_corrupted_source_byte_is_refused(
    hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    bad = "model-00002-of-00003.safetensors"
    hub.faults.corrupt.add(bad)
    repo = hub.repos[REPO]
    result = copy(hub, seaweed, f"s3://{bucket}/m")
    assert result.exit_code == 4
    assert bad in result.stderr and repo.file(bad).sha256 in result.stderr  # type: ignore[union-attr]
    key = f"m/{REPO}/{repo.commit}/{bad}"
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key=key)
    assert not s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads")  # aborted
    # Nothing is published while a file is missing.
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key=f"m/{REPO}/refs/main")


def test_file_changed_under_pinned_commit_is_an_error(
    hub: HubServer, seaweed: Seaweed, bucket: str
) -> None:
    hub.faults.etag_changed.add("tiktoken.model")
    result = copy(hub, seaweed, f"s3://{bucket}/m")
    assert result.exit_code == 4
    assert "tiktoken.model changed under pinned commit" in result.stderr
    assert "re-run" in result.stderr  # the hint says what to do


def test_shards_together_equal_the_whole_repo(
    hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = hub.repos[REPO]
    copied: list[str] = []
    for index in range(3):
        if index == 2:  # the last worker takes its index from the Indexed Job's environment
            monkeypatch.setenv("JOB_COMPLETION_INDEX", "2")
            shard = "auto/3"
        else:
            shard = f"{index}/3"
        result = copy(hub, seaweed, f"s3://{bucket}/m", "--shard", shard, "--json")
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        copied += [f["path"] for f in summary["files"] if f["status"] == "copied"]
        # Only the worker that completes the set publishes the manifest and the ref.
        assert (summary["manifest"] is not None) == (index == 2)
    assert sorted(copied) == sorted(f.path for f in repo.files)  # each file exactly once
    stored = objects(s3, bucket, f"m/{REPO}/{repo.commit}/")
    assert sorted(stored) == sorted(f.path for f in repo.files)
    ok = run("mirror", "verify", REPO, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint)
    assert ok.exit_code == 0, ok.output


def test_dry_run_plans_without_writing(
    hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    repo = hub.repos[REPO]
    first = copy(hub, seaweed, f"s3://{bucket}/m", "--include", "*.json")
    assert first.exit_code == 0, first.output
    plan = copy(hub, seaweed, f"s3://{bucket}/m", "--dry-run", "--json", "--exclude", "inference/*")
    assert plan.exit_code == 0, plan.output
    p = json.loads(plan.stdout)
    assert p["action"] == "plan" and p["commit"] == repo.commit
    states = {f["path"]: f["state"] for f in p["files"]}
    assert "inference/generate.py" not in states
    assert states["config.json"] == "complete" and states["tiktoken.model"] == "missing"
    assert p["total_bytes"] == sum(
        f.size for f in repo.files if not f.path.startswith("inference/")
    )
    assert p["estimate"]["seconds"] > 0 and p["estimate"]["storage_usd_month"] >= 0
    text = copy(hub, seaweed, f"s3://{bucket}/m", "--dry-run")
    assert repo.commit in text.stdout and "to copy" in text.stdout
    # Nothing but the first run's files is in the bucket.
    assert sorted(objects(s3, bucket, f"m/{REPO}/{repo.commit}/")) == [
        "config.json",
        "tokenizer_config.json",
    ]


def test_pagination_and_revision_pinning(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    repo = small_repo(shards=2, shard_size=6 * 1024 * 1024)
    repo.refs["v1"] = repo.commit
    hub = hub_factory(repo, page_size=2)
    result = run("mirror", f"{REPO}@v1", f"s3://{bucket}", *mirror_args(hub, seaweed, "--json"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revision"] == "v1"
    assert (
        s3.get_object(Bucket=bucket, Key=f"{REPO}/refs/v1")["Body"].read().decode() == repo.commit
    )
    tree_calls = [e for e in hub.requests(origin="hub") if "/tree/" in e.get("path", "")]
    assert len(tree_calls) > 3  # the listing was paginated and every page followed
    assert all(
        f"/tree/{repo.commit}" in e["path"] for e in tree_calls
    )  # listed at the commit, not v1


def test_remote_errors_exit_4_with_a_hint(hub: HubServer, seaweed: Seaweed, bucket: str) -> None:
    missing = run("mirror", "acme/nope", f"s3://{bucket}", *mirror_args(hub, seaweed))
    assert missing.exit_code == 4 and "not found" in missing.stderr
    nobucket = run("mirror", REPO, "s3://no-such-bucket-here", *mirror_args(hub, seaweed))
    assert nobucket.exit_code == 4 and "does not exist" in nobucket.stderr
    unfinished = run("mirror", "verify", REPO, f"s3://{bucket}", "--endpoint-url", seaweed.endpoint)
    assert unfinished.exit_code == 1 and "no finished mirror" in unfinished.stderr


def test_hedge_toml_mirror_section_and_env_precedence(
    hub: HubServer, seaweed: Seaweed, bucket: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "hedge.toml"
    # The file names a dead endpoint; AWS_ENDPOINT_URL (environment) must win over it.
    cfg.write_text(
        f'[mirror]\nendpoint_url = "http://127.0.0.1:1"\nhub_endpoint = "{hub.url}"\n'
        'part_size = "5MiB"\nconcurrency = 3\n'
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", seaweed.endpoint)
    result = run("mirror", REPO, f"s3://{bucket}/cfg", "--config", str(cfg), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["copied"] == len(hub.repos[REPO].files)
