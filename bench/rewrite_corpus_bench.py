"""`hedgectl rewrite` on real projects: their own tests, type checker and build before
`rewrite --write`, after it, and after a second run.

    .venv/bin/python bench/rewrite_corpus_bench.py --corpus /work/corpus/rewrite [NAME ...]

Each project is a git checkout under --corpus (cloned from its public repository at the pinned
commit below; nothing of it is committed here), with its dependencies installed from PyPI/npm:
Python projects in a virtualenv `<corpus>/venv-<name>`, Node projects in their own node_modules:

    python3 -m venv venv-llm && venv-llm/bin/pip install -e llm pytest pytest-httpx \
        pytest-asyncio numpy cogapp mypy pytest-recording syrupy types-click types-PyYAML \
        types-setuptools llm-echo==0.3a3 "openai>=2.32,<3"    # openai 3.x breaks its mocked tests
    python3 -m venv venv-aider && venv-aider/bin/pip install -r aider/requirements.txt \
        -r aider/requirements/requirements-dev.txt && venv-aider/bin/pip install --no-deps -e aider
    python3 -m venv venv-smolagents && venv-smolagents/bin/pip install \
        -e 'smolagents[toolkit,openai]' mcp mcpadapt pytest pytest-datadir pytest-timeout mypy
    for v in llm aider smolagents; do venv-$v/bin/pip install "setuptools>=70" wheel setuptools_scm; done
    (cd gateway && npm ci)
    (cd NextChat && <package.json without rt-client> npm install --no-package-lock \
        --ignore-scripts --legacy-peer-deps)   # rt-client is a GitHub tarball: stubbed below
The script resets the checkout to the pinned commit, runs the project's checks, runs
`hedgectl rewrite` (dry run as JSON: literals rewritten, literals listed with reasons; timed against
`hedgectl audit` on the same tree), `--write`, the checks again, commits, runs `--write` again and
checks that git is clean. Results go to this script's section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
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


WHEEL = "wheel import (no hedge.toml, inside another project)"


def wheel_check(probe: str) -> Check:
    """Build the project's wheel, install it alone into a folder, and run `probe` with it from
    inside another project whose hedge.toml re-points every alias (see wheel_probe)."""
    return Check(WHEEL, (probe,))


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


SMOLAGENTS_TESTS = (
    "tests/test_agents.py", "tests/test_models.py", "tests/test_tools.py",
    "tests/test_local_python_executor.py", "tests/test_memory.py", "tests/test_utils.py",
    "tests/test_final_answer.py", "tests/test_function_type_hints_utils.py",
    "tests/test_tool_validation.py", "tests/test_types.py", "tests/test_cli.py",
)  # fmt: skip
# Printed by the wheel check: where the package came from and the values rewrite touched.
WHERE = "print('wheel' if '/site-wheel/' in m.__file__ else m.__file__); "
SMOLAGENTS_PROBE = (
    "import inspect, smolagents.models as m; " + WHERE + "print(inspect.signature("
    "m.InferenceClientModel.__init__).parameters['model_id'].default)"
)

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
            wheel_check("import llm as m; " + WHERE + "print(m.DEFAULT_MODEL)"),
        ),
    ),
    Project(
        "smolagents",
        "huggingface/smolagents",
        "e3a5b8994b301983b91c0325546e9dc82eab8cf0",
        "Python agent library with default models per backend",
        (
            # Every suite that runs offline with the toolkit, openai and mcp extras.
            Check("pytest (agents, models, tools, executor, cli...)", (*PYTEST, *SMOLAGENTS_TESTS)),
            Check("mypy", ("{venv}/bin/mypy", "src/smolagents", "--ignore-missing-imports")),
            wheel_check(SMOLAGENTS_PROBE),
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
            wheel_check("import aider.models as m; " + WHERE + "print(m.DEFAULT_MODEL_NAME)"),
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
    Project(
        "gateway",
        "Portkey-AI/gateway",
        "669825cbe89ee51569918b8f78a9db486fd69dd4",
        "Node/TS AI gateway server (Node and Cloudflare Workers, rollup build)",
        (
            # Its unit suites (several fail to load upstream: wrong mock paths, missing creds).
            Check("jest", ("node_modules/.bin/jest", "--ci", "src", "tests/unit")),
            Check("tsc", ("node_modules/.bin/tsc", "--noEmit", "-p", ".")),
            Check("rollup build", ("node_modules/.bin/rollup", "-c")),
        ),
    ),
)


BY_NAME = {p.name: p for p in PROJECTS}


def sh(argv: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def failing(lines: list[str]) -> str:
    """A short fingerprint of which tests failed: equal before and after = the same tests."""
    if not lines:
        return ""
    digest = hashlib.sha256("\n".join(sorted(set(lines))).encode()).hexdigest()[:8]
    return f" [failing set {digest}]"


def summarise(label: str, proc: subprocess.CompletedProcess[str]) -> str:
    """One comparable line per check: pytest/jest counts (and which tests failed), tsc/mypy error
    counts, exit code."""
    out = proc.stdout + proc.stderr
    if label.startswith("pytest"):
        # "1 failed, 1067 passed, 3 warnings in 554.21s" (with or without ===, as -q prints it)
        # "..., 1 skipped, 67 subtests passed in 348.95s": counts of one or two words
        m = re.findall(r"^=*\s*((?:\d+ [a-z]+(?: [a-z]+)?(?:, )?)+) in [\d.]+s", out, re.MULTILINE)
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.MULTILINE)
        if not m:
            return f"exit {proc.returncode}"
        return re.sub(r",? \d+ warnings?", "", m[-1]) + failing(failed)
    if label == "jest":
        suites = re.search(r"Test Suites:\s*(.*)", out)
        tests = re.search(r"Tests:\s*(.*)", out)
        parts = [p.group(1).strip() for p in (suites, tests) if p]
        failed = re.findall(r"^\s*(?:FAIL \S+|● .+)$", out, re.MULTILINE)
        return ("; ".join(parts) or f"exit {proc.returncode}") + failing(
            [f.strip() for f in failed]
        )
    if label in ("tsc", "mypy"):
        found = re.findall(r"^(\S+?)[:(]\d+.*error", out, re.MULTILINE)
        total = re.search(r"Found (\d+) error", out)
        count = int(total.group(1)) if total else len(found)
        return f"{count} error(s)" + failing([re.sub(r"[:(]\d+.*", "", f) for f in found])
    return f"exit {proc.returncode}"


def wheel_probe(root: Path, venv: Path, probe: str) -> str:
    """The wheel as users get it: built from the checkout, installed alone (no hedge.toml ships
    with it), imported from inside another project whose hedge.toml and working folder name every
    alias of this one with another ID. Identical output before and after the rewrite means the
    defaults hold and the other project's config is never read."""
    with tempfile.TemporaryDirectory(prefix="rewrite-wheel-") as tmp:
        dist, site, other = Path(tmp, "dist"), Path(tmp, "site-wheel"), Path(tmp, "other")
        python = str(venv / "bin" / "python")
        build = sh(
            [python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
             str(dist), "."], root, 1200,
        )  # fmt: skip
        wheels = sorted(dist.glob("*.whl"))
        if build.returncode != 0 or not wheels:
            return f"wheel build failed (exit {build.returncode})"
        install = sh(
            [python, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
             str(wheels[0])], root,
        )  # fmt: skip
        if install.returncode != 0:
            return f"wheel install failed (exit {install.returncode})"
        if any(site.rglob("hedge.toml")):
            return "hedge.toml shipped in the wheel"
        other.mkdir()
        aliases = []
        if (root / "hedge.toml").is_file():
            aliases = list(tomllib.loads((root / "hedge.toml").read_text()).get("models", {}))
        (other / "hedge.toml").write_text(
            "".join(f'[models.{a}]\nid = "other-project-model"\n' for a in aliases)
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGE_")}
        env["PYTHONPATH"] = str(site)
        proc = subprocess.run(
            [python, "-c", probe], cwd=other, env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            return f"import failed: {proc.stderr.strip().splitlines()[-1:]}"
        return " | ".join(proc.stdout.split())


def run_checks(project: Project, root: Path, venv: Path) -> dict[str, str]:
    results = {}
    for check in project.checks:
        argv = [a.replace("{venv}", str(venv)) for a in check.argv]
        start = time.perf_counter()
        if check.label == WHEEL:
            results[check.label] = wheel_probe(root, venv, argv[0])
            print(f"  {check.label}: {results[check.label]} ({time.perf_counter() - start:.0f}s)")
            continue
        try:
            proc = sh(argv, root, check.timeout)
            results[check.label] = summarise(check.label, proc)
        except subprocess.TimeoutExpired:
            results[check.label] = f"timeout after {check.timeout}s"
        print(f"  {check.label}: {results[check.label]} ({time.perf_counter() - start:.0f}s)")
    return results


def children_cpu() -> float:
    """User + system CPU seconds of finished child processes (wall time is noisy when shared)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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

    start, cpu = time.perf_counter(), children_cpu()
    sh([str(HEDGECTL), "audit", ".", "--format", "json", "--fail-on", "never"], root)
    audit_s, audit_cpu = time.perf_counter() - start, children_cpu() - cpu
    start, cpu = time.perf_counter(), children_cpu()
    dry = sh([str(HEDGECTL), "rewrite", "--format", "json", "-q"], root)
    dry_s, dry_cpu = time.perf_counter() - start, children_cpu() - cpu
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
        "audit_cpu": audit_cpu,
        "dry_cpu": dry_cpu,
    }
    if plan_only:
        return row
    write = sh([str(HEDGECTL), "rewrite", "--write", "-q"], root)
    if write.returncode != 0:
        raise SystemExit(f"{project.name}: rewrite --write failed: {write.stderr}")
    after = run_checks(project, root, venv)
    git(root, "add", "-A")
    # --no-verify: a project's own pre-commit hook (the gateway's runs prettier --check) is not
    # part of this benchmark; the rewritten code is not reformatted to the project's style.
    git(root, "commit", "--no-verify", "-qm", "hedgectl rewrite")
    second = sh([str(HEDGECTL), "rewrite", "--write", "-q"], root)
    clean = second.returncode == 0 and git(root, "status", "--porcelain").strip() == ""
    git(root, "checkout", "-q", "--force", project.commit)
    git(root, "clean", "-fdq")
    return {**row, "after": after, "clean": clean}


def render(rows: list[dict[str, object]], commit: str = "") -> str:
    start, end = markers(NAME)
    lines = [
        start,
        "## rewrite on real projects",
        "",
        "`.venv/bin/python bench/rewrite_corpus_bench.py --corpus DIR` (checkouts at the pinned "
        "commits, dependencies from PyPI/npm). Checks run before `rewrite --write`, after it, and "
        "git must be clean after a second `--write`."
        + (f" hedgectl at `{commit}`." if commit else ""),
        "",
        "| project | commit | literals rewritten (files, aliases) | listed for a person | "
        "check: before -> after | second run clean | dry run / audit: wall (CPU) |",
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
        checks = checks.replace("|", "\\|")  # the wheel check prints "where | value"
        clean = {True: "yes", False: "NO", None: "not run"}[row["clean"]]  # type: ignore[index]
        lines.append(
            f"| {p.name} ({p.kind}) | `{p.commit[:10]}` | {row['rewritten']} ({row['files']}, "
            f"{row['aliases']}) | {row['listed']} | {checks} | "
            f"{clean} | {row['dry_s']:.1f}s / {row['audit_s']:.1f}s "
            f"({row.get('dry_cpu', 0):.1f}s / {row.get('audit_cpu', 0):.1f}s) |"
        )
    lines += [
        "",
        "How to read it: pytest and jest counts are followed by a fingerprint of which tests "
        "failed, and tsc/mypy counts by one of which files had errors: the same fingerprint before "
        "and after means the same tests failed (failures that are there before the rewrite: the "
        "gateway's unit suites with wrong mock paths or missing credentials, smolagents' tests "
        "needing optional extras or the network, aider's needing the network or a sound "
        "device). The wheel check "
        "builds the project's wheel, installs it alone into an empty folder (no hedge.toml ships "
        "with it) and imports it from inside another project whose hedge.toml gives every alias "
        "another ID; it prints where the package came from and the rewritten default. `second run "
        "clean`: after committing the rewrite, a second `rewrite --write` leaves git clean. Dry "
        "run and audit are timed on the same checkout, wall and CPU (user+sys) seconds.",
    ]
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
    parser.add_argument("--hedgectl-commit", default="", help="named in the section's text")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite this section of RESULTS.md from the result files of earlier runs",
    )
    parser.add_argument(
        "--plan-only",
        action="store_true",
        help="only the dry run's figures (no checks, no writes): for a checkout already in use",
    )
    args = parser.parse_args()
    chosen = [p for p in PROJECTS if not args.names or p.name in args.names]
    if args.render:
        chosen = []
    for project in chosen:
        # One result file per project next to its checkout, so projects can run separately.
        row = bench(project, args.corpus, args.plan_only)
        (args.corpus / f"{project.name}.result.json").write_text(json.dumps(row, indent=2))
    rows = [
        json.loads((args.corpus / f"{p.name}.result.json").read_text())
        for p in PROJECTS
        if (args.corpus / f"{p.name}.result.json").is_file()
    ]
    write_section(NAME, render(rows, args.hedgectl_commit))


if __name__ == "__main__":
    main()
