"""`hedgectl rewrite`: which literals become which alias, and the diff that shows it.

The codemods (adapters/codemod_python.py, adapters/codemod_js.py) report every string literal as a
Site; this module decides which sites are model IDs to move into hedge.toml, names their aliases
and keeps the bookkeeping the summary and the JSON report need.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from hedgectl.catalog import Catalog
from hedgectl.core.aliases import Namer, suggest_fallbacks
from hedgectl.core.detect import Detector
from hedgectl.core.models import Kind, Match

# Why a literal that holds a model ID was left alone. Only "" means "rewrite it".
DYNAMIC = "dynamic value (f-string, template or concatenation)"


@dataclass(frozen=True)
class Site:
    """One string literal in a source file, as a codemod sees it."""

    line: int  # 1-based
    column: int  # 1-based
    value: str  # the literal's value (for dynamic values: the static text)
    context: str  # the variable, keyword, key or parameter it is assigned to
    key: tuple[int, int]  # the codemod's handle for the node (line, column of the original)
    skip: str = ""  # why it cannot be rewritten ("" when it can)
    suppressed: bool = False  # an inline `hedgectl: ignore` on its line


@dataclass(frozen=True)
class Rewrite:
    path: str
    site: Site
    alias: str
    model_id: str
    vendor: str
    tier: str


@dataclass(frozen=True)
class Skipped:
    path: str
    line: int
    text: str
    reason: str


@dataclass
class NewAlias:
    name: str
    id: str
    provider: str
    fallbacks: tuple[str, ...]
    found: str  # "path:line as CONTEXT", recorded as a comment in hedge.toml


@dataclass
class Planner:
    """Collects the sites of every file, then hands out aliases in a stable order."""

    catalog: Catalog
    existing: dict[str, str] = field(default_factory=dict)  # alias -> id already in hedge.toml
    tiers: frozenset[str] = frozenset()
    vendors: frozenset[str] = frozenset()
    rewrites: list[Rewrite] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    new_aliases: dict[str, NewAlias] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.detector = Detector(self.catalog)
        self.namer = Namer(existing=dict(self.existing))
        self.keywords = sorted(
            {
                k.lower()
                for f in self.catalog.families.values()
                for k in f.keywords
                if len(k) >= 3 and k[0].isalnum()
            }
        )

    def _selected(self, match: Match) -> bool:
        tier = self.catalog.vendors[match.vendor].tier
        return (not self.tiers or tier in self.tiers) and (
            not self.vendors or match.vendor in self.vendors or match.platform in self.vendors
        )

    def add_file(self, path: str, sites: list[Site]) -> dict[tuple[int, int], str]:
        """Decide one file's sites; returns node handle -> alias for the codemod to apply."""
        out: dict[tuple[int, int], str] = {}
        for site in sorted(sites, key=lambda s: (s.line, s.column)):
            if site.skip == DYNAMIC:
                lowered = site.value.lower()
                if any(k in lowered for k in self.keywords):
                    self.skipped.append(Skipped(path, site.line, site.value, site.skip))
                continue
            match = self.detector.classify(site.value, context=site.context or None)
            if match is None or match.kind is not Kind.MODEL or not self._selected(match):
                continue
            if site.suppressed:
                self.skipped.append(Skipped(path, site.line, site.value, "hedgectl: ignore"))
                continue
            if site.skip:
                self.skipped.append(Skipped(path, site.line, site.value, site.skip))
                continue
            # {"deepseek-chat": "deepseek-reasoner"}: a key that is itself an ID names no role.
            context = site.context if not self.detector.classify(site.context) else ""
            alias = self.namer.alias_for(site.value, context)
            vendor = self.catalog.vendors[match.vendor]
            if alias not in self.existing and alias not in self.new_aliases:
                where = f"{path}:{site.line}" + (f" as {site.context}" if site.context else "")
                self.new_aliases[alias] = NewAlias(
                    name=alias,
                    id=site.value,
                    provider=match.platform or match.vendor,
                    fallbacks=suggest_fallbacks(self.detector, site.value),
                    found=where,
                )
            self.rewrites.append(Rewrite(path, site, alias, site.value, vendor.id, vendor.tier))
            out[site.key] = alias
        return out


def unified_diff(display: str, old: str | None, new: str) -> str:
    """A unified diff of one file, /dev/null for a new one (what `git apply` expects)."""
    before = [] if old is None else old.splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    lines = difflib.unified_diff(
        before,
        after,
        fromfile="/dev/null" if old is None else f"a/{display}",
        tofile=f"b/{display}",
    )
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return text
