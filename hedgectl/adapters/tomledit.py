"""Merge new aliases into hedge.toml with tomlkit, keeping the user's comments, order and layout.

Only new `[models.<alias>]` tables are added; an existing alias is never touched (the planner
gives a clashing literal a different name instead of re-pointing one). The result is re-parsed
with tomllib and compared with the intended data before anyone writes it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from typing import Any

import tomlkit
from tomlkit.items import Table

from hedgectl.core.printable import printable
from hedgectl.core.rewrite import NewAlias
from hedgectl.errors import ConfigError

HEADER = (
    "hedge.toml: hedgectl configuration. Model IDs live under [models]; code looks them up by alias\n"
    "(override one with HEDGE_MODEL_<ALIAS>). Check with `hedgectl config check`; render gateway\n"
    "configs with `hedgectl config export --format litellm|portkey|openrouter|env|json`."
)


def existing_models(text: str | None) -> dict[str, str]:
    """alias -> id of what hedge.toml already holds (for naming; validation is config.py's job)."""
    if not text:
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"hedge.toml is not valid TOML: {exc}") from None
    models = data.get("models", {})
    if not isinstance(models, dict):
        return {}
    return {
        name: str(body.get("id", "")) for name, body in models.items() if isinstance(body, dict)
    }


def merge_models(text: str | None, new: Iterable[NewAlias]) -> str:
    """hedge.toml's text with a table for each new alias appended under [models]."""
    new = list(new)
    if not new:
        return text or ""
    doc = tomlkit.parse(text) if text else tomlkit.document()
    if not text:
        for line in HEADER.splitlines():
            doc.add(tomlkit.comment(line))
        doc.add(tomlkit.nl())
    models = doc.get("models")
    if models is None:
        models = tomlkit.table(is_super_table=True)
        doc.add("models", models)
    if not isinstance(models, Table):
        raise ConfigError(
            "hedge.toml: [models] is not a table",
            hint="write one [models.<alias>] table per alias",
        )
    for alias in new:
        if alias.name in models:
            continue  # never re-point an alias the file already has
        table = tomlkit.table()
        # A file name can hold characters a TOML comment cannot (ESC, newline): escaped.
        table.add(tomlkit.comment(f"found in {printable(alias.found)}"))
        table.add("id", alias.id)
        table.add("provider", alias.provider)
        if alias.fallbacks:
            fallbacks = tomlkit.array()
            fallbacks.extend(alias.fallbacks)
            table.add("fallbacks", fallbacks)
            table["fallbacks"].comment("suggested by hedgectl: review")
        models.add(alias.name, table)
    out = tomlkit.dumps(doc)
    _verify(text, out, new)
    return out


def _verify(before: str | None, after: str, new: list[NewAlias]) -> None:
    old: dict[str, Any] = tomllib.loads(before) if before else {}
    data = tomllib.loads(after)
    for key, value in old.items():
        if key != "models" and data.get(key) != value:
            raise ConfigError(f"merging into hedge.toml would change [{key}]; not writing it")
    models = data.get("models", {})
    for name, body in old.get("models", {}).items():
        if models.get(name) != body:
            raise ConfigError(f"merging into hedge.toml would change models.{name}; not writing it")
    for alias in new:
        if (
            alias.name not in old.get("models", {})
            and models.get(alias.name, {}).get("id") != alias.id
        ):
            raise ConfigError(f"merging into hedge.toml lost models.{alias.name}; not writing it")


def add_externalised(text: str, entry: str, *, pyproject: bool = False) -> str:
    """The config's text with `entry` appended to [audit] externalised (created if missing),
    comments and layout kept; [tool.hedgectl.audit] in pyproject.toml."""
    doc = tomlkit.parse(text)
    holder: Any = doc
    if pyproject:
        holder = doc.setdefault("tool", tomlkit.table(is_super_table=True))
        holder = holder.setdefault("hedgectl", tomlkit.table())
    audit = holder.get("audit")
    if audit is None:
        audit = tomlkit.table()
        holder.add("audit", audit)
    if not isinstance(audit, Table):
        raise ConfigError("[audit] is not a table; not changing the config file")
    listed = audit.get("externalised")
    if listed is None:
        listed = tomlkit.array()
        audit.add("externalised", listed)
        audit["externalised"].comment("written by hedgectl config export: audit trusts these")
    if not isinstance(listed, list):
        raise ConfigError("audit.externalised is not a list; not changing the config file")
    listed.append(entry)
    out = tomlkit.dumps(doc)
    before, after = tomllib.loads(text), tomllib.loads(out)
    table = after.get("tool", {}).get("hedgectl", {}) if pyproject else after
    if table.get("audit", {}).get("externalised", [])[-1:] != [entry]:
        raise ConfigError("adding to audit.externalised failed; not writing the config file")
    for key, value in before.items():
        if key not in ("audit", "tool") and after.get(key) != value:
            raise ConfigError(f"adding to audit.externalised would change [{key}]; not writing")
    return out
