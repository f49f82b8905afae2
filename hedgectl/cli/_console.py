"""The rich console every command prints through (cli/_common.py makes one on first use)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.segment import Segment

from hedgectl.report import UNSAFE, terminal_safe

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
