"""The audit inventory: which models and vendors a codebase depends on, grouped and counted.

A list of 40,000 findings says little; "412 places use deepseek-chat, in 37 files, mostly
src/llm/router.py" says what a hedge has to move. Pure functions over findings.

Versioned copies of the same document (docs/v1/x.md, docs/v2/x.md, versioned_docs/version-2.1/x.md)
repeat the same IDs; they are one document here, so a model quoted in 30 doc versions is not
counted 30 times and the file view has one row for the 30 copies.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from hedgectl.catalog import TIER_RANK
from hedgectl.core.models import Finding, Kind, Location

TOP_FILES = 3
# A path segment naming a version of the docs: v1, v2.3, 1.2, 1.2.x, version-2.1, 2024-05 ...
VERSION_SEGMENT = re.compile(
    r"^(?:v\d+(?:[._-]\d+)*(?:[._-]x)?|\d+(?:[._-]\d+)+(?:[._-]x)?|version-[\w.-]+|\d{4}-\d{2}(?:-\d{2})?)$",
    re.IGNORECASE,
)
# Folders whose children are versions of the same tree even when not named like versions.
VERSION_PARENTS = frozenset({"versioned_docs", "versions", "releases"})
DOC_LOCATIONS = frozenset({Location.DOCS, Location.COMMENT})


@functools.lru_cache(maxsize=65_536)  # called for every finding; files hold many
def canonical_path(path: str) -> str:
    """The path with version segments replaced by `*` (docs/v2/a.md -> docs/*/a.md).

    Only folders count (never the file name), and only in a path that looks like documentation
    or that sits under a folder of versions, so src/v1/client.py and src/v2/client.py -- two
    different API clients -- stay apart.
    """
    parts = path.split("/")
    if len(parts) < 2:
        return path
    folders = parts[:-1]
    lowered = [p.lower() for p in folders]
    in_docs = any(p in ("docs", "doc", "documentation", "website", "site") for p in lowered)
    out = []
    for i, part in enumerate(folders):
        under_versions = i > 0 and lowered[i - 1] in VERSION_PARENTS
        if under_versions or (in_docs and VERSION_SEGMENT.match(part)):
            out.append("*")
        else:
            out.append(part)
    return "/".join([*out, parts[-1]])


@dataclass
class ModelRow:
    model_id: str
    kind: str  # "model" or "endpoint"
    family: str
    vendor: str
    vendor_name: str
    hq: str
    tier: str
    open_weights: bool
    findings: int = 0  # versioned doc copies counted once
    files: int = 0  # distinct files, versioned doc copies counted once
    in_code: int = 0  # findings in code or config (what gates CI)
    in_docs: int = 0  # findings in docs and comments
    platforms: list[str] = field(default_factory=list)
    top_files: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "model_id": self.model_id, "kind": self.kind, "family": self.family,
            "vendor": self.vendor, "vendor_name": self.vendor_name, "hq": self.hq,
            "tier": self.tier, "open_weights": self.open_weights, "findings": self.findings,
            "files": self.files, "in_code": self.in_code, "in_docs": self.in_docs,
            "platforms": self.platforms,
            "top_files": [{"path": p, "findings": n} for p, n in self.top_files],
        }  # fmt: skip


@dataclass
class VendorRow:
    vendor: str
    vendor_name: str
    hq: str
    tier: str
    models: int = 0
    findings: int = 0
    files: int = 0
    in_code: int = 0
    top_models: list[tuple[str, int]] = field(default_factory=list)
    top_files: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "vendor": self.vendor, "vendor_name": self.vendor_name, "hq": self.hq,
            "tier": self.tier, "models": self.models, "findings": self.findings,
            "files": self.files, "in_code": self.in_code,
            "top_models": [{"model_id": m, "findings": n} for m, n in self.top_models],
            "top_files": [{"path": p, "findings": n} for p, n in self.top_files],
        }  # fmt: skip


@dataclass
class FileRow:
    path: str  # canonical: versioned doc copies as docs/*/x.md
    copies: int  # how many versioned copies this row stands for (1: none)
    findings: int = 0
    models: int = 0
    worst_tier: str = "standard"
    vendors: list[str] = field(default_factory=list)
    top_models: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "copies": self.copies, "findings": self.findings,
            "models": self.models, "worst_tier": self.worst_tier, "vendors": self.vendors,
            "top_models": [{"model_id": m, "findings": n} for m, n in self.top_models],
        }  # fmt: skip


@dataclass
class Inventory:
    models: list[ModelRow]
    vendors: list[VendorRow]
    files: list[FileRow]
    versioned_copies: int  # findings left out because they repeat a versioned copy of a doc

    def as_dict(self) -> dict[str, object]:
        return {
            "models": [r.as_dict() for r in self.models],
            "vendors": [r.as_dict() for r in self.vendors],
            "files": [r.as_dict() for r in self.files],
            "versioned_copies_collapsed": self.versioned_copies,
        }


