"""Data shared across audit and rewrite: what a match and a finding are."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    MODEL = "model"  # a model ID
    ENDPOINT = "endpoint"  # a provider API host / base URL
    DEPENDENCY = "dependency"  # a vendor SDK package (manifest, lock file or import)


class Location(enum.StrEnum):
    CODE = "code"  # a string literal in source code
    CONFIG = "config"  # a value in YAML/JSON/TOML/.env/ini
    COMMENT = "comment"  # a comment in source code
    DOCS = "docs"  # Markdown, reStructuredText, plain text
    EXTERNALISED = "externalised"  # the [models] section of hedge.toml: already behind an alias


@dataclass(frozen=True, slots=True)
class Match:
    """One classified token: what an ID is, independent of where it was found."""

    kind: Kind
    text: str  # the matched text as written
    model_id: (
        str  # normalised: routing layers peeled, lower-cased where the vendor is case-insensitive
    )
    family: str  # catalog family id ("" for endpoints)
    vendor: str  # catalog vendor id
    platform: str = (
        ""  # serving platform or route (openrouter, bedrock, together ...), "" for first party
    )
    start: int = 0  # offset of the match within the token
    end: int = 0

    def __reduce__(self) -> tuple[type[Match], tuple[object, ...]]:
        # Workers send thousands to the main process; a frozen slotted dataclass pickles by
        # default through fields() on both ends, a third of the time of unpickling a scan.
        return Match, (self.kind, self.text, self.model_id, self.family, self.vendor,
                       self.platform, self.start, self.end)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """A match placed in a file, with everything a reviewer needs to act on it."""

    path: str  # relative to the scan root, POSIX separators
    line: int  # 1-based
    column: int  # 1-based, in characters
    text: str
    model_id: str
    kind: Kind
    family: str
    vendor: str
    vendor_name: str
    hq: str
    tier: str
    tier_source: str
    open_weights: bool
    location: Location
    platform: str
    context: str  # the variable, keyword or key the literal is assigned to, when known
    fingerprint: str
    suppressed: bool = False
    repo: str = ""  # the repository it was found in, when one run scans several
