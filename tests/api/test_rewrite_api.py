"""hedgectl.rewrite(...) called directly: the dry-run plan, --check's answer, writing, refusals."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import hedgectl
from hedgectl.errors import ExitCode, HedgeError
from tests.cli.test_rewrite_cli import git, sample, snapshot

__all__ = ["sample"]  # the fixture, shared with the CLI tests


def test_dry_run_plans_every_change_and_writes_nothing(sample: Path) -> None:
    untouched = snapshot(sample)
    outcome = hedgectl.rewrite(cwd=sample)
    assert snapshot(sample) == untouched and not outcome.written
    by_path = {c.display: c for c in outcome.changes}
    assert by_path["python/assistant/llm.py"].kind == "code"
    assert by_path["hedge.toml"].kind == "config"
    assert (
        by_path["hedge_models.cjs"].kind == "resolver" and by_path["hedge_models.cjs"].old is None
    )
    llm = by_path["python/assistant/llm.py"].new
    assert 'CHAT_MODEL = hedge_model("chat_model", "deepseek-chat")  # module constant' in llm
    rewrites = {(r.path, r.model_id, r.alias) for r in outcome.planner.rewrites}
    assert ("python/assistant/llm.py", "deepseek-chat", "chat_model") in rewrites
    assert any(s.reason.startswith("needs a person: dynamic") for s in outcome.planner.skipped)
    assert {"path": "config.yaml", "line": 3, "model_id": "deepseek-chat"} in outcome.listed
    new_toml = tomllib.loads(by_path["hedge.toml"].new)
    assert new_toml["models"]["chat_model"]["id"] == "deepseek-chat"


def test_check_answers_would_change(sample: Path) -> None:
    assert hedgectl.rewrite(check=True, cwd=sample).changes
    hedgectl.rewrite(write=True, cwd=sample)
    git(sample, "add", "-A")
    git(sample, "commit", "-qm", "rewritten")
    assert hedgectl.rewrite(check=True, cwd=sample).changes == []  # a rerun changes nothing


def test_write_applies_exactly_the_plan(sample: Path) -> None:
    planned = {c.display: c.new for c in hedgectl.rewrite(cwd=sample).changes}
    outcome = hedgectl.rewrite(write=True, cwd=sample)
    assert outcome.written
    for display, text in planned.items():
        assert (sample / display).read_text(encoding="utf-8") == text, display


def test_selectors_narrow_the_plan(sample: Path) -> None:
    outcome = hedgectl.rewrite(vendors=["openai"], cwd=sample)
    assert outcome.planner.rewrites
    assert {r.vendor for r in outcome.planner.rewrites} == {"openai"}


def test_dirty_tree_needs_force_and_nothing_is_written(sample: Path) -> None:
    llm = sample / "python/assistant/llm.py"
    llm.write_text(llm.read_text(encoding="utf-8") + "\n# local edit\n", encoding="utf-8")
    before = snapshot(sample)
    with pytest.raises(HedgeError, match="uncommitted changes") as info:
        hedgectl.rewrite(write=True, cwd=sample)
    assert info.value.exit_code == ExitCode.USAGE
    assert snapshot(sample) == before
    assert hedgectl.rewrite(write=True, force=True, cwd=sample).written


def test_write_and_check_together_is_a_usage_error(sample: Path) -> None:
    with pytest.raises(HedgeError, match="--write or --check") as info:
        hedgectl.rewrite(write=True, check=True, cwd=sample)
    assert info.value.exit_code == ExitCode.USAGE
