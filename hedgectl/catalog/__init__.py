"""The data hedgectl knows about the world, shipped as TOML in this package.

vendors.toml   vendors (HQ, tier with source and date, API hosts, HF orgs, gateway slugs), platforms
families.toml  model-ID families (keywords, regexes, samples) and capability classes
gateway_ids.toml  how gateways (Vercel AI Gateway, OpenRouter) name a vendor's models, where they
               differ from the vendor's own API IDs
Other commands keep their own data files here (presets, probes, signatures) and read them with
load_data(name).

Users override in hedge.toml under [catalog]: `tiers` (vendor -> tier), `vendors.<id>` and
`families.<id>` (new entries, or fields that replace the shipped ones).
"""

from __future__ import annotations

import _sre
import hashlib
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from re import _compiler as re_compiler  # type: ignore[attr-defined]
from re import _constants as re_constants  # type: ignore[attr-defined]
from re import _parser as re_parser  # type: ignore[attr-defined]
from typing import Any, Protocol

from hedgectl.config import (
    BOOL,
    STR,
    STR_LIST,
    TABLE,
    TIERS,
    Spec,
    Where,
    check_choice,
    check_table,
)
from hedgectl.errors import ConfigError

TIER_RANK = {"named": 3, "elevated": 2, "standard": 1}


@dataclass(frozen=True)
class Vendor:
    id: str
    name: str
    hq: str
    tier: str
    tier_source: str
    tier_date: str
    api_hosts: tuple[str, ...] = ()
    api_hosts_cn: tuple[str, ...] = ()
    hf_orgs: tuple[str, ...] = ()
    slugs: tuple[str, ...] = ()
    open_weight_families: tuple[str, ...] = ()
    entity_list: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    hq: str
    api_hosts: tuple[str, ...] = ()
    host_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    id: str
    vendor: str
    patterns: tuple[str, ...]
    keywords: tuple[str, ...]
    open_weights: bool = False
    capability: str = "chat"
    positives: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    # True for IDs so short or generic (o1, o3) that they count only as a whole literal in a model setting.
    context_only: bool = False
    # A context-only ID that is also a word or a vendor's name (mistral, command): it counts in a
    # model setting or a list under a model key, never as a short ID beside other IDs.
    word: bool = False
    closed_pattern: str = ""
    source: str = ""
    date: str = ""

    @property
    def regex(self) -> re.Pattern[str]:
        """All patterns as one regex, meant for fullmatch against a peeled ID."""
        return compile_patterns(self.patterns)

    def has_open_weights(self, model_id: str) -> bool:
        if not self.open_weights:
            return False
        return not (self.closed_pattern and re.search(self.closed_pattern, model_id, re.IGNORECASE))


# The rest of an ID; after a colon (an Ollama or Docker tag such as :14B-Q4_K_M) underscores too.
ID_REST = r"[A-Za-z0-9.:@+-]*(?::[\w.+-]*)?"


@cache
def compile_patterns_text(patterns: tuple[str, ...]) -> str:
    """Join family patterns; {T} stands for the rest of an ID."""
    return "|".join(f"(?:{p.replace('{T}', ID_REST)})" for p in patterns)


