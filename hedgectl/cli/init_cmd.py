"""`hedgectl init`: write a commented starter hedge.toml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from hedgectl.cli._common import err, reports_errors
from hedgectl.errors import UsageError


def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("hedge.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter hedge.toml (every section, with defaults and examples)."""
    from hedgectl.adapters.fs import atomic_write

    if path.is_dir():
        path = path / "hedge.toml"
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="use --force to overwrite it")
    text = resources.files("hedgectl").joinpath("templates/hedge.toml").read_text(encoding="utf-8")
    atomic_write(path, text)
    err.print(f"wrote {path}; check it with: hedgectl config check", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("init")(reports_errors(init))
