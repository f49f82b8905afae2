"""`hedgectl mirror` command line: shapes, presets, usage and config errors (no network needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app

ISSUE_PRESETS = (
    "deepseek-v3.2",
    "deepseek-v3.2-speciale",
    "deepseek-v3.2-exp",
    "kimi-k2-instruct",
    "kimi-k2-instruct-0905",
    "kimi-k2-thinking",
    "kimi-k2-base",
)


def test_presets_lists_the_issue_presets(cli: CliRunner) -> None:
    result = cli.invoke(app, ["mirror", "presets", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["schema"] == "hedgectl.mirror/v1"
    presets = payload["presets"]
    for name in ISSUE_PRESETS:
        assert "/" in presets[name]["repo"] and presets[name]["source"] and presets[name]["date"]
    assert presets["kimi-k2-instruct"]["repo"] == "moonshotai/Kimi-K2-Instruct"
    table = cli.invoke(app, ["mirror", "presets"])
    assert table.exit_code == 0 and "deepseek-v3.2" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["mirror", "not-a-preset", "s3://bucket-a/x"], "bad SOURCE"),
        (["mirror", "org/name", "bucket-a/x"], "bad DEST"),
        (["mirror", "copy", "org/name", "s3://bucket-a", "--shard", "3/3"], "bad --shard"),
        (["mirror", "org/name", "s3://bucket-a", "--part-size", "1MiB"], "part size"),
        (["mirror", "org/name", "s3://bucket-a", "--shard", "auto/4"], "JOB_COMPLETION_INDEX"),
        (["mirror", "verify", "org/name", "s3:/bucket"], "bad DEST"),
    ],
)
def test_usage_errors_exit_2_with_one_line(cli: CliRunner, args: list[str], needle: str) -> None:
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output


def test_bad_mirror_config_exits_3(cli: CliRunner, tmp_path: Path) -> None:
    cfg = tmp_path / "hedge.toml"
    cfg.write_text("[mirror]\nconcurency = 4\n")
    result = cli.invoke(app, ["mirror", "org/name", "s3://bucket-a", "--config", str(cfg)])
    assert result.exit_code == 3
    assert "mirror.concurency" in result.stderr and "concurrency" in result.stderr


def test_short_and_long_forms_and_help(cli: CliRunner) -> None:
    group = cli.invoke(app, ["mirror", "--help"])
    assert group.exit_code == 0
    for sub in ("copy", "presets", "verify"):
        assert sub in group.stdout
    copy_help = cli.invoke(app, ["mirror", "copy", "--help"])
    for flag in (
        "--revision",
        "--include",
        "--exclude",
        "--endpoint-url",
        "--concurrency",
        "--part-size",
        "--dry-run",
        "--shard",
        "--format",
    ):
        assert flag in copy_help.stdout


def test_help_does_not_import_sdks() -> None:
    code = (
        "import sys\n"
        "from hedgectl.cli.app import app\n"
        "try:\n    app(['mirror', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('boto3', 'huggingface_hub', 'httpx') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_kubernetes_template_matches_the_cli(cli: CliRunner) -> None:
    import yaml

    from tests.conftest import ROOT

    job = yaml.safe_load((ROOT / "templates" / "kubernetes-mirror-job.yaml").read_text())
    assert job["spec"]["completionMode"] == "Indexed"
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    shard = next(a for a in args if a.startswith("--shard="))
    assert shard == f"--shard=auto/{job['spec']['completions']}"
    copy_help = cli.invoke(app, ["mirror", "copy", "--help"]).stdout
    for arg in args[3:]:
        assert arg.split("=")[0] in copy_help
