"""Placeholder section validator: replaced by the command that owns the section."""

from __future__ import annotations

from typing import Any

from hedgectl.config import Where


def parse_models(table: object, where: Where) -> Any:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    return table
