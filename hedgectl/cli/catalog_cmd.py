"""`hedgectl catalog`: what hedgectl knows about vendors, tiers and model-ID families."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    OutputOpt,
    emit,
    emit_rich,
    reports_errors,
)


class CatalogFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def catalog(
    fmt: Annotated[
        CatalogFormat, typer.Option("--format", "-f", help="Output format.")
    ] = CatalogFormat.TABLE,
    output: OutputOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show vendors (HQ, tier with source and date, API hosts, HF orgs) and model-ID families.

    Includes the overrides from hedge.toml [catalog].
    """
    from hedgectl.report import Format, render
    from hedgectl.report import catalog as _register  # noqa: F401 - registers the renderers
    from hedgectl.services.catalog import catalog as load

    rendered = render("catalog", Format(fmt.value), load(config))
    if fmt is CatalogFormat.JSON:
        emit(rendered, output, exact=True)
    else:
        emit_rich(rendered, output)


def register(app: typer.Typer) -> None:
    app.command("catalog")(reports_errors(catalog))
