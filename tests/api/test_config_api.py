"""hedgectl.check_config / export_config / load_catalog / init called directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import hedgectl
from hedgectl.errors import ExitCode, HedgeError
from tests.cli.test_config_cli import GOOD


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "hedge.toml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_check_reports_problems_and_the_strict_answer(config: Path) -> None:
    result = hedgectl.check_config(config=config)
    assert result.aliases == 3 and result.errors == []
    assert [(p.level, p.alias) for p in result.warnings] == [("warning", "coder")]
    assert "no fallback in another jurisdiction" in result.warnings[0].message
    assert not result.failed
    assert hedgectl.check_config(strict=True, config=config).failed
    config.write_text(GOOD.replace('fallbacks = ["backup"]', 'fallbacks = ["nowhere"]'))
    broken = hedgectl.check_config(config=config)
    assert broken.failed and [p.alias for p in broken.errors] == ["chat"]


def test_export_renders_each_gateway_format(config: Path) -> None:
    litellm = yaml.safe_load(hedgectl.export_config("litellm", config=config).text)
    names = {entry["model_name"] for entry in litellm["model_list"]}
    assert {"chat", "backup", "coder"} <= names
    env = hedgectl.export_config("env", config=config).text
    assert "HEDGE_MODEL_CHAT=deepseek-chat" in env
    portkey = json.loads(hedgectl.export_config("portkey", alias="chat", config=config).text)
    assert portkey  # the bare config of one alias, ready to send
    with pytest.raises(HedgeError, match="--alias applies") as info:
        hedgectl.export_config("env", alias="chat", config=config)
    assert info.value.exit_code == ExitCode.USAGE


def test_export_refuses_an_invalid_models_table(config: Path) -> None:
    config.write_text(GOOD.replace('fallbacks = ["backup"]', 'fallbacks = ["nowhere"]'))
    with pytest.raises(HedgeError, match=r"models\.chat") as info:
        hedgectl.export_config("litellm", config=config)
    assert info.value.exit_code == ExitCode.CONFIG


def test_catalog_applies_overrides(tmp_path: Path) -> None:
    shipped = hedgectl.load_catalog()
    assert shipped.vendors["deepseek"].tier == "named"
    config = tmp_path / "hedge.toml"
    config.write_text('[catalog.tiers]\nopenai = "elevated"\n', encoding="utf-8")
    assert hedgectl.load_catalog(config=config).vendors["openai"].tier == "elevated"


def test_init_writes_a_starter_that_checks_and_refuses_to_overwrite(tmp_path: Path) -> None:
    written = hedgectl.init(tmp_path)
    assert written == tmp_path / "hedge.toml" and written.is_file()
    assert hedgectl.check_config(config=written).errors == []
    with pytest.raises(HedgeError, match="already exists") as info:
        hedgectl.init(written)
    assert info.value.exit_code == ExitCode.USAGE
    assert hedgectl.init(written, force=True) == written


def test_export_state_tells_current_from_stale(config: Path, tmp_path: Path) -> None:
    result = hedgectl.export_config("env", config=config)
    target = tmp_path / "models.env"
    assert result.state_of(target) == "missing"
    target.write_text(result.text, encoding="utf-8")
    assert result.state_of(target) == "current"
    target.write_text(result.text + "EXTRA=1\n", encoding="utf-8")
    assert result.state_of(target) == "stale"
