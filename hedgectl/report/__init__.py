"""Reporters: one module per command, each registering its renderers per Format.

A renderer turns a command's result into text (machine formats: plain str, deterministic, sorted,
no timestamps unless the format needs one) or a rich renderable (table format only).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import Any

from hedgectl.core.printable import printable

__all__ = ["Format", "dump_json", "formats_for", "printable", "render", "reporter"]


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CSV = "csv"
    MARKDOWN = "markdown"
    PROMETHEUS = "prometheus"
    CYCLONEDX = "cyclonedx"
    HTML = "html"


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
    return (
        json.dumps({"schema": schema, **payload}, indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )
