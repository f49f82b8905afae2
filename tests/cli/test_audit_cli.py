"""`hedgectl audit` end to end: exit codes, formats, baselines, git modes and hostile inputs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
# The OASIS SARIF 2.1.0 JSON schema, as published with the standard.
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
runner = CliRunner()


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(
        'MODEL = "deepseek-chat"\nFALLBACK = "gpt-4o"\n', encoding="utf-8"
    )
    (tmp_path / "cfg.yaml").write_text("model: qwen-max\n", encoding="utf-8")
    return tmp_path


def test_exit_codes_follow_fail_on(project: Path) -> None:
    assert run("audit", ".", "-q", cwd=project)[0] == 1
    assert run("audit", ".", "--fail-on", "never", cwd=project)[0] == 0
    (project / "app.py").write_text('FALLBACK = "gpt-4o"\n', encoding="utf-8")
    assert run("audit", ".", cwd=project)[0] == 0
    assert run("audit", ".", "--fail-on", "elevated", cwd=project)[0] == 1
    (project / "cfg.yaml").unlink()
    assert run("audit", ".", "--fail-on", "elevated", cwd=project)[0] == 0
    assert run("audit", ".", "--fail-on", "any", cwd=project)[0] == 1


def test_fail_on_from_env_and_config(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "app.py").write_text('FALLBACK = "gpt-4o"\n', encoding="utf-8")
    (project / "hedge.toml").write_text('[audit]\nfail_on = "any"\n', encoding="utf-8")
    assert run("audit", ".", cwd=project)[0] == 1  # file says any
    monkeypatch.setenv("HEDGECTL_FAIL_ON", "never")
    assert run("audit", ".", cwd=project)[0] == 0  # env beats file
    assert run("audit", ".", "--fail-on", "any", cwd=project)[0] == 1  # flag beats env


def test_missing_path_is_a_usage_error(project: Path) -> None:
    code, out, err = run("audit", "nope/", cwd=project)
    assert code == 2
    assert "path not found: nope" in err and out == ""


def test_bad_config_exits_3_with_one_line(project: Path) -> None:
    (project / "hedge.toml").write_text("[audit]\nfailon = 1\n", encoding="utf-8")
    code, _, err = run("audit", ".", cwd=project)
    assert code == 3
    assert "audit.failon: unknown key" in err and "Traceback" not in err


def test_json_schema_and_fields(project: Path) -> None:
    code, out, _ = run("audit", ".", "-f", "json", cwd=project)
    doc = json.loads(out)
    assert code == 1 and doc["schema"] == "hedgectl.audit/v1"
    first = doc["findings"][0]
    assert {k: first[k] for k in ("path", "line", "column", "model_id", "vendor", "hq", "tier", "open_weights")} == {
        "path": "app.py", "line": 1, "column": 10, "model_id": "deepseek-chat", "vendor": "deepseek",
        "hq": "CN", "tier": "named", "open_weights": True,
    }  # fmt: skip
    assert doc["summary"]["by_tier"] == {"named": 1, "elevated": 1, "standard": 1}
    # Deterministic: the same run gives the same bytes.
    assert run("audit", ".", "-f", "json", cwd=project)[1] == out


def test_sarif_is_valid_and_has_rules_per_family_and_tier(project: Path) -> None:
    _code, out, _ = run("audit", ".", "-f", "sarif", cwd=project)
    doc = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    run0 = doc["runs"][0]
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert rule_ids == [
        "hedgectl/elevated/qwen",
        "hedgectl/named/deepseek",
        "hedgectl/standard/gpt",
    ]
    result = next(r for r in run0["results"] if r["ruleId"] == "hedgectl/named/deepseek")
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert len(result["partialFingerprints"]["hedgectlFingerprint/v1"]) == 32


def test_csv_and_markdown(project: Path) -> None:
    _, out, _ = run("audit", ".", "-f", "csv", cwd=project)
    lines = out.splitlines()
    assert lines[0].startswith("path,line,column,kind")
    assert len(lines) == 4
    _, md, _ = run("audit", ".", "-f", "markdown", cwd=project)
    assert "| named | `app.py:1` | `deepseek-chat` | DeepSeek (CN) | code | yes |" in md


def test_output_file_is_written_and_stdout_stays_empty(project: Path) -> None:
    code, out, _ = run("audit", ".", "-f", "json", "-o", "report.json", cwd=project)
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text())["schema"] == "hedgectl.audit/v1"


def test_tier_and_vendor_selectors(project: Path) -> None:
    _, out, _ = run("audit", ".", "-f", "json", "--tier", "elevated", cwd=project)
    assert [f["model_id"] for f in json.loads(out)["findings"]] == ["qwen-max"]
    _, out, _ = run("audit", ".", "-f", "json", "--vendor", "openai", cwd=project)
    assert [f["model_id"] for f in json.loads(out)["findings"]] == ["gpt-4o"]
    assert run("audit", ".", "--vendor", "nosuch", cwd=project)[0] == 2


def test_baseline_round_trip_after_lines_move(project: Path) -> None:
    assert run("audit", ".", "--write-baseline", "base.json", cwd=project)[0] == 0
    source = (project / "app.py").read_text()
    (project / "app.py").write_text("import os\n\n\n" + source, encoding="utf-8")
    code, out, _ = run("audit", ".", "--baseline", "base.json", "-f", "json", cwd=project)
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == []
    assert doc["summary"]["suppressed_baseline"] == 3
    # A new finding is still reported.
    with (project / "app.py").open("a") as handle:
        handle.write('NEW = "kimi-k2-thinking"\n')
    code, out, _ = run("audit", ".", "--baseline", "base.json", "-f", "json", cwd=project)
    assert code == 1 and [f["model_id"] for f in json.loads(out)["findings"]] == [
        "kimi-k2-thinking"
    ]


def test_bad_baseline_file(project: Path) -> None:
    (project / "base.json").write_text("{not json", encoding="utf-8")
    code, _, err = run("audit", ".", "--baseline", "base.json", cwd=project)
    assert code == 2 and "cannot read baseline" in err


def test_inline_suppression(project: Path) -> None:
    (project / "app.py").write_text(
        'MODEL = "deepseek-chat"  # hedgectl: ignore -- legacy\n', encoding="utf-8"
    )
    code, out, _ = run("audit", "app.py", "-f", "json", cwd=project)
    assert code == 0 and json.loads(out)["summary"]["suppressed_inline"] == 1


def test_hedge_toml_ids_are_externalised(project: Path) -> None:
    (project / "app.py").unlink()
    (project / "cfg.yaml").unlink()
    (project / "hedge.toml").write_text(
        '[models.chat]\nid = "deepseek-chat"\nprovider = "deepseek"\n', encoding="utf-8"
    )
    (project / "hedge.toml").rename(project / "models-hedge.toml")
    (project / "sub").mkdir()
    (project / "models-hedge.toml").rename(project / "sub" / "hedge.toml")
    code, out, _ = run("audit", ".", "-f", "json", "--config", "sub/hedge.toml", cwd=project)
    doc = json.loads(out)
    assert code == 0
    assert [(f["model_id"], f["location"], f["gating"]) for f in doc["findings"]] == [
        ("deepseek-chat", "externalised", False)
    ]


def test_notebooks_are_read_up_to_four_times_the_size_limit(tmp_path: Path) -> None:
    """A notebook is big because of its saved outputs (an image here); its code cell still counts."""
    image = "iVBORw0KGgo" * 300_000  # about 3.3 MB of base64 output
    nb = {
        "cells": [
            {"cell_type": "code", "source": ['MODEL_NAME = "claude-3-opus-20240229"\n'],
             "outputs": [{"data": {"image/png": image}, "output_type": "display_data"}]},
        ],
    }  # fmt: skip
    (tmp_path / "big.ipynb").write_text(json.dumps(nb, indent=1))
    _code, out, _ = run("audit", ".", "-f", "json", cwd=tmp_path)
    assert [f["model_id"] for f in json.loads(out)["findings"]] == ["claude-3-opus-20240229"]
    _code, out, err = run("audit", ".", "-f", "json", "-v", "--max-file-size", "500K", cwd=tmp_path)
    assert json.loads(out)["findings"] == []
    assert "skipped big.ipynb: larger than max_file_size" in err


def test_skips_binaries_vendored_lockfiles_and_large_files(tmp_path: Path) -> None:
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "i.js").write_text('m = "deepseek-chat"\n')
    # package-lock.json is read for SDK packages only; other lock files are not read at all.
    (tmp_path / "package-lock.json").write_text('{"deepseek-chat": 1}\n')
    (tmp_path / "Cargo.lock").write_text('name = "deepseek-chat"\n')
    (tmp_path / "blob.dat").write_bytes(b'\0\0model = "deepseek-chat"\n')
    (tmp_path / "big.py").write_text('m = "deepseek-chat"\n' + "#" * 3_000_000 + "\n")
    (tmp_path / "ok.py").write_text('m = "deepseek-chat"\n')
    _code, out, err = run("audit", ".", "-f", "json", "-v", cwd=tmp_path)
    doc = json.loads(out)
    assert [f["path"] for f in doc["findings"]] == ["ok.py"]
    assert "skipped big.py: larger than max_file_size" in err
    assert "skipped blob.dat: binary content" in err
    assert "skipped Cargo.lock: lock file" in err
    assert "skipped node_modules: vendored or build folder" in err
    _, out, _ = run("audit", ".", "-f", "json", "--max-file-size", "5MB", cwd=tmp_path)
    assert sorted(f["path"] for f in json.loads(out)["findings"]) == ["big.py", "ok.py"]


def test_gitignore_is_honoured_outside_git(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("generated/\n*.gen.py\n")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "a.py").write_text('m = "deepseek-chat"\n')
    (tmp_path / "b.gen.py").write_text('m = "deepseek-chat"\n')
    (tmp_path / "c.py").write_text('m = "deepseek-chat"\n')
    _, out, _ = run("audit", ".", "-f", "json", cwd=tmp_path)
    assert [f["path"] for f in json.loads(out)["findings"]] == ["c.py"]


def test_symlink_loops_and_links_out_of_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text('m = "deepseek-chat"\n')
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.py").write_text('m = "kimi-k2-thinking"\n')
    (root / "out.py").symlink_to(outside)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    _code, out, err = run("audit", ".", "-f", "json", "-v", cwd=root)
    assert [f["path"] for f in json.loads(out)["findings"]] == ["ok.py"]
    assert "out.py: symlink pointing outside the scanned root" in err
    assert "a: broken or looping symlink" in err


def test_invalid_utf8_and_50mb_single_line_file(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b'\xff\xfe\xc3\x28 junk\nm = "deepseek-chat"\n')
    with (tmp_path / "huge.js").open("w") as handle:
        handle.write("var a=1;" * (50 * 2**20 // 8))
        handle.write('x={model:"glm-4.6"};\n')
    _code, out, _ = run("audit", ".", "-f", "json", "--max-file-size", "60MB", cwd=tmp_path)
    got = sorted((f["path"], f["model_id"]) for f in json.loads(out)["findings"])
    assert got == [("bad.py", "deepseek-chat"), ("huge.js", "glm-4.6")]


def test_permission_denied_is_skipped_not_fatal(tmp_path: Path) -> None:
    """Root reads everything, so as root the scan runs without the DAC-override capabilities."""
    (tmp_path / "secret.py").write_text('m = "deepseek-chat"\n')
    (tmp_path / "secret.py").chmod(0o000)
    (tmp_path / "open.py").write_text('m = "kimi-k2-thinking"\n')
    prefix: list[str] = []
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), (
            "setpriv (util-linux) is needed to drop root's read override"
        )
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "hedgectl", "audit", ".", "-f", "json", "-v"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # open.py holds a named-tier ID
    assert [f["path"] for f in json.loads(proc.stdout)["findings"]] == ["open.py"]
    assert "secret.py: unreadable: Permission denied" in proc.stderr


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is required (make test installs it)")
    git("init", "-q", "-b", "main", cwd=tmp_path)
    git("config", "user.email", "t@example.invalid", cwd=tmp_path)
    git("config", "user.name", "t", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    (tmp_path / "a.py").write_text('A = "deepseek-chat"\n')
    (tmp_path / "ignored.py").write_text('A = "deepseek-chat"\n')
    git("add", ".", cwd=tmp_path)
    git("commit", "-qm", "init", cwd=tmp_path)
    return tmp_path


def test_git_repo_lists_tracked_and_unignored_files(repo: Path) -> None:
    (repo / "new.py").write_text('B = "kimi-k2-thinking"\n')
    _, out, _ = run("audit", "-f", "json", cwd=repo)
    assert [f["path"] for f in json.loads(out)["findings"]] == ["a.py", "new.py"]


def test_staged_reports_only_added_lines(repo: Path) -> None:
    (repo / "a.py").write_text('A = "deepseek-chat"\nB = "MiniMax-M2"\n')
    (repo / "b.py").write_text('C = "glm-4.6"\n')
    git("add", "a.py", cwd=repo)
    code, out, _ = run("audit", "--staged", "-f", "json", cwd=repo)
    assert code == 1
    assert [(f["path"], f["model_id"]) for f in json.loads(out)["findings"]] == [
        ("a.py", "MiniMax-M2")
    ]


def test_staged_reads_the_index_not_the_work_tree(repo: Path) -> None:
    (repo / "a.py").write_text('A = "deepseek-chat"\nB = "MiniMax-M2"\n')
    git("add", "a.py", cwd=repo)
    # An unstaged edit on top: the commit will still contain MiniMax-M2 on line 2.
    (repo / "a.py").write_text('A = "deepseek-chat"\nB = "gpt-4o"\nC = "glm-4.6"\n')
    code, out, _ = run("audit", "--staged", "-f", "json", cwd=repo)
    assert code == 1
    assert [(f["line"], f["model_id"]) for f in json.loads(out)["findings"]] == [(2, "MiniMax-M2")]


def test_diff_against_a_ref(repo: Path) -> None:
    git("checkout", "-qb", "feature", cwd=repo)
    (repo / "c.py").write_text('C = "glm-4.6"\n')
    git("add", ".", cwd=repo)
    git("commit", "-qm", "feature", cwd=repo)
    code, out, _ = run("audit", "--diff", "main", "-f", "json", cwd=repo)
    assert code == 0  # glm is elevated; default gate is named
    assert [f["model_id"] for f in json.loads(out)["findings"]] == ["glm-4.6"]
    code, _, err = run("audit", "--diff", "no-such-ref", cwd=repo)
    assert code == 2 and "unknown git revision" in err


def test_cli_start_does_not_import_sdks(project: Path) -> None:
    for argv in (["--help"], ["audit", str(project), "-q", "-f", "json"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "hedgectl", *argv],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        imported = {
            line.split("|")[-1].strip().split(".")[0]
            for line in proc.stderr.splitlines()
            if "|" in line
        }
        assert not imported & {"boto3", "botocore", "huggingface_hub", "httpx"}, argv


def test_large_tree_uses_worker_processes(tmp_path: Path) -> None:
    for i in range(600):
        (tmp_path / f"m{i}.py").write_text(
            f'M{i} = "deepseek-chat"\n' if i % 100 == 0 else "x = 1\n"
        )
    _code, out, _ = run("audit", ".", "-f", "json", "-j", "2", cwd=tmp_path)
    doc = json.loads(out)
    assert doc["summary"]["files_scanned"] == 600
    assert sorted(f["path"] for f in doc["findings"]) == [
        f"m{i}.py" for i in (0, 100, 200, 300, 400, 500)
    ]


def test_files_generated_from_hedge_toml_are_externalised(tmp_path: Path) -> None:
    (tmp_path / "hedge.toml").write_text(
        '[models.chat]\nid = "deepseek-chat"\nprovider = "deepseek"\n'
    )
    code, _, err = run(
        "config", "export", "--format", "litellm", "-o", "litellm.yaml", cwd=tmp_path
    )
    assert code == 0, err
    code, out, _ = run("audit", "litellm.yaml", "-f", "json", cwd=tmp_path)
    assert code == 0
    assert [(f["model_id"], f["location"]) for f in json.loads(out)["findings"]] == [
        ("deepseek-chat", "externalised")
    ]


def test_init_writes_a_starter_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    code, _, err = run("init", cwd=tmp_path)
    assert code == 0 and "wrote hedge.toml" in err
    text = (tmp_path / "hedge.toml").read_text()
    assert "[audit]" in text and "# [models.chat]" in text
    assert run("audit", ".", "-f", "json", cwd=tmp_path)[0] == 0  # the starter is valid config
    # Every commented example, uncommented, is valid config too.
    toml_line = re.compile(r"^(?:\[[\w.-]+\]|[A-Za-z_][\w-]* = \S.*)$")
    examples = "\n".join(
        line[2:] if line.startswith("# ") and toml_line.match(line[2:]) else line
        for line in text.splitlines()
    )
    from hedgectl import config

    (tmp_path / "full.toml").write_text(examples)
    settings = config.load(tmp_path / "full.toml", cwd=tmp_path)
    assert settings.section("models") is not None and settings.section("mirror") is not None
    code, _, err = run("init", cwd=tmp_path)
    assert code == 2 and "already exists" in err


def test_table_on_wide_terminals_one_line_per_finding_elsewhere_and_keeps_brackets() -> None:
    from rich.console import Console

    from hedgectl.catalog import load_catalog
    from hedgectl.core.audit import AuditResult, Scanner, to_findings
    from hedgectl.report.audit import render_table

    catalog = load_catalog()
    raws = Scanner(catalog).scan(b'BASE = "https://api.deepseek.com"\n', "app.py")
    result = AuditResult(root=".", findings=to_findings("app.py", raws, catalog), files_scanned=1)

    def shown(width: int, terminal: bool = True) -> str:
        console = Console(
            width=width,
            record=True,
            file=open(os.devnull, "w"),  # noqa: SIM115
            force_terminal=terminal,
        )
        console.print(render_table(result))
        return console.export_text()

    line = "  app.py:1:9  api.deepseek.com [endpoint]  (DeepSeek, CN; code)"
    assert line in shown(80)
    wide = shown(160)
    assert "│ app.py:1:9 " in wide and "api.deepseek.com [endpoint]" in wide
    # Off a terminal (pipes, files, CI logs): the one-line form, whatever the width.
    assert line in shown(160, terminal=False)


def test_named_file_linking_inside_the_working_folder_is_read(tmp_path: Path) -> None:
    """A file named on the command line may link to a sibling folder (docs/a.md -> ../posts/a.md),
    not above the folder the command runs in."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.md").write_text("Run `deepseek-chat` here.\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").symlink_to(Path("..") / "posts" / "a.md")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text('m = "deepseek-chat"\n')
    (tmp_path / "docs" / "out.py").symlink_to(outside)
    try:
        _code, out, err = run("audit", "docs/a.md", "docs/out.py", "-f", "json", "-v", cwd=tmp_path)
    finally:
        outside.unlink()
    assert [f["path"] for f in json.loads(out)["findings"]] == ["docs/a.md"]
    assert "symlink pointing outside the scanned root" in err
