"""`hedgectl audit`: find hard-coded model IDs and provider endpoints, gate CI on their tier."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    ExcludeOpt,
    IncludeOpt,
    OutputOpt,
    TierOpt,
    VendorOpt,
    emit,
    emit_rich,
    err,
    load_settings,
    reports_errors,
)
from hedgectl.core.units import parse_size
from hedgectl.errors import ExitCode, UsageError


class AuditFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CSV = "csv"
    MARKDOWN = "markdown"


class FailOn(enum.StrEnum):
    NAMED = "named"
    ELEVATED = "elevated"
    ANY = "any"
    NEVER = "never"


BASELINE_SCHEMA = "hedgectl.baseline/v1"


def audit(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to scan (default: the current folder).",
            show_default=False,
            metavar="PATH",
        ),
    ] = None,
    fmt: Annotated[
        AuditFormat, typer.Option("--format", "-f", envvar="HEDGECTL_FORMAT", help="Output format.")
    ] = AuditFormat.TABLE,
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            envvar="HEDGECTL_FAIL_ON",
            help="Exit 1 when a finding in code or config is at or above this tier [default: named, or audit.fail_on].",
            show_default=False,
        ),
    ] = None,
    tier: TierOpt = None,
    vendor: VendorOpt = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Ignore findings recorded in this baseline file.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline",
            help="Record the current findings as the baseline, then exit 0.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    staged: Annotated[
        bool, typer.Option("--staged", help="Only lines added in the staged change (pre-commit).")
    ] = False,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff",
            metavar="REF",
            help="Only lines added since REF's merge base (pull requests).",
            show_default=False,
        ),
    ] = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    max_file_size: Annotated[
        str | None,
        typer.Option(
            "--max-file-size",
            help="Skip larger files, e.g. 2MB (K/M/G are powers of 1024) [default: 2000000 bytes, or audit.max_file_size].",
            metavar="SIZE",
            show_default=False,
        ),
    ] = None,
    gate_comments: Annotated[
        bool | None,
        typer.Option(
            "--gate-comments/--no-gate-comments",
            help="Let findings in comments and docs fail the run too.",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes [default: one per core].",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List skipped files and why on stderr.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Find hard-coded model IDs and provider endpoints; classify vendor, HQ and risk tier.

    Exit 0 when nothing in code or config is at or above --fail-on, 1 when something is,
    2 on usage errors, 3 on config errors.
    """
    if staged and diff:
        raise UsageError("use --staged or --diff, not both")
    settings = load_settings(config)
    audit_cfg = settings.audit
    fail = (fail_on.value if fail_on else None) or audit_cfg.fail_on
    gate_c = audit_cfg.gate_comments if gate_comments is None else gate_comments
    size_limit = parse_size(max_file_size) if max_file_size else audit_cfg.max_file_size
    baseline_path = baseline or (
        Path(audit_cfg.baseline) if audit_cfg.baseline and not write_baseline else None
    )
    if (
        baseline_path is not None
        and audit_cfg.baseline
        and baseline is None
        and not baseline_path.is_absolute()
    ):
        baseline_path = settings.root / baseline_path
    known = _read_baseline(baseline_path) if baseline_path else frozenset()

    from hedgectl.adapters.files import iter_files, scan_files, staged_contents
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core.audit import AuditResult, finalize, to_findings

    overrides = settings.section("catalog") or Overrides()
    catalog = load_catalog(overrides)
    unknown = sorted(set(vendor or ()) - set(catalog.vendors) - set(catalog.platforms))
    if unknown:
        raise UsageError(
            f"--vendor: unknown vendor id(s) {', '.join(unknown)}", hint="see 'hedgectl catalog'"
        )
    cwd = Path.cwd()
    lines, entries = iter_files(
        paths or [Path(".")],
        cwd=cwd,
        include=[*audit_cfg.include, *(include or [])],
        exclude=[*audit_cfg.exclude, *(exclude or [])],
        max_file_size=size_limit,
        staged=staged,
        diff=diff,
    )
    read = None
    if staged:
        # What the commit will contain: the index, not the work tree.
        listed = list(entries)
        blobs = staged_contents([path for path, _, _ in listed if path], cwd)
        entries, read = iter(listed), _index_reader(blobs)
    # Files are listed while they are scanned, so the total is unknown: count, no bar.
    progress_cb, stop = _progress() if not quiet and err.is_terminal else (None, None)
    try:
        found, skipped_all, scanned, engine = scan_files(
            entries, overrides, lines=lines, jobs=jobs, on_progress=progress_cb, read=read
        )
    finally:
        if stop:
            stop()
    findings = []
    for scanned_file in found:
        findings += to_findings(
            scanned_file.path, scanned_file.raws, catalog, externalised=scanned_file.externalised
        )
    by_reason: dict[str, int] = {}
    for _, reason in skipped_all:
        key = reason.split(" (")[0].split(":")[0]
        by_reason[key] = by_reason.get(key, 0) + 1
    result = AuditResult(
        root=str(cwd),
        findings=findings,
        files_scanned=scanned,
        skipped=by_reason,
        fail_on=fail,
        gate_comments=gate_c,
        prefilter=engine,
    )
    result = finalize(
        result, baseline=known, tiers=[t.value for t in tier or []], vendors=vendor or []
    )
    if verbose:
        for display, reason in sorted(skipped_all):
            err.print(f"skipped {display}: {reason}", highlight=False, markup=False)
        err.print(f"scanned {scanned} file(s) with the {engine} prefilter", highlight=False)
    if write_baseline is not None:
        _write_baseline(write_baseline, result.findings)
        if not quiet:
            err.print(
                f"wrote {len(result.findings)} finding(s) to baseline {write_baseline}",
                highlight=False,
            )
        return
    _render(result, fmt, output)
    if result.failing:
        raise typer.Exit(int(ExitCode.FINDINGS))


