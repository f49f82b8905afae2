"""The README's links lead somewhere (docs/ itself is checked by `mkdocs build --strict`), and
the runnable examples in docs/ print what the docs say they print."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_readme_links_point_at_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets, "the README links to the reference in docs/"
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert not missing


# A ```console block right after a `<!-- runnable -->` line is run: each `$ hedgectl ...` line,
# from the repository root, stdout piped; the lines shown under it must appear in its output in
# that order (`...` stands for lines left out).
RUNNABLE = re.compile(r"<!-- runnable -->\n```console\n(.*?)```", re.S)


def _runnable_examples() -> list[tuple[str, str, list[str]]]:
    examples = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for block in RUNNABLE.findall(page.read_text(encoding="utf-8")):
            command, expected = "", []
            for line in block.splitlines():
                if line.startswith("$ "):
                    if command:
                        examples.append((page.name, command, expected))
                    command, expected = line[2:], []
                else:
                    expected.append(line.strip())
            examples.append((page.name, command, expected))
    return examples


EXAMPLES = _runnable_examples()


def test_the_docs_have_runnable_examples() -> None:
    assert any(page == "audit.md" for page, _, _ in EXAMPLES)


@pytest.mark.parametrize(("page", "command", "expected"), EXAMPLES)
def test_docs_example_output_is_what_the_command_prints(
    page: str, command: str, expected: list[str]
) -> None:
    args = shlex.split(command)
    assert args[0] == "hedgectl", (page, command)
    done = subprocess.run(
        [sys.executable, "-m", "hedgectl", *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode in (0, 1), done.stderr
    actual = iter(line.strip() for line in done.stdout.splitlines())
    for line in expected:
        if line != "...":
            assert any(seen == line for seen in actual), (page, command, line)
