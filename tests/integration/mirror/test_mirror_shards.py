"""--shard I/N end to end: N workers mirror one repository together (real SeaweedFS, test Hub);
each copies its own files, and the one that completes the set writes the manifest and the ref."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.integration.mirror.conftest import mirror_args, small_repo
from tests.integration.mirror.test_mirror_s3 import run
from tests.servers.hub import HubServer
from tests.servers.seaweed import ACCESS_KEY, SECRET_KEY, Seaweed

REPO = "acme/sharded"


def _keys(s3: Any, bucket: str, prefix: str) -> set[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"][len(prefix) :] for o in listed}


def test_shards_copy_disjoint_files_and_the_last_one_publishes(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str, monkeypatch: Any
) -> None:
    repo = small_repo(REPO, shards=4, shard_size=6 * 1024 * 1024)
    hub: HubServer = hub_factory(repo)
    dest = f"s3://{bucket}/m"
    args = mirror_args(hub, seaweed, "--part-size", "5MiB", "--json")

    first = run("mirror", REPO, dest, "--shard", "0/2", *args)
    assert first.exit_code == 0, first.output
    # Not complete yet: no manifest, no ref (serve and vLLM must not see a half mirror).
    root = f"m/{REPO}/"
    assert _keys(s3, bucket, root + "refs/") == set()
    assert f"{repo.commit}.manifest.json" not in _keys(s3, bucket, root)
    assert "other shards still have files to copy" in first.stderr

    monkeypatch.setenv("JOB_COMPLETION_INDEX", "1")  # a Kubernetes Indexed Job's worker 1
    second = run("mirror", REPO, dest, "--shard", "auto/2", *args)
    assert second.exit_code == 0, second.output

    mine = [{f["path"] for f in json.loads(r.stdout)["files"]} for r in (first, second)]
    assert mine[0] and mine[1] and not mine[0] & mine[1]  # each file in exactly one shard
    assert mine[0] | mine[1] == {f.path for f in repo.files}
    sizes = [sum(f.size for f in repo.files if f.path in m) for m in mine]
    assert max(sizes) - min(sizes) <= max(f.size for f in repo.files)  # balanced by bytes
    assert _keys(s3, bucket, f"{root}{repo.commit}/") == {f.path for f in repo.files}
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key=f"{root}{repo.commit}.manifest.json")["Body"].read()
    )
    assert {e["path"] for e in manifest["files"]} == {f.path for f in repo.files}
    ref = s3.get_object(Bucket=bucket, Key=f"{root}refs/main")["Body"].read().decode()
    assert ref == repo.commit

    for extra in ((), ("--shard", "0/2"), ("--shard", "1/2")):
        ok = run("mirror", "verify", REPO, dest, "--endpoint-url", seaweed.endpoint, *extra)
        assert ok.exit_code == 0, ok.output


def test_shard_workers_running_at_once_leave_one_complete_mirror(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """Three worker processes at the same time, as an Indexed Job or a Batch array starts them."""
    repo = small_repo(REPO, shards=3, shard_size=6 * 1024 * 1024, seed=7)
    hub: HubServer = hub_factory(repo)
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION="us-east-1",
    )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hedgectl",
                "mirror",
                REPO,
                f"s3://{bucket}/m",
                "--shard",
                "auto/3",
                "-q",
                *mirror_args(hub, seaweed, "--part-size", "5MiB"),
            ],
            env=dict(env, AWS_BATCH_JOB_ARRAY_INDEX=str(index)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(3)
    ]
    errors = [w.communicate(timeout=300)[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], errors
    root = f"m/{REPO}/"
    assert _keys(s3, bucket, f"{root}{repo.commit}/") == {f.path for f in repo.files}
    ref = s3.get_object(Bucket=bucket, Key=f"{root}refs/main")["Body"].read().decode()
    assert ref == repo.commit
    ok = run("mirror", "verify", REPO, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint)
    assert ok.exit_code == 0, ok.output
