"""A scanned repository is hostile: it cannot blind the gate, run code, or write outside its root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app

runner = CliRunner()
NAMED = 'A = "deepseek-chat"\nB = "kimi-k2-thinking"\n'


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def ids(out: str) -> list[tuple[str, str]]:
    return sorted((f["path"], f["model_id"]) for f in json.loads(out)["findings"])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is required (make test installs it)")
    root = tmp_path / "repo"
    root.mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    git("config", "user.email", "t@example.invalid", cwd=root)
    git("config", "user.name", "t", cwd=root)
    (root / "README.md").write_text("app\n")
    git("add", ".", cwd=root)
    git("commit", "-qm", "init", cwd=root)
    git("checkout", "-qb", "feature", cwd=root)
    return root


# --------------------------------------------------------------------- 1. .gitattributes


@pytest.mark.parametrize("attributes", ["*.py -diff\n", "*.py binary\n", "*.py diff=nothing\n"])
def test_gitattributes_cannot_hide_added_lines(repo: Path, attributes: str) -> None:
    (repo / ".gitattributes").write_text(attributes)
    (repo / "app.py").write_text(NAMED)
    git("add", ".", cwd=repo)
    git("commit", "-qm", "pr", cwd=repo)
    code, out, _ = run("audit", "--diff", "main", "-f", "json", cwd=repo)
    assert code == 1
    assert ids(out) == [("app.py", "deepseek-chat"), ("app.py", "kimi-k2-thinking")]
    git("reset", "-q", "--soft", "main", cwd=repo)
    code, out, _ = run("audit", "--staged", "-f", "json", cwd=repo)
    assert code == 1 and len(ids(out)) == 2


# ------------------------------------------------------------------------- 2. file names

ODD_NAMES = ['we"ird.py', "back\\slash.py", "tab\there.py", "new\nline.py", "ünï.py", "star*.py"]


@pytest.mark.parametrize("mode", ["--staged", "--diff"])
def test_any_file_name_is_audited_in_diff_modes(repo: Path, mode: str) -> None:
    for name in ODD_NAMES:
        (repo / name).write_text('M = "deepseek-chat"\n')
    (repo / "plain.py").write_text("x = 1\n")  # matched by star*.py only if taken as a glob
    git("add", ".", cwd=repo)
    if mode == "--diff":
        git("commit", "-qm", "pr", cwd=repo)
    args = ["--staged"] if mode == "--staged" else ["--diff", "main"]
    code, out, err = run("audit", *args, "-f", "json", "-v", cwd=repo)
    assert code == 1, err
    assert sorted(p for p, _ in ids(out)) == sorted(ODD_NAMES)
    assert "deleted" not in err


# ----------------------------------------------------------- 4. code from repository config


def _arm(repo: Path, marker: Path) -> None:
    """Every place git would run a program the repository names."""
    script = repo.parent / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    script.chmod(0o755)
    git("config", "core.fsmonitor", str(script), cwd=repo)
    git("config", "diff.evil.textconv", str(script), cwd=repo)
    git("config", "diff.external", str(script), cwd=repo)
    git("config", "filter.evil.clean", str(script), cwd=repo)
    git("config", "filter.evil.smudge", str(script), cwd=repo)
    git("config", "filter.evil.required", "true", cwd=repo)
    git("config", "core.hooksPath", str(repo.parent), cwd=repo)
    (repo / ".gitattributes").write_text("*.py diff=evil filter=evil\n")


def test_repository_config_runs_nothing(repo: Path) -> None:
    (repo / "app.py").write_text(NAMED)
    git("add", ".", cwd=repo)
    git("commit", "-qm", "pr", cwd=repo)
    marker = repo.parent / "ran.txt"
    _arm(repo, marker)
    # A stat-dirty work tree: git has to hash the files again (clean filter, fsmonitor).
    (repo / "app.py").write_text(NAMED + 'C = "MiniMax-M2"\n')
    (repo / "staged.py").write_text('D = "glm-4.6"\n')
    subprocess.run(["git", "-c", "core.fsmonitor=false", "-c", "filter.evil.clean=cat", "add",
                    "staged.py"], cwd=repo, check=True, capture_output=True)  # fmt: skip
    assert not marker.exists()
    for args in (["audit"], ["audit", "--staged"], ["audit", "--diff", "HEAD"],
                 ["audit", "--diff", "main"], ["rewrite"], ["rewrite", "--check"]):  # fmt: skip
        code, out, err = (
            run(*args, "-f", "json", cwd=repo) if args[0] == "audit" else run(*args, cwd=repo)
        )
        assert code in (0, 1), (args, err)
        assert not marker.exists(), (args, marker.read_text())
    code, out, _ = run("audit", "--diff", "main", "-f", "json", cwd=repo)
    assert ("app.py", "MiniMax-M2") in ids(out)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the checkout another owner")
def test_checkout_owned_by_another_user_works_in_diff_modes(repo: Path) -> None:
    (repo / "app.py").write_text(NAMED)
    git("add", ".", cwd=repo)
    git("commit", "-qm", "pr", cwd=repo)
    for dirpath, dirnames, filenames in os.walk(repo):
        for name in [*dirnames, *filenames]:
            os.lchown(os.path.join(dirpath, name), 54321, 54321)
    os.lchown(repo, 54321, 54321)
    marker = repo.parent / "ran.txt"
    script = repo.parent / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    with (repo / ".git" / "config").open("a") as fh:
        fh.write(f"[core]\n\tfsmonitor = {script}\n")
    code, out, err = run("audit", "--diff", "main", "-f", "json", cwd=repo)
    assert code == 1, err
    assert len(ids(out)) == 2
    assert not marker.exists()


# --------------------------------------------------------------------------- 3. markers


def test_a_typed_marker_exempts_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "# generated by hedgectl from hedge.toml (sha256:" + "0" * 64 + ")\n" + NAMED
    )
    (tmp_path / "report.json").write_text(
        '{"schema": "hedgectl.audit/v1", "tool": {"name": "hedgectl"}, "model": "MiniMax-M2"}\n'
    )
    code, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    assert code == 1
    assert ids(out) == [
        ("app.py", "deepseek-chat"), ("app.py", "kimi-k2-thinking"), ("report.json", "MiniMax-M2"),
    ]  # fmt: skip
    assert {f["location"] for f in json.loads(out)["findings"]} != {"externalised"}


@pytest.mark.parametrize("fmt", ["litellm", "env", "json", "portkey", "openrouter"])
def test_generated_files_stay_exempt_only_while_unedited(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "hedge.toml").write_text(
        '[models.chat]\nid = "deepseek-chat"\nprovider = "deepseek"\n'
    )
    out_file = tmp_path / f"gateway.{fmt}"
    code, _, err = run("config", "export", "--format", fmt, "-o", out_file.name, cwd=tmp_path)
    assert code == 0, err
    code, out, _ = run("audit", out_file.name, "-f", "json", cwd=tmp_path)
    assert code == 0
    assert {f["location"] for f in json.loads(out)["findings"]} <= {"externalised"}
    # One more line from a contributor: the seal breaks and the file gates like any other.
    with out_file.open("a") as fh:
        fh.write('\n"kimi-k2-thinking"\n')
    code, out, _ = run("audit", out_file.name, "-f", "json", cwd=tmp_path)
    assert code == 1
    assert ("gateway." + fmt, "kimi-k2-thinking") in ids(out)


def test_the_baseline_in_use_is_skipped_even_unsealed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(NAMED)
    assert run("audit", "--write-baseline", "base.json", cwd=tmp_path)[0] == 0
    code, out, _ = run("audit", "--baseline", "base.json", "-f", "json", cwd=tmp_path)
    assert code == 0 and ids(out) == []
    doc = json.loads((tmp_path / "base.json").read_text())
    doc.pop("generated")  # as written by earlier versions
    (tmp_path / "base.json").write_text(json.dumps(doc))
    code, out, _ = run("audit", "--baseline", "base.json", "-f", "json", cwd=tmp_path)
    assert code == 0 and ids(out) == []
    # Without --baseline the unsealed file is just JSON with IDs in it.
    code, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    assert ("base.json", "deepseek-chat") in ids(out)
