"""`hedgectl reach` through the installed entry point: help, usage and config errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


def _one_line_error(result: subprocess.CompletedProcess[str], codes: tuple[int, ...]) -> None:
    assert result.returncode in codes, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if lines and lines[0].startswith("Usage:"):  # typer's own usage error: usage, try, error
        assert lines[-1].startswith("Error:"), result.stderr
        return
    assert lines and lines[0].startswith("error:"), result.stderr
    assert len([line for line in lines if not line.startswith("hint:")]) == 1, result.stderr


@pytest.mark.parametrize(
    "proxy",
    [
        "http://127.0.0.1:99999",  # port out of range
        "http://127.0.0.1:abc",  # port not a number
        "http://:3128",  # empty host
        "http://[::1",  # unclosed IPv6
        "socks5://[::1:1080",
        "ftp://127.0.0.1:21",  # unsupported scheme
    ],
)
def test_malformed_proxy_url_is_a_one_line_config_error(tmp_path: Path, proxy: str) -> None:
    (tmp_path / "hedge.toml").write_text(f'[regions.x]\nproxy = "{proxy}"\n')
    result = hedgectl("reach", "--no-history", "--timeout", "0.5", cwd=tmp_path)
    _one_line_error(result, (3,))
    assert "regions.x" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "inf"],
        ["--timeout", "nan"],
        ["--timeout", "-1"],
        ["--notify", "http://[::1"],
        ["--notify", "not a url"],
    ],
)
def test_malformed_flag_values_are_one_line_usage_errors(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "hedge.toml").write_text(
        '[regions.here]\n[providers.x]\nbase_url = "https://x.invalid"\nresolve = "x.invalid:443:127.0.0.1:9"\n'
    )
    result = hedgectl("reach", "--no-history", *args, cwd=tmp_path)
    _one_line_error(result, (2,))


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "0"])
def test_malformed_config_timeout_is_a_one_line_config_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "hedge.toml").write_text(f"[reach]\ntimeout = {value}\n")
    result = hedgectl("reach", "--no-history", cwd=tmp_path)
    _one_line_error(result, (3,))


def test_ca_bundle_that_is_not_pem_is_a_one_line_usage_error(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("this is not a certificate\n")
    (tmp_path / "hedge.toml").write_text(
        '[regions.here]\n[providers.x]\nbase_url = "https://x.invalid"\nresolve = "x.invalid:443:127.0.0.1:9"\n'
    )
    result = hedgectl("reach", "--no-history", "--ca-bundle", str(bundle), cwd=tmp_path)
    _one_line_error(result, (2,))
    assert "ca.pem" in result.stderr
