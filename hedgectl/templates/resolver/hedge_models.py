"""Model IDs by alias. Written once by `hedgectl rewrite`; edit freely.

Every call carries the model ID the code used before as its default:

    hedge_model("deepseek_chat", "deepseek-chat")

Lookup order for an alias:
  1. the environment variable HEDGE_MODEL_<ALIAS> (HEDGE_MODEL_DEEPSEEK_CHAT)
  2. [models.<alias>] id in the file named by HEDGE_CONFIG, else in this project's hedge.toml
     (found relative to this file, never in the current folder: another project's hedge.toml
     never changes this one's models)
  3. the default: with no hedge.toml at all (an installed wheel, a container, a test run)
     the code behaves exactly as it did before the rewrite.
Standard library only: no runtime dependency on hedgectl. On Python 3.11+ hedge.toml is read
with tomllib; on older versions with tomli when it is installed, else with a reader of the subset
hedgectl writes ([models.<alias>] tables with a one-line `id = "..."`; `hedgectl config check`
warns about anything it would miss), so importing this module never fails on an older Python.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path
from typing import Any, TypeVar


def _toml_module() -> Any:
    """tomllib (3.11+), else tomli, else None (looked up by name: no import a checker could miss)."""
    for name in ("tomllib", "tomli"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_toml = _toml_module()

__all__ = ["HedgeModelError", "hedge_model"]

# This project's hedge.toml, relative to this file (set when the file was generated).
PROJECT_CONFIG = Path(__file__).resolve().parent / "@@CONFIG@@"

_T = TypeVar("_T")  # unbound: a default typed `Model | Literal[...]` keeps its type
_cache: dict[Path, tuple[float, dict[str, object]]] = {}


class HedgeModelError(LookupError):
    """HEDGE_CONFIG names a file that cannot be read, or hedge.toml is not valid TOML."""


def _models(path: Path) -> dict[str, object]:
    try:
        mtime = path.stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):  # no hedge.toml (or imported from a zip)
        return {}
    hit = _cache.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    with path.open("rb") as fh:
        raw = fh.read()
    text = raw.decode("utf-8")
    found = _toml.loads(text).get("models", {}) if _toml else _subset(text)
    models: dict[str, object] = dict(found) if isinstance(found, dict) else {}
    _cache[path] = (mtime, models)
    return models


_HEADER = re.compile(
    r"""^\[\s*models\s*\.\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*\]\s*(?:#.*)?$"""
)
_ID = re.compile(r"""^id\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$""")
_MULTI = re.compile(r"""=\s*(\"\"\"|\'\'\')""")


def _subset(text: str) -> dict[str, dict[str, str]]:
    """[models.<alias>] id = "..." without a TOML library (what hedgectl writes)."""
    models: dict[str, dict[str, str]] = {}
    current: str | None = None
    closing: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if closing is not None:
            if closing in line:
                closing = None
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            m = _HEADER.match(line)
            current = (m.group(1) or m.group(2) or m.group(3)) if m else None
            continue
        opened = _MULTI.search(line)
        if opened and line.count(opened.group(1)) == 1:
            closing = opened.group(1)
            continue
        m = _ID.match(line) if current is not None else None
        if m and current is not None:
            value = m.group(2)
            if m.group(1) is not None:
                try:
                    value = json.loads('"' + m.group(1) + '"')
                except ValueError:
                    value = m.group(1)
            models[current] = {"id": value}
    return models


def hedge_model(alias: str, default: _T) -> _T:
    """The model ID for `alias`: HEDGE_MODEL_<ALIAS>, else hedge.toml, else `default`."""
    override = os.environ.get("HEDGE_MODEL_" + alias.upper())
    if override:
        return override  # type: ignore[return-value]
    named = os.environ.get("HEDGE_CONFIG")
    path = Path(named) if named else PROJECT_CONFIG
    if named and not path.is_file():
        raise HedgeModelError(f"HEDGE_CONFIG={named}: no such file (model alias '{alias}')")
    try:
        entry = _models(path).get(alias)
    except (OSError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise HedgeModelError(f"model alias '{alias}': cannot read {path}: {exc}") from exc
    model_id = entry.get("id") if isinstance(entry, dict) else None
    if isinstance(model_id, str) and model_id:
        return model_id  # type: ignore[return-value]
    return default
