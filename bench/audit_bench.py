"""Benchmark `hedgectl audit` against ripgrep on a large generated tree; write bench/RESULTS.md.

Both tools look for the same thing: the catalog's keywords (what audit's prefilter looks for),
case-insensitively, as fixed strings, in the same set of files. ripgrep stops there; audit then
classifies every line holding a keyword. The ratio is audit's median wall time over ripgrep's.

    .venv/bin/python bench/audit_bench.py                 # plain tree and git checkout, 5 runs each
    .venv/bin/python bench/audit_bench.py --trees plain   # only the walked tree
    .venv/bin/python bench/audit_bench.py --reps 3 --no-write

Needs ripgrep on PATH (Debian: apt-get install -y ripgrep). Goal: audit within 2x ripgrep's wall
time on 2 cores, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from results import RESULTS, markers, write_section  # noqa: E402

WORK = Path("/tmp/hedgectl-bench")
START, END = markers("audit")
GOAL_RATIO = 2.0
GOAL_MB = 300.0
TIME_BIN = "/usr/bin/time"


# ---------------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float  # seconds
    user: float
    sys: float
    max_rss_mb: float  # largest single process (wait4's ru_maxrss over the process and children)


@dataclass
class Tree:
    pss_mb: float = 0.0  # peak of the summed PSS of the whole process tree (shared pages split)
    rss_mb: float = 0.0  # peak of the summed RSS (counts pages shared after fork once per process)
    procs: int = 0  # most processes seen at once


@dataclass
class Figures:
    runs: list[Run] = field(default_factory=list)
    tree: Tree = field(default_factory=Tree)

    def median(self, attr: str) -> float:
        return float(statistics.median(float(getattr(r, attr)) for r in self.runs))


def timed(cmd: list[str], cwd: Path, stdout: Path) -> Run:
    """Run once; wall time from here, CPU and peak RSS from /usr/bin/time (or wait4 in a child)."""
    if Path(TIME_BIN).exists():
        stats = WORK / "time.txt"
        wrapped = [TIME_BIN, "-f", "%U %S %M", "-o", str(stats), *cmd]
        with stdout.open("wb") as out:
            t0 = time.perf_counter()
            proc = subprocess.run(wrapped, cwd=cwd, stdout=out, check=False)
            wall = time.perf_counter() - t0
        check(proc.returncode, cmd)
        user, system, rss_kb = stats.read_text().split()[-3:]
        return Run(wall, float(user), float(system), int(rss_kb) / 1024)
    # Fallback: a fresh interpreter runs the command so RUSAGE_CHILDREN covers this run only.
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=sys.stdout).returncode\n"
        "w = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(rc, w, u.ru_utime, u.ru_stime, u.ru_maxrss, file=sys.stderr)\n"
    )
    with stdout.open("wb") as out:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *cmd], cwd=cwd, stdout=out, stderr=subprocess.PIPE,
            check=False,
        )  # fmt: skip
    fields = proc.stderr.decode().split()[-5:]
    check(int(fields[0]), cmd)
    return Run(float(fields[1]), float(fields[2]), float(fields[3]), int(fields[4]) / 1024)


def check(returncode: int, cmd: list[str]) -> None:
    if returncode != 0:
        sys.exit(f"command failed with exit {returncode}: {shlex.join(cmd)}")


def cpu_idle(seconds: float = 2.0) -> float:
    """Share of CPU time the whole machine spent idle over the next few seconds (0-100)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 100.0

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in stat.read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0)

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 100.0 * (idle1 - idle0) / max(1, total1 - total0)


def wait_idle(threshold: float = 90.0, patience: float = 120.0) -> float:
    """Wait (up to `patience` seconds) until the machine is mostly idle; return the idle share."""
    deadline = time.monotonic() + patience
    idle = cpu_idle()
    while idle < threshold and time.monotonic() < deadline:
        print(f"  machine busy ({idle:.0f}% idle), waiting ...", file=sys.stderr)
        idle = cpu_idle()
    return idle


