"""`hedgectl reach` through the installed entry point: help, usage and config errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEDGECTL = [sys.executable, "-m", "hedgectl"]


def hedgectl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HEDGECTL, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_help_lists_options_and_exit_codes(tmp_path: Path) -> None:
    result = hedgectl("reach", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in (
        "--provider",
        "--region",
        "--format",
        "--output",
        "--timeout",
        "--ca-bundle",
        "--history",
        "--fail-on",
        "--notify",
    ):
        assert option in result.stdout, option
    assert "history" in result.stdout
    assert "Exit codes" in result.stdout


def test_bad_config_is_one_line_exit_3_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "hedge.toml").write_text(
        '[regions.cn]\nproxy = "http://127.0.0.1:3128"\nbind = "x"\n'
    )
    result = hedgectl("reach", cwd=tmp_path)
    assert result.returncode == 3
    assert "regions.cn.bind: unknown key" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert hedgectl("reach", "--format", "xml", cwd=tmp_path).returncode == 2
    (tmp_path / "hedge.toml").write_text(
        '[providers.openai]\nresolve = "api.openai.com:443:127.0.0.1:9"\n'
    )
    missing = hedgectl("reach", "--ca-bundle", str(tmp_path / "nope.pem"), cwd=tmp_path)
    assert missing.returncode == 2 and "is not a file" in missing.stderr
    unknown_region = hedgectl("reach", "--region", "mars", cwd=tmp_path)
    assert unknown_region.returncode == 2 and "no such region" in unknown_region.stderr


def test_reach_module_imports_no_http_client() -> None:
    code = "import sys, hedgectl.cli.reach; sys.exit('httpx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
