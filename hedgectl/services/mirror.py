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
    part_size: int | str | None = None  # bytes or e.g. "64MiB" (default 8 MiB)
    shard: str | None = (
        None  # "I/N", or "auto/N" (JOB_COMPLETION_INDEX / AWS_BATCH_JOB_ARRAY_INDEX)
    )
    bandwidth_gbps: float | None = None  # line rate for the dry-run estimate
    retries: int | None = None  # tries per request, Hub and S3 alike (default 8)
    retry_seconds: float | None = None  # give up this long after a request's first failure (300)
    source_kind: str = "hub"  # hub | modelscope: where the bytes come from
    source_endpoint: str | None = None  # ModelScope endpoint (MODELSCOPE_ENDPOINT, modelscope.cn)
    source_repo: str | None = None  # repo id on ModelScope when it is not the Hub's
    source_revision: str | None = None  # ModelScope branch or tag (default master)
    manifest: Path | None = None  # an earlier mirror's manifest: the hashes to check against
    config: Path | None = None


@dataclass(frozen=True)
class ServeRequest:
    """Serve a mirror read-only as a Hub endpoint."""

    dest: str
    host: str = "127.0.0.1"
    port: int = 8080  # 0 picks a free port
    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str | None = None
    config: Path | None = None


@dataclass(frozen=True)
class SyncRequest:
    """Bring the watched repositories ([mirror] watch) to their newest commits."""

    dest: str | None = None  # default: [mirror] dest
    prune: bool = False  # delete mirrored commits no ref points to any more
    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str | None = None
    hub_endpoint: str | None = None
    concurrency: int | None = None
    retries: int | None = None
    retry_seconds: float | None = None
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
        copier = core.Copier(
            run.hub, run.store, progress, concurrency=run.workers, local=_local_states()
        )
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
    workers = _workers(request.concurrency, settings)
    log: Callable[[str], None] = progress.log if progress is not None else _silent
    store = _store(target, request, settings, workers + 4, None, log)
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
    workers = _workers(request.concurrency, settings)
    retry = _retry(request.retries, request.retry_seconds, settings)
    if request.source_kind not in ("hub", "modelscope"):
        raise UsageError(f"--source must be hub or modelscope, not '{request.source_kind}'")
    log: Callable[[str], None] = progress.log if progress is not None else _silent
    store = _store(target, request, settings, workers + 4, retry, log)
    if request.source_kind == "hub":
        hub = _hub(request.hub_endpoint, settings, workers + 4, log, retry)
    else:
        reference = _reference(request, store, target, settings, log, retry)
        hub = _modelscope(request, reference, workers + 4, log, retry)
    try:
        yield _Session(request, settings, target, src, shard, psize, workers, hub, store, log)
    finally:
        hub.close()


def _silent(_message: str) -> None:
    pass


def _local_states() -> Any:
    """Where uploads in progress keep their checkpoints on this machine (None: nowhere writable)."""
    from hedgectl.adapters.localstate import FolderStates

    return FolderStates.open()


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


def _workers(concurrency: int | None, settings: MirrorSettings) -> int:
    workers = settings.concurrency if concurrency is None else concurrency
    if not 1 <= workers <= 256:
        raise UsageError(f"--concurrency must be between 1 and 256, not {workers}")
    return workers


def _retry(attempts: int | None, seconds: float | None, settings: MirrorSettings) -> Any:
    from hedgectl.core.retry import RetryPolicy

    attempts = settings.retry_attempts if attempts is None else attempts
    seconds = settings.retry_seconds if seconds is None else seconds
    if not 1 <= attempts <= 100:
        raise UsageError(f"--retries must be between 1 and 100, not {attempts}")
    if seconds < 0:
        raise UsageError(f"--retry-seconds must not be negative, not {seconds}")
    return RetryPolicy(attempts=attempts, seconds=seconds)