def _render(result: Any, fmt: AuditFormat, output: Path | None) -> None:
    from hedgectl.report import Format, render
    from hedgectl.report import audit as _  # noqa: F401  (registers the renderers)

    rendered = render("audit", Format(fmt.value), result)
    if fmt is AuditFormat.TABLE:
        emit_rich(rendered, output)
    else:
        emit(rendered, output)


def _read_baseline(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"baseline file not found: {path}", hint="create it with --write-baseline"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("schema") != BASELINE_SCHEMA
        or not isinstance(data.get("findings"), list)
    ):
        raise UsageError(f"{path} is not a hedgectl baseline ({BASELINE_SCHEMA})")
    return frozenset(
        str(item.get("fingerprint")) for item in data["findings"] if isinstance(item, dict)
    )


def _write_baseline(path: Path, findings: list[Any]) -> None:
    from hedgectl.adapters.fs import atomic_write

    rows = sorted(
        (
            {"fingerprint": f.fingerprint, "path": f.path, "model_id": f.model_id, "tier": f.tier}
            for f in findings
        ),
        key=lambda r: (r["path"], r["model_id"], r["fingerprint"]),
    )
    atomic_write(
        path,
        json.dumps({"schema": BASELINE_SCHEMA, "findings": rows}, indent=2, sort_keys=True) + "\n",
    )


def _index_reader(blobs: dict[str, bytes]) -> Any:
    def read(path: str) -> bytes:
        try:
            return blobs[path]
        except KeyError:
            raise FileNotFoundError(2, "not in the index") from None

    return read


def _progress() -> tuple[Any, Any]:
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), "scanning: {task.completed} files", TimeElapsedColumn(),
        console=err, transient=True,
    )  # fmt: skip
    task = progress.add_task("scanning", total=None)
    progress.start()
    return (lambda n: progress.advance(task, n)), progress.stop


def register(app: typer.Typer) -> None:
    app.command("audit")(reports_errors(audit))
