"""--help reads like other ops tools: PATH..., SOURCE, FILE, N, not Python types; and every
command shows examples."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from hedgectl.cli.app import app


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_help_has_conventional_metavars_and_examples() -> None:
    assert ("audit",) in COMMANDS and ("mirror", "copy") in COMMANDS
    runner = CliRunner()
    for path in COMMANDS:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        text = result.stdout
        for typer_ism in ("<list[", "{source}", "<int range>", "<str>", "<path>", "<float"):
            assert typer_ism not in text, (path, typer_ism)
        if path:
            assert "Examples:\n" in text and f"hedgectl {' '.join(path)}" in text, path


def test_arguments_read_as_names() -> None:
    runner = CliRunner()
    assert "Usage: hedgectl audit [OPTIONS] [PATH...]" in runner.invoke(app, ["audit", "-h"]).stdout
    copy = runner.invoke(app, ["mirror", "copy", "-h"]).stdout
    assert "Usage: hedgectl mirror copy [OPTIONS] SOURCE DEST" in copy
    assert "-j, --concurrency N" in copy and "--include GLOB" in copy
