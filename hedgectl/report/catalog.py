"""Renderers for `hedgectl catalog`: the vendors, model-ID families and tier sources."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from hedgectl.report import Format, dump_json, reporter

RANK = {"named": 0, "elevated": 1, "standard": 2}


@reporter("catalog", Format.JSON)
def as_json(cat: Any) -> str:
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
    return dump_json(
        "hedgectl.catalog/v1", {"vendors": vendors, "families": families, "platforms": platforms}
    )


@reporter("catalog", Format.TABLE)
def as_table(cat: Any) -> Group:
    vt = Table(title="Vendors", title_justify="left")
    for col in ("id", "name", "HQ", "tier", "since", "API hosts (intl / cn)", "HF orgs"):
        vt.add_column(col, overflow="fold")
    for v in sorted(cat.vendors.values(), key=lambda v: (RANK[v.tier], v.id)):
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
        cat.families.values(), key=lambda f: (RANK[cat.vendors[f.vendor].tier], f.vendor, f.id)
    ):
        ft.add_row(
            f.id,
            f.vendor,
            f.capability,
            "yes" if f.open_weights else "no",
            ", ".join(f.positives[:3]),
        )
    sources = "\n".join(f"  {k}: {v}" for k, v in sorted(cat.sources.items()))
    return Group(vt, ft, Text(f"Tier sources:\n{sources}"))
