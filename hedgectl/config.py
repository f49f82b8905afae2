"""hedge.toml (or [tool.hedgectl] in pyproject.toml) -> validated, frozen settings.

Precedence is flags > HEDGECTL_* env > file > defaults. This module owns the file and the
defaults; hedgectl/services/settings.py layers the flags and the environment over them, once for
every command. Unknown keys and wrong types are ConfigError (exit 3) naming the dotted key and the
file.

Each top-level section is validated by one function. The sections of other commands live in
their own modules (listed in SECTION_VALIDATORS) so a command's config grows with its code.
"""

from __future__ import annotations

import difflib
import importlib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedgectl.errors import ConfigError

CONFIG_NAME = "hedge.toml"
TIERS = ("named", "elevated", "standard")

# section -> "module:function" taking (table, Where) and returning the parsed value.
SECTION_VALIDATORS: dict[str, str] = {
    "audit": "hedgectl.config:parse_audit",
    "catalog": "hedgectl.catalog:parse_overrides",
    "models": "hedgectl.core.aliases:parse_models",
    "providers": "hedgectl.core.reach.config:parse_providers",
    "regions": "hedgectl.core.reach.config:parse_regions",
    "reach": "hedgectl.core.reach.config:parse_reach",
    "mirror": "hedgectl.core.mirror.config:parse_mirror",
}


@dataclass(frozen=True)
class Where:
    """Where a table sits, for error messages: the file and the dotted key path."""

    source: Path | None
    key: str

    def child(self, key: str) -> Where:
        return Where(self.source, f"{self.key}.{key}" if self.key else key)

    def error(self, message: str, hint: str | None = None) -> ConfigError:
        place = f" in {self.source}" if self.source else ""
        return ConfigError(f"{self.key}: {message}{place}", hint=hint)


# A field spec: key -> (accepted python types, human type name).
Spec = Mapping[str, tuple[tuple[type, ...], str]]

STR = ((str,), "a string")
INT = ((int,), "an integer")
BOOL = ((bool,), "true or false")
FLOAT = ((int, float), "a number")
STR_LIST = ((list,), "a list of strings")
TABLE = ((dict,), "a table")


def check_table(
    table: object, spec: Spec, where: Where, *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Check keys and value types of one table; return it as a plain dict."""
    if not isinstance(table, dict):
        raise where.error("must be a table")
    for key, value in table.items():
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(spec))}"
            )
            raise where.child(key).error("unknown key", hint=hint)
        types, name = spec[key]
        # bool is an int in Python: never accept true where a number is meant.
        if isinstance(value, bool) and bool not in types:
            raise where.child(key).error(f"must be {name}, not a boolean")
        if not isinstance(value, types):
            raise where.child(key).error(f"must be {name}, not {type(value).__name__}")
        if (
            isinstance(value, list)
            and spec[key] is STR_LIST
            and not all(isinstance(v, str) for v in value)
        ):
            raise where.child(key).error("must be a list of strings")
    for key in required:
        if key not in table:
            raise where.child(key).error("is required")
    return dict(table)


def check_choice(value: str, choices: tuple[str, ...], where: Where) -> str:
    if value not in choices:
        raise where.error(f"'{value}' is not one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class AuditSettings:
    fail_on: str = "named"
    max_file_size: int = 2_000_000
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    baseline: str | None = None
    # Findings in comments and docs are shown but do not fail CI unless this is true.
    gate_comments: bool = False
    # Globs (relative to hedge.toml) of files whose IDs are externalised: other hedge.toml files,
    # and files `hedgectl config export` wrote (only while their seal holds).
    externalised: tuple[str, ...] = ()


FAIL_ON = ("named", "elevated", "any", "never")


def parse_audit(table: object, where: Where) -> AuditSettings:
    spec: Spec = {
        "fail_on": STR,
        "max_file_size": INT,
        "include": STR_LIST,
        "exclude": STR_LIST,
        "baseline": STR,
        "gate_comments": BOOL,
        "externalised": STR_LIST,
    }
    t = check_table(table, spec, where)
    if "fail_on" in t:
        check_choice(t["fail_on"], FAIL_ON, where.child("fail_on"))
    if t.get("max_file_size", 1) <= 0:
        raise where.child("max_file_size").error("must be a positive number of bytes")
    for key in ("include", "exclude", "externalised"):
        if key in t:
            t[key] = tuple(t[key])
    return AuditSettings(**t)


@dataclass(frozen=True)
class Settings:
    """Everything hedge.toml says, validated. `sections` holds each section's parsed value."""

    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    sections: Mapping[str, Any] = field(default_factory=dict)

    @property
    def audit(self) -> AuditSettings:
        value = self.sections.get("audit")
        return value if isinstance(value, AuditSettings) else AuditSettings()

    def section(self, name: str) -> Any:
        """The parsed value of a section, or None when the file has no such section."""
        return self.sections.get(name)


def find_config(start: Path) -> Path | None:
    """The nearest hedge.toml, or pyproject.toml with [tool.hedgectl], from start upward."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return declares_hedgectl(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False


def declares_hedgectl(pyproject_text: str) -> bool:
    """True when a pyproject.toml's text has a [tool.hedgectl] table."""
    try:
        data = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError:
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "hedgectl" in tool


def read_document(path: Path) -> dict[str, Any]:
    """Parse a hedge.toml or pyproject.toml into the hedgectl table (plain dicts)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}", hint="run 'hedgectl init' to create one"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return parse_document(text, path)


def parse_document(text: str, path: Path) -> dict[str, Any]:
    """The hedgectl table of a hedge.toml or pyproject.toml's text; `path` names it in errors
    (and says which of the two it is)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("hedgectl", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"[tool.hedgectl] in {path} must be a table")
    return data


def _validator(name: str) -> Callable[[object, Where], Any]:
    module_name, func = SECTION_VALIDATORS[name].split(":")
    module = importlib.import_module(module_name)
    validator: Callable[[object, Where], Any] = getattr(module, func)
    return validator


def load(
    explicit: Path | None = None, cwd: Path | None = None, *, start: Path | None = None
) -> Settings:
    """Load settings: --config (or HEDGECTL_CONFIG) if given, else the nearest file upward from
    `start` (default: `cwd`), else defaults."""
    cwd = cwd or Path.cwd()
    if explicit is None and os.environ.get("HEDGECTL_CONFIG"):
        explicit = Path(os.environ["HEDGECTL_CONFIG"])
    path = explicit if explicit is not None else find_config(start or cwd)
    if path is None:
        return Settings(path=None, root=cwd.resolve())
    sections = parse_sections(read_document(path), path)
    # Absolute, not resolved: a symlinked hedge.toml does not move the project root elsewhere.
    located = Path(os.path.abspath(path))
    located = located.parent.resolve() / located.name
    return Settings(path=located, root=located.parent, sections=sections)


def parse_sections(data: dict[str, Any], source: Path) -> dict[str, Any]:
    """Each top-level table validated by its section's parser; `source` names the file in errors."""
    root = Where(source, "")
    sections: dict[str, Any] = {}
    for key, table in data.items():
        if key not in SECTION_VALIDATORS:
            close = difflib.get_close_matches(key, list(SECTION_VALIDATORS), n=1)
            hint = (
                f"did you mean [{close[0]}]?"
                if close
                else f"known sections: {', '.join(sorted(SECTION_VALIDATORS))}"
            )
            raise root.child(key).error("unknown section", hint=hint)
        sections[key] = _validator(key)(table, root.child(key))
    return sections