def _dedupe_versions(findings: Iterable[Finding]) -> tuple[list[tuple[str, Finding]], int]:
    """(canonical path, finding) pairs, keeping one versioned copy per (document, ID).

    For each canonical document and ID, the copy with the most occurrences is kept (the others
    are older or newer versions of the same text).
    """
    per_copy: dict[tuple[str, Kind, str], dict[str, list[Finding]]] = {}
    for f in findings:
        canon = canonical_path(f.path)
        copies = per_copy.setdefault((canon, f.kind, f.model_id.lower()), {})
        copies.setdefault(f.path, []).append(f)
    kept: list[tuple[str, Finding]] = []
    dropped = 0
    for (canon, _, _), copies in per_copy.items():
        if len(copies) == 1:  # no versioned copies: most documents
            (only,) = copies.values()
            kept += [(canon, f) for f in only]
            continue
        best = max(sorted(copies), key=lambda p: len(copies[p]))
        kept += [(canon, f) for f in copies[best]]
        dropped += sum(len(v) for p, v in copies.items() if p != best)
    return kept, dropped


def _top(counter: dict[str, int], n: int = TOP_FILES) -> list[tuple[str, int]]:
    if len(counter) == 1:  # most rows: one file, one model
        return list(counter.items())
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _tier_key(tier: str, findings: int, name: str) -> tuple[int, int, str]:
    return (-TIER_RANK.get(tier, 1), -findings, name)


def build(findings: Iterable[Finding]) -> Inventory:
    findings = list(findings)
    kept, dropped = _dedupe_versions(findings)
    copies_of: dict[str, set[str]] = defaultdict(set)
    for path in {f.path for f in findings}:
        copies_of[canonical_path(path)].add(path)

    # Findings repeat (the same ID many times in a file): each distinct (file, what a row shows)
    # is counted once and added up, in the order first seen (the first finding of a model or
    # vendor names its row).
    groups: dict[tuple[str, Kind, str, str, str, str, str, str, bool, Location, str], int] = {}
    for canon, f in kept:
        group = (canon, f.kind, f.model_id, f.family, f.vendor, f.vendor_name, f.hq, f.tier,
                 f.open_weights, f.location, f.platform)  # fmt: skip
        groups[group] = groups.get(group, 0) + 1

    models: dict[tuple[str, str], ModelRow] = {}
    model_files: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    vendor_rows: dict[str, VendorRow] = {}
    vendor_models: dict[str, dict[str, int]] = defaultdict(dict)
    vendor_files: dict[str, dict[str, int]] = defaultdict(dict)
    file_models: dict[str, dict[str, int]] = defaultdict(dict)
    file_tiers: dict[str, set[str]] = defaultdict(set)
    file_vendors: dict[str, set[str]] = defaultdict(set)

    for group, n in groups.items():
        canon, kind, model_id, family, vendor, vendor_name, hq, tier, open_weights, location, \
            platform = group  # fmt: skip
        key = (kind.value, model_id.lower())
        row = models.get(key)
        if row is None:
            row = models[key] = ModelRow(
                model_id=model_id, kind=kind.value, family=family, vendor=vendor,
                vendor_name=vendor_name, hq=hq, tier=tier, open_weights=open_weights,
            )  # fmt: skip
        row.findings += n
        if location in DOC_LOCATIONS:
            row.in_docs += n
        elif location is not Location.EXTERNALISED:
            row.in_code += n
        if platform and platform not in row.platforms:
            row.platforms.append(platform)
        counts = model_files[key]
        counts[canon] = counts.get(canon, 0) + n

        v = vendor_rows.get(vendor)
        if v is None:
            v = vendor_rows[vendor] = VendorRow(vendor, vendor_name, hq, tier)
        v.findings += n
        if location not in DOC_LOCATIONS and location is not Location.EXTERNALISED:
            v.in_code += n
        counts = vendor_models[vendor]
        counts[model_id] = counts.get(model_id, 0) + n
        counts = vendor_files[vendor]
        counts[canon] = counts.get(canon, 0) + n

        counts = file_models[canon]
        counts[model_id] = counts.get(model_id, 0) + n
        file_tiers[canon].add(tier)
        file_vendors[canon].add(vendor)

    for key, row in models.items():
        row.files = len(model_files[key])
        row.top_files = _top(model_files[key])
        row.platforms.sort()
    for vendor, v in vendor_rows.items():
        v.models = len(vendor_models[vendor])
        v.files = len(vendor_files[vendor])
        v.top_models = _top(vendor_models[vendor])
        v.top_files = _top(vendor_files[vendor])
    file_rows = []
    for canon, counter in file_models.items():
        worst = max(file_tiers[canon], key=lambda t: TIER_RANK.get(t, 1))
        file_rows.append(
            FileRow(
                path=canon,
                copies=len(copies_of[canon]),
                findings=sum(counter.values()),
                models=len(counter),
                worst_tier=worst,
                vendors=sorted(file_vendors[canon]),
                top_models=_top(counter),
            )
        )
    return Inventory(
        models=sorted(models.values(), key=lambda r: _tier_key(r.tier, r.findings, r.model_id)),
        vendors=sorted(vendor_rows.values(), key=lambda r: _tier_key(r.tier, r.findings, r.vendor)),
        files=sorted(file_rows, key=lambda r: _tier_key(r.worst_tier, r.findings, r.path)),
        versioned_copies=dropped,
    )
