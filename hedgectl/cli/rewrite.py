"""`hedgectl rewrite`: move hard-coded model IDs into hedge.toml behind aliases.

Dry run by default (a unified diff on stdout, a summary on stderr); --write applies it, --check
exits 1 when anything would change. Python is read with the stdlib `ast` parser,
JavaScript/TypeScript with tree-sitter; IDs in YAML/JSON/TOML/.env files are already configuration and only listed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    err,
    real,
    reports_errors,
)
from hedgectl.cli._extras import require
from hedgectl.errors import ExitCode
from hedgectl.report import printable

if TYPE_CHECKING:
    from hedgectl.services.rewrite import Outcome


class RewriteFormat(enum.StrEnum):
    DIFF = "diff"
    JSON = "json"


class JsRuntime(enum.StrEnum):
    AUTO = "auto"
    NODE = "node"
    BROWSER = "browser"


def rewrite(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to rewrite (default: the current folder).",
            show_default=False,
            metavar="PATH",
        ),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Apply the changes (default: dry run).")
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 1 if anything would change (for CI); writes nothing."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Write even when files it would change have uncommitted edits."
        ),
    ] = False,
    fmt: Annotated[
        RewriteFormat,
        typer.Option("--format", "-f", help="diff: a unified diff; json: the plan as JSON."),
    ] = RewriteFormat.DIFF,
    output: OutputOpt = None,
    tier: TierOpt = None,
    vendor: VendorOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    js_runtime: Annotated[
        JsRuntime,
        typer.Option(
            "--js-runtime",
            help="Which resolver JavaScript/TypeScript files import: auto decides per file "
            "(edge config, 'use client', JSX, framework dependencies -> browser; Node "
            "built-ins -> node); browser never uses fs or require.",
        ),
    ] = JsRuntime.AUTO,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Move hard-coded model IDs into hedge.toml [models] and make the code look them up by alias.

    Only model slots are rewritten (model= keywords, payload "model" keys, model settings and
    defaults); other IDs are listed for a person. A Python literal becomes
    hedge_model("alias", "<literal>") and a JavaScript/TypeScript one hedgeModel("alias", "<literal>"):
    HEDGE_MODEL_<ALIAS> first, then the project's hedge.toml, else the literal, so nothing changes
    until you override it. Exit 0 on success, 1 with --check when something would change, 2 on usage or file
    errors (unwritable file, dirty tree without --force), 3 on config errors.
    """
    require("rewrite", "rewrite")
    from hedgectl.services.rewrite import RewriteRequest
    from hedgectl.services.rewrite import rewrite as run_rewrite

    request = RewriteRequest(
        paths=paths or (),
        write=write,
        check=check,
        force=force,
        tiers=[t.value for t in tier or []],
        vendors=vendor or [],
        include=include or [],
        exclude=exclude or [],
        config=config,
        js_runtime=js_runtime.value,
    )

    def show(outcome: Outcome) -> None:
        # -q: no diff on stdout (the exit code answers --check); -o and JSON are still written.
        if not (quiet and output is None and fmt is RewriteFormat.DIFF):
            _report(outcome, fmt, output)
        if not quiet:
            _summary(outcome, write=write)

    outcome = run_rewrite(
        request,
        on_progress=_progress_bar() if not quiet and err.is_terminal else None,
        on_planned=show,
    )
    if check and outcome.changes:
        raise typer.Exit(int(ExitCode.FINDINGS))
    if outcome.written and not quiet:
        err.print(f"wrote {len(outcome.changes)} file(s)", highlight=False)


def _progress_bar() -> Callable[[int, int], None]:
    """A files-done counter on stderr, shown once a run is long enough to wonder about."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=real(err), transient=True,
    )  # fmt: skip
    task = bar.add_task("rewrite", total=None)

    def update(done: int, total: int) -> None:
        if done == 0 and total >= 200:
            bar.start()
        bar.update(task, completed=done + 1, total=total)
        if done + 1 == total:
            bar.stop()

    return update


def _report(outcome: Outcome, fmt: RewriteFormat, output: Path | None) -> None:
    from hedgectl.report import Format, render
    from hedgectl.report import rewrite as reports

    if fmt is RewriteFormat.JSON:
        emit(render("rewrite", Format.JSON, outcome), output, exact=True)
        return
    text = reports.as_diff(outcome)
    if output is not None or text:
        emit(text, output)


def _summary(outcome: Outcome, *, write: bool) -> None:
    planner = outcome.planner
    for display, message in outcome.unparsable:
        err.print(
            f"skipped {printable(display)}: {printable(message)}",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
    for note in outcome.notes:
        err.print(f"note: {printable(note)}", highlight=False, markup=False, soft_wrap=True)
    for s in planner.skipped:
        err.print(
            f"not rewritten {printable(s.path)}:{s.line}: {printable(repr(s.text))}: {s.reason}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for preferred, current, wanted, chosen in planner.namer.clashes:
        err.print(
            f"alias {preferred} already means {current}; {wanted} gets {chosen} instead "
            "(an existing alias is never re-pointed)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for row in outcome.listed:
        err.print(
            f"config {printable(row['path'])}:{row['line']}: {printable(row['model_id'])} "
            "(already configuration; not rewritten)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    files = len({r.path for r in planner.rewrites})
    verb = "rewrote" if write else "would rewrite"
    err.print(
        f"{verb} {len(planner.rewrites)} literal(s) in {files} file(s) into "
        f"{len({r.alias for r in planner.rewrites})} alias(es) ({len(planner.new_aliases)} new); "
        f"{len(planner.skipped)} left as they are, {len(outcome.listed)} in config files, "
        f"{len(outcome.unparsable)} file(s) skipped",
        highlight=False,
        soft_wrap=True,
    )
    if outcome.changes and not write:
        err.print("dry run: nothing written; apply with --write", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("rewrite")(reports_errors(rewrite))
