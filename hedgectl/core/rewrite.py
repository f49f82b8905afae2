"""`hedgectl rewrite`: which literals become which alias, and the diff that shows it.

The codemods (adapters/codemod_python.py, adapters/codemod_js.py) report every string literal as a
Site with its syntactic position; this module decides which sites are model IDs in a model slot
(rewritten, with the literal kept as the lookup's default), which are model IDs a person must
decide about (listed with a reason), names aliases from the ID and role, and keeps the
bookkeeping the summary and the JSON report need.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from hedgectl.catalog import Catalog
from hedgectl.core.aliases import (
    CAPABILITY_ROLE,
    PROVIDER_PREFIX,
    Namer,
    role_from_context,
    slug,
    suggest_fallbacks,
)
from hedgectl.core.audit import RawFinding
from hedgectl.core.detect import Detector
from hedgectl.core.models import Kind, Location, Match

# Why a literal that holds a model ID was left alone. Every reason the report shows starts with
# NEEDS_PERSON: hedgectl cannot tell what changing it would do, a person can.
NEEDS_PERSON = "needs a person: "
DYNAMIC = "dynamic value (f-string, template or concatenation)"
# `f"No LM is loaded. Try dspy.LM('openai/gpt-4o-mini')"`: a whole ID inside a sentence is an
# example in a message or hint, not a setting; the text may still need updating by hand.
MESSAGE = "message text naming a model (an example or hint, not a setting)"
# Prose: four words of letters in a row, the static text of an error message or a hint.
_PROSE = re.compile(
    r"[A-Za-z]{2,}[,.;:]?\s+[A-Za-z]{2,}[,.;:]?\s+[A-Za-z]{2,}[,.;:]?\s+[A-Za-z]{2,}"
)
# `[{model: "gpt-4o", score: 48.2}, ...]`: a record in a list names a model in a table (a
# leaderboard, a registry, a price list); it does not pick the model a call uses.
TABLE_ROW = "table row (a record in a list names a model, it does not pick one)"
# A substitution in an f-string or template string ({x}, ${x}, {x!r:>10}), and the ID-shaped
# words (the substitution marked by NUL) a dynamic value is made of.
_SUBSTITUTION = re.compile(r"\$?\{[^{}]*\}")
_DYNAMIC_WORD = re.compile(r"[A-Za-z0-9._:/@+\-\0]+")
_JOINERS = "-._:/@"
# `opus_model = "..."` in a function that only prints it (`help=f"Use {opus_model}"`): a label.
TEXT_ONLY = "local variable read only in formatted text (a label or message, not a setting)"


class Position(StrEnum):
    """Where a literal sits, as far as its syntax shows what it is for."""

    KEYWORD = "keyword argument"  # f(model="x")
    KEY_VALUE = "key value"  # {"model": "x"}, {model: "x"}
    ASSIGN = "assignment"  # MODEL = "x", self.model = "x", const model = "x"
    CLASS_ATTR = "class attribute"  # class C: model_id = "x"
    DEFAULT = "parameter default"  # def f(model="x")
    ENV_DEFAULT = "environment default"  # os.getenv("MODEL", "x"), process.env.MODEL ?? "x"
    ARGUMENT = "positional argument"  # Chat("x")
    SDK_MODEL = "model argument of an SDK provider"  # openai("x") with openai from @ai-sdk/openai
    ELEMENT = "list entry"  # ["x", "y"], ("x",)
    RETURN = "return value"  # return "x"
    OTHER = "other"


# A name says "this is the model to use": model, chat_model, DEFAULT_MODEL, modelName, model_id...
MODEL_NAME = re.compile(r"(?:^|_)model(?:_name|_id|_path|_name_or_path)?$")
# Names that belong to test doubles: what a mock returns is an expectation, not a setting.
MOCK_NAMES = frozenset({"return_value", "side_effect", "mock", "fake", "stub", "expected"})
# Files whose literals are expectations, fixtures and mocks: listed, never rewritten.
TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|__tests__|__mocks__|mocks?|fixtures?|testdata|test[-_](?:utils|helpers)|spec|e2e|cassettes)/"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_tests?\.py|conftest\.py|[^/]*\.(?:test|spec|vitest)\.[cm]?[jt]sx?)$",
    re.IGNORECASE,
)
TEST_FILE = "test file (expectations, fixtures and mocks stay literal)"
# Data migrations convert what stored data held: their model IDs are history, not settings.
MIGRATION_PATH = re.compile(r"(?:^|/)(?:migrations?|migrate)/|(?:^|/)[^/]*migration[^/]*$", re.I)
MIGRATION_FILE = "data migration (it converts what stored data held; the ID is history)"
# A header that says a generator writes the file: an edit would be lost at the next generation.
GENERATED_HEADER = re.compile(
    rb"@generated|\bauto[- ]?generated\b|\bdo not edit\b|\bcode generated\b", re.IGNORECASE
)
GENERATED_FILE = "generated file (change its generator or source; an edit here is overwritten)"
# `'qwen-max': { modelId: 'qwen-max', contextWindow: ... }`, or one of many records in a map of
# model packages: it describes a model in a registry; it does not pick the model a call uses.
REGISTRY_ENTRY = "registry entry (a record among many describes a model; it does not pick one)"
# Reasons for positions that hold model IDs without choosing the model to call.
POSITION_REASONS = {
    Position.ARGUMENT: "positional argument (what it means is up to the callee: a registry name, "
    "a label, a model to call)",
    Position.ELEMENT: "list entry (a registry, choice list or table names models, it does not "
    "pick one)",
    Position.RETURN: "return value (its caller decides what it is for)",
    Position.CLASS_ATTR: "class attribute naming the class's model (a registry name: overriding "
    "it would rename the model)",
    Position.OTHER: "not a model slot",
}


def is_model_name(name: str) -> bool:
    return bool(MODEL_NAME.search(slug(name, split_camel=True)))


def is_test_path(path: str) -> bool:
    return bool(TEST_PATH.search(path))


def is_migration_path(path: str) -> bool:
    return bool(MIGRATION_PATH.search(path))


def is_generated(data: bytes) -> bool:
    """Whether the file's first lines say a generator writes it."""
    return bool(GENERATED_HEADER.search(data[:1024]))


