"""`hedgectl rewrite` throughput on a generated project: dry run, --write, and the no-op rerun.

    .venv/bin/python bench/rewrite_bench.py [--py 1500] [--js 500] [--plain 6000]

Each Python file is ~60 lines with four model IDs (constant, keyword, dict value, default argument)
and one f-string; each JS file the same in JavaScript; --plain Python files hold no model ID (most
files of a real project), which the keyword prefilter skips without parsing. Prints one line per phase (wall seconds,
files per second) and the peak RSS of each run.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEDGECTL = Path(sys.executable).with_name("hedgectl")

PY = '''"""Module {n}."""

import os

CHAT_MODEL_{n} = "deepseek-chat"
ROUTES = {{"summariser": "moonshot-v1-8k", "other": "gpt-4.1-mini"}}


def ask(client, prompt, model="deepseek-reasoner"):
    return client.complete(model=model, prompt=prompt)


def review(client, code):
    return client.complete(model="Qwen/Qwen2.5-Coder-32B-Instruct", prompt=code)


def versioned(client, v):
    return client.complete(model=f"deepseek-{{v}}", prompt="hi")
''' + "\n".join(f"def filler_{i}(x):\n    return x + {i}\n" for i in range(20))

JS = """// module {n}
const CHAT_MODEL_{n} = "deepseek-chat";
const ROUTES = {{ summariser: "moonshot-v1-8k", other: "gpt-4.1-mini" }};
function ask(client, prompt, model = "deepseek-reasoner") {{ return client.complete({{ model, prompt }}); }}
function review(client, code) {{ return client.complete({{ model: "Qwen/Qwen2.5-Coder-32B-Instruct", prompt: code }}); }}
function versioned(client, v) {{ return client.complete({{ model: `deepseek-${{v}}`, prompt: "hi" }}); }}
module.exports = {{ ask, review, versioned }};
"""
JS_FILLER = "\n".join(f"function filler{i}(x) {{ return x + {i}; }}" for i in range(20))


def generate(root: Path, n_py: int, n_js: int, n_plain: int) -> None:
    plain = "\n".join(f"def helper_{i}(x):\n    return x * {i}\n" for i in range(30))
    for i in range(n_plain):
        folder = root / "plain" / f"pkg{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"util{i}.py").write_text(plain)
    for i in range(n_py):
        folder = root / "py" / f"pkg{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i}.py").write_text(PY.format(n=i))
    for i in range(n_js):
        folder = root / "js" / f"dir{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i}.js").write_text(JS.format(n=i) + JS_FILLER + "\n")


def timed(args: list[str], cwd: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return wall, proc.returncode, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--py", type=int, default=1500)
    parser.add_argument("--js", type=int, default=500)
    parser.add_argument("--plain", type=int, default=6000)
    opts = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hedgectl-rewrite-bench-"))
    try:
        generate(root, opts.py, opts.js, opts.plain)
        files = opts.py + opts.js + opts.plain
        literals = 4 * (opts.py + opts.js)
        print(
            f"{files} files ({opts.py} Python and {opts.js} JS with IDs, {opts.plain} without), "
            f"{literals} literals to rewrite"
        )
        for label, args in (
            ("dry run", [str(HEDGECTL), "rewrite", "-q", "-o", str(root / "plan.diff")]),
            ("--write", [str(HEDGECTL), "rewrite", "--write", "-q", "-o", str(root / "w.diff")]),
            ("rerun (--check, no-op)", [str(HEDGECTL), "rewrite", "--check", "-q"]),
        ):
            wall, code, rss = timed(args, root)
            print(
                f"{label:24} {wall:6.2f} s  {files / wall:7.0f} files/s  exit {code}  peak RSS so far {rss} MiB"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