def _descendants(pid: int) -> list[int]:
    found, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    kids = [int(k) for k in handle.read().split()]
                found += kids
                todo += kids
        except OSError:
            continue
    return found


def _memory(pid: int) -> tuple[int, int]:
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def sampled(cmd: list[str], cwd: Path, stdout: Path, interval: float = 0.02) -> Tree:
    """One extra, untimed run: peak memory of the whole process tree (audit forks workers)."""
    tree = Tree()
    if not Path("/proc/self/smaps_rollup").exists():
        return tree
    with stdout.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out)
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                pids = _descendants(proc.pid)
                mem = [_memory(p) for p in pids]
                tree.pss_mb = max(tree.pss_mb, sum(m[0] for m in mem) / 1024)
                tree.rss_mb = max(tree.rss_mb, sum(m[1] for m in mem) / 1024)
                tree.procs = max(tree.procs, sum(1 for m in mem if m[1]))
                time.sleep(interval)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        rc = proc.wait()
        done.set()
        watcher.join()
    check(rc, cmd)
    return tree


# ---------------------------------------------------------------------------- the two commands


def byte_compile() -> Path:
    """Byte-compile the hedgectl that runs, as `pip install` does for an installed package.

    The benchmark runs the checkout's editable install; with PYTHONDONTWRITEBYTECODE set (CI,
    containers) or no write access, it would compile every module from source on every run (50 ms
    of CPU of a start-up a user never pays). The .pyc files go where Python looks for them
    (__pycache__, ignored by git)."""
    import compileall

    import hedgectl

    package = Path(hedgectl.__file__).resolve().parent
    compileall.compile_dir(package, quiet=1, rx=re.compile(r"[/\\]templates[/\\]"))  # copied out
    return package


def rg_flags(pattern_file: Path) -> list[str]:
    """ripgrep flags that make it read the files audit reads (see the notes in RESULTS.md)."""
    from hedgectl.adapters.files import BINARY_SUFFIXES, LOCK_FILES, SKIP_DIRS

    flags = ["-i", "-F", "-c", "-f", str(pattern_file), "--hidden", "--no-require-git"]
    flags += ["--max-filesize", "2000000"]  # audit's default max_file_size (bytes, 10^6)
    globs = sorted(f"!{name}/" for name in SKIP_DIRS)
    globs += ["!*.egg-info/", "!*.lock", "!*.min.js", "!*.min.css", "!*.map"]
    globs += sorted(f"!{name}" for name in LOCK_FILES)
    globs.append("!*.{" + ",".join(sorted(BINARY_SUFFIXES)) + "}")
    for glob in globs:
        flags += ["--iglob" if glob.startswith("!*.{") else "--glob", glob]
    return flags


def file_sets(tree: Path, rg: str, flags: list[str]) -> tuple[set[str], set[str]]:
    """The files each tool reads, to check the comparison is like for like (untimed)."""
    from hedgectl.adapters.files import select_files

    selection = select_files([Path(".")], cwd=tree)
    audit_files = {display for _, display in selection.files}
    listing = [a for a in flags if a not in ("-c", "-i", "-F")]
    i = listing.index("-f")
    del listing[i : i + 2]
    proc = subprocess.run(
        [rg, "--files", *listing, "."], cwd=tree, capture_output=True, check=True, text=True
    )
    rg_files = {line.removeprefix("./") for line in proc.stdout.splitlines() if line}
    return audit_files, rg_files


