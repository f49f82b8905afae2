"""Where every command's settings come from, resolved in one place.

Precedence: a flag (a request field that is not None) > a HEDGECTL_* environment variable >
hedge.toml (or [tool.hedgectl] in pyproject.toml) > the default. hedgectl/config.py reads and
validates the file (and HEDGECTL_CONFIG, which picks the file); this module layers the flags and
the environment over it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from hedgectl import config
from hedgectl.errors import ConfigError, UsageError

T = TypeVar("T")


def load(
    config_path: Path | None, cwd: Path | None = None, start: Path | None = None
) -> config.Settings:
    """hedge.toml settings: `config_path` (relative to `cwd`), else HEDGECTL_CONFIG, else the
    nearest file upward from `start` (the first scanned path: see `start_folder`), else from
    `cwd` (default: the working folder)."""
    if config_path is not None and cwd is not None:
        config_path = cwd / config_path
    if config_path is not None and not Path(config_path).exists():
        raise ConfigError(
            f"config file not found: {config_path}", hint="run 'hedgectl init' to create one"
        )
    return config.load(config_path, cwd, start=start)


def start_folder(paths: Sequence[Path], cwd: Path | None = None) -> Path | None:
    """Where config discovery starts for a command that scans PATHs: the first one (its folder
    when it is a file), so `hedgectl audit ~/proj` uses ~/proj's hedge.toml from anywhere.
    None (the working folder) without paths or when the first does not exist."""
    if not paths:
        return None
    first = Path(paths[0])
    first = first if first.is_absolute() else (cwd or Path.cwd()) / first
    if first.is_dir():
        return first
    if first.exists() or first.is_symlink():
        return first.parent
    return None


def pick(flag: T | None, env: str, file: T, parse: Callable[[str], T]) -> T:
    """The flag if given, else the environment variable `env` if set, else the file's value
    (which already falls back to the default). A malformed variable is a usage error (exit 2)."""
    if flag is not None:
        return flag
    raw = os.environ.get(env, "").strip()
    if not raw:
        return file
    try:
        return parse(raw)
    except ValueError as exc:
        raise UsageError(f"{env}={raw!r}: {exc}") from None


def choice(choices: Sequence[str]) -> Callable[[str], str]:
    """A parser for pick that accepts one of `choices`."""

    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"not one of {', '.join(choices)}")
        return value

    return parse


def check_choice(value: str | None, choices: Sequence[str], what: str) -> None:
    """A request field holding one of `choices` (the CLI's enums check this for the command line)."""
    if value is not None and value not in choices:
        raise UsageError(f"{what}: '{value}' is not one of {', '.join(choices)}")


def positive_float(minimum: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ValueError("not a number") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        return number

    return parse
