"""The [models] section of hedge.toml: aliases for model IDs, their fallbacks, and its checks.

    [models.chat_model]
    id = "deepseek-chat"                 # exactly what the code used to pass
    provider = "deepseek"                # catalog vendor or platform id that serves it
    fallbacks = ["openai/gpt-4.1-mini"]  # other aliases, or provider/model-id references
    api_key_env = "DEEPSEEK_API_KEY"     # optional: the env var a gateway reads the key from

Alias names are what code looks up and what HEDGE_MODEL_<ALIAS> overrides, so they are limited to
letters, digits and underscores and must stay distinct when upper-cased.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hedgectl.catalog import TIER_RANK, Catalog, load_data
from hedgectl.config import STR, STR_LIST, Spec, Where, check_table
from hedgectl.core.detect import ROUTES, Detector
from hedgectl.core.printable import has_control, printable

ALIAS_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ENV_PREFIX = "HEDGE_MODEL_"


@dataclass(frozen=True)
class ModelAlias:
    name: str
    id: str
    provider: str
    fallbacks: tuple[str, ...] = ()
    api_key_env: str | None = None

    @property
    def env_var(self) -> str:
        return env_name(self.name)


def env_name(alias: str) -> str:
    return ENV_PREFIX + alias.upper()


def parse_models(table: object, where: Where) -> dict[str, ModelAlias]:
    """Validate [models]: one table per alias with id, provider, optional fallbacks/api_key_env."""
    if not isinstance(table, dict):
        raise where.error("must be a table", hint="write one [models.<alias>] table per alias")
    spec: Spec = {"id": STR, "provider": STR, "fallbacks": STR_LIST, "api_key_env": STR}
    parsed: dict[str, ModelAlias] = {}
    seen_env: dict[str, str] = {}
    for name, body in table.items():
        w = where.child(name)
        if not ALIAS_RE.fullmatch(name):
            raise w.error(
                "alias names may hold only letters, digits and underscores",
                hint="the name becomes the environment variable HEDGE_MODEL_<ALIAS>",
            )
        t = check_table(body, spec, w, required=("id", "provider"))
        for key in ("id", "provider", "api_key_env", "fallbacks"):
            values = t.get(key, [])
            for value in [values] if isinstance(values, str) else values:
                if has_control(value):
                    raise w.child(key).error(
                        f"{printable(value)!r} holds a control character (newline, ESC, ...): "
                        "it would add lines to exported files (.env, YAML)"
                    )
        if not t["id"].strip():
            raise w.child("id").error("must not be empty")
        other = seen_env.get(name.upper())
        if other is not None:
            raise w.error(f"clashes with alias '{other}' (both read {env_name(name)})")
        seen_env[name.upper()] = name
        parsed[name] = ModelAlias(
            name=name,
            id=t["id"],
            provider=t["provider"],
            fallbacks=tuple(t.get("fallbacks", ())),
            api_key_env=t.get("api_key_env"),
        )
    return parsed


# ---------------------------------------------------------------------------- naming


def slug(text: str, *, split_camel: bool = False) -> str:
    """A bare-key and env-safe name: lower case, runs of other characters become one underscore."""
    if split_camel:
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)  # summaryModel -> summary_model
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if name and name[0].isdigit():
        name = "m_" + name
    return name


MAX_BASE = 40
# Words in a variable, key or keyword name that say which role a model plays, and the role.
# Chat is every model's role unless one of these says otherwise, so it adds nothing to a name.
ROLE_WORDS: dict[str, str] = {
    "embed": "embedding", "embedding": "embedding", "embeddings": "embedding",
    "reason": "reasoner", "reasoning": "reasoner", "reasoner": "reasoner", "think": "reasoner",
    "thinking": "reasoner", "vision": "vision", "image": "vision", "rerank": "rerank",
    "reranker": "rerank", "code": "coder", "coder": "coder", "coding": "coder",
}  # fmt: skip
# Catalog capability class -> the role word an alias carries.
CAPABILITY_ROLE = {"reasoning": "reasoner"}


def name_from_id(model_id: str) -> str:
    """'openrouter/deepseek/deepseek-r1:free' -> 'deepseek_r1_free' (at most MAX_BASE characters)."""
    last = model_id.rstrip("/").rsplit("/", 1)[-1]
    return (slug(last) or "model")[:MAX_BASE].rstrip("_")


def role_from_context(context: str) -> str:
    """The role a name states ('embedding_model' -> 'embedding'), '' when it states none."""
    for word in reversed(slug(context, split_camel=True).split("_")):
        if word in ROLE_WORDS:
            return ROLE_WORDS[word]
    return ""


def alias_name(model_id: str, role: str, natural_role: str) -> str:
    """An alias from the ID, with the role appended only when the ID does not already imply it:
    ('deepseek-chat', chat) -> deepseek_chat; ('gpt-4o', reasoner) -> gpt_4o_reasoner."""
    base = name_from_id(model_id)
    if not role or role == natural_role or role in base.split("_"):
        return base
    return f"{base}_{role}"


@dataclass
class Namer:
    """Hands out aliases: one per distinct (ID, role), named from the two, never re-pointing an
    existing alias.

    `existing` maps alias -> ID from hedge.toml. A name that already points at the same ID is
    reused; one that points elsewhere is passed over for the full ID's name, then a number.
    """

    existing: dict[str, str] = field(default_factory=dict)
    assigned: dict[tuple[str, str], str] = field(default_factory=dict)
    # (preferred name, the ID it already points at, the ID that wanted it, the name it got)
    clashes: list[tuple[str, str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.in_file = dict(self.existing)  # what hedge.toml held before this run

    def alias_for(
        self, model_id: str, role: str = "", natural_role: str = "", *, name_from: str = ""
    ) -> str:
        """The alias of `model_id`, named from `name_from` when given (the ID without a prefix)."""
        key = (model_id, role or natural_role)
        if key in self.assigned:
            return self.assigned[key]
        preferred = alias_name(name_from or model_id, role, natural_role)
        taken = {n.upper(): i for n, i in self.existing.items()}
        if taken.get(preferred.upper()) != model_id:
            # hedge.toml already names this ID (a person chose that name): keep using it.
            named = sorted(n for n, i in self.in_file.items() if i == model_id)
            if named:
                self.assigned[key] = named[0]
                return named[0]
        candidates = [preferred]
        full = slug(model_id)[: 2 * MAX_BASE].rstrip("_")
        if role and role != natural_role and role not in full.split("_"):
            full = f"{full}_{role}"
        if full != preferred:
            candidates.append(full)
        base = candidates[-1]
        candidates += [f"{base}_{n}" for n in range(2, 1000)]
        for name in candidates:
            owner = taken.get(name.upper())
            if owner is None or owner == model_id:
                self.existing[name] = model_id
                self.assigned[key] = name
                if name != preferred:
                    self.clashes.append((preferred, taken[preferred.upper()], model_id, name))
                return name
        raise RuntimeError(f"no free alias for {model_id}")  # pragma: no cover - 1000 clashes


# ---------------------------------------------------------------------------- fallbacks


@dataclass(frozen=True)
class Resolved:
    """What one primary or fallback reference is: vendor, HQ, tier, capability class."""

    ref: str
    vendor: str
    hq: str
    tier: str
    capability: str


def provider_of(match_vendor: str, platform: str) -> str:
    return platform or match_vendor


def known_providers(catalog: Catalog) -> set[str]:
    names = set(catalog.vendors) | set(catalog.platforms) | set(catalog.by_slug)
    # Gateway route names that differ from catalog ids (LiteLLM prefixes).
    names |= set(ROUTE_ALIASES)
    # Every provider the detector (and so `rewrite`) can name: route prefixes and their platforms.
    names |= set(ROUTES) | set(ROUTES.values())
    return names


# `provider:model`, the form pydantic-ai (`Agent("openai:gpt-4o")`) and LangChain
# (`init_chat_model("anthropic:claude-sonnet-4-5")`) take: the model follows the provider's name.
PROVIDER_PREFIX = re.compile(r"[a-z][a-z0-9_-]*:(?=[^\s:])")

# LiteLLM route prefixes that name a catalog vendor or platform under another name, and the
# provider names of pydantic-ai and LangChain that differ from a catalog id.
ROUTE_ALIASES: dict[str, str] = {
    "gemini": "google",
    "vertex_ai": "vertex",
    "together_ai": "together",
    "fireworks_ai": "fireworks",
    "dashscope": "alibaba",
    "zai": "zhipu",
    "moonshot": "moonshot",
    "azure": "azure",
    "azure_openai": "azure",
    "google-gla": "google",
    "google-vertex": "google",
    "google_genai": "google",
    "google_vertexai": "google",
    "bedrock_converse": "bedrock",
    "grok": "xai",
}


def resolve_ref(detector: Detector, text: str, provider: str | None = None) -> Resolved | None:
    """Classify a model reference against the catalog; None when it is not a known model."""
    catalog = detector.catalog
    match = detector.classify(text, context="model")
    if match is None or not match.family:
        pid = (provider or text.split("/", 1)[0]).lower()
        vid = ROUTE_ALIASES.get(pid, catalog.by_slug.get(pid, pid))
        vendor = catalog.vendors.get(vid)
        if vendor is None:
            return None
        return Resolved(text, vendor.id, vendor.hq, vendor.tier, "chat")
    vendor = catalog.vendors[match.vendor]
    family = catalog.families[match.family]
    return Resolved(
        text, vendor.id, vendor.hq, vendor.tier, catalog.capability_of(match.model_id, family)
    )


@dataclass(frozen=True)
class FallbackClass:
    chain: tuple[str, ...]
    source: str
    date: str


def fallback_classes() -> dict[str, FallbackClass]:
    data = load_data("fallbacks.toml")
    return {
        name: FallbackClass(tuple(body["chain"]), body["source"], body["date"])
        for name, body in data["classes"].items()
    }


def suggest_fallbacks(detector: Detector, model_id: str) -> tuple[str, ...]:
    """A chain for a named-tier primary, ending in a standard-tier model of the same class."""
    primary = resolve_ref(detector, model_id)
    if primary is None or primary.tier != "named":
        return ()
    classes = fallback_classes()
    chosen = classes.get(primary.capability) or classes["chat"]
    return chosen.chain


# ---------------------------------------------------------------------------- config check


@dataclass(frozen=True)
class Problem:
    level: str  # "error" | "warning"
    alias: str
    message: str


def check_models(models: Mapping[str, ModelAlias], detector: Detector) -> list[Problem]:
    """Unknown providers, dangling references and cycles (errors); named/elevated primaries with
    no fallback in another jurisdiction (warnings)."""
    catalog = detector.catalog
    providers = known_providers(catalog)
    problems: list[Problem] = []
    for alias in models.values():
        if alias.provider.lower() not in providers:
            problems.append(Problem("error", alias.name, f"unknown provider '{alias.provider}'"))
        for ref in alias.fallbacks:
            if ref in models:
                if ref == alias.name:
                    problems.append(Problem("error", alias.name, "lists itself as a fallback"))
                continue
            if "/" not in ref:
                problems.append(
                    Problem("error", alias.name, f"fallback '{ref}' is not a defined alias")
                )
                continue
            head = ref.split("/", 1)[0].lower()
            if head not in providers:
                problems.append(
                    Problem("error", alias.name, f"fallback '{ref}': unknown provider '{head}'")
                )
    for cycle in _cycles(models):
        problems.append(
            Problem("error", cycle[0], "fallback cycle: " + " -> ".join([*cycle, cycle[0]]))
        )
    for alias in models.values():
        primary = resolve_ref(detector, alias.id, alias.provider)
        if primary is None or TIER_RANK.get(primary.tier, 1) < TIER_RANK["elevated"]:
            continue
        hqs = {r.hq for r in _chain(models, alias.name, detector) if r is not None}
        if not hqs - {primary.hq}:
            problems.append(
                Problem(
                    "warning",
                    alias.name,
                    f"{primary.tier}-tier primary '{alias.id}' ({primary.hq}) has no fallback "
                    "in another jurisdiction",
                )
            )
    problems.sort(key=lambda p: (p.level != "error", p.alias, p.message))
    return problems


def _chain(
    models: Mapping[str, ModelAlias], name: str, detector: Detector
) -> list[Resolved | None]:
    """Every model a fallback chain can reach (aliases followed transitively, cycles cut)."""
    out: list[Resolved | None] = []
    seen = {name}
    stack = list(models[name].fallbacks)
    while stack:
        ref = stack.pop(0)
        if ref in models:
            if ref in seen:
                continue
            seen.add(ref)
            out.append(resolve_ref(detector, models[ref].id, models[ref].provider))
            stack.extend(models[ref].fallbacks)
        else:
            out.append(resolve_ref(detector, ref))
    return out


def _cycles(models: Mapping[str, ModelAlias]) -> list[list[str]]:
    """Each fallback cycle once, rotated to start at its smallest alias."""
    found: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for ref in models[name].fallbacks:
            if ref not in models:
                continue
            if state.get(ref) == 1:
                cycle = path[path.index(ref) :]
                i = cycle.index(min(cycle))
                found.add(tuple(cycle[i:] + cycle[:i]))
            elif ref not in state:
                visit(ref)
        path.pop()
        state[name] = 2

    for name in sorted(models):
        if name not in state:
            visit(name)
    return [list(c) for c in sorted(found)]


# ---------------------------------------------------------------------------- JS reader parity

_HEADER = re.compile(
    r"""^\[\s*models\s*\.\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*\]\s*(?:#.*)?$"""
)
_ID_LINE = re.compile(r"""^id\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$""")
_MULTI_OPEN = re.compile(r"""=\s*(\"\"\"|''')""")


def subset_models(text: str) -> dict[str, str]:
    """alias -> id as the generated JavaScript resolver reads hedge.toml (a TOML subset).

    Node has no TOML parser and the resolver must add no npm dependency, so it reads only
    `[models.<alias>]` headers and one-line `id = "..."` keys. This is the same algorithm in Python,
    so `config check` can warn when hedge.toml is written in a form the JS side would misread.
    """
    models: dict[str, str] = {}
    current: str | None = None
    closing: str | None = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if closing is not None:
            if closing in stripped:
                closing = None
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            m = _HEADER.match(stripped)
            current = (m.group(1) or m.group(2) or m.group(3)) if m else None
            continue
        opened = _MULTI_OPEN.search(stripped)
        if opened and stripped.count(opened.group(1)) == 1:
            closing = opened.group(1)
            continue
        if current is None:
            continue
        m = _ID_LINE.match(stripped)
        if m:
            value = m.group(1) if m.group(1) is not None else m.group(2)
            if m.group(1) is not None:
                value = _unescape(value)
            models[current] = value
    return models


def _unescape(value: str) -> str:
    import json

    try:
        result = json.loads(f'"{value}"')
    except ValueError:
        return value
    return result if isinstance(result, str) else value


def js_reader_mismatches(text: str, models: Mapping[str, ModelAlias]) -> list[str]:
    """Aliases whose id the JavaScript resolver would read differently from TOML."""
    seen = subset_models(text)
    return sorted(name for name, alias in models.items() if seen.get(name) != alias.id)


def as_rows(models: Iterable[ModelAlias]) -> list[dict[str, Any]]:
    return [
        {
            "alias": m.name,
            "id": m.id,
            "provider": m.provider,
            "fallbacks": list(m.fallbacks),
            "env": m.env_var,
        }
        for m in sorted(models, key=lambda m: m.name)
    ]
