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
Standard library only (tomllib, Python 3.11+): no runtime dependency on hedgectl.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TypeVar

__all__ = ["HedgeModelError", "hedge_model"]

# This project's hedge.toml, relative to this file (set when the file was generated).
PROJECT_CONFIG = Path(__file__).resolve().parent / "@@CONFIG@@"

_T = TypeVar("_T", bound=str)
_cache: dict[Path, tuple[float, dict[str, object]]] = {}


class HedgeModelError(LookupError):
    """HEDGE_CONFIG names a file that cannot be read, or hedge.toml is not valid TOML."""


def _models(path: Path) -> dict[str, object]:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    hit = _cache.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    models = data.get("models", {})
    if not isinstance(models, dict):
        models = {}
    _cache[path] = (mtime, models)
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
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HedgeModelError(f"model alias '{alias}': cannot read {path}: {exc}") from exc
    model_id = entry.get("id") if isinstance(entry, dict) else None
    if isinstance(model_id, str) and model_id:
        return model_id  # type: ignore[return-value]
    return default
