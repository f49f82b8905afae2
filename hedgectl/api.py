"""hedgectl's Python API: one call per command, the same behaviour as the command line.

    import hedgectl

    result = hedgectl.audit(["src"], fail_on="elevated")
    if result.failing:                      # what `hedgectl audit` exits 1 on
        for finding in result.failing:
            print(finding.path, finding.line, finding.model_id, finding.tier)

Each function builds the request of its command (hedgectl/services/<command>.py), runs it and
returns the object the command's reporters render. Settings resolve as on the command line:
arguments > HEDGECTL_* environment variables > hedge.toml > defaults. Failures raise
hedgectl.errors.HedgeError subclasses (each carries the command's exit code and a hint).

Stability: the names in hedgectl.__all__, their parameters and the documented attributes of
their results follow semantic versioning from 1.0; before 1.0 a minor release may change them
and says so in its notes. Everything else (hedgectl.core, .adapters, .services internals) is
private.

Importing hedgectl is light: each function imports what it needs when called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hedgectl.catalog import Catalog
    from hedgectl.core.audit import AuditResult
    from hedgectl.core.mirror import CopyResult, PlanView, PresetsView, Progress, VerifyResult
    from hedgectl.report.reach import HistoryReport, ReachReport
    from hedgectl.services.config import CheckResult, ExportResult
    from hedgectl.services.rewrite import Outcome

StrPath = str | os.PathLike[str]


def _paths(paths: StrPath | Sequence[StrPath]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


def _path(value: StrPath | None) -> Path | None:
    return None if value is None else Path(value)


def audit(
    paths: StrPath | Sequence[StrPath] = (),
    *,
    fail_on: str | None = None,
    tiers: Sequence[str] = (),
    vendors: Sequence[str] = (),
    baseline: StrPath | None = None,
    write_baseline: StrPath | None = None,
    staged: bool = False,
    diff: str | None = None,
    config_from_base: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    max_file_size: int | str | None = None,
    gate_comments: bool | None = None,
    jobs: int | None = None,
    config: StrPath | None = None,
    cwd: StrPath | None = None,
    repos: Sequence[str] = (),
    repo_jobs: int = 4,
    content: bytes | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_skipped: Callable[[str, str], None] | None = None,
    on_repo: Callable[[str, str], None] | None = None,
) -> AuditResult:
    """Find hard-coded model IDs and provider endpoints (like `hedgectl audit`).

    Returns the AuditResult: `.findings` (each with path, line, model_id, vendor, hq, tier, ...),
    `.failing` (the findings at or above fail_on: non-empty means the gate says no), `.counts()`.
    fail_on: named | elevated | any | never (default: HEDGECTL_FAIL_ON, audit.fail_on, named).
    content: scan these bytes as one document named <stdin> instead of paths.
    config_from_base: a git revision (a pull request's base) whose committed hedge.toml gives
    [audit], [catalog] and the baseline, so the change under audit cannot loosen its own gate.
    on_progress(n) follows the scan; on_skipped(path, reason) names each file not scanned.
    repos: git URLs or folders scanned as separate repositories into one result (then `paths`
    count as repositories too); on_repo(label, status) follows each of them.
    """
    from hedgectl.services.audit import AuditRequest
    from hedgectl.services.audit import audit as run

    return run(
        AuditRequest(
            paths=_paths(paths),
            fail_on=fail_on,
            tiers=tuple(tiers),
            vendors=tuple(vendors),
            baseline=_path(baseline),
            write_baseline=_path(write_baseline),
            staged=staged,
            diff=diff,
            config_from_base=config_from_base,
            include=tuple(include),
            exclude=tuple(exclude),
            max_file_size=max_file_size,
            gate_comments=gate_comments,
            jobs=jobs,
            config=_path(config),
            cwd=_path(cwd),
            repos=tuple(repos),
            repo_jobs=repo_jobs,
            content=content,
        ),
        on_progress=on_progress,
        on_skipped=on_skipped,
        on_repo=on_repo,
    )


def merge_audits(reports: Sequence[StrPath], *, fail_on: str | None = None) -> AuditResult:
    """Combine `audit -f json` reports, one a repository, into one result (like
    `hedgectl audit merge`): each finding tagged with its repository."""
    from hedgectl.services.repos import merge

    return merge([Path(r) for r in reports], fail_on=fail_on)


def rewrite(
    paths: StrPath | Sequence[StrPath] = (),
    *,
    write: bool = False,
    check: bool = False,
    force: bool = False,
    tiers: Sequence[str] = (),
    vendors: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    config: StrPath | None = None,
    cwd: StrPath | None = None,
    js_runtime: str = "auto",
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Move hard-coded model IDs into hedge.toml behind aliases (like `hedgectl rewrite`).

    A dry run unless write=True. Returns the Outcome: `.changes` (path, old and new text of every
    file it would change or did), `.planner.rewrites` and `.planner.new_aliases`, `.listed` (IDs
    in config files), `.unparsable`, `.notes` (such as a tsconfig.json it could not read),
    `.written`. With check=True, non-empty `.changes` is the
    "would change" answer. js_runtime (auto, node, browser) picks the resolver JS/TS files import.
    on_progress(done, total) follows the files.
    """
    from hedgectl.services.rewrite import RewriteRequest
    from hedgectl.services.rewrite import rewrite as run

    return run(
        RewriteRequest(
            paths=_paths(paths),
            write=write,
            check=check,
            force=force,
            tiers=tuple(tiers),
            vendors=tuple(vendors),
            include=tuple(include),
            exclude=tuple(exclude),
            config=_path(config),
            cwd=_path(cwd),
            js_runtime=js_runtime,
        ),
        on_progress=on_progress,
    )


def mirror(
    source: str,
    dest: str,
    *,
    revision: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    endpoint_url: str | None = None,
    region: str | None = None,
    addressing_style: str | None = None,
    hub_endpoint: str | None = None,
    concurrency: int | None = None,
    part_size: int | str | None = None,
    shard: str | None = None,
    dry_run: bool = False,
    bandwidth_gbps: float | None = None,
    retries: int | None = None,
    retry_seconds: float | None = None,
    source_kind: str = "hub",
    source_endpoint: str | None = None,
    source_repo: str | None = None,
    source_revision: str | None = None,
    manifest: StrPath | None = None,
    config: StrPath | None = None,
    progress: Progress | None = None,
) -> CopyResult | PlanView:
    """Copy a Hub repo (preset or org/name[@revision]) into s3://bucket[/prefix] (`hedgectl mirror`).

    Returns the CopyResult (`.files`, `.bytes_sent`, `.manifest_key`, `.ref_key`), or with
    dry_run=True the PlanView (`.plan`, `.estimate`) and nothing is written. Resumes whatever an
    earlier run left. `progress` receives begin/file_begin/advance/file_end/log calls.
    `retries`/`retry_seconds` set the retry budget of every request (Hub and S3 alike);
    source_kind="modelscope" reads the bytes from ModelScope (`source_endpoint`, `source_repo`,
    `source_revision`), checked against `manifest`, the destination's manifest or the Hub listing.
    """
    from hedgectl.services import mirror as service

    request = service.MirrorRequest(
        source=source,
        dest=dest,
        revision=revision,
        include=tuple(include),
        exclude=tuple(exclude),
        endpoint_url=endpoint_url,
        region=region,
        addressing_style=addressing_style,
        hub_endpoint=hub_endpoint,
        concurrency=concurrency,
        part_size=part_size,
        shard=shard,
        bandwidth_gbps=bandwidth_gbps,
        retries=retries,
        retry_seconds=retry_seconds,
        source_kind=source_kind,
        source_endpoint=source_endpoint,
        source_repo=source_repo,
        source_revision=source_revision,
        manifest=_path(manifest),
        config=_path(config),
    )
    if dry_run:
        return service.plan_mirror(request, progress=progress)
    return service.mirror(request, progress=progress)


def verify_mirror(
    source: str,
    dest: str,
    *,
    revision: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    addressing_style: str | None = None,
    concurrency: int | None = None,
    shard: str | None = None,
    config: StrPath | None = None,
    progress: Progress | None = None,
) -> VerifyResult:
    """Read a mirror back and check it against its manifest (`hedgectl mirror verify`).

    `.ok` is False when an object is missing, extra, or differs in size or hash (`.differences`).
    """
    from hedgectl.services.mirror import VerifyRequest
    from hedgectl.services.mirror import verify_mirror as run

    return run(
        VerifyRequest(
            source=source,
            dest=dest,
            revision=revision,
            endpoint_url=endpoint_url,
            region=region,
            addressing_style=addressing_style,
            concurrency=concurrency,
            shard=shard,
            config=_path(config),
        ),
        progress=progress,
    )


def mirror_presets() -> PresetsView:
    """The mirror presets shipped with hedgectl (`hedgectl mirror presets`)."""
    from hedgectl.services.mirror import presets

    return presets()


def reach(
    *,
    providers: Sequence[str] = (),
    regions: Sequence[str] = (),
    timeout: float | None = None,
    ca_bundle: StrPath | None = None,
    history: StrPath | None = None,
    record: bool = True,
    fail_on: str | None = None,
    notify: str | None = None,
    config: StrPath | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> ReachReport:
    """Probe every provider from every region and classify each answer (`hedgectl reach`).

    Returns the ReachReport: `.results` (provider, region, verdict, reason, timings, ...),
    `.transitions` (state changes recorded in the history), `.failed` (some verdict is worse
    than fail_on). record=False leaves the history alone. on_progress(done, total) follows the
    probes; on_warning receives configuration notes and webhook failures.
    """
    from hedgectl.services.reach import ReachRequest
    from hedgectl.services.reach import reach as run

    return run(
        ReachRequest(
            providers=tuple(providers),
            regions=tuple(regions),
            timeout=timeout,
            ca_bundle=_path(ca_bundle),
            history=_path(history),
            record=record,
            fail_on=fail_on,
            notify=notify,
            config=_path(config),
        ),
        on_progress=on_progress,
        on_warning=on_warning,
        on_notify_error=on_warning,
    )


def reach_history(
    *,
    providers: Sequence[str] = (),
    regions: Sequence[str] = (),
    limit: int = 50,
    history: StrPath | None = None,
    config: StrPath | None = None,
) -> HistoryReport:
    """The recorded state changes, newest first, and current states (`hedgectl reach history`)."""
    from hedgectl.services.reach import HistoryRequest, reach_history

    return reach_history(
        HistoryRequest(
            providers=tuple(providers),
            regions=tuple(regions),
            limit=limit,
            history=_path(history),
            config=_path(config),
        )
    )


def check_config(*, strict: bool = False, config: StrPath | None = None) -> CheckResult:
    """Validate hedge.toml [models] (`hedgectl config check`).

    Returns the CheckResult: `.problems` (each `.level`, `.alias`, `.message`), `.errors`,
    `.warnings`, `.failed` (errors, or warnings with strict=True).
    """
    from hedgectl.services.config import CheckRequest
    from hedgectl.services.config import check_config as run

    return run(CheckRequest(strict=strict, config=_path(config)))


def export_config(
    format: str, *, alias: str | None = None, config: StrPath | None = None
) -> ExportResult:
    """Render hedge.toml [models] for a gateway (`hedgectl config export`).

    format: litellm | portkey | openrouter | env | json. Returns the ExportResult: `.text` (the
    file's content) and `.config` (the hedge.toml it came from).
    """
    from hedgectl.services.config import ExportRequest
    from hedgectl.services.config import export_config as run

    return run(ExportRequest(format=format, alias=alias, config=_path(config)))


def load_catalog(*, config: StrPath | None = None) -> Catalog:
    """Vendors, model-ID families and platforms, with hedge.toml [catalog] overrides
    (`hedgectl catalog`)."""
    from hedgectl.services.catalog import catalog as run

    return run(_path(config))


def init(path: StrPath = "hedge.toml", *, force: bool = False) -> Path:
    """Write the commented starter hedge.toml (`hedgectl init`); returns the file written."""
    from hedgectl.services.catalog import init as run

    return run(Path(path), force=force)
