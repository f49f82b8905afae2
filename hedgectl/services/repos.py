"""audit across many repositories: clone (or read) each, scan it like a local tree, one report.

Two shapes for an organisation:
- one run: `hedgectl audit URL... ` or `--repos FILE`; clones are shallow and blobless, in a
  temporary folder removed afterwards, a bounded number at a time;
- one job per repository (a CI matrix, a Kubernetes Indexed Job), each writing
  `audit -f json`, then `hedgectl audit merge RESULTS...` combines them.

Either way each finding carries its repository (`repo`) and its path is prefixed with it.
Every clone is scanned with the same protections as a local tree, and its own hedge.toml is
never used: the configuration is the one of the place the run starts from (or `-c`), so a
repository cannot lower its own gate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgectl.errors import UsageError

if TYPE_CHECKING:
    from hedgectl.core.audit import AuditResult

REMOTE = re.compile(r"^(?:https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:[^/\\]")
SCHEMA = "hedgectl.audit/v1"


@dataclass(frozen=True)
class Source:
    label: str  # how the repository is named in the report
    location: str  # a URL, or a local folder
    remote: bool


def is_remote(text: str) -> bool:
    return bool(REMOTE.match(text))


def label_of(location: str) -> str:
    """`https://host/org/name.git` -> `org/name`; a folder -> its name."""
    text = location.rstrip("/").removesuffix(".git")
    if is_remote(location):
        text = re.sub(r"^[\w+]+://[^/]*/?|^[\w.-]+@[\w.-]+:", "", text)
        parts = [p for p in text.split("/") if p]
        return "/".join(parts[-2:]) or location
    return Path(text).name or text


def read_repos_file(path: Path) -> list[str]:
    """One repository a line (URL or folder); blank lines and # comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read --repos file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--repos file {path} is not UTF-8 text") from None
    return [
        line.split(" #")[0].strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def sources(locations: Sequence[str]) -> list[Source]:
    """Label every location uniquely (two `app` folders become `app` and `app-2`)."""
    out: list[Source] = []
    seen: dict[str, int] = {}
    for location in locations:
        label = label_of(location)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label}-{seen[label]}"
        out.append(Source(label, location, is_remote(location)))
    return out


def audit_repos(
    request: Any,
    repos: Sequence[Source],
    *,
    scan: Callable[[Any], AuditResult],
    jobs: int = 4,
    on_repo: Callable[[str, str], None] | None = None,
) -> AuditResult:
    """Scan each repository with `scan` (services.audit.audit, given an AuditRequest for one
    checkout); one combined result. A repository that cannot be cloned or read is listed in
    `repo_errors`, and the others are still scanned."""
    # Imported here: every audit loads this module (is_remote), few scan several repositories.
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from hedgectl import config
    from hedgectl.adapters import git
    from hedgectl.core.audit import AuditResult, finalize

    if request.staged or request.diff:
        raise UsageError("--staged and --diff read one checkout; not with several repositories")
    if request.write_baseline is not None:
        raise UsageError("--write-baseline records one repository; run it in each")
    cwd = request.cwd or Path.cwd()
    results: dict[str, AuditResult] = {}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hedgectl-repos-") as tmp:
        # The configuration is the caller's, never a scanned repository's own hedge.toml.
        env = os.environ.get("HEDGECTL_CONFIG", "").strip()
        chosen = request.config or (Path(env) if env else None)
        if chosen is None:
            found = config.find_config(cwd)
            chosen = found if found is not None else Path(tmp) / "hedge.toml"
            if found is None:
                chosen.write_text("", encoding="utf-8")
        chosen = chosen if chosen.is_absolute() else cwd / chosen

        def one(index: int, source: Source) -> None:
            try:
                if source.remote:
                    checkout = Path(tmp) / f"{index:04d}"
                    if on_repo:
                        on_repo(source.label, "cloning")
                    git.clone(source.location, checkout)
                else:
                    checkout = (cwd / source.location).resolve()
                    if not checkout.is_dir():
                        raise UsageError(f"not a folder: {source.location}")
                sub = replace(request, paths=(), repos=(), cwd=checkout, config=chosen)
                results[source.label] = scan(sub)
                if on_repo:
                    on_repo(source.label, f"{len(results[source.label].findings)} finding(s)")
            except (git.GitError, UsageError) as exc:
                errors[source.label] = str(exc).splitlines()[0][:300]
                if on_repo:
                    on_repo(source.label, f"failed: {errors[source.label]}")
            finally:
                if source.remote:
                    shutil.rmtree(Path(tmp) / f"{index:04d}", ignore_errors=True)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in [pool.submit(one, i, s) for i, s in enumerate(repos)]:
                future.result()
    first = next(iter(results.values()), None)
    combined = AuditResult(
        root=str(cwd),
        fail_on=first.fail_on if first else (request.fail_on or "named"),
        gate_comments=first.gate_comments if first else False,
        prefilter=first.prefilter if first else "",
        repos=sorted(results),
        repo_errors=dict(sorted(errors.items())),
    )
    for label, result in sorted(results.items()):
        combined.findings += [tag(f, label) for f in result.findings]
        combined.files_scanned += result.files_scanned
        combined.suppressed_inline += result.suppressed_inline
        combined.suppressed_baseline += result.suppressed_baseline
        for reason, count in result.skipped.items():
            combined.skipped[reason] = combined.skipped.get(reason, 0) + count
    return finalize(combined)


