"""hedgectl.audit(...) called directly: findings, the gate's answer, settings precedence, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hedgectl
from hedgectl.errors import ExitCode, HedgeError, UsageError
from tests.cli.test_audit_cli import project

__all__ = ["project"]  # the fixture, shared with the CLI tests


def test_findings_carry_vendor_tier_and_place(project: Path) -> None:
    result = hedgectl.audit(project, cwd=project)
    found = {(f.path, f.line, f.model_id, f.vendor, f.tier) for f in result.findings}
    assert ("app.py", 1, "deepseek-chat", "deepseek", "named") in found
    assert ("app.py", 2, "gpt-4o", "openai", "standard") in found
    assert ("cfg.yaml", 1, "qwen-max", "alibaba", "elevated") in found
    assert result.files_scanned == 2
    assert result.counts() == {"named": 1, "elevated": 1, "standard": 1}


def test_gate_answer_follows_fail_on(project: Path) -> None:
    default = hedgectl.audit(project, cwd=project)
    assert default.fail_on == "named"
    assert [f.model_id for f in default.failing] == ["deepseek-chat"]
    elevated = hedgectl.audit(project, fail_on="elevated", cwd=project).failing
    assert {f.model_id for f in elevated} == {"deepseek-chat", "qwen-max"}
    assert hedgectl.audit(project, fail_on="never", cwd=project).failing == []
    any_tier = hedgectl.audit(project, fail_on="any", cwd=project).failing
    assert {f.model_id for f in any_tier} == {"deepseek-chat", "gpt-4o", "qwen-max"}


def test_settings_precedence_argument_env_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "app.py").write_text('FALLBACK = "gpt-4o"\n', encoding="utf-8")
    (project / "cfg.yaml").unlink()
    (project / "hedge.toml").write_text('[audit]\nfail_on = "any"\n', encoding="utf-8")
    assert hedgectl.audit(project, cwd=project).fail_on == "any"  # the file
    assert hedgectl.audit(project, cwd=project).failing  # standard tier fails at "any"
    monkeypatch.setenv("HEDGECTL_FAIL_ON", "never")
    assert hedgectl.audit(project, cwd=project).failing == []  # env beats file
    assert hedgectl.audit(project, fail_on="any", cwd=project).failing  # argument beats env
    monkeypatch.setenv("HEDGECTL_FAIL_ON", "sometimes")
    with pytest.raises(UsageError, match="HEDGECTL_FAIL_ON"):
        hedgectl.audit(project, cwd=project)


def test_tier_and_vendor_filters(project: Path) -> None:
    named = hedgectl.audit(project, tiers=["named"], cwd=project)
    assert {f.model_id for f in named.findings} == {"deepseek-chat"}
    openai = hedgectl.audit(project, vendors=["openai"], cwd=project)
    assert [f.model_id for f in openai.findings] == ["gpt-4o"]


def test_baseline_round_trip(project: Path) -> None:
    baseline = project / "baseline.json"
    written = hedgectl.audit(project, write_baseline=baseline, cwd=project)
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    assert doc["schema"] == "hedgectl.baseline/v1"
    assert len(doc["findings"]) == len(written.findings) == 3
    again = hedgectl.audit(project, baseline=baseline, cwd=project)
    assert again.findings == [] and again.failing == []
    assert again.suppressed_baseline == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vendors": ["nobody"]}, "unknown vendor"),
        ({"staged": True, "diff": "main"}, "--staged or --diff"),
        ({"fail_on": "sometimes"}, "--fail-on"),
        ({"tiers": ["gold"]}, "--tier"),
        ({"max_file_size": "lots"}, "size"),
    ],
)
def test_bad_requests_raise_usage_errors(
    project: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(HedgeError, match=message) as info:
        hedgectl.audit(project, cwd=project, **kwargs)  # type: ignore[arg-type]
    assert info.value.exit_code == ExitCode.USAGE


def test_bad_config_is_a_config_error(project: Path) -> None:
    (project / "hedge.toml").write_text("[audit]\nfailon = 1\n", encoding="utf-8")
    with pytest.raises(HedgeError, match=r"audit\.failon: unknown key") as info:
        hedgectl.audit(project, cwd=project)
    assert info.value.exit_code == ExitCode.CONFIG


def test_progress_and_skipped_files_reach_the_callbacks(project: Path) -> None:
    (project / "big.py").write_text('MODEL = "deepseek-chat"\n' * 100, encoding="utf-8")
    skipped: list[tuple[str, str]] = []
    scanned: list[int] = []
    result = hedgectl.audit(
        project,
        max_file_size=1000,
        cwd=project,
        on_progress=scanned.append,
        on_skipped=lambda path, reason: skipped.append((path, reason)),
    )
    assert [path for path, _ in skipped] == ["big.py"] and "size" in skipped[0][1]
    assert sum(scanned) == result.files_scanned == 2
    assert "big.py" not in {f.path for f in result.findings}
