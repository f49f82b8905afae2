"""catalog and init: what hedgectl knows (with hedge.toml's overrides), and a starter hedge.toml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from hedgectl.errors import UsageError
from hedgectl.services import settings as _settings

if TYPE_CHECKING:
    from hedgectl.catalog import Catalog


def catalog(config: Path | None = None) -> Catalog:
    """Vendors, families and platforms, with hedge.toml [catalog] overrides applied."""
    from hedgectl.catalog import Overrides, load_catalog

    settings = _settings.load(config)
    return load_catalog(settings.section("catalog") or Overrides())


def init(path: Path = Path("hedge.toml"), *, force: bool = False) -> Path:
    """Write the commented starter hedge.toml (into `path`, or `path`/hedge.toml for a folder)."""
    from hedgectl.adapters.fs import atomic_write

    if path.is_dir():
        path = path / "hedge.toml"
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="use --force to overwrite it")
    text = resources.files("hedgectl").joinpath("templates/hedge.toml").read_text(encoding="utf-8")
    atomic_write(path, text)
    return path