def compile_patterns(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(compile_patterns_text(patterns), re.IGNORECASE)


def regex_problem(pattern: str) -> str | None:
    """Why a user-supplied regex is refused, or None.

    Families from hedge.toml run in Python's backtracking engine next to the shipped ones, on
    every token of every file: a pattern with a quantifier inside a quantifier (`(a+)+b`) takes
    exponential time on a crafted token and would hang the audit. Refused too: what RE2 cannot
    run in linear time (backreferences, lookaround).
    """
    try:
        tree = re_parser.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"invalid regex: {exc}"
    if _nested_repeat(list(tree), inside=False):
        return (
            "a quantifier over another quantifier or an alternation ((a+)+, (a|ab)*) can take "
            "exponential time: write the repetition once (e.g. [.0-9]* instead of (\\.\\d+)*)"
        )
    import re2

    options = re2.Options()
    options.log_errors = False  # the reason goes into our one-line error, not to stderr
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return f"not a linear-time regex (no backreferences or lookaround): {reason}"
    return None


def _nested_repeat(items: list[Any], *, inside: bool) -> bool:
    for op, arg in items:
        if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT, re_constants.POSSESSIVE_REPEAT):
            _, high, sub = arg
            repeats = high > 1
            if repeats and inside:
                return True
            if _nested_repeat(list(sub), inside=inside or repeats):
                return True
        elif op is re_constants.BRANCH:
            # Alternatives under a quantifier can overlap ((a|a)+): as bad as a nested one.
            if inside or any(_nested_repeat(list(b), inside=False) for b in arg[1]):
                return True
        elif op in (re_constants.SUBPATTERN, re_constants.ATOMIC_GROUP):
            if _nested_repeat(list(arg[-1]), inside=inside):
                return True
        elif op in (re_constants.ASSERT, re_constants.ASSERT_NOT) and _nested_repeat(
            list(arg[1]), inside=inside
        ):
            return True
    return False


@dataclass(frozen=True)
class Catalog:
    vendors: dict[str, Vendor]
    families: dict[str, Family]
    platforms: dict[str, Platform]
    capabilities: dict[str, str]
    sources: dict[str, str]
    # Derived lookups, lowercase keys.
    by_org: dict[str, str] = field(default_factory=dict)
    by_slug: dict[str, str] = field(default_factory=dict)
    # SDK constant name -> the model ID it holds, for names that do not spell it (sdk_constants.toml).
    sdk_constants: dict[str, str] = field(default_factory=dict)
    # A framework's name as code imports it -> its model aliases (alias -> model ID).
    model_aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    def vendor(self, vendor_id: str) -> Vendor:
        return self.vendors[vendor_id]

    def capability_of(self, model_id: str, family: Family) -> str:
        """The capability class of one ID: a keyword in the ID wins over the family default."""
        for capability, marker in self.capabilities.items():
            if re.search(marker, model_id, re.IGNORECASE):
                return capability
        return family.capability

    def source_of(self, vendor: Vendor) -> str:
        return self.sources.get(vendor.tier_source, vendor.tier_source)


