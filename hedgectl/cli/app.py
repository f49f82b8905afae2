"""The root command: registers each subcommand module and maps unexpected failures to exit 70.

Subcommand modules import only typer, rich and hedgectl's own light modules at import time;
SDKs (boto3, huggingface_hub, httpx) are imported inside the functions that need them, so
`hedgectl --help` and `hedgectl audit` stay fast.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hedgectl import __version__
from hedgectl.cli import audit, catalog_cmd, config_cmd, init_cmd, mirror, reach, rewrite
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


app = typer.Typer(
    cls=_RootGroup,
    name="hedgectl",
    help="Hedge against LLM providers vanishing: audit hard-coded model IDs, move them behind "
    "config with fallbacks, mirror open weights to S3, and watch provider reachability.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hedgectl {__version__}")
        raise typer.Exit()


@app.callback()
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


for module in (audit, catalog_cmd, init_cmd, rewrite, config_cmd, mirror, reach):
    module.register(app)


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
        app()
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
