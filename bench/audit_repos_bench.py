"""audit across many repositories: one `hedgectl audit --repos LIST` against a loop of
`hedgectl audit URL`, one repository at a time (what a shell script over a list would do).

The repositories are generated (a few source files, a README and a requirements.txt each, some
with vendor model IDs and SDKs), committed with git into a folder outside this repository and read
through file:// URLs, so every clone is a real `git clone`. Both scenarios run in one invocation,
each in its own child process, so peak RSS (getrusage RUSAGE_CHILDREN: the largest single process
of the tree, hedgectl or git) is measured per scenario.

    .venv/bin/python bench/audit_repos_bench.py            # 100 repositories, writes RESULTS.md
    .venv/bin/python bench/audit_repos_bench.py -n 10 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results import write_section  # noqa: E402

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}  # fmt: skip
MODELS = [
    "deepseek-chat",
    "qwen-max",
    "glm-4-plus",
    "moonshot-v1-8k",
    "gpt-4o",
    "claude-3-5-sonnet",
]
PACKAGES = ["dashscope", "zhipuai", "openai", "anthropic", "requests", "fastapi", "pydantic"]


def generate(root: Path, count: int, seed: int = 15) -> list[str]:
    """`count` small repositories under root; their file:// URLs."""
    rng = random.Random(seed)
    env = {**os.environ, **GIT_ENV}
    urls = []
    for i in range(count):
        repo = root / f"svc-{i:03d}"
        (repo / "src").mkdir(parents=True)
        picked = rng.sample(PACKAGES, 3)
        (repo / "requirements.txt").write_text("".join(f"{p}>=1.0\n" for p in picked))
        model = rng.choice(MODELS) if rng.random() < 0.6 else None
        call = f'MODEL = "{model}"\n' if model else 'MODEL = os.environ["MODEL"]\n'
        (repo / "src" / "app.py").write_text(
            f"import os\n\n{call}\n\ndef handler(x):\n    return x\n"
        )
        (repo / "src" / "util.py").write_text(
            "".join(f"def f{n}(a):\n    return a + {n}\n" for n in range(40))
        )
        (repo / "README.md").write_text(
            f"# svc-{i:03d}\n\nA generated service for the benchmark.\n"
        )
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True, timeout=60)
        urls.append(repo.as_uri())
    return urls


def hedgectl(*args: str) -> list[str]:
    return [sys.executable, "-m", "hedgectl", *args]


def measure(scenario: str, urls: list[str], work: Path) -> dict[str, float]:
    """Run one scenario in a child process of its own; wall time and its peak RSS."""
    code = (
        "import json, resource, subprocess, sys\n"
        "cmds = json.loads(sys.argv[1])\n"
        "for cmd in cmds:\n"
        "    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "    assert rc == 0, (cmd, rc)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    if scenario == "repos":
        listing = work / "repos.txt"
        listing.write_text("".join(f"{u}\n" for u in urls))
        out = work / "all.json"
        cmds = [
            hedgectl(
                "audit", "--repos", str(listing), "-f", "json", "-o", str(out), "--fail-on", "never"
            )
        ]
    else:
        (work / "loop").mkdir(exist_ok=True)
        cmds = [
            hedgectl(
                "audit",
                u,
                "-f",
                "json",
                "-o",
                str(work / "loop" / f"{i:03d}.json"),
                "--fail-on",
                "never",
            )
            for i, u in enumerate(urls)
        ]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cmds)], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    return {"wall": wall, "rss_mib": int(proc.stdout.strip()) / 1024}


def findings(work: Path) -> tuple[int, int]:
    together = len(json.loads((work / "all.json").read_text())["findings"])
    one_by_one = sum(len(json.loads(p.read_text())["findings"]) for p in (work / "loop").iterdir())
    return together, one_by_one


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=100, help="repositories to generate")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch RESULTS.md")
    args = parser.parse_args()
    from hedgectl import __version__

    with tempfile.TemporaryDirectory(prefix="hedgectl-bench-repos-") as tmp:
        work = Path(tmp)
        urls = generate(work / "served", args.count)
        repos = measure("repos", urls, work)
        loop = measure("loop", urls, work)
        together, one_by_one = findings(work)
    assert together == one_by_one, (together, one_by_one)
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    section = f"""<!-- audit_repos:start -->
## audit across {args.count} repositories: `--repos` against a loop

Command: `.venv/bin/python bench/audit_repos_bench.py` ({time.strftime("%Y-%m-%d")}). The
{args.count} repositories are **generated** by the script (each: `src/app.py`, `src/util.py`,
README, a requirements.txt with three packages; 60 % name a model ID), committed with git and read
through `file://` URLs, so every clone is a real shallow, blobless `git clone`. Both scenarios
found the same {together} findings.

| scenario | command | wall time | per repository | peak RSS |
| --- | --- | --- | --- | --- |
| one run | `hedgectl audit --repos LIST -f json -o all.json --fail-on never` (4 at a time) | {repos["wall"]:.1f} s | {repos["wall"] / args.count * 1000:.0f} ms | {repos["rss_mib"]:.0f} MiB |
| a loop | `hedgectl audit URL -f json -o N.json --fail-on never`, once per repository | {loop["wall"]:.1f} s | {loop["wall"] / args.count * 1000:.0f} ms | {loop["rss_mib"]:.0f} MiB |

One run is **{loop["wall"] / repos["wall"]:.1f}x** faster than the loop: the interpreter, the
catalog and the detector are loaded once, and clones overlap with scans. Peak RSS is that of the
largest single process (getrusage RUSAGE_CHILDREN), not the sum of the concurrent git processes.
Machine: {os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}, Python
{platform.python_version()}, {git}, hedgectl {__version__}. The machine was shared with other
work during the run (1-minute load average {load:.1f} at the end), so both figures are slower
than on an idle machine; the ratio is the figure to compare.
<!-- audit_repos:end -->
"""
    print(section)
    if not args.no_write:
        write_section("audit_repos", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