class BlobStore(Protocol):
    """Where data derived from the catalog may be kept between runs (a user cache): bytes by
    key, a key naming a hash of everything the bytes were built from. get gives None on a miss;
    neither method raises."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


def load_data(name: str, store: BlobStore | None = None) -> dict[str, Any]:
    """Read one shipped catalog file (e.g. 'presets.toml') as plain dicts.

    With a store, the parse is kept there as JSON under the hash of the file's text: the TOML
    parser is pure Python and takes 15 ms for the files an audit reads, JSON's 0.5 ms.
    """
    text = resources.files("hedgectl.catalog").joinpath(name).read_text(encoding="utf-8")
    if store is None:
        return tomllib.loads(text)
    key = "toml-" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    kept = store.get(key)
    if kept is not None:
        try:
            doc = json.loads(kept)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            return doc
    doc = tomllib.loads(text)
    encoded = json.dumps(doc, ensure_ascii=False)
    if json.loads(encoded) == doc:  # only JSON's types (a TOML date would come back a string)
        store.put(key, encoded.encode("utf-8"))
    return doc


def compile_kept(pattern: str, flags: int, store: BlobStore | None) -> re.Pattern[str]:
    """re.compile(pattern, flags), with the compiled program kept in `store` between runs.

    Python compiles a regex in Python: the one alternation of every family (core/detect.py)
    takes 35 ms, at every start. What it compiles to (the opcodes the C engine runs, the group
    names) depends only on the pattern, the flags and the engine, so it is kept as JSON under a
    hash of those, Python's version and the engine's MAGIC number, and handed to the engine as
    re._compiler.compile does (unchanged from Python 3.11 to 3.13). The engine checks a program
    before it takes it: one it refuses, or an entry that is not what was written, is compiled
    afresh. Where these internals are missing, re.compile.
    """
    return compile_kept_each([pattern], flags, store)[0]


def compile_kept_each(
    patterns: list[str], flags: int, store: BlobStore | None
) -> list[re.Pattern[str]]:
    """compile_kept for several patterns, their programs kept together in one entry (each
    family's own regex: 79 compiles, 30 ms, in every worker process that needs one)."""
    if store is None or not _KEEPS_PROGRAMS:
        return [re.compile(pattern, flags) for pattern in patterns]
    flags = int(flags)  # re.IGNORECASE is a RegexFlag; the engine takes the number
    identity = repr((sys.version, _sre.MAGIC, _sre.CODESIZE, flags, patterns))
    key = "re-" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()
    kept = store.get(key)
    if kept is not None:
        try:
            programs = json.loads(kept)
            if len(programs) == len(patterns):
                return [
                    _sre.compile(pattern, final, program, groups, names, tuple(by_index))
                    for pattern, (final, program, groups, names, by_index) in zip(
                        patterns, programs, strict=True
                    )
                ]
        except (ValueError, TypeError, RuntimeError, OverflowError):
            pass
    compiled: list[re.Pattern[str]] = []
    programs = []
    for pattern in patterns:
        parsed = re_parser.parse(pattern, flags)
        code = [int(op) for op in re_compiler._code(parsed, flags)]
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        final = flags | parsed.state.flags
        groups = parsed.state.groups - 1
        compiled.append(_sre.compile(pattern, final, code, groups, groupindex, tuple(indexgroup)))
        programs.append([final, code, groups, groupindex, indexgroup])
    store.put(key, json.dumps(programs).encode("utf-8"))
    return compiled


_KEEPS_PROGRAMS = all(
    hasattr(module, name)
    for module, name in (
        (_sre, "compile"), (_sre, "MAGIC"), (_sre, "CODESIZE"), (re_compiler, "_code")
    )
)  # fmt: skip


def _tuple_fields(table: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}


VENDOR_SPEC: Spec = {
    "name": STR,
    "hq": STR,
    "tier": STR,
    "tier_source": STR,
    "tier_date": STR,
    "api_hosts": STR_LIST,
    "api_hosts_cn": STR_LIST,
    "hf_orgs": STR_LIST,
    "slugs": STR_LIST,
    "open_weight_families": STR_LIST,
    "entity_list": BOOL,
    "notes": STR,
}

FAMILY_SPEC: Spec = {
    "vendor": STR,
    "patterns": STR_LIST,
    "keywords": STR_LIST,
    "open_weights": BOOL,
    "capability": STR,
    "positives": STR_LIST,
    "negatives": STR_LIST,
    "context_only": BOOL,
    "word": BOOL,
    "closed_pattern": STR,
    "source": STR,
    "date": STR,
}


@dataclass(frozen=True)
class Overrides:
    tiers: dict[str, str] = field(default_factory=dict)
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)
    families: dict[str, dict[str, Any]] = field(default_factory=dict)


# Control characters (newline, ESC, CR, C1) and bidi overrides: the catalog's names and hosts go
# into every report, a newline into a vendor's name would forge a line of its own.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _no_control(table: dict[str, Any], where: Where) -> None:
    for key, value in table.items():
        for text in [key, *(value if isinstance(value, list) else [value])]:
            if isinstance(text, str) and CONTROL.search(text):
                raise where.child(CONTROL.sub("?", key)).error(
                    "holds a control character (newline, ESC, ...): reports would print it"
                )


