"""What users copy into their CI: the GitHub Action (action.yml), its workflow template, and the
pre-commit hooks, checked as shipped.

action.yml is linted by zizmor in `make lint`; here its rules are asserted directly, and its two
shell steps run for real against a throwaway pull request. The pre-commit hooks run through the
real pre-commit tool (as `repo: local` hooks built from .pre-commit-hooks.yaml, pointed at this
venv's hedgectl, so nothing is fetched).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_action_is_composite_pinned_and_never_expands_templates_in_shell() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"fail-on", "paths", "format", "baseline"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    for step in steps:
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]
        if "run" in step:
            assert "${{" not in step["run"], step.get("name")
            assert step["shell"] == "bash"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]  # from the pinned checkout, never by package name


def test_workflow_template_uses_the_action_without_credentials() -> None:
    workflow = yaml.safe_load((ROOT / "templates" / "github-actions-audit.yml").read_text())
    steps = workflow["jobs"]["audit"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert SHA_PIN.match(checkout["uses"])
    assert checkout["with"]["persist-credentials"] is False and checkout["with"]["fetch-depth"] == 0
    assert any(s.get("uses", "").split("@")[0].endswith("/hedgectl") for s in steps)
    assert (
        "pip install hedgectl" not in (ROOT / "templates" / "github-actions-audit.yml").read_text()
    )


def _run_step(
    step: dict[str, Any], repo: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    step_env = {k: v for k, v in step.get("env", {}).items() if "${{" not in str(v)}
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=repo,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **step_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A repository whose main holds a legacy ID, and a PR branch that adds a new one."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "legacy.py").write_text('OLD = "moonshot-v1-8k"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "legacy")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "legacy.py").write_text('OLD = "moonshot-v1-8k"\nTIMEOUT = 30\n')
    git(repo, "commit", "-q", "-am", "unrelated edit")
    return repo


def test_action_steps_report_everything_and_gate_only_what_the_pr_adds(
    pull_request: Path, tmp_path: Path
) -> None:
    steps = {s.get("id") or s.get("name"): s for s in _action()["runs"]["steps"]}
    report = next(s for k, s in steps.items() if k == "report")
    gate = next(s for k, s in steps.items() if str(k).startswith("Gate"))
    files = {name: tmp_path / name for name in ("summary.md", "output.txt")}
    env = {
        "PATHS": ".", "BASELINE": "", "UPLOAD": "auto", "PRIVATE": "true", "FAIL_ON": "named",
        "FORMAT": "table", "BASE_REF": "main", "RUNNER_TEMP": str(tmp_path),
        "CONFIG_FROM_BASE": "true",
        "GITHUB_STEP_SUMMARY": str(files["summary.md"]), "GITHUB_OUTPUT": str(files["output.txt"]),
    }  # fmt: skip
    done = _run_step(report, pull_request, env)
    assert done.returncode == 0, done.stderr
    assert "moonshot-v1-8k" in files["summary.md"].read_text()  # the inventory, whole tree
    outputs = files["output.txt"].read_text()
    assert "upload=false" in outputs and "SARIF upload skipped" in done.stdout  # private repo
    assert '"moonshot-v1-8k"' in (tmp_path / "hedgectl.sarif").read_text()
    public = _run_step(report, pull_request, {**env, "PRIVATE": "false"})
    assert public.returncode == 0 and files["output.txt"].read_text().endswith("upload=true\n")

    assert _run_step(gate, pull_request, env).returncode == 0  # the PR adds no ID
    (pull_request / "new.py").write_text('MODEL = "deepseek-chat"\n')
    git(pull_request, "add", "new.py")
    git(pull_request, "commit", "-q", "-m", "add a model")
    blocked = _run_step(gate, pull_request, env)
    assert blocked.returncode == 1 and "deepseek-chat" in blocked.stdout
    assert "moonshot" not in blocked.stdout
    # The same pull request loosens hedge.toml: main's policy still judges it.
    (pull_request / "hedge.toml").write_text('[audit]\nexclude = ["new.py"]\nfail_on = "never"\n')
    git(pull_request, "add", "hedge.toml")
    git(pull_request, "commit", "-q", "-m", "relax the gate")
    blocked = _run_step(gate, pull_request, env)
    assert blocked.returncode == 1 and "deepseek-chat" in blocked.stdout
    done = _run_step(report, pull_request, env)
    assert done.returncode == 0 and '"deepseek-chat"' in (tmp_path / "hedgectl.sarif").read_text()
    opted_out = _run_step(gate, pull_request, {**env, "CONFIG_FROM_BASE": "false"})
    assert opted_out.returncode == 0  # the checkout's hedge.toml, as asked
    bad = _run_step(report, pull_request, {**env, "CONFIG_FROM_BASE": "yes"})
    assert bad.returncode == 2 and "config-from-base must be true or false" in bad.stdout


def _pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", *args],
        cwd=repo,
        env={**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pre_commit_hooks_block_added_ids_and_let_unrelated_edits_through(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "legacy.py").write_text('OLD = "moonshot-v1-8k"\n')
    shipped = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in shipped] == ["hedgectl-audit", "hedgectl-all"]
    local = [
        {
            **hook,
            "language": "system",
            "entry": hook["entry"].replace("hedgectl", str(BIN / "hedgectl"), 1),
        }
        for hook in shipped
    ]
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]})
    )
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "legacy")

    (repo / "legacy.py").write_text('OLD = "moonshot-v1-8k"\nTIMEOUT = 30\n')
    git(repo, "add", "legacy.py")
    unrelated = _pre_commit(repo, "hedgectl-audit")
    assert unrelated.returncode == 0, unrelated.stdout
    whole = _pre_commit(repo, "hedgectl-all")
    assert whole.returncode == 1 and "moonshot-v1-8k" in whole.stdout

    (repo / "assistant.py").write_text('MODEL = "deepseek-chat"\n')
    git(repo, "add", "assistant.py")
    added = _pre_commit(repo, "hedgectl-audit")
    assert (
        added.returncode == 1
        and "assistant.py:1" in added.stdout
        and "deepseek-chat" in added.stdout
    )
    assert "moonshot" not in added.stdout