def tag(finding: Any, label: str) -> Any:
    return replace(finding, repo=label, path=f"{label}/{finding.path}")


def merge(files: Sequence[Path], *, fail_on: str | None = None) -> AuditResult:
    """Combine `audit -f json` reports (one a repository) into one result.

    The repository of a report is the `repo` its findings carry, else the file's name without
    its extensions (`org-app.json` -> `org-app`).
    """
    from hedgectl.core.audit import AuditResult, finalize
    from hedgectl.core.models import Finding, Kind, Location

    if not files:
        raise UsageError("audit merge needs at least one JSON report")
    combined = AuditResult(root=".", fail_on=fail_on or "named")
    names = {f.name for f in fields(Finding)}
    seen_fail_on: set[str] = set()
    for path in files:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"cannot read audit report {path}: {exc}") from None
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise UsageError(f"{path} is not a hedgectl audit JSON report ({SCHEMA})")
        summary = doc.get("summary", {})
        seen_fail_on.add(str(summary.get("fail_on", "named")))
        label = path.name.split(".")[0]
        repos: set[str] = set()
        for row in doc.get("findings", []):
            try:
                values = {k: v for k, v in row.items() if k in names}
                values["kind"] = Kind(values["kind"])
                values["location"] = Location(values["location"])
                finding = Finding(**values)
            except (KeyError, TypeError, ValueError) as exc:
                raise UsageError(f"{path}: a finding does not fit {SCHEMA}: {exc}") from None
            if not finding.repo:
                finding = tag(finding, label)
            repos.add(finding.repo)
            combined.findings.append(finding)
        # A report of `audit URL` names its repository in the summary, findings or not.
        listed = summary.get("repositories")
        repos |= set(listed) if isinstance(listed, dict) else set()
        combined.repos += sorted(repos or {label})
        combined.files_scanned += int(summary.get("files_scanned", 0))
        combined.suppressed_inline += int(summary.get("suppressed_inline", 0))
        combined.suppressed_baseline += int(summary.get("suppressed_baseline", 0))
        for label_, row in (summary.get("repositories") or {}).items():
            if isinstance(row, dict) and row.get("error"):
                combined.repo_errors[label_] = str(row["error"])
    if fail_on is None and len(seen_fail_on) == 1:
        combined.fail_on = seen_fail_on.pop()
    combined.repos = sorted(set(combined.repos))
    return finalize(combined)