def parse_overrides(table: object, where: Where) -> Overrides:
    """Validate hedge.toml [catalog]: tiers, vendors.<id>, families.<id>."""
    t = check_table(table, {"tiers": TABLE, "vendors": TABLE, "families": TABLE}, where)
    for section in ("tiers", "vendors", "families"):
        _no_control(t.get(section, {}), where.child(section))
    tiers: dict[str, str] = {}
    for vendor_id, tier in t.get("tiers", {}).items():
        w = where.child("tiers").child(vendor_id)
        if not isinstance(tier, str):
            raise w.error("must be a string")
        tiers[vendor_id] = check_choice(tier, TIERS, w)
    vendors: dict[str, dict[str, Any]] = {}
    for vendor_id, body in t.get("vendors", {}).items():
        w = where.child("vendors").child(vendor_id)
        vendors[vendor_id] = check_table(body, VENDOR_SPEC, w)
        _no_control(vendors[vendor_id], w)
        if "tier" in body:
            check_choice(body["tier"], TIERS, w.child("tier"))
    families: dict[str, dict[str, Any]] = {}
    for family_id, body in t.get("families", {}).items():
        w = where.child("families").child(family_id)
        families[family_id] = check_table(body, FAMILY_SPEC, w)
        _no_control(families[family_id], w)
        for i, pattern in enumerate(body.get("patterns", [])):
            problem = regex_problem(compile_patterns_text((pattern,)))
            if problem:
                raise w.child(f"patterns[{i}]").error(problem)
        if "closed_pattern" in body:
            problem = regex_problem(body["closed_pattern"])
            if problem:
                raise w.child("closed_pattern").error(problem)
    return Overrides(tiers=tiers, vendors=vendors, families=families)


_SHIPPED: list[tuple[dict[str, Any], dict[str, Any]]] = []  # parsed once per process


def _shipped(store: BlobStore | None) -> tuple[dict[str, Any], dict[str, Any]]:
    if not _SHIPPED:
        _SHIPPED.append((load_data("vendors.toml", store), load_data("families.toml", store)))
    return _SHIPPED[0]


def load_catalog(overrides: Overrides | None = None, store: BlobStore | None = None) -> Catalog:
    """The shipped catalog with the user's overrides applied; `store` keeps its parse (see
    load_data)."""
    vendors_doc, families_doc = _shipped(store)
    overrides = overrides or Overrides()
    vendors: dict[str, Vendor] = {}
    for vid, body in vendors_doc["vendors"].items():
        vendors[vid] = Vendor(id=vid, **_tuple_fields(body))
    for vid, body in overrides.vendors.items():
        if vid in vendors:
            vendors[vid] = replace(vendors[vid], **_tuple_fields(body))
        else:
            missing = {"name", "hq", "tier"} - set(body)
            if missing:
                raise ConfigError(
                    f"catalog.vendors.{vid}: a new vendor needs {', '.join(sorted(missing))}"
                )
            body = {"tier_source": "hedge.toml", "tier_date": "", **body}
            vendors[vid] = Vendor(id=vid, **_tuple_fields(body))
    for vid, tier in overrides.tiers.items():
        if vid not in vendors:
            raise ConfigError(
                f"catalog.tiers.{vid}: unknown vendor",
                hint="run 'hedgectl catalog' to list vendor ids",
            )
        vendors[vid] = replace(vendors[vid], tier=tier, tier_source="hedge.toml", tier_date="")
    families: dict[str, Family] = {}
    for fid, body in families_doc["families"].items():
        families[fid] = Family(id=fid, **_tuple_fields(body))
    for fid, body in overrides.families.items():
        if fid in families:
            families[fid] = replace(families[fid], **_tuple_fields(body))
        else:
            missing = {"vendor", "patterns", "keywords"} - set(body)
            if missing:
                raise ConfigError(
                    f"catalog.families.{fid}: a new family needs {', '.join(sorted(missing))}"
                )
            families[fid] = Family(id=fid, **_tuple_fields({"source": "hedge.toml", **body}))
    for fam in families.values():
        if fam.vendor not in vendors:
            raise ConfigError(f"catalog.families.{fam.id}: unknown vendor '{fam.vendor}'")
    platforms = {
        pid: Platform(id=pid, **_tuple_fields(body))
        for pid, body in vendors_doc.get("platforms", {}).items()
    }
    by_org: dict[str, str] = {}
    by_slug: dict[str, str] = {}
    for v in vendors.values():
        for org in v.hf_orgs:
            by_org[org.lower()] = v.id
        for slug in v.slugs:
            by_slug[slug.lower()] = v.id
    capabilities = {k: str(v) for k, v in families_doc.get("capabilities", {}).items()}
    return Catalog(
        vendors=vendors,
        families=families,
        platforms=platforms,
        capabilities=capabilities,
        sources=dict(vendors_doc.get("sources", {})),
        by_org=by_org,
        by_slug=by_slug,
        sdk_constants=_sdk_data(store)[0],
        model_aliases=_sdk_data(store)[1],
    )


