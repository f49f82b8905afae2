"""mirror: copy a Hub repo at a pinned commit into S3, plan it (dry run), verify it, list presets."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgectl import __version__
from hedgectl.core.units import parse_size
from hedgectl.errors import UsageError
from hedgectl.services import settings as _settings

if TYPE_CHECKING:
    from hedgectl.core.mirror import (
        CopyResult,
        Plan,
        PlanView,
        PresetsView,
        Progress,
        Source,
        Target,
        VerifyResult,
    )
    from hedgectl.core.mirror.config import MirrorSettings

ADDRESSING = ("auto", "path", "virtual")
DEFAULT_HUB = "https://huggingface.co"


@dataclass(frozen=True)
class MirrorRequest:
    """A copy (or its dry-run plan); None means "not given" (env, hedge.toml [mirror], default)."""

    source: str  # a preset name or org/name, optionally @revision
    dest: str  # s3://bucket[/prefix]
    revision: str | None = None  # branch, tag or commit (default: main, or the @revision)
    include: Sequence[str] = ()  # only paths matching these globs
    exclude: Sequence[str] = ()
    endpoint_url: str | None = None  # S3-compatible endpoint (AWS_ENDPOINT_URL[_S3], [mirror])
    region: str | None = None  # S3 region (AWS_REGION, AWS_DEFAULT_REGION, [mirror])
    addressing_style: str | None = None  # auto | path | virtual
    hub_endpoint: str | None = None  # Hub endpoint (HF_ENDPOINT, [mirror], huggingface.co)
    concurrency: int | None = None  # parts in flight (default 8)
    part_size: int | str | None = None  # bytes or e.g. "64MiB" (default 32 MiB)
    shard: str | None = (
        None  # "I/N", or "auto/N" (JOB_COMPLETION_INDEX / AWS_BATCH_JOB_ARRAY_INDEX)
    )
    bandwidth_gbps: float | None = None  # line rate for the dry-run estimate
    config: Path | None = None


@dataclass(frozen=True)
class VerifyRequest:
    """Read a finished mirror back and check it against its manifest."""

    source: str  # preset or org/name, optionally @revision or @commit (resolved from refs/)
    dest: str
    revision: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str | None = None
    concurrency: int | None = None
    shard: str | None = None
    config: Path | None = None


def presets() -> PresetsView:
    """The mirror presets shipped in the catalog."""
    from hedgectl.core.mirror import PresetsView

    return PresetsView(_presets())


def plan_mirror(request: MirrorRequest, *, progress: Progress | None = None) -> PlanView:
    """The dry run: the pinned commit, the files, what is already there, time and cost estimates."""
    from hedgectl.core import mirror as core

    with _session(request, progress) as run:
        plan = run.plan()
        settings = run.settings
        bandwidth = request.bandwidth_gbps
        est = core.estimate(
            plan.total_bytes - plan.present_bytes,
            bandwidth if bandwidth is not None else settings.bandwidth_gbps,
            settings.price_per_gb_month,
        )
        est["storage_usd_month"] = core.estimate(
            sum(f.size for f in plan.selection), 1.0, settings.price_per_gb_month
        )["storage_usd_month"]
        return core.PlanView(plan, est)


def mirror(request: MirrorRequest, *, progress: Progress | None = None) -> CopyResult:
    """Copy SOURCE into DEST, resuming whatever an earlier run left; write the manifest and the
    ref when every shard is done (result.manifest_key is None while other shards still work).

    On KeyboardInterrupt the copy stops submitting work and the interrupt propagates; nothing is
    lost (the same request resumes).
    """
    from hedgectl.core import mirror as core

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with _session(request, progress) as run:
        plan = run.plan()
        copier = core.Copier(run.hub, run.store, progress, concurrency=run.workers)
        try:
            result = copier.run(plan)
        except KeyboardInterrupt:
            copier.cancel()
            raise
        finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        keys = core.finalize(
            plan,
            run.store,
            tool_version=__version__,
            started_at=started_at,
            finished_at=finished_at,
        )
        bucket = run.target.bucket
        if keys is not None:
            result.manifest_key, result.ref_key = keys
            run.log(f"manifest s3://{bucket}/{keys[0]}; ref s3://{bucket}/{keys[1]}")
        else:
            run.log(
                "other shards still have files to copy: the last one to finish writes the manifest"
            )
        return result


def verify_mirror(request: VerifyRequest, *, progress: Progress | None = None) -> VerifyResult:
    """Read every object back; result.ok is False when anything is missing, extra or differs."""
    from hedgectl.core import mirror as core

    settings = _mirror_settings(request.config)
    target = core.parse_dest(request.dest)
    src = core.parse_source(request.source, _presets(), request.revision)
    shard_ix = _shard(request.shard)
    workers = request.concurrency or settings.concurrency
    store = _store(target, request, settings, workers + 4)
    store.check_bucket()
    return core.verify(
        store,
        target,
        src.repo_id,
        src.revision,
        concurrency=workers,
        shard=shard_ix,
        progress=progress,
    )


@dataclass
class _Session:
    """One copy's checked arguments and its two connections."""

    request: MirrorRequest
    settings: MirrorSettings
    target: Target
    source: Source
    shard: tuple[int, int]
    part_size: int
    workers: int
    hub: Any
    store: Any
    log: Callable[[str], None]

    def plan(self) -> Plan:
        from hedgectl.core import mirror as core

        self.store.check_bucket()
        src = self.source
        self.log(f"resolving {src.repo_id}@{src.revision} on {self.hub.endpoint}")
        snap = self.hub.snapshot(src.repo_id, src.revision)
        self.log(f"pinned {src.repo_id}@{src.revision} to commit {snap.commit}")
        return core.make_plan(
            snap,
            self.target,
            self.store,
            part_size=self.part_size,
            include=self.request.include,
            exclude=self.request.exclude,
            shard=self.shard,
        )