def phases(tree: Path, hedgectl: Path, reps: int = 3) -> dict[str, float]:
    """Where audit's wall time goes (medians, untimed runs): start-up, file selection, scanning
    (with tiers and fingerprints applied as batches come back), and the report (inventory and
    JSON, in the main process once the scan is done)."""
    from hedgectl.adapters.files import Scanned, scan_files, select_files
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core.audit import AuditResult, finalize, to_findings
    from hedgectl.core.models import Finding
    from hedgectl.report import Format, render
    from hedgectl.report import audit as _

    tiny = WORK / "one-file"
    tiny.mkdir(exist_ok=True)
    (tiny / "app.py").write_text('MODEL = "gpt-4o"\n', encoding="utf-8")
    startup, select, scan, report = [], [], [], []
    cwd = Path.cwd()
    os.chdir(tree)
    try:
        for _ in range(reps):
            wait_idle()
            t0 = time.perf_counter()
            subprocess.run(
                [str(hedgectl), "audit", ".", "-f", "json", "-q", "--fail-on", "never"],
                cwd=tiny, stdout=subprocess.DEVNULL, check=True,
            )  # fmt: skip
            startup.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            selection = select_files([Path(".")], cwd=tree)
            select.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            catalog = load_catalog(Overrides())
            findings: list[Finding] = []

            def judge(
                batch: list[Scanned], findings: list[Finding] = findings, catalog: Any = catalog
            ) -> None:  # as the audit service does
                for f in batch:
                    findings.extend(
                        to_findings(f.path, f.raws, catalog, externalised=f.externalised)
                    )

            _found, _skipped, scanned, _engine = scan_files(
                ((path, shown, None) for path, shown in selection.files),
                Overrides(),
                on_scanned=judge,
            )
            scan.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = AuditResult(root=str(tree), findings=findings, files_scanned=scanned)
            render("audit", Format.JSON, finalize(result))
            report.append(time.perf_counter() - t0)
    finally:
        os.chdir(cwd)
    return {
        "startup": statistics.median(startup),
        "select": statistics.median(select),
        "scan": statistics.median(scan),
        "report": statistics.median(report),
    }


def tree_size(tree: Path) -> tuple[int, int]:
    files = size = 0
    for folder, dirs, names in os.walk(tree):
        if ".git" in dirs and Path(folder) == tree:
            dirs.remove(".git")
        for name in names:
            files += 1
            size += os.lstat(os.path.join(folder, name)).st_size
    return files, size


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# ------------------------------------------------------------------------------------- report


@dataclass
class Measurement:
    """Everything measured on one tree."""

    tree: Path
    git: bool
    files: int
    size: int
    audit: Figures
    rg: Figures
    audit_files: int
    rg_files: int
    only_audit: int
    only_rg: int
    findings: int
    files_with_findings: int
    rg_lines: int
    rg_match_files: int
    manifest: dict[str, int]
    phase: dict[str, float]
    idle: float  # lowest CPU idle share seen just before a timed pair

    @property
    def ratio(self) -> float:
        return self.audit.median("wall") / self.rg.median("wall")

    @property
    def best_ratio(self) -> float:
        return min(x.wall for x in self.audit.runs) / min(x.wall for x in self.rg.runs)

    @property
    def noisy(self) -> bool:
        """A tool's median is 10% over its fastest run: other work shared the machine."""
        return any(
            f.median("wall") > 1.1 * min(x.wall for x in f.runs) for f in (self.audit, self.rg)
        )

    @property
    def peak_mb(self) -> float:
        return max(self.audit.tree.pss_mb, self.audit.median("max_rss_mb"))


def fmt_s(x: float) -> str:
    return f"{x:.2f}"


