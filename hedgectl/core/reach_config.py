"""Placeholder section validator: replaced by the command that owns the section."""

from __future__ import annotations

from typing import Any

from hedgectl.config import Where


def parse_providers(table: object, where: Where) -> Any:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    return table


def parse_regions(table: object, where: Where) -> Any:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    return table


def parse_reach(table: object, where: Where) -> Any:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    return table
