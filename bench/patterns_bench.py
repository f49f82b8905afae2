"""A hostile .gitignore: `hedgectl audit` on a tree that is not a git checkout, against git.

    .venv/bin/python bench/patterns_bench.py [--files 2000] [--cap 30]

Two .gitignore files: 99 lines `*x`, `**x`, ...; then the same plus 40 lines `*a*b`, `*a*a*b`, ... (what a
hostile pull request can add). hedgectl walks the tree honouring it (RE2 through pathspec, runs of
`*` collapsed as git reads them); git lists the same tree's untracked, not-ignored files
(`git ls-files --others --exclude-standard`). For the engine hedgectl used before, pathspec with
Python's backtracking regexes matches the same names, stopped after --cap seconds.
Writes the `patterns` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import markers, write_section

HEDGECTL = Path(sys.executable).with_name("hedgectl")
ROOT = Path(__file__).resolve().parents[1]
PYTHON_RE = """
import sys, pathspec
lines = open(sys.argv[1]).read().splitlines()
spec = pathspec.GitIgnoreSpec.from_lines(lines, backend="simple")
for name in open(sys.argv[2]).read().splitlines():
    spec.match_file(name)
"""


STARS = ["*" * n + "x" for n in range(1, 100)]  # the case: *x, **x, ... (99 lines)
ALTERNATING = ["*a" * n + "*b" for n in range(1, 41)]  # *a*b, *a*a*b, ... (40 lines)
SCENARIOS = [
    ("99 lines `*x`, `**x`, ...", STARS),
    ("the same + 40 lines `*a*b`, `*a*a*b`, ...", STARS + ALTERNATING),
]


def build(root: Path, files: int, rules: list[str]) -> list[str]:
    names = []
    for i in range(files):
        folder = root / f"pkg{i % 20}"
        folder.mkdir(exist_ok=True)
        stem = "a" * (20 + i % 30)  # long runs of `a` are what `*a*a*b` backtracks on
        name = f"{stem}{i}.{'x' if i % 10 == 0 else 'py'}"
        (folder / name).write_text(f'M{i} = "gpt-4o"\n' if i % 50 == 0 else f"x = {i}\n")
        names.append(f"pkg{i % 20}/{name}")
    (root / ".gitignore").write_text("\n".join(rules) + "\n")
    return names


def shown(seconds: float, cap: float) -> str:
    return f"> {cap:.0f} s (stopped)" if seconds == float("inf") else f"{seconds:.2f} s"


def timed(cmd: list[str], cwd: Path, timeout: float | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return float("inf"), ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--cap", type=float, default=30.0)
    args = parser.parse_args()
    rows = []
    for label, rules in SCENARIOS:
        with tempfile.TemporaryDirectory() as tmp:
            plain, repo = Path(tmp) / "plain", Path(tmp) / "repo"
            plain.mkdir()
            repo.mkdir()
            names = build(plain, args.files, rules)
            build(repo, args.files, rules)
            subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
            audit = [str(HEDGECTL), "audit", "-q", "-f", "json", "--fail-on", "never"]
            ours, _ = timed(audit, plain, timeout=args.cap)
            git_ls = ["git", "ls-files", "--others", "--exclude-standard"]
            theirs, _ = timed(git_ls, repo, timeout=args.cap)
            (Path(tmp) / "names").write_text("\n".join(names) + "\n")
            python_re = [
                sys.executable,
                "-c",
                PYTHON_RE,
                str(plain / ".gitignore"),
                str(Path(tmp) / "names"),
            ]
            before, _ = timed(python_re, Path(tmp), timeout=args.cap)
        row = (label, shown(ours, args.cap), shown(theirs, args.cap), shown(before, args.cap))
        print(" | ".join(row), flush=True)
        rows.append(row)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    start, end = markers("patterns")
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    section = (
        f"{start}\n## Hostile .gitignore (audit on a tree that is not a git checkout)\n\n"
        f"{args.files} files named `aaa...aN.py` in 20 folders (hedgectl {commit}; "
        f"`python bench/patterns_bench.py --files {args.files} --cap {args.cap:.0f}`). hedgectl: the "
        "whole audit (interpreter start-up, walk, scan); git: `git ls-files --others "
        "--exclude-standard` on the same tree; before: pathspec with Python's backtracking "
        "regexes matching the same names (the engine hedgectl used before). "
        f"Load average {os.getloadavg()[0]:.0f} on {os.cpu_count()} cores during the run.\n\n"
        "| .gitignore | hedgectl audit | git ls-files | before |\n| --- | --- | --- | --- |\n"
        f"{table}\n{end}\n"
    )
    write_section("patterns", section)


if __name__ == "__main__":
    main()
