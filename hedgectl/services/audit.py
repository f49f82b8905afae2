"""audit: find hard-coded model IDs and provider endpoints, and answer the CI gate."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hedgectl.config import CONFIG_NAME, FAIL_ON, TIERS, Settings
from hedgectl.core.units import parse_size
from hedgectl.errors import ConfigError, UsageError
from hedgectl.services import settings as _settings

if TYPE_CHECKING:
    from hedgectl.adapters.files import ConfiguredGlobs, Entry, Scanned
    from hedgectl.core.audit import AuditResult
    from hedgectl.core.models import Finding

BASELINE_SCHEMA = "hedgectl.baseline/v1"
STDIN_NAME = "<stdin>"  # how `content` (a document from standard input) is reported


@dataclass(frozen=True)
class AuditRequest:
    """What to scan and how to gate; None means "not given" (env, hedge.toml or the default)."""

    paths: Sequence[Path] = ()  # files or folders; empty: the working folder
    fail_on: str | None = None  # named | elevated | any | never (HEDGECTL_FAIL_ON, audit.fail_on)
    tiers: Sequence[str] = ()  # only IDs of these tiers
    vendors: Sequence[str] = ()  # only IDs of these vendor ids
    baseline: Path | None = None  # ignore findings recorded here (default: audit.baseline)
    write_baseline: Path | None = None  # record the findings here instead of gating
    staged: bool = False  # only lines added in the staged change
    diff: str | None = None  # only lines added since this ref's merge base
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    max_file_size: int | str | None = None  # bytes, or a size such as "2MB"
    gate_comments: bool | None = None  # findings in comments and docs gate too
    jobs: int | None = None  # worker processes (default: one per core, at most 8)
    config: Path | None = None  # hedge.toml (default: HEDGECTL_CONFIG, else found upward)
    cwd: Path | None = None  # the working folder paths are relative to (default: os.getcwd())
    # Several repositories (git URLs or folders), each scanned as its own tree; with any of
    # them, `paths` are repositories too. One report, each finding tagged with its repository.
    repos: Sequence[str] = ()
    repo_jobs: int = 4  # repositories cloned and scanned at once
    content: bytes | None = None  # scan this one document (`audit -`: stdin) instead of paths
    # Read the gate's policy ([audit], [catalog], and the baseline [audit] names) from the
    # hedge.toml committed at this git revision (a pull request's base), not from the checkout.
    config_from_base: str | None = None


def audit(
    request: AuditRequest,
    *,
    on_progress: Callable[[int], None] | None = None,
    on_skipped: Callable[[str, str], None] | None = None,
    on_repo: Callable[[str, str], None] | None = None,
) -> AuditResult:
    """Scan, classify and gate. `result.failing` is the gate's answer (non-empty: exit 1).

    on_progress(n) is called as files are scanned; on_skipped(path, reason) once per skipped
    file, in path order, after the scan; on_repo(label, status) as each repository of
    `request.repos` is cloned and scanned. With write_baseline, the findings are written there.
    """
    if request.staged and request.diff:
        raise UsageError("use --staged or --diff, not both")
    if request.content is not None and (
        request.paths or request.repos or request.staged or request.diff
    ):
        raise UsageError(
            "'-' (read standard input) cannot be combined with paths, --staged or --diff"
        )
    if request.repos:
        from hedgectl.services import repos

        every = [*(str(p) for p in request.paths), *request.repos]
        return repos.audit_repos(
            request, repos.sources(every), scan=audit, jobs=request.repo_jobs, on_repo=on_repo
        )
    _settings.check_choice(request.fail_on, FAIL_ON, "--fail-on")
    for tier in request.tiers:
        _settings.check_choice(tier, TIERS, "--tier")
    start = (
        None if request.content is not None else _settings.start_folder(request.paths, request.cwd)
    )
    settings = _settings.load(request.config, request.cwd, start)
    base_known: frozenset[str] | None = None
    checkout = settings  # what the change itself configures
    if request.config_from_base:
        settings, base_known = policy_from_base(
            settings,
            request.config_from_base,
            cwd=request.cwd or Path.cwd(),
            start=start,
            explicit=request.config,
            baseline=request.baseline is None and request.write_baseline is None,
        )
    audit_cfg = settings.audit
    fail = _settings.pick(
        request.fail_on, "HEDGECTL_FAIL_ON", audit_cfg.fail_on, _settings.choice(FAIL_ON)
    )
    gate_c = audit_cfg.gate_comments if request.gate_comments is None else request.gate_comments
    size_limit = _size(request.max_file_size, audit_cfg.max_file_size)
    baseline_path = request.baseline or (
        Path(audit_cfg.baseline) if audit_cfg.baseline and not request.write_baseline else None
    )
    if (
        baseline_path is not None
        and audit_cfg.baseline
        and request.baseline is None
        and not baseline_path.is_absolute()
    ):
        baseline_path = settings.root / baseline_path
    if base_known is not None:
        known = base_known
    else:
        known = read_baseline(baseline_path) if baseline_path else frozenset()

    from hedgectl.adapters.cache import user_cache
    from hedgectl.adapters.files import iter_files, scan_files, staged_contents
    from hedgectl.adapters.globs import check_configured
    from hedgectl.catalog import Overrides, load_catalog
    from hedgectl.core.audit import AuditResult, finalize, to_findings

    check_configured(settings)

    # The parsed catalog and the compiled prefilter, kept between runs (HEDGECTL_NO_CACHE: not).
    store = user_cache()
    overrides = settings.section("catalog") or Overrides()
    catalog = load_catalog(overrides, store)
    unknown = sorted(set(request.vendors) - set(catalog.vendors) - set(catalog.platforms))
    if unknown:
        raise UsageError(
            f"--vendor: unknown vendor id(s) {', '.join(unknown)}", hint="see 'hedgectl catalog'"
        )
    cwd = request.cwd or Path.cwd()
    lines, entries = (
        (None, iter(()))
        if request.content is not None
        else iter_files(
            list(request.paths) or [Path(".")],
            cwd=cwd,
            include=request.include,
            exclude=request.exclude,
            configured=configured_globs(settings, start or cwd),
            max_file_size=size_limit,
            staged=request.staged,
            diff=request.diff,
        )
    )
    if baseline_path is not None:
        entries = _skip_baseline(entries, baseline_path)
    read = None
    if request.content is not None:
        entries = iter([(STDIN_NAME, STDIN_NAME, None)])
        read = _index_reader({STDIN_NAME: request.content})
    elif request.staged:
        # What the commit will contain: the index, not the work tree.
        listed = list(entries)
        blobs = staged_contents([path for path, _, _ in listed if path], cwd)
        entries, read = iter(listed), _index_reader(blobs)
    findings: list[Finding] = []

    def judge(batch: list[Scanned]) -> None:
        # Tiers and fingerprints for each batch as it comes back, while the rest is scanned.
        for file in batch:
            findings.extend(
                to_findings(file.path, file.raws, catalog, externalised=file.externalised)
            )

    _found, skipped_all, scanned, engine = scan_files(
        entries,
        overrides,
        lines=lines,
        jobs=request.jobs,
        on_progress=on_progress,
        read=read,
        role=None
        if request.content is not None
        else file_roles(settings, proposed=checkout if checkout is not settings else None),
        on_scanned=judge,
        store=store,
    )
    by_reason: dict[str, int] = {}
    for _, reason in skipped_all:
        key = reason.split(" (")[0].split(":")[0]
        by_reason[key] = by_reason.get(key, 0) + 1
    result = AuditResult(
        root=str(cwd),
        findings=findings,
        files_scanned=scanned,
        skipped=by_reason,
        fail_on=fail,
        gate_comments=gate_c,
        prefilter=engine,
        repo_prefix=repo_prefix(cwd),
    )
    result = finalize(
        result, baseline=known, tiers=list(request.tiers), vendors=list(request.vendors)
    )
    if on_skipped is not None:
        for display, reason in sorted(skipped_all):
            on_skipped(display, reason)
    if request.write_baseline is not None:
        write_baseline(request.write_baseline, result.findings)
    return result


# The sections that make the gate's policy: what is scanned, what fails, what an ID's tier is.
POLICY_SECTIONS = ("audit", "catalog")


def policy_from_base(
    settings: Settings,
    ref: str,
    *,
    cwd: Path,
    explicit: Path | None,
    baseline: bool,
    start: Path | None = None,
) -> tuple[Settings, frozenset[str] | None]:
    """The settings with [audit] and [catalog] as committed at REF (a pull request's base), and
    the fingerprints of the baseline that [audit] names, also as committed at REF (None: none
    named, or baseline=False because a flag chose the baseline).

    A pull request can edit hedge.toml and its baseline; read from the checkout, those edits
    would loosen the gate that judges the same pull request. [models] and the rest still come
    from the checkout. A base without a config gives the defaults.
    """
    from dataclasses import replace

    from hedgectl import config as _config
    from hedgectl.adapters.files import config_at_revision
    from hedgectl.adapters.globs import check_configured

    base = config_at_revision(cwd, ref, explicit, start)
    sections = {k: v for k, v in settings.sections.items() if k not in POLICY_SECTIONS}
    root = base.top.resolve()
    if base.rel is not None:
        label = Path(f"{ref}:{base.rel}")
        document = _config.parse_document(base.text, label)
        policy = {k: v for k, v in document.items() if k in POLICY_SECTIONS}
        sections |= _config.parse_sections(policy, label)
        root = (base.top / base.rel).parent.resolve()
        # An invalid pattern there is named as what it is: the base's file, not the checkout's.
        check_configured(replace(settings, path=label, sections=sections))
    settings = replace(settings, root=root, sections=sections)
    configured = settings.audit.baseline
    if not (baseline and configured and base.rel is not None):
        return settings, None
    rel = os.path.normpath(os.path.join(os.path.dirname(base.rel), configured)).replace(os.sep, "/")
    data = base.read(rel)
    if data is None:
        raise UsageError(
            f"baseline {configured} (audit.baseline in {ref}:{base.rel}) is not in {ref}",
            hint="commit the baseline on the base branch first",
        )
    return settings, parse_baseline(data, f"{ref}:{rel}")


def file_roles(
    settings: Settings, *, proposed: Settings | None = None
) -> Callable[[str], str | None]:
    """What the configuration makes of a file, by its path: the hedge.toml in use and the
    hedge.toml files `[audit] externalised` names hold IDs where they belong (CONFIG); any other
    file it names counts as generated (GENERATED: exempt while its seal holds). Everything else
    is scanned as code, sealed or not: a seal proves hedgectl wrote a file, and anyone can run
    hedgectl, so only the configuration's paths are trusted.

    `proposed` is the checkout's own configuration when the policy came from the base branch: a
    path only it names (a pull request that adds `config export -o FILE`) counts as generated
    when the file holds exactly what `hedgectl config export` renders from the checkout's
    hedge.toml, whose IDs are externalised anyway; any other content there is scanned."""
    from hedgectl.adapters.files import GENERATED

    trusted = _roles(settings)
    if proposed is None or not proposed.audit.externalised:
        return trusted
    extra = _roles(proposed)
    rendered: frozenset[str] | None = None

    def role(path: str) -> str | None:
        nonlocal rendered
        found = trusted(path)
        if found is not None or extra(path) != GENERATED:
            return found
        if rendered is None:
            rendered = rendered_digests(proposed.path)
        try:
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            return None
        return GENERATED if digest in rendered else None

    return role


def rendered_digests(config_path: Path | None) -> frozenset[str]:
    """SHA-256 of each file `hedgectl config export -o FILE` writes from this hedge.toml."""
    from hedgectl.errors import HedgeError
    from hedgectl.services.config import EXPORT_FORMATS, ExportRequest, export_config

    digests: set[str] = set()
    for fmt in EXPORT_FORMATS if config_path is not None else ():
        try:
            text = export_config(ExportRequest(format=fmt, config=config_path)).text
        except HedgeError:
            continue
        written = text if text.endswith("\n") else text + "\n"
        digests.add(hashlib.sha256(written.encode("utf-8")).hexdigest())
    return frozenset(digests)


def _roles(settings: Settings) -> Callable[[str], str | None]:
    from hedgectl.adapters.files import CONFIG, GENERATED
    from hedgectl.adapters.globs import compile_spec

    in_use = (
        os.path.realpath(settings.path)
        if settings.path is not None and settings.path.name == CONFIG_NAME
        else None
    )
    patterns = settings.audit.externalised
    spec = (
        compile_spec(patterns, f"{settings.path}: audit.externalised", error=ConfigError)
        if patterns
        else None
    )
    root = str(settings.root)

    def role(path: str) -> str | None:
        name = os.path.basename(path)
        if in_use is not None and name == CONFIG_NAME and os.path.realpath(path) == in_use:
            return CONFIG
        if spec is None:
            return None
        rel = os.path.relpath(os.path.abspath(path), root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        if not spec.match_file(rel.replace(os.sep, "/")):
            return None
        return CONFIG if name == CONFIG_NAME else GENERATED

    return role


def configured_globs(settings: Settings, scanned: Path) -> ConfiguredGlobs:
    """[audit] include/exclude, relative to the folder of the hedge.toml that holds them; when
    the scanned folder is not inside that folder (a shared `-c` file, another repository), to
    the scanned folder instead."""
    from hedgectl.adapters.files import ConfiguredGlobs

    if not settings.audit.include and not settings.audit.exclude:
        return ConfiguredGlobs()
    root, top = settings.root.resolve(), scanned.resolve()
    base = root if top == root or root in top.parents else top
    return ConfiguredGlobs(settings.audit.include, settings.audit.exclude, base)


def repo_prefix(cwd: Path) -> str:
    """The scan root relative to the repository's root ("" at the root or outside git): SARIF
    URIs resolve against the repository, so a scan run from a subfolder needs it."""
    from hedgectl.adapters.files import git_toplevel

    top = git_toplevel(cwd)
    if top is None:
        return ""
    try:
        rel = cwd.resolve().relative_to(top.resolve())
    except ValueError:
        return ""
    return "" if str(rel) == "." else rel.as_posix()


def _size(value: int | str | None, configured: int) -> int:
    if value is None or value == "":
        return configured
    return value if isinstance(value, int) else parse_size(value)


def read_baseline(path: Path) -> frozenset[str]:
    """The fingerprints recorded in a baseline file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"baseline file not found: {path}", hint="create it with --write-baseline"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    return parse_baseline(raw, str(path))


def parse_baseline(raw: bytes, path: str) -> frozenset[str]:
    """The fingerprints in a baseline's bytes; `path` names it in errors."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("schema") != BASELINE_SCHEMA
        or not isinstance(data.get("findings"), list)
    ):
        raise UsageError(f"{path} is not a hedgectl baseline ({BASELINE_SCHEMA})")
    return frozenset(
        str(item.get("fingerprint")) for item in data["findings"] if isinstance(item, dict)
    )


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Record findings as a baseline (atomically; sorted, so re-runs give the same bytes)."""
    from hedgectl.adapters.fs import atomic_write
    from hedgectl.core.printable import json_text
    from hedgectl.core.seal import PLACEHOLDER, seal

    rows = sorted(
        (
            {"fingerprint": f.fingerprint, "path": f.path, "model_id": f.model_id, "tier": f.tier}
            for f in findings
        ),
        key=lambda r: (r["path"], r["model_id"], r["fingerprint"]),
    )
    # Sealed: audit skips this file (it lists every ID) only while it is exactly as written here.
    document = {
        "schema": BASELINE_SCHEMA,
        "generated": f"generated by hedgectl audit ({PLACEHOLDER})",
        "findings": rows,
    }
    atomic_write(path, seal(json_text(document, indent=2, sort_keys=True) + "\n"))


def _skip_baseline(entries: Iterator[Entry], baseline: Path) -> Iterator[Entry]:
    """The baseline in use lists every known ID: skipped by its path, sealed or not (older ones)."""
    target = os.path.realpath(baseline)
    for path, display, reason in entries:
        if (
            path is not None
            and os.path.basename(path) == baseline.name
            and os.path.realpath(path) == target
        ):
            yield None, display, "the audit baseline in use"
        else:
            yield path, display, reason


def _index_reader(blobs: dict[str, bytes]) -> Callable[[str], bytes]:
    def read(path: str) -> bytes:
        try:
            return blobs[path]
        except KeyError:
            raise FileNotFoundError(2, "not in the index") from None

    return read
