"""The root command: registers each subcommand module and maps unexpected failures to exit 70.

Subcommand modules import only typer, rich and hedgectl's own light modules at import time;
SDKs (boto3, huggingface_hub, httpx) are imported inside the functions that need them, so
`hedgectl --help` and `hedgectl audit` stay fast. A run that names its command (`hedgectl audit
...`) builds only that command: typer turns every registered command's signature into click
parameters before parsing, a tenth of a short audit's start-up for commands that do not run.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hedgectl import __version__
from hedgectl.cli._common import disable_color
from hedgectl.cli._help import conventional
from hedgectl.cli._params import install as direct_checks
from hedgectl.errors import ExitCode


def _no_color(value: bool) -> None:
    if value:
        disable_color()


NoColorOpt = Annotated[
    bool,
    typer.Option(
        "--no-color",
        help="No colours (the NO_COLOR environment variable does the same).",
        callback=_no_color,
        expose_value=False,
        is_eager=True,
    ),
]


def _shared_params() -> list[Any]:
    """The options every command accepts, built by typer from one throwaway command."""
    probe = typer.Typer()

    @probe.command()
    def shared(no_color: NoColorOpt = False) -> None:
        """Never run: typer turns its signature into the shared parameters."""

    return list(typer.main.get_command(probe).params)


def _walk(command: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    for name, sub in getattr(command, "commands", {}).items():
        yield f"{path} {name}".strip(), sub
        yield from _walk(sub, f"{path} {name}")


class _RootGroup(TyperGroup):
    """Gives every command the shared options (so `hedgectl audit --no-color` works as
    `hedgectl --no-color audit` does), conventional help and values checked without pydantic
    where typer's own checks suffice (cli/_params.py), including commands added later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = [p for p in _shared_params() if p.name == "no_color"]
        conventional(self, "")
        for path, command in _walk(self):
            names = {param.name for param in command.params}
            command.params.extend(p for p in shared if p.name not in names)
            conventional(command, path)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        direct_checks(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # Only the command that runs: its parameters, with the help option click adds.
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            direct_checks(command.get_params(ctx))
        return name, command, rest


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hedgectl {__version__}")
        raise typer.Exit()


def root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
    no_color: NoColorOpt = False,
) -> None:
    """hedgectl: a command-line hedging toolkit for teams that depend on LLM providers."""


# Each command and the module that registers it, in the order `hedgectl --help` lists them.
COMMANDS = {
    "audit": "audit",
    "catalog": "catalog_cmd",
    "init": "init_cmd",
    "rewrite": "rewrite",
    "config": "config_cmd",
    "mirror": "mirror",
    "reach": "reach",
}


@functools.cache
def build(names: tuple[str, ...]) -> typer.Typer:
    """The root app with these commands."""
    built = typer.Typer(
        cls=_RootGroup,
        name="hedgectl",
        help="Hedge against LLM providers vanishing: audit hard-coded model IDs, move them "
        "behind config with fallbacks, mirror open weights to S3, and watch provider "
        "reachability.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.callback()(root)
    for name in names:
        importlib.import_module(f"hedgectl.cli.{COMMANDS[name]}").register(built)
    return built


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole app, built on first use (tests, the docs' command checks)
        return build(tuple(COMMANDS))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def commands_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The commands a run needs: the one it names, when nothing before it can show the others
    (root help, completion, a mistyped name with its suggestions); otherwise all of them."""
    if not any(key.endswith("_COMPLETE") for key in os.environ):  # shell completion: all
        for arg in argv:
            if arg == "--no-color":
                continue
            if arg in COMMANDS:
                return (arg,)
            break
    return tuple(COMMANDS)


def main() -> None:
    """Console-script entry point: typer handles usage errors (2); we map the rest."""
    try:
        _run()
    finally:
        # The process is about to exit: spare the interpreter's final full collection a walk
        # over every object (botocore's models, the imported modules), about 0.1 CPU-s a run.
        gc.freeze()


def _run() -> None:
    try:
        build(commands_for(sys.argv[1:]))()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except BrokenPipeError:
        # `hedgectl audit | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        raise SystemExit(ExitCode.OK) from None
    except Exception:  # noqa: BLE001 - the one top-level handler
        from hedgectl.cli._common import err

        err.print_exception()
        err.print(
            "[red]internal error:[/] this is a bug in hedgectl; please report it with the trace above."
        )
        raise SystemExit(ExitCode.INTERNAL) from None
