"""6. Patterns from a scanned tree or the user: invalid ones are one-line errors, none can hang."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text('M = "deepseek-chat"\n')
    (tmp_path / "src" / "gen.x").write_text('M = "kimi-k2-thinking"\n')
    return tmp_path


def test_invalid_gitignore_line_is_a_usage_error_naming_file_and_line(tree: Path) -> None:
    (tree / "src" / ".gitignore").write_text("# comment\nbuild/\n\\\n")
    code, _, err = run("audit", cwd=tree)
    assert code == 2, err
    assert "src/.gitignore:3" in err and "Traceback" not in err


def test_invalid_exclude_flag_is_a_usage_error(tree: Path) -> None:
    code, _, err = run("audit", "--exclude", "ok/", "--exclude", "a\\", cwd=tree)
    assert code == 2 and "--exclude:2" in err and "trailing backslash" in err


@pytest.mark.parametrize("key", ["include", "exclude"])
def test_invalid_config_pattern_is_a_config_error(tree: Path, key: str) -> None:
    (tree / "hedge.toml").write_text(f'[audit]\n{key} = ["src/", "[z-a]"]\n')
    code, _, err = run("audit", cwd=tree)
    assert code == 3, err
    assert f"audit.{key}[1]" in err and "hedge.toml" in err


@pytest.mark.timeout(60)  # a hang guard: the same tree took minutes before
def test_star_heavy_gitignore_does_not_hang(tree: Path) -> None:
    lines = ["*" * n + "x" for n in range(1, 300)]
    lines += ["*a" * n + "*b" for n in range(1, 40)]
    (tree / ".gitignore").write_text("\n".join(lines) + "\n")
    (tree / "src" / ("a" * 200 + ".py")).write_text("x = 1\n")
    code, out, err = run("audit", "-f", "json", cwd=tree)
    assert code == 1, err
    # `*x` (and all its longer spellings) ignores gen.x; app.py is audited.
    assert [f["path"] for f in json.loads(out)["findings"]] == ["src/app.py"]


@pytest.mark.timeout(60)
def test_nested_quantifier_in_a_catalog_regex_is_refused(tree: Path) -> None:
    (tree / "hedge.toml").write_text(
        '[catalog.families.evil]\nvendor = "deepseek"\nkeywords = ["aaaa"]\npatterns = ["(a+)+b"]\n'
    )
    (tree / "src" / "slow.py").write_text('M = "' + "a" * 60 + '"\n')
    code, _, err = run("audit", cwd=tree)
    assert code == 3, err
    assert "catalog.families.evil.patterns[0]" in err and "exponential" in err