@dataclass(frozen=True)
class Site:
    """One string literal in a source file, as a codemod sees it."""

    line: int  # 1-based
    column: int  # 1-based
    value: str  # the literal's value (for dynamic values: the static text)
    context: str  # the variable, keyword, key or parameter it is assigned to
    key: tuple[int, int]  # the codemod's handle for the node (line, column of the original)
    skip: str = ""  # why it can never be rewritten ("" when its position decides)
    suppressed: bool = False  # an inline `hedgectl: ignore` on its line
    position: Position = Position.OTHER
    flows: bool = False  # its name is passed to a model parameter elsewhere in the file


def slot_reason(site: Site) -> str:
    """'' when the literal sits in a model slot (rewrite it), else why a person must decide."""
    if site.skip:
        return site.skip
    name = slug(site.context, split_camel=True)
    if name in MOCK_NAMES:
        return f"value of a test double ('{site.context}')"
    if site.position is Position.SDK_MODEL:
        return ""
    if site.position in (
        Position.KEYWORD,
        Position.KEY_VALUE,
        Position.ASSIGN,
        Position.DEFAULT,
        Position.ENV_DEFAULT,
    ):
        if is_model_name(site.context) or site.flows:
            return ""
        if not site.context:
            return f"{site.position.value} that names no setting"
        return f"{site.position.value} that names no model setting ('{site.context}')"
    return POSITION_REASONS.get(site.position, "not a model slot")


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

    def _skip(self, path: str, site: Site, reason: str) -> None:
        self.skipped.append(Skipped(path, site.line, site.value, NEEDS_PERSON + reason))

    def natural_role(self, match: Match) -> str:
        family = self.catalog.families.get(match.family) if match.family else None
        if family is None:
            return "chat"
        capability = self.catalog.capability_of(match.model_id, family)
        return CAPABILITY_ROLE.get(capability, capability)

    def _dynamic_reason(self, text: str) -> str:
        """Why a dynamic value (f-string, template, piece of a concatenation) is listed, or ""
        when it cannot hold a model ID: DYNAMIC when an ID-shaped word holding a vendor keyword is
        completed by a substitution or a joiner (`deepseek-` + version), MESSAGE when whole model
        IDs sit in a sentence, DYNAMIC for a whole ID in text that is not prose. Messages that
        merely name a vendor ("Ollama not reachable at ${url}") are not listed."""
        static = _SUBSTITUTION.sub("\0", text)
        whole_id = False
        for word in _DYNAMIC_WORD.findall(static):
            lowered = word.lower()
            if not any(k in lowered for k in self.keywords):
                continue
            if "\0" in word or word[0] in _JOINERS or word[-1] in _JOINERS:
                return DYNAMIC
            match = self.detector.classify(word)
            if match is not None and match.kind is Kind.MODEL:
                whole_id = True
        if not whole_id:
            return ""
        return MESSAGE if _PROSE.search(static) else DYNAMIC

    def _classify(self, value: str, context: str) -> Match | None:
        """The model a literal names: a whole ID, or one behind a provider prefix
        (`Agent("openai:gpt-4o")`, `init_chat_model("anthropic:claude-sonnet-4-5")`); its
        model_id is then the ID without the prefix."""
        match = self.detector.classify(value, context=context or None)
        prefixed = PROVIDER_PREFIX.match(value) if match is None else None
        if prefixed is not None:
            match = self.detector.classify(value[prefixed.end() :], context=context or None)
        return match

    def list_file(self, path: str, findings: list[RawFinding], reason: str) -> None:
        """A test or generated file's model IDs, as audit found them: listed for a person, never
        parsed."""
        for f in findings:
            if f.location is not Location.CODE or not self._selected(f.match):
                continue
            if f.suppressed:
                self.skipped.append(Skipped(path, f.line, f.match.text, "hedgectl: ignore"))
            else:
                self.skipped.append(Skipped(path, f.line, f.match.text, NEEDS_PERSON + reason))

    def add_file(self, path: str, sites: list[Site]) -> dict[tuple[int, int], str]:
        """Decide one file's sites; returns node handle -> alias for the codemod to apply."""
        out: dict[tuple[int, int], str] = {}
        test_file = is_test_path(path)
        for site in sorted(sites, key=lambda s: (s.line, s.column)):
            if site.skip == DYNAMIC:
                reason = self._dynamic_reason(site.value)
                if reason:
                    self._skip(path, site, reason)
                continue
            match = self._classify(site.value, site.context)
            if match is None or match.kind is not Kind.MODEL or not self._selected(match):
                continue
            if site.suppressed:
                self.skipped.append(Skipped(path, site.line, site.value, "hedgectl: ignore"))
                continue
            if test_file:
                self._skip(path, site, TEST_FILE)
                continue
            reason = slot_reason(site)
            if reason:
                self._skip(path, site, reason)
                continue
            natural = self.natural_role(match)
            alias = self.namer.alias_for(
                site.value, role_from_context(site.context), natural, name_from=match.text
            )
            vendor = self.catalog.vendors[match.vendor]
            if alias not in self.existing and alias not in self.new_aliases:
                where = f"{path}:{site.line}" + (f" as {site.context}" if site.context else "")
                self.new_aliases[alias] = NewAlias(
                    name=alias,
                    id=site.value,
                    provider=match.platform or match.vendor,
                    fallbacks=suggest_fallbacks(self.detector, match.text),
                    found=where,
                )
            self.rewrites.append(Rewrite(path, site, alias, site.value, vendor.id, vendor.tier))
            out[site.key] = alias
        return out


# Bytes git writes as a C escape inside a quoted file name; other bytes outside printable ASCII
# are written in octal (git's default, core.quotePath=true).
_GIT_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_GIT_ESCAPES |= {ord('"'): '\\"', ord("\\"): "\\\\"}


def git_path(prefix: str, path: str) -> str:
    """`prefix + path` as git writes a file name in a diff header: quoted with C escapes when it
    holds a control character, a quote, a backslash or a non-ASCII byte, so `git apply` reads
    the name back exactly and no control character reaches a terminal."""
    raw = (prefix + path).encode("utf-8", "surrogateescape")
    if all(0x20 <= b < 0x7F and b not in _GIT_ESCAPES for b in raw):
        return prefix + path
    quoted = "".join(
        _GIT_ESCAPES.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}") for b in raw
    )
    return f'"{quoted}"'


def unified_diff(path: str, old: str | None, new: str) -> str:
    """A unified diff of one file, /dev/null for a new one (what `git apply` expects)."""
    before = [] if old is None else old.splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    lines = difflib.unified_diff(
        before,
        after,
        fromfile="/dev/null" if old is None else git_path("a/", path),
        tofile=git_path("b/", path),
    )
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return text
