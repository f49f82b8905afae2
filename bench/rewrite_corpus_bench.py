"""`hedgectl rewrite` on real projects: their own tests, type checker and build before
`rewrite --write`, after it, and after a second run.

    .venv/bin/python bench/rewrite_corpus_bench.py --corpus /work/corpus/rewrite [NAME ...]

Each project is a git checkout under --corpus (cloned from its public repository at the pinned
commit below; nothing of it is committed here), with its dependencies installed from PyPI/npm:
Python projects in a virtualenv `<corpus>/venv-<name>`, Node projects in their own node_modules.
The script resets the checkout to the pinned commit, runs the project's checks, runs
`hedgectl rewrite` (dry run as JSON: literals rewritten, literals listed with reasons; timed against
`hedgectl audit` on the same tree), `--write`, the checks again, commits, runs `--write` again and
checks that git is clean. Results go to this script's section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import markers, write_section

HEDGECTL = Path(sys.executable).with_name("hedgectl")
NAME = "rewrite-corpus"


PYTEST = ("{venv}/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
LLM_TESTS = (
    "tests/test_aliases.py", "tests/test_cli_openai_models.py", "tests/test_llm.py",
    "tests/test_templates.py", "tests/test_embed.py",
)  # fmt: skip
AIDER_TESTS = (
    "tests/basic/test_models.py", "tests/basic/test_deprecated.py", "tests/basic/test_voice.py",
    "tests/basic/test_openrouter.py", "tests/basic/test_model_info_manager.py",
    "tests/basic/test_sendchat.py",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    label: str
    argv: tuple[str, ...]  # {venv} is replaced by the project's virtualenv
    timeout: int = 1800


@dataclass(frozen=True)
class Project:
    name: str
    repo: str
    commit: str
    kind: str
    checks: tuple[Check, ...]
    prepare: Callable[[Path], None] | None = None  # before the first check, e.g. stubs


RT_CLIENT_JS = """// Stand-in for rt-client, which NextChat installs from a GitHub release tarball that no
// package registry serves: same exported names, throws if the realtime chat is ever used.
export class RTClient { constructor() { throw new Error("rt-client is not installed"); } }
"""
RT_CLIENT_TYPES = """export type Modality = any; export type RTInputAudioItem = any;
export type RTResponse = any; export type TurnDetection = any; export type Voice = any;
export declare class RTClient { constructor(...args: any[]); [key: string]: any; }
"""


def stub_rt_client(root: Path) -> None:
    """NextChat's one dependency that is not on npm: an empty module with its names and types."""
    folder = root / "node_modules" / "rt-client"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "rt-client", "version": "0.5.0", "main": "index.js", "types": "index.d.ts"}
    (folder / "package.json").write_text(json.dumps(manifest))
    (folder / "index.js").write_text(RT_CLIENT_JS)
    (folder / "index.d.ts").write_text(RT_CLIENT_TYPES)


PROJECTS = (
    Project(
        "llm",
        "simonw/llm",
        "f3f4f29c6e5e623c3776cbf6455dda2345638214",
        "Python CLI with a plugin model registry",
        (
            # The model, alias, template and embedding suites (the whole suite loads every plugin
            # per CLI test and takes far longer than a benchmark should).
            Check("pytest (models, aliases, templates, embed)", (*PYTEST, *LLM_TESTS)),
            Check("mypy", ("{venv}/bin/mypy", "llm")),
        ),
    ),
    Project(
        "aider",
        "Aider-AI/aider",
        "5dc9490bb35f9729ef2c95d00a19ccd30c26339c",
        "Python coding agent (app) with a model settings registry",
        (
            Check(
                "pytest tests/basic",
                (
                    "{venv}/bin/python",
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "tests/basic",
                ),
            ),
        ),
    ),
    Project(
        "NextChat",
        "ChatGPTNextWeb/NextChat",
        "706a18b95b714ab29b2a4842d3b9ff4f887935d5",
        "Next.js chat UI (TypeScript, browser + edge)",
        (
            Check("jest", ("node", "--experimental-vm-modules", "node_modules/.bin/jest", "--ci")),
            Check("tsc", ("node_modules/.bin/tsc", "--noEmit", "-p", ".")),
            Check("next build", ("node_modules/.bin/next", "build"), timeout=2400),
        ),
        prepare=stub_rt_client,
    ),
)


BY_NAME = {p.name: p for p in PROJECTS}


