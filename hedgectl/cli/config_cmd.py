"""`hedgectl config check` and `hedgectl config export`: validate and render hedge.toml [models]."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    OutputOpt,
    emit,
    err,
    reports_errors,
    warn,
)
from hedgectl.errors import ExitCode, UsageError
from hedgectl.report import printable

config_app = typer.Typer(
    help="Check hedge.toml [models] and render it for gateways (LiteLLM, Portkey, OpenRouter).",
    no_args_is_help=True,
)


class CheckFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


class ExportFormat(enum.StrEnum):
    LITELLM = "litellm"
    PORTKEY = "portkey"
    OPENROUTER = "openrouter"
    ENV = "env"
    JSON = "json"


def check(
    fmt: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="Output format.")
    ] = CheckFormat.TABLE,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too (not only on errors).")
    ] = False,
    output: OutputOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Validate hedge.toml [models]: unknown providers, dangling fallbacks, cycles (errors), and
    named/elevated-tier primaries with no fallback in another jurisdiction (warnings).

    Exit 0 when clean (warnings allowed unless --strict), 1 when there are problems, 3 when the
    file itself is invalid.
    """
    from hedgectl.report import EXACT, Format, render
    from hedgectl.report import config as _register  # noqa: F401 - registers the renderers
    from hedgectl.services.config import CheckRequest, check_config

    result = check_config(CheckRequest(strict=strict, config=config))
    emit(
        render("config-check", Format(fmt.value), result), output, exact=Format(fmt.value) in EXACT
    )
    if result.failed:
        raise typer.Exit(int(ExitCode.FINDINGS))


def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f", help="What to render: litellm, portkey, openrouter, env, json."
        ),
    ],
    alias: Annotated[
        str | None,
        typer.Option(
            "--alias",
            help="portkey/openrouter: print this alias's bare config (ready to send) instead of all.",
            show_default=False,
        ),
    ] = None,
    check_only: Annotated[
        bool,
        typer.Option(
            "--check",
            help="With --output: exit 1 if FILE is missing or differs from what hedge.toml renders (stale).",
        ),
    ] = False,
    output: OutputOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Render hedge.toml [models] as a LiteLLM proxy config.yaml, Portkey configs, OpenRouter
    request presets, a dotenv file of HEDGE_MODEL_* values, or JSON."""
    from hedgectl.services.config import ExportRequest, export_config

    if check_only and output is None:
        raise UsageError("--check needs --output FILE (the rendered file to compare)")
    result = export_config(ExportRequest(format=fmt.value, alias=alias, config=config))
    for message in result.warnings:
        warn(message)
    if check_only:
        assert output is not None
        state = result.state_of(output)
        if state != "current":
            warn(
                f"{output} is {state}: re-run 'hedgectl config export --format {fmt.value} -o {output}'"
            )
            raise typer.Exit(int(ExitCode.FINDINGS))
        err.print(f"{output} is up to date with {result.config}", highlight=False)
        return
    emit(result.text, output, exact=True)  # a generated file, sealed as rendered
    if output is not None:
        from hedgectl.services.config import remember_export

        entry = remember_export(output, config)
        if entry is not None:
            err.print(
                f"added {printable(entry)} to [audit] externalised in {printable(str(result.config))}"
                " (audit counts its IDs as externalised while it is unedited)",
                markup=False,
                highlight=False,
            )


def register(app: typer.Typer) -> None:
    if not config_app.registered_commands:  # once, however many root apps are built
        config_app.command("check")(reports_errors(check))
        config_app.command("export")(reports_errors(export))
    app.add_typer(config_app, name="config")
