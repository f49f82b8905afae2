"""`hedgectl config check` and `hedgectl config export` end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hedgectl.cli.app import app

runner = CliRunner()

GOOD = """# ours
[models.chat]  # main chat
id = "deepseek-chat"
provider = "deepseek"
fallbacks = ["backup"]

[models.backup]
id = "gpt-4.1-mini"
provider = "openai"

[models.coder]
id = "Qwen/Qwen2.5-Coder-32B-Instruct"
provider = "alibaba"
"""


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "hedge.toml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_check_passes_with_warnings_and_strict_fails(project: Path) -> None:
    code, out, _ = run("config", "check", cwd=project)
    assert code == 0
    assert (
        "warning: models.coder: elevated-tier primary 'Qwen/Qwen2.5-Coder-32B-Instruct' (CN) has no fallback in another jurisdiction"
        in out
    )
    assert "3 alias(es), 0 error(s), 1 warning(s)" in out
    assert run("config", "check", "--strict", cwd=project)[0] == 1
    code, out, _ = run("config", "check", "--format", "json", cwd=project)
    data = json.loads(out)
    assert data["schema"] == "hedgectl.config-check/v1" and data["aliases"] == 3
    assert [p["alias"] for p in data["problems"]] == ["coder"]


def test_check_finds_errors(project: Path) -> None:
    (project / "hedge.toml").write_text(
        GOOD.replace('fallbacks = ["backup"]', 'fallbacks = ["backup", "gone"]')
        + '\n[models.loop_a]\nid = "gpt-4.1"\nprovider = "openai"\nfallbacks = ["loop_b"]\n'
        '\n[models.loop_b]\nid = "gpt-4.1"\nprovider = "acme"\nfallbacks = ["loop_a"]\n'
    )
    code, out, _ = run("config", "check", cwd=project)
    assert code == 1
    assert "error: models.chat: fallback 'gone' is not a defined alias" in out
    assert "error: models.loop_a: fallback cycle: loop_a -> loop_b -> loop_a" in out
    assert "error: models.loop_b: unknown provider 'acme'" in out
    # Export refuses a file with errors instead of rendering a broken gateway config.
    code, _, err = run("config", "export", "--format", "litellm", cwd=project)
    assert code == 3 and "config check" in err


def test_invalid_file_and_missing_file_are_config_errors(project: Path, tmp_path: Path) -> None:
    (project / "hedge.toml").write_text(
        '[models.chat]\nid = "x"\nprovider = "openai"\nfalbacks = []\n'
    )
    code, _, err = run("config", "check", cwd=project)
    assert code == 3 and "models.chat.falbacks: unknown key" in err and "fallbacks" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run("config", "check", "--config", str(empty / "nope.toml"), cwd=empty)
    assert code == 3 and "config file not found" in err


def test_check_warns_when_the_js_resolver_cannot_read_an_alias(project: Path) -> None:
    (project / "hedge.toml").write_text(
        '[models]\nchat = { id = "gpt-4.1", provider = "openai" }\n'
    )
    code, out, _ = run("config", "check", cwd=project)
    assert code == 0
    assert "models.chat: the generated JavaScript resolver cannot read this alias" in out


def test_export_every_format(project: Path) -> None:
    code, out, _ = run("config", "export", "--format", "litellm", cwd=project)
    assert code == 0
    doc = yaml.safe_load(out)
    assert {e["model_name"] for e in doc["model_list"]} == {"chat", "backup", "coder"}
    assert doc["router_settings"]["fallbacks"] == [{"chat": ["backup"]}]

    code, out, _ = run("config", "export", "--format", "portkey", cwd=project)
    data = json.loads(out)
    assert data["schema"] == "hedgectl.export-portkey/v1"
    assert data["configs"]["chat"]["strategy"]["mode"] == "fallback"
    code, out, _ = run("config", "export", "--format", "portkey", "--alias", "chat", cwd=project)
    bare = json.loads(out)
    assert set(bare) == {"strategy", "targets"}  # ready for the x-portkey-config header

    code, out, _ = run("config", "export", "--format", "openrouter", "--alias", "chat", cwd=project)
    assert json.loads(out) == {
        "model": "deepseek/deepseek-chat",
        "models": ["deepseek/deepseek-chat", "openai/gpt-4.1-mini"],
        "provider": {"allow_fallbacks": True},
    }
    code, out, _ = run("config", "export", "--format", "env", cwd=project)
    assert "HEDGE_MODEL_CODER=Qwen/Qwen2.5-Coder-32B-Instruct" in out.splitlines()
    code, out, _ = run("config", "export", "--format", "json", cwd=project)
    assert json.loads(out)["models"]["chat"]["fallbacks"] == ["backup"]

    assert run("config", "export", "--format", "env", "--alias", "chat", cwd=project)[0] == 2
    code, _, err = run("config", "export", "--format", "portkey", "--alias", "nope", cwd=project)
    assert code == 2 and "no alias 'nope'" in err


def test_export_check_reports_a_stale_file(project: Path) -> None:
    target = project / "litellm.yaml"
    assert (
        run("config", "export", "--format", "litellm", "--check", "-o", str(target), cwd=project)[0]
        == 1
    )
    assert run("config", "export", "--format", "litellm", "-o", str(target), cwd=project)[0] == 0
    assert (
        run("config", "export", "--format", "litellm", "--check", "-o", str(target), cwd=project)[0]
        == 0
    )
    text = (project / "hedge.toml").read_text()
    assert 'externalised = ["/litellm.yaml"]' in text  # recorded by the export
    (project / "hedge.toml").write_text(text.replace("gpt-4.1-mini", "gpt-4.1"))
    code, _, err = run(
        "config", "export", "--format", "litellm", "--check", "-o", str(target), cwd=project
    )
    assert code == 1 and "is stale" in err
    # A sealed file at a path hedge.toml names: audit reports its IDs as externalised.
    code, out, _ = run("audit", str(target), "--format", "json", cwd=project)
    assert code == 0
    assert {f["location"] for f in json.loads(out)["findings"]} == {"externalised"}