def render_tree(m: Measurement, reps: int) -> list[str]:
    a, r = m.audit, m.rg
    cpu_ratio = (a.median("user") + a.median("sys")) / (r.median("user") + r.median("sys"))
    kind = (
        "a git checkout: audit lists files with `git ls-files`"
        if m.git
        else "not a git checkout: audit walks it"
    )
    same = (
        "the same files"
        if not m.only_audit and not m.only_rg
        else f"{m.only_audit} files only audit reads, {m.only_rg} only ripgrep reads"
    )
    return [
        f"### {'Git checkout' if m.git else 'Plain tree'} (`{m.tree}`, {kind})",
        "",
        f"CPU idle just before each pair of runs: at least {m.idle:.0f}%. File lists compared "
        f"before timing: {same}. hedgectl byte-compiled first, as an install is.",
        "",
        "| | hedgectl audit | ripgrep |",
        "|---|---:|---:|",
        f"| wall time, median of {reps} (s) | {fmt_s(a.median('wall'))} | {fmt_s(r.median('wall'))} |",
        f"| wall time, min / max (s) | {fmt_s(min(x.wall for x in a.runs))} / {fmt_s(max(x.wall for x in a.runs))} "
        f"| {fmt_s(min(x.wall for x in r.runs))} / {fmt_s(max(x.wall for x in r.runs))} |",
        f"| CPU user + sys, median (s) | {fmt_s(a.median('user'))} + {fmt_s(a.median('sys'))} "
        f"| {fmt_s(r.median('user'))} + {fmt_s(r.median('sys'))} |",
        f"| peak RSS, largest process (MB) | {a.median('max_rss_mb'):.0f} | {r.median('max_rss_mb'):.0f} |",
        f"| peak memory, whole process tree, PSS (MB) | {a.tree.pss_mb:.0f} ({a.tree.procs} processes) "
        f"| {r.tree.pss_mb:.0f} ({r.tree.procs} process) |",
        f"| peak memory, whole process tree, summed RSS (MB) | {a.tree.rss_mb:.0f} | {r.tree.rss_mb:.0f} |",
        f"| files read | {m.audit_files} | {m.rg_files} |",
        f"| output | {m.findings} findings in {m.files_with_findings} files "
        f"| {m.rg_lines} matching lines in {m.rg_match_files} files |",
        "",
        f"**Ratio (audit / ripgrep wall time, medians): {m.ratio:.2f}x** (fastest runs: "
        f"{m.best_ratio:.2f}x; CPU time: {cpu_ratio:.1f}x)."
        + (
            " Medians are over 10% slower than the fastest runs: other work shared the machine,"
            " rerun for cleaner figures."
            if m.noisy
            else ""
        )
        + " "
        f"Where audit's wall time goes (medians of 3 more runs): start-up (interpreter, imports, "
        f"catalog; `hedgectl audit` on a one-file tree) {m.phase['startup']:.2f}s; choosing the "
        f"files (`select_files`: {'git ls-files' if m.git else 'walk, .gitignore rules'}, stat; "
        f"one core) {m.phase['select']:.2f}s; reading and scanning them (`scan_files`: prefilter "
        f"and classification in {os.cpu_count()} worker processes; tiers and fingerprints in "
        f"the main process as batches come back) {m.phase['scan']:.2f}s; the report (the "
        f"inventory, the JSON text; main process, after the scan) {m.phase['report']:.2f}s. "
        "Measured one after the other here; the command overlaps listing and scanning (workers "
        "scan while the tree is still being listed), so its wall time is less than the sum.",
        "",
    ]


