"""`hedgectl audit`: find hard-coded model IDs and provider endpoints, gate CI on their tier."""

from __future__ import annotations

import enum
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    ExcludeOpt,
    IncludeOpt,
    OutputOpt,
    QuietOpt,
    TierOpt,
    VendorOpt,
    emit,
    emit_rich,
    err,
    real,
    relaxed_gc,
    reports_errors,
)
from hedgectl.errors import ExitCode
from hedgectl.report import printable


class AuditFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CSV = "csv"
    MARKDOWN = "markdown"
    CYCLONEDX = "cyclonedx"


class GroupBy(enum.StrEnum):
    MODEL = "model"
    VENDOR = "vendor"
    FILE = "file"


class FailOn(enum.StrEnum):
    NAMED = "named"
    ELEVATED = "elevated"
    ANY = "any"
    NEVER = "never"


def audit(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files or folders to scan (default: the current folder); - reads standard input; "
            "git URLs to clone and scan as repositories; or `merge REPORT.json...` to combine JSON reports.",
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
            help="Exit 1 when a finding in code or config is at or above this tier "
            "[env: HEDGECTL_FAIL_ON; default: audit.fail_on, or named].",
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
    config_from_base: Annotated[
        str | None,
        typer.Option(
            "--config-from-base",
            metavar="REF",
            help="Take the gate's policy ([audit], [catalog], the baseline [audit] names) from "
            "hedge.toml as committed at REF (the pull request's base), not from the checkout: a "
            "change cannot loosen its own gate.",
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
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Show only the inventory: which models and vendors the code depends on, with "
            "counts, tiers and top files (table and markdown; JSON always has it).",
        ),
    ] = False,
    group_by: Annotated[
        GroupBy | None,
        typer.Option(
            "--group-by",
            help="Group the inventory by model, vendor or file, and show it first "
            "[default: model, shown first when findings are many].",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List skipped files and why on stderr.")
    ] = False,
    quiet: QuietOpt = False,
    repos_file: Annotated[
        Path | None,
        typer.Option(
            "--repos",
            help="Scan the repositories listed in FILE (one git URL or folder a line).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    repo_jobs: Annotated[
        int,
        typer.Option(
            "--repo-jobs", min=1, help="Repositories cloned and scanned at once.", metavar="N"
        ),
    ] = 4,
    config: ConfigOpt = None,
) -> None:
    """Find hard-coded model IDs and provider endpoints; classify vendor, HQ and risk tier.

    Exit 0 when nothing in code or config is at or above --fail-on, 1 when something is,
    2 on usage errors, 3 on config errors.
    """
    from hedgectl.services import repos
    from hedgectl.services.audit import AuditRequest
    from hedgectl.services.audit import audit as run_audit

    args = list(paths or [])
    if args and args[0] == "merge" and not Path("merge").exists():
        result = repos.merge(
            [Path(p) for p in args[1:]], fail_on=fail_on.value if fail_on else None
        )
        view = replace(result, summary=summary, group_by=group_by.value if group_by else None)
        _render(view, fmt, output, quiet=quiet)
        _report_repo_errors(result, quiet)
        if result.failing:
            raise typer.Exit(int(ExitCode.FINDINGS))
        return
    listed = repos.read_repos_file(repos_file) if repos_file else []
    remote = listed + [a for a in args if repos.is_remote(a)]
    # `hedgectl audit -`: one document from standard input (alone: the service refuses a mix,
    # before anything waits on a terminal's stdin).
    from_stdin = "-" in args
    others = [a for a in args if a != "-"]
    request = AuditRequest(
        paths=[Path(a) for a in others if not repos.is_remote(a)],
        content=(b"" if others else sys.stdin.buffer.read()) if from_stdin else None,
        repos=remote,
        repo_jobs=repo_jobs,
        fail_on=fail_on.value if fail_on else None,
        tiers=[t.value for t in tier or []],
        vendors=vendor or [],
        baseline=baseline,
        write_baseline=write_baseline,
        staged=staged,
        diff=diff,
        config_from_base=config_from_base,
        include=include or [],
        exclude=exclude or [],
        max_file_size=max_file_size,
        gate_comments=gate_comments,
        jobs=jobs,
        config=config,
    )
    skipped: list[tuple[str, str]] = []
    # Files are listed while they are scanned, so the total is unknown: count, no bar.
    progress_cb, stop = _progress() if not quiet and err.is_terminal else (None, None)
    try:
        result = run_audit(
            request,
            on_progress=progress_cb if not remote else None,
            on_skipped=(lambda path, reason: skipped.append((path, reason))) if verbose else None,
            on_repo=None
            if quiet
            else lambda label, status: err.print(
                f"{label}: {status}", highlight=False, markup=False
            ),
        )
    finally:
        if stop:
            stop()
    if verbose:
        for display, reason in skipped:
            err.print(f"skipped {printable(display)}: {reason}", highlight=False, markup=False)
        err.print(
            f"scanned {result.files_scanned} file(s) with the {result.prefilter} prefilter",
            highlight=False,
        )
    if write_baseline is not None:
        if not quiet:
            err.print(
                f"wrote {len(result.findings)} finding(s) to baseline {write_baseline}",
                highlight=False,
            )
        return
    view = replace(result, summary=summary, group_by=group_by.value if group_by else None)
    _render(view, fmt, output, quiet=quiet)
    _report_repo_errors(result, quiet)
    if result.failing:
        raise typer.Exit(int(ExitCode.FINDINGS))
    if result.repo_errors:
        raise typer.Exit(int(ExitCode.REMOTE))


def _report_repo_errors(result: Any, quiet: bool) -> None:
    """Repositories that could not be scanned: named on stderr (their rows are in the report)."""
    if result.repo_errors and not quiet:
        err.print(
            f"{len(result.repo_errors)} repository(ies) not scanned: "
            + ", ".join(result.repo_errors),
            highlight=False,
            markup=False,
        )


def _render(result: Any, fmt: AuditFormat, output: Path | None, *, quiet: bool) -> None:
    from hedgectl.report import EXACT, Format, render
    from hedgectl.report import audit as _  # noqa: F401  (registers the renderers)

    rendered = render("audit", Format(fmt.value), result)
    if fmt is AuditFormat.TABLE:
        emit_rich(rendered, output, quiet=quiet)
    else:
        emit(rendered, output, exact=Format(fmt.value) in EXACT)


def _progress() -> tuple[Any, Any]:
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), "scanning: {task.completed} files", TimeElapsedColumn(),
        console=real(err), transient=True,
    )  # fmt: skip
    task = progress.add_task("scanning", total=None)
    progress.start()
    return (lambda n: progress.advance(task, n)), progress.stop


def register(app: typer.Typer) -> None:
    app.command("audit")(reports_errors(relaxed_gc(audit)))