# Parsed once per process: SDK constants, and framework model aliases by framework marker.
_SDK_DATA: list[tuple[dict[str, str], dict[str, dict[str, str]]]] = []


def _sdk_data(store: BlobStore | None) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    if not _SDK_DATA:
        doc = load_data("sdk_constants.toml", store)
        constants = {
            name: str(v) for sdk in doc["sdks"].values() for name, v in sdk["constants"].items()
        }
        aliases = {
            str(fw["marker"]): {alias: str(v) for alias, v in fw["names"].items()}
            for fw in doc.get("aliases", {}).values()
        }
        _SDK_DATA.append((constants, aliases))
    return _SDK_DATA[0]


@dataclass(frozen=True)
class GatewayIds:
    """How gateways name one vendor's models where the vendor's API names them otherwise."""

    gateways: tuple[str, ...]  # the gateways that use these IDs, by name
    gateway_only: re.Pattern[str]  # only a gateway's ID matches
    rule_gateway: re.Pattern[str] | None  # two groups: joined by "." at a gateway
    rule_native: re.Pattern[str] | None  # the same two groups: joined by "-" at the vendor
    to_native: dict[str, str]  # lowercase gateway ID -> the vendor's ID
    to_gateway: dict[str, str]  # lowercase vendor ID (or another gateway name) -> the gateway's ID

    def native(self, model: str) -> str | None:
        """The vendor's own ID for `model` (itself when it is not a gateway's); None for a
        gateway's ID that no entry or rule translates."""
        key = model.lower()
        if key in self.to_native:
            return self.to_native[key]
        if key in self.to_gateway:
            return model
        found = self.rule_gateway.fullmatch(model) if self.rule_gateway else None
        if found:
            return f"{found[1]}-{found[2]}"
        return None if self.gateway_only.search(model) else model

    def gateway(self, model: str) -> str:
        """The gateways' ID for `model` (itself when no entry or rule says otherwise)."""
        if model.lower() in self.to_gateway:
            return self.to_gateway[model.lower()]
        found = self.rule_native.fullmatch(model) if self.rule_native else None
        return f"{found[1]}.{found[2]}" if found else model


@cache
def gateway_ids() -> dict[str, GatewayIds]:
    """gateway_ids.toml by vendor id (read on first use: only `config export` needs it)."""
    out: dict[str, GatewayIds] = {}
    for vid, body in load_data("gateway_ids.toml")["vendors"].items():
        to_native: dict[str, str] = {}
        to_gateway: dict[str, str] = {}
        for entry in body.get("models", []):
            for name in entry["gateway"]:
                to_native[name.lower()] = entry["native"][0]
            for name in [*entry["native"], *entry["gateway"][1:]]:
                to_gateway[name.lower()] = entry["gateway"][0]
        rule = body.get("rule", {})
        out[vid] = GatewayIds(
            gateways=tuple(body["gateways"]),
            gateway_only=re.compile(body["gateway_only"]),
            rule_gateway=re.compile(rule["gateway"]) if rule else None,
            rule_native=re.compile(rule["native"]) if rule else None,
            to_native=to_native,
            to_gateway=to_gateway,
        )
    return out
