"""`hedgectl init`: write a commented starter hedge.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hedgectl.cli._common import QuietOpt, err, reports_errors


def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("hedge.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a commented starter hedge.toml (every section, with defaults and examples).

    It prints no result (so no -f/--format): the file is the result; what was written is said
    on stderr. Exit 0, 2 when PATH exists (without --force) or cannot be written.
    """
    from hedgectl.services.catalog import init as write_starter

    written = write_starter(path, force=force)
    if not quiet:
        err.print(f"wrote {written}; check it with: hedgectl config check", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("init")(reports_errors(init))