def _hub(
    endpoint: str | None,
    settings: MirrorSettings,
    pool: int,
    log: Any,
    retry: Any = None,
) -> Any:
    from huggingface_hub import get_token

    from hedgectl.adapters.hub import HubAdapter
    from hedgectl.adapters.s3 import check_endpoint_url

    # Precedence: flag > HF_ENDPOINT (the Hub client's own variable) > hedge.toml > huggingface.co.
    env_endpoint = os.environ.get("HF_ENDPOINT", "").strip() or None
    url = check_endpoint_url(endpoint or env_endpoint or settings.hub_endpoint or DEFAULT_HUB)
    return HubAdapter(url, token=get_token(), pool_size=pool, log=log, retry=retry)


def _store(
    target: Target,
    request: MirrorRequest | VerifyRequest | ServeRequest | SyncRequest,
    settings: MirrorSettings,
    pool: int,
    retry: Any = None,
    log: Any = None,
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
        retry=retry,
        **({"log": log} if log is not None else {}),
    )


def _reference(
    request: MirrorRequest,
    store: Any,
    target: Target,
    settings: MirrorSettings,
    log: Callable[[str], None],
    retry: Any,
) -> Callable[[str, str], Any]:
    """Where the files, hashes and commit a second source is checked against come from:
    --manifest, else this destination's own refs/ and manifest, else the Hub's listing."""
    from hedgectl.core import mirror as core
    from hedgectl.errors import FindingsError, RemoteError

    def reference(repo_id: str, revision: str) -> Any:
        if request.manifest is not None:
            try:
                text = request.manifest.read_text(encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--manifest {request.manifest}: {exc.strerror or exc}") from None
            found = core.parse_manifest(text, str(request.manifest))
            if found.get("repo") != repo_id:
                raise UsageError(
                    f"--manifest {request.manifest} is for {found.get('repo')}, not {repo_id}"
                )
            log(f"hashes from {request.manifest} (commit {found['commit']})")
            return core.snapshot_from_manifest(found, revision)
        try:
            commit = core.resolve_commit(store, target, repo_id, revision)
            found = core.load_manifest(store, target, repo_id, commit)
            log(f"hashes from the mirror's own manifest of {repo_id}@{commit[:12]}")
            return core.snapshot_from_manifest(found, revision)
        except FindingsError:
            pass
        hub = _hub(request.hub_endpoint, settings, 4, log, retry)
        try:
            snap = hub.snapshot(repo_id, revision)
        except RemoteError as exc:
            raise RemoteError(
                f"no hashes to check {repo_id}@{revision} against: no manifest in {target.url} "
                f"and the Hub listing failed ({exc})",
                hint="pass --manifest with the manifest of an earlier mirror of this repo",
            ) from None
        finally:
            hub.close()
        log(f"hashes from the Hub listing of {repo_id}@{snap.commit[:12]}")
        return snap

    return reference


def _modelscope(
    request: MirrorRequest, reference: Callable[[str, str], Any], pool: int, log: Any, retry: Any
) -> Any:
    from hedgectl.adapters.modelscope import DEFAULT_ENDPOINT, DEFAULT_REVISION, ModelScopeAdapter
    from hedgectl.adapters.s3 import check_endpoint_url

    endpoint = request.source_endpoint or os.environ.get("MODELSCOPE_ENDPOINT") or DEFAULT_ENDPOINT
    return ModelScopeAdapter(
        check_endpoint_url(endpoint),
        reference,
        repo=request.source_repo,
        revision=request.source_revision or DEFAULT_REVISION,
        token=os.environ.get("MODELSCOPE_API_TOKEN") or None,
        pool_size=pool,
        log=log,
        retry=retry,
    )


def serve_mirror(request: ServeRequest, *, log: Callable[[str], None] = _silent) -> Any:
    """A MirrorServer bound to host:port answering for DEST (not yet serving: call
    serve_forever(), or start_background() and later shutdown() + server_close())."""
    from hedgectl.adapters.hubserve import MirrorServer
    from hedgectl.core import mirror as core
    from hedgectl.core.mirror.serve import MirrorIndex

    settings = _mirror_settings(request.config)
    target = core.parse_dest(request.dest)
    if not 0 <= request.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {request.port}")
    store = _store(target, request, settings, 32, None, log)
    store.check_bucket()
    try:
        return MirrorServer((request.host, request.port), MirrorIndex(store, target), store, log)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {request.host}:{request.port}: {exc.strerror or exc}"
        ) from None


def sync_mirrors(request: SyncRequest, *, progress: Progress | None = None) -> dict[str, Any]:
    """Mirror the newest commit of every watched repository; files unchanged since a mirrored
    commit are copied inside the store. Returns {"dest", "repos": [per-repo entries]}; a repo that
    fails is reported with status "failed" and the others still sync."""
    from hedgectl.core import mirror as core
    from hedgectl.core.mirror.sync import prune_commits
    from hedgectl.errors import HedgeError

    settings = _mirror_settings(request.config)
    if not settings.watch:
        raise UsageError(
            "nothing to sync: [mirror] watch in hedge.toml lists no repositories",
            hint='e.g. watch = ["deepseek-v3.2", "moonshotai/Kimi-K2-Instruct@main"]',
        )
    dest = request.dest or settings.dest
    if not dest:
        raise UsageError("no DEST: pass s3://bucket[/prefix] or set [mirror] dest in hedge.toml")
    target = core.parse_dest(dest)
    presets = _presets()
    sources = [core.parse_source(text, presets, None) for text in settings.watch]
    workers = _workers(request.concurrency, settings)
    retry = _retry(request.retries, request.retry_seconds, settings)
    log: Callable[[str], None] = progress.log if progress is not None else _silent
    store = _store(target, request, settings, workers + 4, retry, log)
    store.check_bucket()
    hub = _hub(request.hub_endpoint, settings, workers + 4, log, retry)
    repos: list[dict[str, Any]] = []
    try:
        for src in sources:
            entry: dict[str, Any] = {"repo": src.repo_id, "revision": src.revision}
            try:
                entry.update(_sync_one(src, target, store, hub, settings, workers, progress, log))
                if request.prune:
                    keep = _ref_commits(store, target, src.repo_id)
                    entry["pruned"] = prune_commits(store, target, src.repo_id, keep)
            except HedgeError as exc:
                entry.update(status="failed", error=str(exc))
                log(f"{src.repo_id}@{src.revision}: {exc}")
            repos.append(entry)
    finally:
        hub.close()
    return {"dest": target.url, "repos": repos}


def _sync_one(
    src: Source,
    target: Target,
    store: Any,
    hub: Any,
    settings: MirrorSettings,
    workers: int,
    progress: Progress | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    from hedgectl.core import mirror as core
    from hedgectl.core.mirror.ports import NullProgress
    from hedgectl.core.mirror.sync import copy_unchanged

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    snap = hub.snapshot(src.repo_id, src.revision)
    previous = store.get_text(target.ref_key(src.repo_id, src.revision))
    previous = previous.strip() if previous else None
    entry: dict[str, Any] = {"commit": snap.commit, "previous": previous}
    published = store.get_text(target.manifest_key(src.repo_id, snap.commit))
    if previous == snap.commit and published is not None:
        log(f"{src.repo_id}@{src.revision}: up to date ({snap.commit[:12]})")
        return {**entry, "status": "up-to-date", "server_copied": 0, "bytes_downloaded": 0}
    plan = core.make_plan(snap, target, store, part_size=settings.part_size)
    copies = copy_unchanged(plan, store, progress or NullProgress())
    plan = core.make_plan(snap, target, store, part_size=settings.part_size)
    copier = core.Copier(hub, store, progress, concurrency=workers, local=_local_states())
    result = copier.run(plan)
    keys = core.finalize(
        plan,
        store,
        tool_version=__version__,
        started_at=started_at,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    log(
        f"{src.repo_id}@{src.revision}: {(previous or 'none')[:12]} -> {snap.commit[:12]}; "
        f"{len(copies)} file(s) copied inside the store, {result.bytes_sent} bytes downloaded"
    )
    return {
        **entry,
        "status": "updated" if keys else "incomplete",
        "server_copied": len(copies),
        "server_copied_bytes": sum(c.size for c in copies),
        "bytes_downloaded": result.bytes_sent,
    }


def _ref_commits(store: Any, target: Target, repo_id: str) -> list[str]:
    """Every commit some refs/<name> of the repo points to (what --prune keeps)."""
    commits = []
    for obj in store.list_objects(target.repo_root(repo_id) + "/refs/"):
        text = store.get_text(obj.key)
        if text:
            commits.append(text.strip())
    return commits
