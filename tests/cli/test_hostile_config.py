"""8. Values from hedge.toml and the environment cannot inject lines into generated files or
headers into probes; 9. credentials never reach the output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import run


@pytest.mark.parametrize("value", ["deepseek-chat\\nPATH=/tmp/evil", "deepseek\\u001b[2J", "a\\rb"])
def test_model_id_with_control_characters_is_refused(tmp_path: Path, value: str) -> None:
    (tmp_path / "hedge.toml").write_text(f'[models.chat]\nid = "{value}"\nprovider = "deepseek"\n')
    code, out, err = run("config", "export", "--format", "env", cwd=tmp_path)
    assert code == 3, err
    assert "models.chat.id" in err and "control character" in err
    assert "PATH=" not in out


@pytest.mark.parametrize(
    "header",
    ['"x-a" = "v\\r\\nx-injected: 1"', '"x-a" = "v\\nx"', '"x a" = "v"', '"x-a" = "\\u0000"'],
)
def test_probe_headers_cannot_carry_line_breaks(tmp_path: Path, header: str) -> None:
    (tmp_path / "hedge.toml").write_text(f"[providers.openai.headers]\n{header}\n")
    code, _, err = run("reach", "--no-history", cwd=tmp_path)
    assert code == 3, err
    assert "providers.openai.headers" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "hook", ["hooks.example.test/services/T0/B0/s3cr3tT0k3n", "http://h:99999/s3cr3tT0k3n"]
)
def test_a_malformed_webhook_url_is_refused_without_echoing_it(tmp_path: Path, hook: str) -> None:
    code, out, err = run("reach", "--no-history", "--notify", hook, cwd=tmp_path)
    assert code == 2, err
    assert "--notify" in err and "s3cr3tT0k3n" not in out + err
    (tmp_path / "hedge.toml").write_text(f'[reach]\nnotify = "{hook}"\n')
    code, out, err = run("reach", "--no-history", cwd=tmp_path)
    assert code == 3, err
    assert "reach.notify" in err and "s3cr3tT0k3n" not in out + err
