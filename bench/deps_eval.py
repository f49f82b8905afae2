"""Score audit's vendor SDK dependency findings on real manifests against hand labels.

The projects are real public repositories, pinned in bench/deps_eval/repos.toml; their code is
never committed here. Check them out first (each at its pinned commit), e.g.:

    python bench/deps_eval.py --clone-script > /tmp/get.sh && sh /tmp/get.sh /work/corpus/deps

then score:

    .venv/bin/python bench/deps_eval.py --corpus /work/corpus/deps

Labels (bench/deps_eval/labels.jsonl) were made by hand, one per manifest line that declares a
package a team hedging away from that vendor would want reported: vendor SDKs and vendor-specific
integrations (langchain-deepseek, @ai-sdk/anthropic, Bedrock clients), and generic SDKs that talk
to many vendors (openai) as the platform `openai-compatible`. Not labelled: gateways (litellm),
local runtimes (ollama), hubs (huggingface-hub), generic cloud SDKs (boto3), version pins in
`resolutions`/`overrides`, poetry `extras` lists and mypy module lists.

A finding of kind `dependency` on a labelled line naming the same package is a true positive;
on any other line of a scored file, a false positive; a labelled line without one, a miss.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "deps_eval"
sys.path.insert(0, str(HERE))

from results import write_section  # noqa: E402


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    repos = tomllib.loads((DATA / "repos.toml").read_text())["repos"]
    labels = [json.loads(line) for line in (DATA / "labels.jsonl").read_text().splitlines() if line]
    return repos, labels


def clone_script(repos: list[dict[str, object]]) -> str:
    lines = ["set -eu", 'dest="${1:?usage: sh get.sh DEST}"', 'mkdir -p "$dest"']
    for r in repos:
        lines.append(
            f'[ -d "$dest/{r["name"]}" ] || git clone -q --filter=blob:none --no-checkout {r["url"]} "$dest/{r["name"]}"'
        )
        lines.append(
            f'git -C "$dest/{r["name"]}" -c core.hooksPath=/dev/null checkout -q {r["commit"]}'
        )
    return "\n".join(lines) + "\n"


def audit(repo_dir: Path, files: list[str]) -> list[dict[str, object]]:
    hedgectl = Path(sys.executable).with_name("hedgectl")
    proc = subprocess.run(
        [str(hedgectl), "audit", "-f", "json", "--fail-on", "never", *files],
        cwd=repo_dir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"audit failed in {repo_dir}: {proc.stderr.strip()[:500]}")
    return [f for f in json.loads(proc.stdout)["findings"] if f["kind"] == "dependency"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="folder holding one checkout per repository")
    ap.add_argument(
        "--clone-script", action="store_true", help="print a script that checks them out"
    )
    ap.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = ap.parse_args()
    repos, labels = load()
    if args.clone_script:
        print(clone_script(repos), end="")
        return 0
    if args.corpus is None:
        ap.error("--corpus is required (or --clone-script)")
    truth = {
        (str(lb["repo"]), str(lb["path"]), int(lb["line"]), norm(str(lb["package"]))): str(
            lb["vendor"]
        )
        for lb in labels
    }  # type: ignore[call-overload]
    found: dict[tuple[str, str, int, str], str] = {}
    for r in repos:
        repo_dir = args.corpus / str(r["name"])
        head = subprocess.run(
            ["git", "-C", str(repo_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if head != r["commit"]:
            raise SystemExit(f"{repo_dir} is at {head or 'nothing'}, expected {r['commit']}")
        for f in audit(repo_dir, list(r["files"])):  # type: ignore[arg-type]
            found[(str(r["name"]), str(f["path"]), int(f["line"]), norm(str(f["text"])))] = str(
                f["vendor"]
            )
    tp = set(truth) & set(found)
    fp = set(found) - set(truth)
    fn = set(truth) - set(found)
    per_vendor: dict[str, Counter[str]] = {}
    for key in tp:
        per_vendor.setdefault(truth[key], Counter())["tp"] += 1
    for key in fn:
        per_vendor.setdefault(truth[key], Counter())["fn"] += 1
    for key in fp:
        per_vendor.setdefault(found[key], Counter())["fp"] += 1

    def ratio(a: int, b: int) -> str:
        return f"{a / b:.3f}" if b else "-"

    rows = [
        f"| {v} | {c['tp']} | {c['fp']} | {c['fn']} | {ratio(c['tp'], c['tp'] + c['fp'])} | "
        f"{ratio(c['tp'], c['tp'] + c['fn'])} |"
        for v, c in sorted(per_vendor.items())
    ]
    precision = ratio(len(tp), len(tp) + len(fp))
    recall = ratio(len(tp), len(tp) + len(fn))
    files = sum(len(r["files"]) for r in repos)  # type: ignore[arg-type]
    commits = "\n".join(f"- {r['name']}: {r['url']} @ `{r['commit']}`" for r in repos)
    section = f"""<!-- deps_eval:start -->
## audit: vendor SDK dependencies on real manifests

`.venv/bin/python bench/deps_eval.py --corpus DIR` (checkouts made by `--clone-script`): {len(repos)}
public projects, {files} manifests (requirements, pyproject.toml, package.json, go.mod, setup.py),
{len(truth)} hand-labelled dependency lines.

**Precision {precision}, recall {recall}** ({len(tp)} found, {len(fp)} false, {len(fn)} missed).

Not a held-out set: catalog/packages.toml gained the vendor packages met while labelling these
projects (Bedrock clients, LangChain and LlamaIndex integrations, Perplexity, Reka, Cerebras ...),
and the first run also exposed parser faults since fixed (setup.py not read; a package that is
also an optional group's name placed at the group's key). So these figures measure the parsers and
the mapping on real manifests; coverage of packages no one has added to the catalog yet is what
the labels of a new project would show first.

| vendor or platform | found | false | missed | precision | recall |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Projects:
{commits}
<!-- deps_eval:end -->
"""
    print(section)
    for key in sorted(fp):
        print("FALSE ", *key, file=sys.stderr)
    for key in sorted(fn):
        print("MISSED", *key, file=sys.stderr)
    if not args.no_write:
        write_section("deps_eval", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
