"""`hedgectl catalog`: what hedgectl knows about vendors, tiers and model-ID families."""

from __future__ import annotations

import enum
from dataclasses import asdict
from typing import Annotated

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    OutputOpt,
    emit,
    emit_rich,
    load_settings,
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
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.report import dump_json

    settings = load_settings(config)
    cat = load_catalog(settings.section("catalog") or Overrides())
    if fmt is CatalogFormat.JSON:
        vendors = []
        for v in sorted(cat.vendors.values(), key=lambda v: v.id):
            d = asdict(v)
            d["tier_source"] = cat.source_of(v)
            vendors.append(d)
        families = [
            {k: val for k, val in asdict(f).items() if k not in ("positives", "negatives")}
            for f in sorted(cat.families.values(), key=lambda f: f.id)
        ]
        platforms = [asdict(p) for p in sorted(cat.platforms.values(), key=lambda p: p.id)]
        emit(
            dump_json(
                "hedgectl.catalog/v1",
                {"vendors": vendors, "families": families, "platforms": platforms},
            ),
            output,
        )
        return
    from rich.console import Group
    from rich.table import Table

    rank = {"named": 0, "elevated": 1, "standard": 2}
    vt = Table(title="Vendors", title_justify="left")
    for col in ("id", "name", "HQ", "tier", "since", "API hosts (intl / cn)", "HF orgs"):
        vt.add_column(col, overflow="fold")
    for v in sorted(cat.vendors.values(), key=lambda v: (rank[v.tier], v.id)):
        hosts = ", ".join(v.api_hosts) + (
            " / " + ", ".join(v.api_hosts_cn) if v.api_hosts_cn else ""
        )
        vt.add_row(
            v.id,
            v.name,
            v.hq,
            v.tier + (" (Entity List)" if v.entity_list else ""),
            v.tier_date,
            hosts,
            ", ".join(v.hf_orgs),
        )
    ft = Table(title="Model-ID families", title_justify="left")
    for col in ("family", "vendor", "capability", "open weights", "examples"):
        ft.add_column(col, overflow="fold")
    for f in sorted(
        cat.families.values(), key=lambda f: (rank[cat.vendors[f.vendor].tier], f.vendor, f.id)
    ):
        ft.add_row(
            f.id,
            f.vendor,
            f.capability,
            "yes" if f.open_weights else "no",
            ", ".join(f.positives[:3]),
        )
    from rich.text import Text

    sources = "\n".join(f"  {k}: {v}" for k, v in sorted(cat.sources.items()))
    emit_rich(Group(vt, ft, Text(f"Tier sources:\n{sources}")), output)


def register(app: typer.Typer) -> None:
    app.command("catalog")(reports_errors(catalog))
