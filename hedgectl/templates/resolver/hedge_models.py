"""Model IDs by alias, from hedge.toml. Written once by `hedgectl rewrite`; edit freely.

Lookup order for an alias (e.g. "chat_model"):
  1. the environment variable HEDGE_MODEL_CHAT_MODEL
  2. [models.chat_model] id in hedge.toml: the file named by HEDGE_CONFIG, else the first hedge.toml
     found upward from the working directory, else upward from this file's folder
  3. otherwise HedgeModelError names the alias and the file it looked in.
Standard library only (tomllib, Python 3.11+): no runtime dependency on hedgectl.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

__all__ = ["HedgeModelError", "model"]

_cache: dict[Path, tuple[float, dict[str, object]]] = {}


class HedgeModelError(LookupError):
    """An alias with no environment override and no entry in hedge.toml."""


def _find_config() -> Path | None:
    named = os.environ.get("HEDGE_CONFIG")
    if named:
        return Path(named)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "hedge.toml"
            if candidate.is_file():
                return candidate
    return None


def _models(path: Path) -> dict[str, object]:
    mtime = path.stat().st_mtime
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


def model(alias: str) -> str:
    """The model ID for `alias`: HEDGE_MODEL_<ALIAS>, else hedge.toml [models.<alias>] id."""
    override = os.environ.get("HEDGE_MODEL_" + alias.upper())
    if override:
        return override
    path = _find_config()
    if path is None:
        raise HedgeModelError(
            f"model alias '{alias}': no hedge.toml found upward from {Path.cwd()}; "
            f"set HEDGE_CONFIG or HEDGE_MODEL_{alias.upper()}"
        )
    try:
        entry = _models(path).get(alias)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HedgeModelError(f"model alias '{alias}': cannot read {path}: {exc}") from exc
    model_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(model_id, str) or not model_id:
        raise HedgeModelError(
            f"model alias '{alias}' is not defined in {path}: add [models.{alias}] with an id, "
            f"or set HEDGE_MODEL_{alias.upper()}"
        )
    return model_id
