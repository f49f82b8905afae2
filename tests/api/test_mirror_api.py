"""hedgectl.mirror(...) called directly: the real huggingface_hub client against the test Hub
server, a real SeaweedFS; plan (dry run), copy, resume-as-no-op, verify, presets."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

import hedgectl
from hedgectl.core.mirror import CopyResult, PlanView
from hedgectl.errors import ExitCode, HedgeError
from tests.servers.hub import HubServer
from tests.servers.seaweed import Seaweed

REPO = "acme/tiny-model"


class Recorder:
    """A progress sink (the core's Progress port) that remembers what it was told."""

    def __init__(self) -> None:
        self.ended: dict[str, str] = {}
        self.bytes = 0
        self.lines: list[str] = []

    def begin(self, total_bytes: int, total_files: int) -> None:
        self.total = (total_bytes, total_files)

    def file_begin(self, path: str, size: int) -> None:
        pass

    def advance(self, path: str, nbytes: int) -> None:
        self.bytes += nbytes

    def file_end(self, path: str, status: str) -> None:
        self.ended[path] = status

    def log(self, message: str) -> None:
        self.lines.append(message)


def options(hub: HubServer, seaweed: Seaweed) -> dict[str, Any]:
    return {"hub_endpoint": hub.url, "endpoint_url": seaweed.endpoint, "part_size": "5MiB"}


def test_plan_copy_verify(hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str) -> None:
    repo = hub.repos[REPO]
    dest = f"s3://{bucket}/weights"

    plan = hedgectl.mirror(REPO, dest, dry_run=True, **options(hub, seaweed))
    assert isinstance(plan, PlanView)
    assert plan.plan.snapshot.commit == repo.commit
    assert plan.plan.total_bytes == sum(f.size for f in repo.files)
    assert plan.plan.present_bytes == 0
    assert not s3.list_objects_v2(Bucket=bucket).get("Contents")  # a dry run writes nothing

    progress = Recorder()
    result = hedgectl.mirror(REPO, dest, progress=progress, **options(hub, seaweed))
    assert isinstance(result, CopyResult)
    assert result.count("copied") == len(repo.files)
    assert result.manifest_key == f"weights/{REPO}/{repo.commit}.manifest.json"
    assert progress.ended == {f.path: "copied" for f in repo.files}
    assert any(line.startswith("pinned ") for line in progress.lines)
    for f in repo.files:
        body = s3.get_object(Bucket=bucket, Key=f"weights/{REPO}/{repo.commit}/{f.path}")
        assert hashlib.sha256(body["Body"].read()).hexdigest() == f.sha256, f.path

    again = hedgectl.mirror(REPO, dest, **options(hub, seaweed))
    assert again.bytes_sent == 0 and again.count("skipped") == len(repo.files)  # type: ignore[union-attr]

    verified = hedgectl.verify_mirror(REPO, dest, endpoint_url=seaweed.endpoint)
    assert verified.ok and verified.files == len(repo.files) and verified.commit == repo.commit

    s3.delete_object(Bucket=bucket, Key=f"weights/{REPO}/{repo.commit}/config.json")
    broken = hedgectl.verify_mirror(REPO, dest, endpoint_url=seaweed.endpoint)
    assert not broken.ok
    assert [(d.path, d.problem) for d in broken.differences] == [("config.json", "missing")]


def test_settings_come_from_hedge_toml(
    hub: HubServer, seaweed: Seaweed, bucket: str, tmp_path: Any
) -> None:
    config = tmp_path / "hedge.toml"
    config.write_text(
        f'[mirror]\nendpoint_url = "{seaweed.endpoint}"\nhub_endpoint = "{hub.url}"\n'
        'part_size = "5MiB"\nprice_per_gb_month = 1.0\n',
        encoding="utf-8",
    )
    plan = hedgectl.mirror(REPO, f"s3://{bucket}/m", dry_run=True, config=config)
    assert isinstance(plan, PlanView)
    assert {p.part_size for p in plan.plan.files} == {5 * 1024 * 1024}
    assert plan.estimate["price_per_gb_month"] == 1.0


def test_presets_and_bad_requests() -> None:
    presets = hedgectl.mirror_presets().presets
    assert presets and all("repo" in p for p in presets.values())
    with pytest.raises(HedgeError) as info:
        hedgectl.mirror(REPO, "http://not-s3/bucket")
    assert info.value.exit_code == ExitCode.USAGE
    with pytest.raises(HedgeError, match="shard") as info:
        hedgectl.mirror(REPO, "s3://bucket/x", shard="auto/4")
    assert info.value.exit_code == ExitCode.USAGE


def test_environment_beats_hedge_toml_and_arguments_beat_both(
    hub: HubServer, seaweed: Seaweed, bucket: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    config = tmp_path / "hedge.toml"
    config.write_text(
        f'[mirror]\nendpoint_url = "{dead}"\nhub_endpoint = "{dead}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", seaweed.endpoint)
    plan = hedgectl.mirror(REPO, f"s3://{bucket}/env", dry_run=True, config=config)
    assert isinstance(plan, PlanView) and plan.plan.snapshot.commit == hub.repos[REPO].commit
    monkeypatch.setenv("HF_ENDPOINT", dead)
    monkeypatch.setenv("AWS_ENDPOINT_URL", dead)
    plan = hedgectl.mirror(
        REPO,
        f"s3://{bucket}/flags",
        dry_run=True,
        config=config,
        hub_endpoint=hub.url,
        endpoint_url=seaweed.endpoint,
    )
    assert isinstance(plan, PlanView) and plan.plan.snapshot.commit == hub.repos[REPO].commit
