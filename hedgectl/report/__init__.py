"""Reporters: one module per command, each registering its renderers per Format.

A renderer turns a command's result into text (machine formats: plain str, deterministic, sorted,
no timestamps unless the format needs one) or a rich renderable (table format only).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from hedgectl.core.printable import UNSAFE, json_text, printable, terminal_safe

__all__ = [
    "EXACT", "UNSAFE", "Format", "dump_json", "formats_for", "printable", "render", "reporter",
    "terminal_safe",
]  # fmt: skip


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CSV = "csv"
    MARKDOWN = "markdown"
    PROMETHEUS = "prometheus"
    CYCLONEDX = "cyclonedx"
    HTML = "html"


# Formats read by programs: written exactly as rendered (their own escaping keeps every value
# exact). Every other format is human output and passes through terminal_safe() on its way out.
EXACT = frozenset({Format.JSON, Format.SARIF, Format.PROMETHEUS, Format.CYCLONEDX})

Renderer = Callable[[Any], Any]
_REGISTRY: dict[tuple[str, Format], Renderer] = {}


def reporter(command: str, fmt: Format) -> Callable[[Renderer], Renderer]:
    def decorate(func: Renderer) -> Renderer:
        _REGISTRY[(command, fmt)] = func
        return func

    return decorate


def formats_for(command: str) -> list[Format]:
    return [fmt for (cmd, fmt) in _REGISTRY if cmd == command]


def render(command: str, fmt: Format, result: Any) -> Any:
    try:
        renderer = _REGISTRY[(command, fmt)]
    except KeyError:
        from hedgectl.errors import UsageError

        supported = ", ".join(f.value for f in formats_for(command))
        raise UsageError(
            f"'{command}' has no {fmt.value} output (supported: {supported})"
        ) from None
    return renderer(result)


def dump_json(schema: str, payload: dict[str, Any]) -> str:
    """Deterministic JSON with the schema tag every JSON output carries."""
    return json_text({"schema": schema, **payload}, indent=2, sort_keys=True) + "\n"