def render(
    measurements: list[Measurement],
    *,
    reps: int,
    audit_cmd: str,
    rg_cmd: str,
    versions: str,
    engine: str,
) -> str:
    first = measurements[0]
    manifest = first.manifest
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        "## audit",
        "",
        f"`hedgectl audit` against ripgrep, written by `bench/audit_bench.py` on {now}.",
        "",
        f"- Machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, "
        f"Linux {platform.release()}; {versions}; audit prefilter: {engine}. The machine "
        "may be shared: before each pair of timed runs the script waits (up to 2 minutes) for the CPUs "
        "to be at least 90% idle.",
        f"- Tree: `bench/gen_tree.py` (seeded, deterministic): {first.files} files, "
        f"{first.size / 1e6:.0f} MB of code and config in 8 languages, "
        f"{manifest.get('bundles', '?')} JS bundles of 1-1.9 MB, {manifest.get('with_ids', '?')} "
        f"files with model IDs, {manifest.get('decoys', '?')} with decoys only, "
        f"{manifest.get('skippable', '?')} files audit should skip (node_modules, lock files, "
        "images, a .gitignore'd dist/); the rest hold no catalog keyword. Measured as a plain "
        "tree and as a git checkout (`gen_tree.py --git`).",
        f"- Page cache warmed by one untimed run of each tool; then {reps} runs each, alternating. "
        "Wall time is measured around the process; CPU and largest-process RSS come from "
        "`/usr/bin/time`; whole-tree memory from one more run sampling /proc every 20 ms.",
        "",
        "Commands (run from the tree's root; stdout goes to a file for both):",
        "",
        "```",
        audit_cmd,
        rg_cmd,
        "```",
        "",
    ]
    for m in measurements:
        lines += render_tree(m, reps)
    lines.append("Goal vs result:")
    lines.append("")
    for m in measurements:
        name = "git checkout" if m.git else "plain tree"
        on_median, on_best = m.ratio <= GOAL_RATIO, m.best_ratio <= GOAL_RATIO
        if on_median == on_best:
            met_time = f"{'met' if on_median else 'NOT met'}** ({m.ratio:.2f}x; fastest runs {m.best_ratio:.2f}x)"
        else:
            met_time = (
                f"inconclusive** (medians {m.ratio:.2f}x, fastest runs {m.best_ratio:.2f}x: "
                "noise from other work; the fastest runs are the better estimate)"
            )
        met_mem = "met" if m.peak_mb < GOAL_MB else "NOT met"
        lines.append(
            f"- {name}: at most {GOAL_RATIO:.0f}x ripgrep's wall time on 2 cores: **{met_time}; "
            f"peak memory under {GOAL_MB:.0f} MB: **{met_mem}** ({m.peak_mb:.0f} MB)."
        )
    lines += [
        "",
        "Peak memory is the larger of the whole-tree PSS and the largest process's RSS; the "
        "summed RSS counts pages the workers share with the parent after fork once per process.",
        "",
        "Like for like: the pattern is the catalog's keyword list "
        "(`Detector(load_catalog()).keywords()`, what audit's prefilter looks for), given to ripgrep "
        "as fixed strings (`-F -f`), case-insensitively (`-i`). ripgrep's flags make it read what "
        "audit reads: `--hidden` (audit reads dotfiles such as .env and .github/), "
        "`--no-require-git` (audit honours .gitignore outside git checkouts too), globs for audit's "
        "skipped folders (.git included), lock files, binary and minified suffixes, and "
        "`--max-filesize` for audit's 2 MB limit. ripgrep only counts lines (`-c`); audit also "
        "classifies each keyword line into findings, so it does strictly more work per hit, and "
        "decoys (ChatDeepSeek, llama_index, minimax(), GLM, step-by-step) are keyword lines that "
        "correctly yield no finding.",
        END,
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- main


def measure(
    tree: Path, *, git: bool, reps: int, hedgectl: Path, rg: str, flags: list[str]
) -> Measurement:
    if not tree.exists():
        print(f"generating {tree} ...", file=sys.stderr)
        gen = [sys.executable, str(REPO / "bench" / "gen_tree.py"), "--out", str(tree)]
        subprocess.run([*gen, *(["--git"] if git else [])], check=True)
    audit_cmd = [str(hedgectl), "audit", ".", "-f", "json", "-q", "--fail-on", "never"]
    rg_cmd = [rg, *flags, "."]
    audit_out, rg_out = WORK / "audit.json", WORK / "rg.txt"

    byte_compile()
    audit_set, rg_set = file_sets(tree, rg, flags)
    only_audit, only_rg = sorted(audit_set - rg_set), sorted(rg_set - audit_set)
    for name, only in (("audit", only_audit), ("ripgrep", only_rg)):
        if only:
            print(f"{len(only)} files only {name} reads, e.g. {only[:5]}", file=sys.stderr)

    print(f"{tree}: warming the page cache (one untimed run each) ...", file=sys.stderr)
    timed(audit_cmd, tree, audit_out)
    timed(rg_cmd, tree, rg_out)
    audit, rgf = Figures(), Figures()
    idle: list[float] = []
    for i in range(reps):
        idle.append(wait_idle())  # the machine may be shared: measure when it is quiet
        audit.runs.append(timed(audit_cmd, tree, audit_out))
        rgf.runs.append(timed(rg_cmd, tree, rg_out))
        print(
            f"run {i + 1}/{reps}: audit {audit.runs[-1].wall:.2f}s, rg {rgf.runs[-1].wall:.2f}s",
            file=sys.stderr,
        )
    audit.tree = sampled(audit_cmd, tree, audit_out)
    rgf.tree = sampled(rg_cmd, tree, rg_out)
    phase = phases(tree, hedgectl)

    findings = json.loads(audit_out.read_text(encoding="utf-8"))["findings"]
    counts = [line.rsplit(":", 1) for line in rg_out.read_text().splitlines() if line]
    files, size = tree_size(tree)
    manifest_path = tree / ".bench-manifest.json"
    manifest: dict[str, int] = (
        json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    )
    return Measurement(
        tree=tree, git=git, files=files, size=size, audit=audit, rg=rgf,
        audit_files=len(audit_set), rg_files=len(rg_set),
        only_audit=len(only_audit), only_rg=len(only_rg),
        findings=len(findings), files_with_findings=len({f["path"] for f in findings}),
        rg_lines=sum(int(n) for _, n in counts), rg_match_files=len(counts),
        manifest=manifest, phase=phase, idle=min(idle),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--trees",
        choices=("both", "plain", "git"),
        default="both",
        help="plain: a walked tree; git: a git checkout (git ls-files); default both",
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help=f"do not touch {RESULTS.name}")
    args = parser.parse_args(argv)

    rg = shutil.which("rg")
    if rg is None:
        print(
            "ripgrep (rg) is not on PATH. Install it, e.g. on Debian/Ubuntu:\n"
            "    apt-get install -y ripgrep",
            file=sys.stderr,
        )
        return 2
    hedgectl = Path(sys.executable).parent / "hedgectl"
    if not hedgectl.exists():
        found = shutil.which("hedgectl")
        if found is None:
            print("hedgectl is not installed: run `make demo` first", file=sys.stderr)
            return 2
        hedgectl = Path(found)
    WORK.mkdir(parents=True, exist_ok=True)

    from hedgectl import __version__
    from hedgectl.catalog import load_catalog
    from hedgectl.core.detect import Detector
    from hedgectl.core.prefilter import ENGINE

    keywords = Detector(load_catalog()).keywords()
    pattern_file = WORK / "keywords.txt"
    pattern_file.write_text("\n".join(keywords) + "\n", encoding="utf-8")
    flags = rg_flags(pattern_file)

    modes = {"both": (False, True), "plain": (False,), "git": (True,)}[args.trees]
    measurements: list[Measurement] = []
    for git in modes:
        tree = WORK / ("tree-git" if git else "tree")
        measurements.append(
            measure(tree, git=git, reps=args.reps, hedgectl=hedgectl, rg=rg, flags=flags)
        )
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", "hedgectl"], cwd=REPO, check=False
    ).returncode
    commit = f" (commit {head}{' + local changes' if dirty else ''})" if head else ""
    versions = (
        f"Python {platform.python_version()}, hedgectl {__version__}{commit}, "
        + subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    )
    shown_audit = "hedgectl audit . -f json -q --fail-on never > audit.json"
    shown_rg = shlex.join(["rg", *flags[:4], "keywords.txt", *flags[5:], "."]) + " > rg.txt"
    section = render(
        measurements,
        reps=args.reps,
        audit_cmd=shown_audit,
        rg_cmd=shown_rg,
        versions=versions,
        engine=ENGINE,
    )
    print(section)
    if not args.no_write:
        write_section("audit", section)
        print(f"wrote the audit section of {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
