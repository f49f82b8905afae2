"""Output that survives pipes, CI logs and `| less`: one line per item, full values, no colour
unless asked, -q silent, the same -f names and bare groups that exit 2.

Every command runs as a real process with stdout piped (not a terminal) and COLUMNS=40, which
rich would otherwise use to fold cells and wrap lines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def hedgectl(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "hedgectl", *args],
        cwd=cwd,
        env={**base, "COLUMNS": "40", **(env or {})},
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_piped_audit_prints_one_line_per_finding_with_full_values() -> None:
    result = hedgectl("audit", "examples/")
    doc = json.loads(hedgectl("audit", "examples/", "-f", "json").stdout)
    lines = result.stdout.splitlines()
    finding_lines = [line for line in lines if line.startswith("  ")]
    assert len(finding_lines) == len(doc["findings"]) > 20
    for finding in doc["findings"]:
        where = f"  {finding['path']}:{finding['line']}:{finding['column']}  {finding['model_id']}"
        assert any(line.startswith(where) for line in finding_lines), where
    assert lines[-1].startswith("gate (--fail-on named): FAILED by")
    assert "\x1b[" not in result.stdout


def test_piped_catalog_keeps_each_vendor_and_family_on_one_line() -> None:
    doc = json.loads(hedgectl("catalog", "-f", "json").stdout)
    table = hedgectl("catalog").stdout
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert len(rows) == len(doc["vendors"]) + len(doc["families"])
    deepseek = next(v for v in doc["vendors"] if v["id"] == "deepseek")
    row = next(line for line in rows if line.startswith("│ deepseek "))
    assert deepseek["tier_date"] in row and all(host in row for host in deepseek["api_hosts"])


def test_piped_mirror_presets_show_full_licenses_one_per_line() -> None:
    doc = json.loads(hedgectl("mirror", "presets", "-f", "json").stdout)
    rows = [line for line in hedgectl("mirror", "presets").stdout.splitlines() if "│" in line]
    assert len(rows) == len(doc["presets"]) > 3
    for name, preset in doc["presets"].items():
        row = next(line for line in rows if line.startswith(f"│ {name} "))
        assert str(preset.get("license", "")) in row and preset["repo"] in row
    # The old spelling still works.
    assert json.loads(hedgectl("mirror", "presets", "--json").stdout) == doc


def test_piped_reach_prints_one_line_per_probe(tmp_path: Path) -> None:
    # Port 9 on loopback is closed: each probe is a quick "connection refused".
    names = ["alpha", "a-provider-name-much-longer-than-forty-columns"]
    (tmp_path / "hedge.toml").write_text(
        "".join(f'[providers.{n}]\nbase_url = "https://127.0.0.1:9/v1"\n' for n in names)
    )
    result = hedgectl("reach", "--no-history", "--timeout", "5", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    rows = [line for line in result.stdout.splitlines() if "│" in line]
    assert len(rows) == 2
    for name, row in zip(sorted(names), rows, strict=True):
        assert row.startswith(name) and "connection refused: 127.0.0.1:9" in row


def test_piped_rewrite_diff_lines_are_not_wrapped(tmp_path: Path) -> None:
    long_name = "a_rather_long_variable_name_for_the_primary_chat_model"
    (tmp_path / "app.py").write_text(f'{long_name.upper()} = "deepseek-chat"\n')
    result = hedgectl("rewrite", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f'-{long_name.upper()} = "deepseek-chat"' in result.stdout.splitlines()


def test_quiet_prints_nothing_but_still_writes_output_files(tmp_path: Path) -> None:
    quiet = hedgectl("audit", "-q", "examples/app")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (1, "", "")
    report = tmp_path / "report.txt"
    written = hedgectl("audit", "-q", "examples/app", "-o", str(report))
    assert (written.returncode, written.stdout, written.stderr) == (1, "", "")
    assert "deepseek-chat" in report.read_text()
    errors = hedgectl("audit", "-q", "no/such/path")
    assert errors.returncode == 2 and "path not found" in errors.stderr


@pytest.mark.parametrize(
    ("flags", "env", "coloured"),
    [
        ((), {"FORCE_COLOR": "1"}, True),
        (("--no-color",), {"FORCE_COLOR": "1"}, False),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_colour_only_when_wanted(
    flags: tuple[str, ...], env: dict[str, str], coloured: bool
) -> None:
    result = hedgectl("audit", "examples/app", *flags, env=env)
    # SGR colour codes (30-38, 40-48, 90-107); bold alone is not a colour (no-color.org).
    colour = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;\d+)*m")
    assert bool(colour.search(result.stdout)) is coloured
    assert "deepseek-chat" in result.stdout


def test_no_color_is_accepted_before_and_after_the_command() -> None:
    for args in (("--no-color", "catalog", "-f", "json"), ("catalog", "-f", "json", "--no-color")):
        assert hedgectl(*args).returncode == 0


def test_version_and_bare_groups() -> None:
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        result = hedgectl(flag)
        # The installed version, from the git tag (setuptools-scm), not a constant in the code.
        assert (result.returncode, result.stdout) == (0, f"hedgectl {version('hedgectl')}\n")
    for group in ((), ("mirror",), ("config",)):
        result = hedgectl(*group)
        assert result.returncode == 2 and "Usage:" in result.stdout + result.stderr


def test_audit_dash_reads_standard_input() -> None:
    result = hedgectl("audit", "-", "-f", "json", stdin='MODEL = "deepseek-chat"\n')
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["model_id"], finding["line"]) == (
        "<stdin>",
        "deepseek-chat",
        1,
    )
    both = hedgectl("audit", "-", "examples/app")
    assert both.returncode == 2 and "standard input" in both.stderr


def test_every_command_takes_the_same_format_flag() -> None:
    commands = [
        ("audit",), ("catalog",), ("rewrite",), ("config", "check"), ("config", "export"),
        ("mirror", "copy"), ("mirror", "presets"), ("mirror", "verify"), ("reach",),
        ("reach", "history"),
    ]  # fmt: skip
    for command in commands:
        text = hedgectl(*command, "--help").stdout
        assert "-f, --format" in text or ("--format" in text and "-f" in text), command


def test_rewrite_and_init_quiet_print_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('MODEL = "deepseek-chat"\n')
    quiet = hedgectl("rewrite", "-q", "app.py", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    check = hedgectl("rewrite", "-q", "--check", "app.py", cwd=tmp_path)
    assert (check.returncode, check.stdout, check.stderr) == (1, "", "")
    plan = hedgectl("rewrite", "-q", "-f", "json", "app.py", cwd=tmp_path)  # machine format
    assert json.loads(plan.stdout)["aliases"] and plan.stderr == ""
    init = hedgectl("init", "-q", cwd=tmp_path)
    assert (init.returncode, init.stdout, init.stderr) == (0, "", "")
    assert (tmp_path / "hedge.toml").is_file()
    again = hedgectl("init", "-q", cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.startswith("error: ")


def test_commands_without_a_result_have_no_format_flag() -> None:
    # init writes a file; the serve commands answer HTTP (formats by URL path).
    for command in (("init",), ("mirror", "serve"), ("reach", "serve")):
        help_text = hedgectl(*command, "--help").stdout
        assert not re.search(r"^\s+(-f, )?--format\b", help_text, re.M), command
