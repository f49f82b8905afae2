"""What every command shares: the two consoles, the one error boundary, options, output."""

from __future__ import annotations

import enum
import functools
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar, cast

import typer

from hedgectl.errors import HedgeError
from hedgectl.report import printable, terminal_safe

if TYPE_CHECKING:
    from hedgectl.cli._console import OutputConsole


class _Deferred:
    """A console made on first use: a run that prints nothing through rich (`audit -q -f json`)
    never imports it (15 ms of a short run's start-up). Everything else is the console's own."""

    def __init__(self, **options: Any) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_console", None)

    def made(self) -> OutputConsole:
        console: OutputConsole | None = object.__getattribute__(self, "_console")
        if console is None:
            from hedgectl.cli._console import OutputConsole

            console = OutputConsole(**object.__getattribute__(self, "_options"))
            object.__setattr__(self, "_console", console)
        return console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.made(), name, value)


def real(console: OutputConsole) -> OutputConsole:
    """The console itself, for rich objects that take one (Progress, Live)."""
    deferred: object = console
    return deferred.made() if isinstance(deferred, _Deferred) else console


# Results go to stdout, everything else (progress, warnings, errors) to stderr.
out = cast("OutputConsole", _Deferred(highlight=False))
err = cast("OutputConsole", _Deferred(stderr=True, highlight=False))


def disable_color() -> None:
    """--no-color: no colours on either console (NO_COLOR in the environment does the same)."""
    out.no_color = err.no_color = True


P = ParamSpec("P")
R = TypeVar("R")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="HEDGECTL_CONFIG",
        help="hedge.toml to use [default: the nearest hedge.toml or pyproject.toml [tool.hedgectl], "
        "upward from the first PATH, else from the current folder].",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the result to FILE (atomically) instead of stdout.",
        show_default=False,
    ),
]


class Tier(enum.StrEnum):
    NAMED = "named"
    ELEVATED = "elevated"
    STANDARD = "standard"


# File selection and selectors shared by audit and rewrite (same files, same IDs).
TierOpt = Annotated[
    list[Tier] | None,
    typer.Option(
        "--tier",
        help="Only IDs of these tiers: named, elevated, standard (repeatable).",
        metavar="TIER",
        show_default=False,
    ),
]
VendorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--vendor",
        help="Only IDs of these vendor ids, e.g. deepseek (repeatable; see 'hedgectl catalog').",
        metavar="VENDOR",
        show_default=False,
    ),
]
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        help="Only files matching this glob (repeatable).",
        metavar="GLOB",
        show_default=False,
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Skip files matching this glob (repeatable).",
        metavar="GLOB",
        show_default=False,
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print nothing but errors (no table, progress or summary); -o and machine formats "
        "are still written.",
    ),
]


def relaxed_gc(command: Callable[P, R]) -> Callable[P, R]:
    """Run a command that builds many objects and few reference cycles with a lazier collector.

    A scan of a large tree keeps tens of thousands of findings alive; with the default
    thresholds the cyclic collector walks all of them again and again (about a tenth of audit's
    time). What exists at start-up is set aside (gc.freeze) and collections start after 10,000
    new objects instead of 700; both are restored when the command returns. Worker processes
    forked meanwhile inherit the setting.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(10_000, *thresholds[1:])
        try:
            return command(*args, **kwargs)
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()

    return wrapper


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Expected failures print one line (plus a hint) on stderr and exit with their code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HedgeError as exc:
            error(str(exc), hint=exc.hint)
            if os.environ.get("HEDGECTL_DEBUG"):
                err.print_exception()
            raise typer.Exit(int(exc.exit_code)) from exc

    return wrapper


def error(message: str, hint: str | None = None) -> None:
    from rich.markup import escape

    # Escaped: messages name TOML tables ([tool.hedgectl], [models.x]) that rich would eat as markup.
    err.print(f"[bold red]error:[/] {escape(printable(message))}", markup=True, soft_wrap=True)
    if hint:
        err.print(f"[dim]hint:[/] {escape(printable(hint))}", soft_wrap=True)


def warn(message: str) -> None:
    from rich.markup import escape

    err.print(f"[yellow]warning:[/] {escape(printable(message))}", soft_wrap=True)


def emit(text: str, output: Path | None, *, exact: bool = False) -> None:
    """Write a rendered result to --output (atomic) or stdout, never through rich.

    Human formats (CSV, Markdown, diffs, text) are made terminal-safe here, whatever their
    renderer did; exact=True (JSON, SARIF, generated files) writes the text as rendered.
    """
    if not exact:
        text = terminal_safe(text)
    if output is None:
        if text and not text.endswith("\n"):
            text += "\n"
        # A file name that is not UTF-8 goes out as its own bytes, as git ls-files -z prints it.
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
        sys.stdout.flush()
        return
    from hedgectl.adapters.fs import atomic_write

    atomic_write(output, text if text.endswith("\n") else text + "\n")


def emit_rich(renderable: object, output: Path | None, *, quiet: bool = False) -> None:
    """Print a rich renderable to stdout, or its plain text to --output.

    With -q nothing is printed (the exit code carries the answer); --output is still written.
    """
    if output is None:
        if not quiet:
            out.print(renderable)
        return
    from hedgectl.cli._console import OutputConsole

    with open(os.devnull, "w") as sink:
        console = OutputConsole(record=True, file=sink, no_color=True)
        console.print(renderable)
        emit(console.export_text(), output)
