"""Benchmark `hedgectl audit` against ripgrep on real LLM framework and gateway code.

bench/audit_bench.py measures a generated tree where model IDs are rare and lines short. Real LLM
applications are dense with IDs (model tables, fixtures, provider registries) and carry long
lines; this script measures five public repositories of that kind, pinned below, exported (git
files, no .git) side by side into one tree. The method is audit_bench.py's: same keyword list
for ripgrep, same flags, page cache warmed, alternating timed runs, medians, peak memory from
/usr/bin/time and a /proc sampler. It fetches nothing: give it a folder of clones.

    .venv/bin/python bench/audit_real_bench.py --print-clone-commands /tmp/real | sh
    .venv/bin/python bench/audit_real_bench.py --checkouts /tmp/real            # writes RESULTS.md
    .venv/bin/python bench/audit_real_bench.py --checkouts /tmp/real --profile  # where time goes

Needs ripgrep on PATH (Debian: apt-get install -y ripgrep). Goal: audit within 2x ripgrep's wall
time on 2 cores, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import audit_bench as ab  # noqa: E402
from results import markers, write_section  # noqa: E402

SECTION = "audit-real"
TREE = ab.WORK / "real"
# Large public LLM framework, gateway and SDK repositories, pinned (name, repository, commit).
REPOS = (
    ("continue", "continuedev/continue", "d0a3c0b626b5bebc3bef4742eec05a0242be0bab"),
    ("gateway", "Portkey-AI/gateway", "669825cbe89ee51569918b8f78a9db486fd69dd4"),
    ("aider", "Aider-AI/aider", "5dc9490bb35f9729ef2c95d00a19ccd30c26339c"),
    ("firecrawl", "mendableai/firecrawl", "0fac8fb22dea4392a5789b2c69eb524cb4245069"),
    ("openai-python", "openai/openai-python", "e43b422412a9e96c9cc5192c61fffbe2d7e04836"),
)


def clone_commands(dest: Path) -> str:
    out = [f"mkdir -p {shlex.quote(str(dest))}"]
    for name, repo, commit in REPOS:
        target = shlex.quote(str(dest / name))
        out.append(
            f"git clone --filter=blob:none --no-checkout https://github.com/{repo} {target} && "
            f"git -C {target} checkout --quiet {commit}"
        )
    return "\n".join(out) + "\n"


def export_tree(checkouts: Path) -> Path:
    """The tracked files of each pinned checkout copied into one tree, without .git.

    Copied from the work tree rather than `git archive`: a partial clone may lack blobs of files
    over a few MB, which both tools skip anyway (--max-filesize 2 MB). Rebuilt when pins change.
    """
    stamp = TREE / ".bench-pins"
    pins = "\n".join(f"{name} {commit}" for name, _, commit in REPOS)
    if stamp.exists() and stamp.read_text() == pins:
        return TREE
    shutil.rmtree(TREE, ignore_errors=True)
    for name, _, commit in REPOS:
        src = checkouts / name
        head = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        if head != commit:
            raise SystemExit(f"{src}: at {head or 'no git commit'}, the benchmark pins {commit}")
        listed = subprocess.run(
            ["git", "-C", str(src), "ls-files", "-z"], capture_output=True, check=True
        ).stdout.split(b"\0")
        for raw in listed:
            rel = os.fsdecode(raw)
            if not rel or not (src / rel).is_file() or (src / rel).is_symlink():
                continue
            target = TREE / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, target)
    stamp.write_text(pins)
    return TREE


def profile(tree: Path, top: int = 25) -> str:
    """cProfile of selecting and scanning the tree in one process (jobs=1), sorted by own time."""
    from hedgectl.adapters.files import scan_files, select_files
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core.audit import to_findings

    cwd = Path.cwd()
    os.chdir(tree)
    prof = cProfile.Profile()
    try:
        prof.enable()
        selection = select_files([Path(".")], cwd=tree)
        found, *_ = scan_files(
            ((path, shown, None) for path, shown in selection.files), Overrides(), jobs=1
        )
        catalog = load_catalog(Overrides())
        for f in found:
            to_findings(f.path, f.raws, catalog, externalised=f.externalised)
        prof.disable()
    finally:
        os.chdir(cwd)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


def render(m: ab.Measurement, reps: int, versions: str, engine: str, rg_cmd: str) -> str:
    start, end = markers(SECTION)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    met_time = "met" if m.ratio <= ab.GOAL_RATIO else "NOT met"
    met_mem = "met" if m.peak_mb < ab.GOAL_MB else "NOT met"
    lines = [
        start,
        "## audit on real LLM repositories",
        "",
        f"`hedgectl audit` against ripgrep on real code, written by `bench/audit_real_bench.py` on {now}.",
        "",
        f"- Machine: {os.cpu_count()} cores, {ab.cpu_model()}, Linux {platform.release()}; "
        f"{versions}; audit prefilter: {engine}.",
        f"- Tree: five public repositories at pinned commits (tracked files, no .git), "
        f"{m.files} files, {m.size / 1e6:.0f} MB:",
        "",
        "| repository | commit |",
        "| --- | --- |",
        *(f"| [{repo}](https://github.com/{repo}) | `{commit}` |" for _, repo, commit in REPOS),
        "",
        "Commands (from the tree's root; same keyword list and flags as the generated-tree "
        "benchmark above):",
        "",
        "```",
        "hedgectl audit . -f json -q --fail-on never > audit.json",
        rg_cmd,
        "```",
        "",
        *ab.render_tree(m, reps)[2:],
        f"Goal vs result: at most {ab.GOAL_RATIO:.0f}x ripgrep's wall time: **{met_time}** "
        f"({m.ratio:.2f}x; fastest runs {m.best_ratio:.2f}x); peak memory under "
        f"{ab.GOAL_MB:.0f} MB: **{met_mem}** ({m.peak_mb:.0f} MB).",
        "",
        "Reproduce (fetches nothing; the clone commands check out the pinned commits):",
        "",
        "```",
        ".venv/bin/python bench/audit_real_bench.py --print-clone-commands /tmp/real | sh",
        ".venv/bin/python bench/audit_real_bench.py --checkouts /tmp/real",
        "```",
        end,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=Path, help="folder with one clone per repository")
    parser.add_argument("--print-clone-commands", type=Path, metavar="DEST")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one scan")
    parser.add_argument(
        "--patience",
        type=float,
        default=120.0,
        help="seconds to wait for an idle machine before each timed pair (default 120)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.print_clone_commands:
        sys.stdout.write(clone_commands(args.print_clone_commands))
        return 0
    if not args.checkouts:
        parser.error("--checkouts is required (or --print-clone-commands)")
    rg = shutil.which("rg")
    if rg is None:
        print("ripgrep (rg) is not on PATH: apt-get install -y ripgrep", file=sys.stderr)
        return 2
    hedgectl = Path(sys.executable).parent / "hedgectl"
    ab.WORK.mkdir(parents=True, exist_ok=True)
    tree = export_tree(args.checkouts)
    wait = ab.wait_idle
    ab.wait_idle = lambda threshold=90.0, patience=args.patience: wait(threshold, patience)
    if args.profile:
        print(profile(tree))
        return 0

    from hedgectl import __version__
    from hedgectl.catalog import load_catalog
    from hedgectl.core.detect import Detector
    from hedgectl.core.prefilter import ENGINE

    pattern_file = ab.WORK / "keywords.txt"
    pattern_file.write_text("\n".join(Detector(load_catalog()).keywords()) + "\n", encoding="utf-8")
    flags = ab.rg_flags(pattern_file)
    m = ab.measure(tree, git=False, reps=args.reps, hedgectl=hedgectl, rg=rg, flags=flags)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    rg_version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout
    versions = (
        f"Python {platform.python_version()}, hedgectl {__version__} (commit {head}), "
        + rg_version.split("\n")[0]
    )
    rg_cmd = shlex.join(["rg", *flags[:4], "keywords.txt", *flags[5:], "."]) + " > rg.txt"
    section = render(m, args.reps, versions, ENGINE, rg_cmd)
    print(section)
    if not args.no_write:
        write_section(SECTION, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
