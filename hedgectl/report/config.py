"""Renderers for `hedgectl config check` (the export formats render in core/export.py)."""

from __future__ import annotations

from typing import Any

from hedgectl.report import Format, dump_json, reporter


@reporter("config-check", Format.JSON)
def as_json(result: Any) -> str:
    return dump_json(
        "hedgectl.config-check/v1",
        {
            "config": str(result.config),
            "aliases": result.aliases,
            "problems": [
                {"level": p.level, "alias": p.alias, "message": p.message} for p in result.problems
            ],
        },
    )


@reporter("config-check", Format.TABLE)
def as_text(result: Any) -> str:
    lines = [f"{p.level}: models.{p.alias}: {p.message}" for p in result.problems]
    lines.append(
        f"{result.config}: {result.aliases} alias(es), {len(result.errors)} error(s), "
        f"{len(result.warnings)} warning(s)"
    )
    return "\n".join(lines)
