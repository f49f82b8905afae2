"""`hedgectl config check` and `hedgectl config export`: validate and render hedge.toml [models]."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    OutputOpt,
    emit,
    err,
    load_settings,
    reports_errors,
    warn,
)
from hedgectl.errors import ConfigError, ExitCode, UsageError

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


def _models(config: Path | None) -> tuple[Any, dict[str, Any]]:
    settings = load_settings(config)
    if settings.path is None:
        raise ConfigError(
            "no hedge.toml found upward from the current folder",
            hint="run 'hedgectl rewrite --write' to create one, or pass --config",
        )
    models = settings.section("models") or {}
    return settings, models


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
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core.aliases import check_models, js_reader_mismatches
    from hedgectl.core.detect import Detector
    from hedgectl.report import dump_json

    settings, models = _models(config)
    catalog = load_catalog(settings.section("catalog") or Overrides())
    problems = check_models(models, Detector(catalog))
    if settings.path is not None and settings.path.name == "hedge.toml" and models:
        from hedgectl.core.aliases import Problem

        text = settings.path.read_text(encoding="utf-8")
        for name in js_reader_mismatches(text, models):
            problems.append(
                Problem(
                    "warning",
                    name,
                    "the generated JavaScript resolver cannot read this alias: write it as a "
                    '[models.<alias>] table with a one-line id = "..."',
                )
            )
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level == "warning"]
    if fmt is CheckFormat.JSON:
        emit(
            dump_json(
                "hedgectl.config-check/v1",
                {
                    "config": str(settings.path),
                    "aliases": len(models),
                    "problems": [
                        {"level": p.level, "alias": p.alias, "message": p.message} for p in problems
                    ],
                },
            ),
            output,
        )
    else:
        lines = [f"{p.level}: models.{p.alias}: {p.message}" for p in problems]
        lines.append(
            f"{settings.path}: {len(models)} alias(es), {len(errors)} error(s), "
            f"{len(warnings)} warning(s)"
        )
        emit("\n".join(lines), output)
    if errors or (strict and warnings):
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
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core import export as ex
    from hedgectl.core.aliases import check_models
    from hedgectl.core.detect import Detector
    from hedgectl.report import dump_json

    if check_only and output is None:
        raise UsageError("--check needs --output FILE (the rendered file to compare)")
    if alias is not None and fmt not in (ExportFormat.PORTKEY, ExportFormat.OPENROUTER):
        raise UsageError("--alias applies to --format portkey and openrouter")
    settings, models = _models(config)
    if not models:
        raise ConfigError(
            f"{settings.path} has no [models] section",
            hint="run 'hedgectl rewrite --write' to move model IDs into it",
        )
    catalog = load_catalog(settings.section("catalog") or Overrides())
    errors = [p for p in check_models(models, Detector(catalog)) if p.level == "error"]
    if errors:
        first = errors[0]
        raise ConfigError(
            f"models.{first.alias}: {first.message} ({len(errors)} error(s) in {settings.path})",
            hint="run 'hedgectl config check' for the full list",
        )
    names = ex.select(models, alias)
    text: str
    if fmt is ExportFormat.LITELLM:
        text = ex.litellm(models, catalog)
    elif fmt is ExportFormat.ENV:
        text = ex.env(models)
    elif fmt is ExportFormat.JSON:
        text = dump_json("hedgectl.models/v1", ex.as_json(models))
    else:
        render = ex.portkey_config if fmt is ExportFormat.PORTKEY else ex.openrouter_preset
        if alias is not None:
            import json

            text = json.dumps(render(alias, models, catalog), indent=2, sort_keys=True) + "\n"
        else:
            key = "configs" if fmt is ExportFormat.PORTKEY else "presets"
            text = dump_json(
                f"hedgectl.export-{fmt.value}/v1",
                {"generated": ex.GENERATED, key: {n: render(n, models, catalog) for n in names}},
            )
    if check_only:
        assert output is not None
        try:
            current = output.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise UsageError(f"cannot read {output}: {exc.strerror}") from None
        if current != text:
            state = "missing" if current is None else "stale"
            warn(
                f"{output} is {state}: re-run 'hedgectl config export --format {fmt.value} -o {output}'"
            )
            raise typer.Exit(int(ExitCode.FINDINGS))
        err.print(f"{output} is up to date with {settings.path}", highlight=False)
        return
    emit(text, output)


def register(app: typer.Typer) -> None:
    config_app.command("check")(reports_errors(check))
    config_app.command("export")(reports_errors(export))
    app.add_typer(config_app, name="config")