@contextmanager
def _session(request: MirrorRequest, progress: Progress | None) -> Iterator[_Session]:
    """Settings and arguments checked before any network call, then the Hub and the store."""
    from hedgectl.core import mirror as core

    settings = _mirror_settings(request.config)
    target = core.parse_dest(request.dest)
    src = core.parse_source(request.source, _presets(), request.revision)
    shard = _shard(request.shard)
    psize = _part_size(request.part_size, settings.part_size)
    core.part_size_for(0, psize)  # range check before any network call
    workers = request.concurrency or settings.concurrency
    if workers < 1:
        raise UsageError("--concurrency must be at least 1")
    log: Callable[[str], None] = progress.log if progress is not None else _silent
    hub = _hub(request.hub_endpoint, settings, workers + 4, log)
    try:
        store = _store(target, request, settings, workers + 4)
        yield _Session(request, settings, target, src, shard, psize, workers, hub, store, log)
    finally:
        hub.close()


def _silent(_message: str) -> None:
    pass


def _mirror_settings(config: Path | None) -> MirrorSettings:
    from hedgectl.core.mirror.config import MirrorSettings

    value = _settings.load(config).section("mirror")
    return value if isinstance(value, MirrorSettings) else MirrorSettings()


def _presets() -> dict[str, dict[str, Any]]:
    from hedgectl.catalog import load_data

    data: dict[str, dict[str, Any]] = load_data("presets.toml")["presets"]
    return data


def _part_size(value: int | str | None, configured: int) -> int:
    if value is None or value == "":
        return configured
    return value if isinstance(value, int) else parse_size(value)


def _shard(text: str | None) -> tuple[int, int]:
    from hedgectl.core.mirror import parse_shard

    if text is None:
        return 0, 1
    index, _, count = text.partition("/")
    if index.strip() == "auto":
        for var in ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"):
            if os.environ.get(var, "").strip():
                return parse_shard(f"{os.environ[var].strip()}/{count}")
        raise UsageError(
            f"--shard {text}: neither JOB_COMPLETION_INDEX nor AWS_BATCH_JOB_ARRAY_INDEX is set",
            hint="pass the index explicitly, e.g. --shard 0/4",
        )
    return parse_shard(text)


def _hub(endpoint: str | None, settings: MirrorSettings, pool: int, log: Any) -> Any:
    from huggingface_hub import get_token

    from hedgectl.adapters.hub import HubAdapter

    # Precedence: flag > HF_ENDPOINT (the Hub client's own variable) > hedge.toml > huggingface.co.
    env_endpoint = os.environ.get("HF_ENDPOINT", "").strip() or None
    return HubAdapter(
        endpoint or env_endpoint or settings.hub_endpoint or DEFAULT_HUB,
        token=get_token(),
        pool_size=pool,
        log=log,
    )


def _store(
    target: Target, request: MirrorRequest | VerifyRequest, settings: MirrorSettings, pool: int
) -> Any:
    from hedgectl.adapters.s3 import S3Adapter

    _settings.check_choice(request.addressing_style, ADDRESSING, "--addressing-style")
    # Precedence: flag > environment (the AWS SDK's own variables) > hedge.toml.
    env_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    env_region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return S3Adapter(
        target,
        endpoint_url=request.endpoint_url or env_endpoint or settings.endpoint_url,
        region=request.region or env_region or settings.region,
        addressing_style=request.addressing_style or settings.addressing_style,
        pool_size=pool,
    )
