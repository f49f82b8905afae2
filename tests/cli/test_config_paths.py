"""Where hedge.toml is found and what its globs are relative to: the same answer from any folder.

Config discovery starts at the first scanned PATH and walks upward (`-c FILE` overrides it);
[audit] include/exclude are relative to the folder of the hedge.toml that holds them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """proj/hedge.toml excludes tests/**; a named-tier ID in src/ and one in tests/."""
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "tests").mkdir()
    (proj / "src" / "app.py").write_text('MODEL = "deepseek-chat"\n', encoding="utf-8")
    (proj / "tests" / "test_app.py").write_text('MODEL = "qwen-max"\n', encoding="utf-8")
    (proj / "hedge.toml").write_text('[audit]\nexclude = ["tests/**"]\n', encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    return proj


def ids(stdout: str) -> set[str]:
    return {f["model_id"] for f in json.loads(stdout)["findings"]}


def test_exclude_holds_from_the_project_root(project: Path) -> None:
    code, stdout, _ = run("audit", "-f", "json", cwd=project)
    assert code == 1 and ids(stdout) == {"deepseek-chat"}


def test_exclude_holds_when_run_from_another_folder(project: Path) -> None:
    elsewhere = project.parent / "elsewhere"
    code, stdout, _ = run("audit", "../proj", "-f", "json", cwd=elsewhere)
    assert code == 1 and ids(stdout) == {"deepseek-chat"}
    code, stdout, _ = run("audit", str(project), "-f", "json", cwd=elsewhere)
    assert ids(stdout) == {"deepseek-chat"}


def test_exclude_holds_when_run_from_a_subfolder(project: Path) -> None:
    # From tests/ itself: the file is still under the hedge.toml's tests/**.
    code, stdout, _ = run("audit", "-f", "json", cwd=project / "tests")
    assert code == 0 and ids(stdout) == set()
    code, stdout, _ = run("audit", "..", "-f", "json", cwd=project / "src")
    assert ids(stdout) == {"deepseek-chat"}
    # A file named on the command line is filtered the same way (pre-commit passes files).
    code, stdout, _ = run("audit", "test_app.py", "-f", "json", cwd=project / "tests")
    assert code == 0 and ids(stdout) == set()


def test_exclude_holds_with_dash_c(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    code, stdout, _ = run(
        "audit", str(project), "-c", str(project / "hedge.toml"), "-f", "json", cwd=elsewhere
    )
    assert code == 1 and ids(stdout) == {"deepseek-chat"}
    # -c overrides discovery: a file that excludes src/** instead.
    other = elsewhere / "other.toml"
    other.write_text('[audit]\nexclude = ["src/**"]\n', encoding="utf-8")
    code, stdout, _ = run("audit", str(project), "-c", str(other), "-f", "json", cwd=elsewhere)
    # other.toml's folder does not hold the scanned tree: its globs apply to the scanned folder.
    assert ids(stdout) == {"qwen-max"}


def test_discovery_starts_at_the_first_path_not_the_working_folder(project: Path) -> None:
    # A hedge.toml in the working folder that would let everything through is not used.
    elsewhere = project.parent / "elsewhere"
    (elsewhere / "hedge.toml").write_text('[audit]\nfail_on = "never"\n', encoding="utf-8")
    code, stdout, _ = run("audit", "../proj/src", "-f", "json", cwd=elsewhere)
    assert code == 1 and ids(stdout) == {"deepseek-chat"}


def test_include_is_relative_to_the_hedge_toml(project: Path) -> None:
    (project / "hedge.toml").write_text('[audit]\ninclude = ["src/*.py"]\n', encoding="utf-8")
    code, stdout, _ = run("audit", ".", "-f", "json", cwd=project / "src")
    assert ids(stdout) == {"deepseek-chat"}
    code, stdout, _ = run("audit", "-v", "-f", "json", cwd=project / "tests")
    assert code == 0 and ids(stdout) == set()


def test_rewrite_uses_the_same_file_selection(project: Path, tmp_path: Path) -> None:
    code, stdout, _ = run("rewrite", "../proj", cwd=tmp_path / "elsewhere")
    assert code == 0
    assert "src/app.py" in stdout and "tests/test_app.py" not in stdout
