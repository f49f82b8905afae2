"""What the end-to-end CLI tests share: running hedgectl in-process in a given folder."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from hedgectl.cli.app import app

runner = CliRunner()


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `hedgectl ARGS` run in `cwd`."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr
