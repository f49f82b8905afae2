"""What every command shares: the two consoles, the one error boundary, options, output."""

from __future__ import annotations

import enum
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.segment import Segment

from hedgectl.errors import HedgeError
from hedgectl.report import UNSAFE, printable, terminal_safe

# Wide enough that no line is ever wrapped or cut: the width a console has off a terminal.
UNBOUNDED_WIDTH = 1_000_000


class OutputConsole(Console):
    """A rich console that wraps to the terminal, and never wraps or cuts anything elsewhere.

    Off a terminal (a pipe, a file, a CI log) rich would fall back to 80 columns (or the width of
    whichever other stream is a terminal) and fold table cells and long lines; here every line
    keeps its full length, so one item stays one line for grep, wc -l and log viewers. NO_COLOR
    is honoured by rich itself; --no-color sets `no_color` on both consoles.
    """

    def __init__(self, *args: Any, width: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, width=width, **kwargs)
        self._fixed_width = width is not None  # COLUMNS alone describes a terminal, not a pipe

    @property
    def size(self) -> ConsoleDimensions:
        if not self._fixed_width and not self.is_terminal:
            return ConsoleDimensions(UNBOUNDED_WIDTH, 25)
        return super().size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
        self._fixed_width = True

    def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
        """Every segment printed, made terminal-safe: whatever a renderer forgot to escape (a
        file name, a server's message, a key from hedge.toml), no ESC, CR, BEL or bidi override
        in a repository's content reaches the terminal or the log. rich's own control codes
        (cursor moves for progress bars) are segments of their own and pass untouched."""
        for segment in super().render(renderable, options):
            if segment.control or not UNSAFE.search(segment.text):
                yield segment
            else:
                yield Segment(terminal_safe(segment.text), segment.style)


# Results go to stdout, everything else (progress, warnings, errors) to stderr.
out = OutputConsole(highlight=False)
err = OutputConsole(stderr=True, highlight=False)


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
    # Escaped: messages name TOML tables ([tool.hedgectl], [models.x]) that rich would eat as markup.
    err.print(f"[bold red]error:[/] {escape(printable(message))}", markup=True, soft_wrap=True)
    if hint:
        err.print(f"[dim]hint:[/] {escape(printable(hint))}", soft_wrap=True)


def warn(message: str) -> None:
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
    with open(os.devnull, "w") as sink:
        console = OutputConsole(record=True, file=sink, no_color=True)
        console.print(renderable)
        emit(console.export_text(), output)
