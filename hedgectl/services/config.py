"""config check and config export: validate hedge.toml [models] and render it for gateways."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgectl.errors import ConfigError, UsageError
from hedgectl.services import settings as _settings

if TYPE_CHECKING:
    from hedgectl import config
    from hedgectl.core.aliases import Problem

EXPORT_FORMATS = ("litellm", "portkey", "openrouter", "env", "json")


@dataclass(frozen=True)
class CheckRequest:
    strict: bool = False  # warnings fail too, not only errors
    config: Path | None = None


@dataclass
class CheckResult:
    """hedge.toml [models] problems: errors always fail, warnings only with strict."""

    config: Path
    aliases: int
    problems: list[Problem] = field(default_factory=list)
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def failed(self) -> bool:
        return bool(self.errors or (self.strict and self.warnings))


@dataclass(frozen=True)
class ExportRequest:
    format: str  # litellm | portkey | openrouter | env | json
    alias: str | None = None  # portkey/openrouter: this alias's bare config only
    config: Path | None = None


@dataclass(frozen=True)
class ExportResult:
    config: Path  # the hedge.toml it was rendered from
    text: str  # the rendered file
    warnings: tuple[str, ...] = ()  # what the format could not hold (left out of `text`)

    def state_of(self, path: Path) -> str:
        """'current', 'missing' or 'stale': does the file at `path` hold exactly this text?"""
        try:
            current = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        return "current" if current == self.text else "stale"


def check_config(request: CheckRequest) -> CheckResult:
    """Unknown providers, dangling fallbacks, cycles (errors); named/elevated-tier primaries with
    no fallback in another jurisdiction, aliases the JavaScript resolver cannot read (warnings)."""
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core.aliases import Problem, check_models, js_reader_mismatches
    from hedgectl.core.detect import Detector

    settings, models = _models(request.config)
    catalog = load_catalog(settings.section("catalog") or Overrides())
    problems = check_models(models, Detector(catalog))
    assert settings.path is not None
    if settings.path.name == "hedge.toml" and models:
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
    return CheckResult(settings.path, len(models), problems, request.strict)


def export_config(request: ExportRequest) -> ExportResult:
    """hedge.toml [models] as a LiteLLM config.yaml, Portkey configs, OpenRouter presets, a
    dotenv file of HEDGE_MODEL_* values, or JSON. Invalid [models] is a ConfigError (exit 3)."""
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core import export as ex
    from hedgectl.core.aliases import check_models
    from hedgectl.core.detect import Detector
    from hedgectl.core.seal import seal
    from hedgectl.report import dump_json

    fmt, alias = request.format, request.alias
    _settings.check_choice(fmt, EXPORT_FORMATS, "--format")
    if alias is not None and fmt not in ("portkey", "openrouter"):
        raise UsageError("--alias applies to --format portkey and openrouter")
    settings, models = _models(request.config)
    assert settings.path is not None
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
    left_out: list[str] = []
    if fmt == "litellm":
        text = ex.litellm(models, catalog, left_out)
    elif fmt == "env":
        text = ex.env(models)
    elif fmt == "json":
        text = seal(dump_json("hedgectl.models/v1", ex.as_json(models)))
    else:
        render = ex.portkey_config if fmt == "portkey" else ex.openrouter_preset
        if alias is not None:
            text = json.dumps(render(alias, models, catalog), indent=2, sort_keys=True) + "\n"
        else:
            key = "configs" if fmt == "portkey" else "presets"
            text = seal(
                dump_json(
                    f"hedgectl.export-{fmt}/v1",
                    {
                        "generated": ex.GENERATED,
                        key: {n: render(n, models, catalog) for n in names},
                    },
                )
            )
    return ExportResult(settings.path, text, tuple(left_out))


def _models(config_path: Path | None) -> tuple[config.Settings, dict[str, Any]]:
    settings = _settings.load(config_path)
    if settings.path is None:
        raise ConfigError(
            "no hedge.toml found upward from the current folder",
            hint="run 'hedgectl rewrite --write' to create one, or pass --config",
        )
    models = settings.section("models") or {}
    return settings, models


def remember_export(output: Path, config_path: Path | None = None) -> str | None:
    """Name a file `config export` wrote in the config's [audit] externalised, so audit counts its
    IDs as externalised (while its seal holds). Returns the entry added; None when the file is
    already named, or lies outside the config's folder (nothing is written then)."""
    from hedgectl.adapters.fs import atomic_write
    from hedgectl.adapters.globs import compile_spec
    from hedgectl.adapters.tomledit import add_externalised

    settings = _settings.load(config_path)
    if settings.path is None:
        return None
    try:
        rel = Path(os.path.abspath(output)).relative_to(settings.root)
    except ValueError:
        return None
    entry = "/" + rel.as_posix()  # anchored: this one file, not every file of that name
    patterns = settings.audit.externalised
    if patterns and compile_spec(patterns, "audit.externalised").match_file(rel.as_posix()):
        return None
    text = settings.path.read_text(encoding="utf-8")
    atomic_write(
        settings.path,
        add_externalised(text, entry, pyproject=settings.path.name == "pyproject.toml"),
    )
    return entry
