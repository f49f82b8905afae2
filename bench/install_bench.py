"""Install footprint and start-up: `pip install hedgectl` (base) against `hedgectl[all]`.

    .venv/bin/python bench/install_bench.py [--runs 21] [--keep DIR]

Builds two fresh venvs from this checkout with pip (the configured index and pip's cache): the
base install (audit, catalog, init, config: what the pre-commit hook and the GitHub Action
install) and `[all]`. Counts the distributions and site-packages bytes each adds to an empty
venv (pip, and setuptools before Python 3.12, are the venv's own), then times `hedgectl audit` on a one-file tree
in each, --runs times after one warm-up run, median wall time and median CPU time (user+sys of
the child, from wait4), next to `python -c pass` (the interpreter's own start-up).
Writes the `install` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import markers, write_section

ROOT = Path(__file__).resolve().parents[1]


def make_venv(where: Path, spec: str) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    python = where / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", spec],
        check=True,
    )
    return where


def contents(env: Path) -> tuple[set[str], dict[str, int]]:
    """Installed distribution names, and every file of site-packages with its size."""
    python = env / "bin" / "python"
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    site = next((env / "lib").glob("python3*/site-packages"))
    files = {
        os.path.join(folder, name)[len(str(site)) :]: os.lstat(os.path.join(folder, name)).st_size
        for folder, _, names in os.walk(site)
        for name in names
    }
    return {p["name"] for p in json.loads(listing.stdout)}, files


def footprint(env: Path, empty: tuple[set[str], dict[str, int]]) -> tuple[list[str], int]:
    """What the install added to an empty venv (pip, and setuptools before Python 3.12, left out)."""
    names, files = contents(env)
    size = sum(n for path, n in files.items() if path not in empty[1])
    return sorted(names - empty[0], key=str.lower), size


def timed(argv: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall and median CPU (user+sys) seconds of `argv`, after one warm-up run."""
    walls, cpus = [], []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{argv} exited {proc.returncode}")
        if i:
            walls.append(wall)
            cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--keep", type=Path, help="build the venvs here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="hedgectl-install-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        empty_dir = work / "empty"
        venv.EnvBuilder(with_pip=True, clear=True).create(empty_dir)
        empty = contents(empty_dir)
        envs = {
            "base": make_venv(work / "base", str(ROOT)),
            "all": make_venv(work / "all", f"{ROOT}[all]"),
        }
        tree = work / "tree"
        tree.mkdir(exist_ok=True)
        (tree / "app.py").write_text('MODEL = "deepseek-chat"\n', encoding="utf-8")
        rows = {}
        for label, env in envs.items():
            names, size = footprint(env, empty)
            wall, cpu = timed([str(env / "bin" / "hedgectl"), "audit", "."], tree, args.runs)
            rows[label] = (names, size, wall, cpu)
        py_wall, py_cpu = timed(
            [str(envs["base"] / "bin" / "python"), "-c", "pass"], tree, args.runs
        )
        version = subprocess.run(
            [str(envs["base"] / "bin" / "hedgectl"), "--version"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    base, full = rows["base"], rows["all"]
    only_all = sorted(set(full[0]) - set(base[0]), key=str.lower)
    start, end = markers("install")
    mb = 1024 * 1024
    section = f"""{start}
## install: base against [all]

`.venv/bin/python bench/install_bench.py --runs {args.runs}` ({version}, Python {platform.python_version()},
{platform.machine()}; {os.cpu_count()} cores). Two fresh venvs from this checkout: `pip install .`
(the base: audit, catalog, init, config; what the pre-commit hook and the GitHub Action
install) and `pip install '.[all]'`. Distributions and site-packages bytes are what each adds to
an empty venv (pip, and setuptools before Python 3.12, are the venv's own).
Start-up: `hedgectl audit .` on a one-file tree (one named-tier finding, exit 1), median of
{args.runs} runs after a warm-up; CPU is the child's user+sys.

| install | distributions | site-packages | `hedgectl audit` wall | CPU |
| --- | ---: | ---: | ---: | ---: |
| base (`pip install .`) | {len(base[0])} | {base[1] / mb:.1f} MiB | {base[2] * 1000:.0f} ms | {base[3] * 1000:.0f} ms |
| `[all]` | {len(full[0])} | {full[1] / mb:.1f} MiB | {full[2] * 1000:.0f} ms | {full[3] * 1000:.0f} ms |
| `python -c pass` (floor) | | | {py_wall * 1000:.0f} ms | {py_cpu * 1000:.0f} ms |

The base install is {len(base[0]) / len(full[0]):.0%} of `[all]`'s distributions and
{base[1] / full[1]:.0%} of its size. Only in `[all]`: {", ".join(only_all)}.

Base: {", ".join(base[0])}.
{end}
"""
    write_section("install", section)
    print(section)


if __name__ == "__main__":
    main()