def sh(argv: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def summarise(label: str, proc: subprocess.CompletedProcess[str]) -> str:
    """One comparable line per check: pytest/jest counts, tsc/mypy error counts, exit code."""
    out = proc.stdout + proc.stderr
    if label.startswith("pytest"):
        m = re.findall(r"=+ (.*?) in [\d.]+s", out)
        return m[-1] if m else f"exit {proc.returncode}"
    if label == "jest":
        suites = re.search(r"Test Suites:\s*(.*)", out)
        tests = re.search(r"Tests:\s*(.*)", out)
        parts = [p.group(1).strip() for p in (suites, tests) if p]
        return "; ".join(parts) or f"exit {proc.returncode}"
    if label in ("tsc", "mypy"):
        errors = len(re.findall(r"error", out.replace("errors", "")))
        m = re.search(r"Found (\d+) error", out)
        count = int(m.group(1)) if m else errors if proc.returncode else 0
        return f"{count} error(s)"
    return f"exit {proc.returncode}"


def run_checks(project: Project, root: Path, venv: Path) -> dict[str, str]:
    results = {}
    for check in project.checks:
        argv = [a.replace("{venv}", str(venv)) for a in check.argv]
        start = time.perf_counter()
        try:
            proc = sh(argv, root, check.timeout)
            results[check.label] = summarise(check.label, proc)
        except subprocess.TimeoutExpired:
            results[check.label] = f"timeout after {check.timeout}s"
        print(f"  {check.label}: {results[check.label]} ({time.perf_counter() - start:.0f}s)")
    return results


def git(root: Path, *args: str) -> str:
    argv = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", *args]
    return sh(argv, root).stdout


def bench(project: Project, corpus: Path, plan_only: bool = False) -> dict[str, object]:
    root = corpus / project.name
    venv = corpus / f"venv-{project.name}"
    print(f"== {project.name} ({project.repo} @ {project.commit[:10]})")
    if not plan_only:
        git(root, "checkout", "-q", "--force", project.commit)
        git(root, "clean", "-fdq")  # untracked files from a previous run (ignored ones stay)
        if project.prepare is not None:
            project.prepare(root)
    before = {} if plan_only else run_checks(project, root, venv)

    start = time.perf_counter()
    sh([str(HEDGECTL), "audit", ".", "--format", "json", "--fail-on", "never"], root)
    audit_s = time.perf_counter() - start
    start = time.perf_counter()
    dry = sh([str(HEDGECTL), "rewrite", "--format", "json", "-q"], root)
    dry_s = time.perf_counter() - start
    plan = json.loads(dry.stdout)
    reasons = Counter(
        s["reason"].removeprefix("needs a person: ").split(" (")[0] for s in plan["skipped"]
    )
    files = {r["path"] for r in plan["rewrites"]}
    row: dict[str, object] = {
        "project": project.name,
        "rewritten": len(plan["rewrites"]),
        "files": len(files),
        "aliases": len({r["alias"] for r in plan["rewrites"]}),
        "listed": len(plan["skipped"]),
        "reasons": reasons,
        "before": before,
        "after": {},
        "clean": None,
        "audit_s": audit_s,
        "dry_s": dry_s,
    }
    if plan_only:
        return row
    write = sh([str(HEDGECTL), "rewrite", "--write", "-q"], root)
    if write.returncode != 0:
        raise SystemExit(f"{project.name}: rewrite --write failed: {write.stderr}")
    after = run_checks(project, root, venv)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "hedgectl rewrite")
    second = sh([str(HEDGECTL), "rewrite", "--write", "-q"], root)
    clean = second.returncode == 0 and git(root, "status", "--porcelain").strip() == ""
    git(root, "checkout", "-q", "--force", project.commit)
    git(root, "clean", "-fdq")
    return {**row, "after": after, "clean": clean}


def render(rows: list[dict[str, object]]) -> str:
    start, end = markers(NAME)
    lines = [
        start,
        "## rewrite on real projects",
        "",
        "`.venv/bin/python bench/rewrite_corpus_bench.py --corpus DIR` (checkouts at the pinned "
        "commits, dependencies from PyPI/npm). Checks run before `rewrite --write`, after it, and "
        "git must be clean after a second `--write`.",
        "",
        "| project | commit | literals rewritten (files, aliases) | listed for a person | "
        "check: before -> after | second run clean | dry run / audit |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        p = BY_NAME[str(row["project"])]
        before, after = row["before"], row["after"]
        assert isinstance(before, dict) and isinstance(after, dict)
        checks = (
            "<br>".join(
                f"{k}: {before[k]} -> {after[k]}"
                + (" (identical)" if before[k] == after[k] else "")
                for k in before
            )
            or "not run (--plan-only)"
        )
        clean = {True: "yes", False: "NO", None: "not run"}[row["clean"]]  # type: ignore[index]
        lines.append(
            f"| {p.name} ({p.kind}) | `{p.commit[:10]}` | {row['rewritten']} ({row['files']}, "
            f"{row['aliases']}) | {row['listed']} | {checks} | "
            f"{clean} | {row['dry_s']:.1f}s / {row['audit_s']:.1f}s |"
        )
    lines += ["", "Why literals were listed instead of rewritten (top reasons per project):", ""]
    for row in rows:
        p = BY_NAME[str(row["project"])]
        reasons = Counter(row["reasons"])  # type: ignore[arg-type]
        top = ", ".join(f"{reason} {n}" for reason, n in reasons.most_common(6))
        lines.append(f"- {p.name}: {top}")
    lines += ["", end, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("names", nargs="*", help="projects to run (default: all)")
    parser.add_argument(
        "--plan-only",
        action="store_true",
        help="only the dry run's figures (no checks, no writes): for a checkout already in use",
    )
    args = parser.parse_args()
    chosen = [p for p in PROJECTS if not args.names or p.name in args.names]
    for project in chosen:
        # One result file per project next to its checkout, so projects can run separately.
        row = bench(project, args.corpus, args.plan_only)
        (args.corpus / f"{project.name}.result.json").write_text(json.dumps(row, indent=2))
    rows = [
        json.loads((args.corpus / f"{p.name}.result.json").read_text())
        for p in PROJECTS
        if (args.corpus / f"{p.name}.result.json").is_file()
    ]
    write_section(NAME, render(rows))


if __name__ == "__main__":
    main()
