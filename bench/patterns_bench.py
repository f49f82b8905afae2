"""A hostile .gitignore: `hedgectl audit` on a tree that is not a git checkout, against git.

    .venv/bin/python bench/patterns_bench.py [--files 2000] [--cap 60]

The tree's .gitignore holds 99 lines `*x`, `**x`, ..., and 40 lines `*a*b`, `*a*a*b`, ... (what a
hostile pull request can add). hedgectl walks the tree honouring it (RE2 through pathspec, runs of
`*` collapsed as git reads them); git lists the same tree's untracked, not-ignored files
(`git ls-files --others --exclude-standard`). For the engine hedgectl used before, pathspec with
Python's backtracking regexes matches the same names, stopped after --cap seconds.
Writes the `patterns` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
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


def gitignore() -> str:
    lines = ["*" * n + "x" for n in range(1, 100)]
    lines += ["*a" * n + "*b" for n in range(1, 41)]
    return "\n".join(lines) + "\n"


def build(root: Path, files: int) -> list[str]:
    names = []
    for i in range(files):
        folder = root / f"pkg{i % 20}"
        folder.mkdir(exist_ok=True)
        stem = "a" * (20 + i % 30)  # long runs of `a` are what `*a*a*b` backtracks on
        name = f"{stem}{i}.{'x' if i % 10 == 0 else 'py'}"
        (folder / name).write_text(f'M{i} = "gpt-4o"\n' if i % 50 == 0 else f"x = {i}\n")
        names.append(f"pkg{i % 20}/{name}")
    (root / ".gitignore").write_text(gitignore())
    return names


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
    parser.add_argument("--cap", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, repo = Path(tmp) / "plain", Path(tmp) / "repo"
        plain.mkdir()
        repo.mkdir()
        names = build(plain, args.files)
        build(repo, args.files)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        ours, _ = timed([str(HEDGECTL), "audit", "-q", "-f", "json", "--fail-on", "never"], plain)
        theirs, listed = timed(["git", "ls-files", "--others", "--exclude-standard"], repo)
        (Path(tmp) / "names").write_text("\n".join(names) + "\n")
        before, _ = timed(
            [sys.executable, "-c", PYTHON_RE, str(plain / ".gitignore"), str(Path(tmp) / "names")],
            Path(tmp),
            timeout=args.cap,
        )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    before_text = f"> {args.cap:.0f} s (stopped)" if before == float("inf") else f"{before:.2f} s"
    rows = [
        ("hedgectl audit (walk + scan, RE2)", f"{ours:.2f} s"),
        ("git ls-files --others --exclude-standard", f"{theirs:.3f} s"),
        ("pathspec with Python regexes (the engine before)", before_text),
    ]
    for label, value in rows:
        print(f"{label}: {value}")
    start, end = markers("patterns")
    table = "\n".join(f"| {label} | {value} |" for label, value in rows)
    section = (
        f"{start}\n## Hostile .gitignore (audit on a tree that is not a git checkout)\n\n"
        f"{args.files} files, a .gitignore of 99 lines `*x` ... and 40 lines `*a*b` ... "
        f"(hedgectl {commit}; `python bench/patterns_bench.py --files {args.files}`; "
        f"git lists {len(listed.splitlines())} files). hedgectl includes interpreter start-up "
        "and the scan itself.\n\n| run | wall time |\n| --- | --- |\n"
        f"{table}\n{end}\n"
    )
    write_section("patterns", section)


if __name__ == "__main__":
    main()
