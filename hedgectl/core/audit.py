"""Audit: turn file contents into findings, decide which findings fail CI.

Pure functions over bytes and data; reading files and walking trees is adapters/files.py's job.

How one file is scanned:
1. the keyword prefilter finds candidate offsets (no offsets: done, the common case);
2. each line holding a keyword is split into candidate tokens by what the file is: string
   literals in code, values in config files, code spans in docs; comments are found so a match in
   one is reported as a comment;
3. each token is classified whole by the Detector, with the key it is assigned to as context.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import PurePosixPath

from hedgectl.catalog import TIER_RANK, Catalog
from hedgectl.core import dependencies
from hedgectl.core.detect import Detector
from hedgectl.core.models import Finding, Location, Match
from hedgectl.core.prefilter import Prefilter

SUPPRESS = re.compile(r"hedgectl:\s*ignore\b", re.IGNORECASE)
MAX_WINDOW = 2048  # characters kept either side of a hit on very long (minified) lines


class FileType(enum.Enum):
    CODE = "code"
    SHELL = "shell"  # code whose values are often unquoted (shell, Dockerfile, Makefile)
    CONFIG = "config"
    NOTEBOOK = "notebook"
    DOCS = "docs"


HASH_COMMENT = ("#",)
SLASH_COMMENT = ("//",)
LANGS: dict[str, tuple[FileType, tuple[str, ...]]] = {}
for _ext in ("py", "pyi", "rb", "r", "jl", "ex", "exs", "pl", "nim", "cr"):
    LANGS[_ext] = (FileType.CODE, HASH_COMMENT)
for _ext in (
    "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "go", "java", "kt", "kts", "scala", "rs",
    "c", "h", "cc", "cpp", "hpp", "cs", "swift", "dart", "vue", "svelte", "groovy", "zig",
):  # fmt: skip
    LANGS[_ext] = (FileType.CODE, SLASH_COMMENT)
LANGS["php"] = (FileType.CODE, ("//", "#"))
for _ext in ("sql", "lua", "hs"):
    LANGS[_ext] = (FileType.CODE, ("--",))
for _ext in ("sh", "bash", "zsh", "fish", "ps1", "mk", "dockerfile", "makefile", "justfile"):
    LANGS[_ext] = (FileType.SHELL, HASH_COMMENT)
for _ext in (
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "env",
    "properties",
    "tf",
    "tfvars",
    "hcl",
):
    LANGS[_ext] = (FileType.CONFIG, HASH_COMMENT)
for _ext in ("json", "jsonc", "json5", "xml", "plist", "csv", "tsv"):
    LANGS[_ext] = (FileType.CONFIG, ("//",) if _ext in ("jsonc", "json5") else ())
LANGS["ipynb"] = (FileType.NOTEBOOK, HASH_COMMENT)
for _ext in ("md", "mdx", "markdown", "rst", "txt", "adoc", "org", "rdoc"):
    LANGS[_ext] = (FileType.DOCS, ())


def file_type(path: str) -> tuple[FileType, tuple[str, ...]]:
    name = PurePosixPath(path).name.lower()
    if name.startswith(".env") or name.endswith(".env"):
        return LANGS["env"]
    if name in ("dockerfile", "makefile", "justfile", "containerfile") or name.startswith(
        ("dockerfile.", "makefile.")
    ):
        return LANGS["dockerfile"]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    # Unknown types are read like config: quoted strings and key=value pairs.
    return LANGS.get(ext, (FileType.CONFIG, HASH_COMMENT))


# ---------------------------------------------------------------------------------------- tokens

QUOTES = "\"'`"
UNQUOTED_VALUE = re.compile(
    r"(?:^|[\s,{(\[])(?:--|-)?([A-Za-z_$][\w$.-]*)[\"']?\s*(?:=|:(?!//))\s*([^\s\"'`,;#{}()\[\]<>]+)"
)
LIST_ITEM = re.compile(r"^\s*-\s+([^\s\"'#]+)\s*(?:#.*)?$")
FLAG_VALUE = re.compile(r"--([A-Za-z][\w-]*)[ =]([^\s\"'`;|&]+)")
KEY_BEFORE = re.compile(
    r"([A-Za-z_$][\w$-]*)[\"'`]?\]?\s*(?::\s*[A-Za-z_][\w\[\]., |]*)?\s*(?:=>|:=|==|=|:)\s*[\[(]?\s*$"
)
# os.getenv("LLM_MODEL", "o3"): the first argument of a call names the second.
STRING_KEY_BEFORE = re.compile(r"\(\s*[\"']([\w.-]+)[\"']\s*,\s*$")
QUOTED_KEY_BEFORE = re.compile(r"[\"']([^\"']+)[\"']\s*(?::|=>)\s*$")
FLAG_BEFORE = re.compile(r"--([\w-]+)[= ]\s*$")
PLACEHOLDER = re.compile(r"\$?\{[^{}]*\}|%\(\w+\)s|%s")
SPLIT_PIECES = re.compile(r"[,|;]")
FENCE = re.compile(r"^\s*(?:```|~~~)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    column: int  # 0-based character offset in the line
    location: Location
    context: str


def _context(prefix: str) -> str:
    m = QUOTED_KEY_BEFORE.search(prefix)
    if m:
        return m.group(1)
    m = KEY_BEFORE.search(prefix)
    if m:
        return m.group(1).rsplit(".", 1)[-1]
    m = STRING_KEY_BEFORE.search(prefix)
    if m:
        return m.group(1)
    m = FLAG_BEFORE.search(prefix)
    return m.group(1) if m else ""


@cache
def _span_regex(comment_markers: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a line's lexemes: closed strings, an unclosed string, a comment start."""
    strings = [rf"{q}(?:[^{q}\\]|\\.)*{q}" for q in ('"', "'", "`")]
    unclosed = r"[\"'`]"
    markers = [r"(?:(?<=^)|(?<=[ \t;]))#" if m == "#" else re.escape(m) for m in comment_markers]
    return re.compile("|".join([*strings, *markers, unclosed]))


def _quoted_spans(line: str, comment_markers: tuple[str, ...]) -> tuple[list[tuple[int, str]], int]:
    """String literal contents with their start column, and where a comment starts (-1: none)."""
    spans: list[tuple[int, str]] = []
    for m in _span_regex(comment_markers).finditer(line):
        text = m.group(0)
        if len(text) >= 2 and text[0] in QUOTES and text[-1] == text[0]:
            spans.append((m.start() + 1, text[1:-1]))
        elif text in QUOTES:  # unterminated on this line (multi-line string): stop
            return spans, -1
        else:
            return spans, m.start()
    return spans, -1


def _pieces(content: str, start: int) -> Iterator[tuple[str, int]]:
    """Split a literal into classifiable pieces: template placeholders and lists break it up."""
    if not content or any(c.isspace() for c in content.strip()):
        return  # prose, prompts, commands: not an ID as written
    pos = 0
    for part in PLACEHOLDER.split(content):
        for piece in SPLIT_PIECES.split(part):
            stripped = piece.strip("/:@-. ")
            if stripped:
                yield (
                    stripped,
                    start + content.index(piece, pos) + (len(piece) - len(piece.lstrip("/:@-. "))),
                )
        pos = min(len(content), pos + len(part))


JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def line_tokens(
    line: str, ftype: FileType, markers: tuple[str, ...], *, in_fence: bool = False
) -> Iterator[Token]:
    """Candidate tokens of one line."""
    if ftype is FileType.NOTEBOOK:
        # Notebook cells are JSON strings holding lines of code: decode each, read it as code.
        for m in JSON_STRING.finditer(line):
            try:
                code = json.loads(m.group(0))
            except ValueError:
                continue
            if isinstance(code, str):
                for token in _code_like_tokens(code, FileType.CODE, HASH_COMMENT, Location.CODE):
                    yield Token(
                        token.text, m.start(1) + token.column, token.location, token.context
                    )
        return
    if ftype is FileType.DOCS:
        if in_fence:
            yield from _code_like_tokens(line, FileType.SHELL, HASH_COMMENT, Location.DOCS)
            return
        # Outside code blocks only inline code counts: prose mentions are not findings.
        for m in re.finditer(r"`([^`]+)`", line):
            for token in _code_like_tokens(m.group(1), FileType.SHELL, (), Location.DOCS):
                yield Token(token.text, m.start(1) + token.column, Location.DOCS, token.context)
            if not any(c.isspace() for c in m.group(1)):
                yield Token(m.group(1), m.start(1), Location.DOCS, "")
        return
    base = (
        Location.CODE
        if ftype in (FileType.CODE, FileType.SHELL, FileType.NOTEBOOK)
        else Location.CONFIG
    )
    yield from _code_like_tokens(line, ftype, markers, base)


def _code_like_tokens(
    line: str, ftype: FileType, markers: tuple[str, ...], base: Location
) -> Iterator[Token]:
    spans, comment_at = _quoted_spans(line, markers)
    seen: set[int] = set()
    for start, content in spans:
        location = base
        context = _context(line[: start - 1])
        for piece, col in _pieces(content, start):
            seen.add(col)
            yield Token(piece, col, location, context)
    if comment_at >= 0:
        comment = line[comment_at:]
        inner, _ = _quoted_spans(comment[len(_marker_at(comment, markers)) :], ())
        offset = comment_at + len(_marker_at(comment, markers))
        for start, content in inner:
            for piece, col in _pieces(content, start + offset):
                yield Token(
                    piece, col, Location.COMMENT, _context(line[offset : offset + start - 1])
                )
        for m in UNQUOTED_VALUE.finditer(comment):
            yield Token(m.group(2), comment_at + m.start(2), Location.COMMENT, m.group(1))
    if ftype in (FileType.CONFIG, FileType.SHELL):
        code = line[:comment_at] if comment_at >= 0 else line
        for m in UNQUOTED_VALUE.finditer(code):
            if m.start(2) not in seen and not _inside(spans, m.start(2)):
                seen.add(m.start(2))
                yield Token(m.group(2), m.start(2), base, m.group(1))
        for m in FLAG_VALUE.finditer(code):
            if m.start(2) not in seen and not _inside(spans, m.start(2)):
                seen.add(m.start(2))
                yield Token(m.group(2), m.start(2), base, m.group(1))
        item = LIST_ITEM.match(code)
        if item and item.start(1) not in seen:
            yield Token(item.group(1), item.start(1), base, "")


def _marker_at(comment: str, markers: tuple[str, ...]) -> str:
    for marker in markers:
        if comment.startswith(marker):
            return marker
    return ""


def _inside(spans: list[tuple[int, str]], col: int) -> bool:
    return any(start <= col < start + len(content) for start, content in spans)


# ---------------------------------------------------------------------------------------- scanning


@dataclass(frozen=True, slots=True)
class RawFinding:
    """A classified token at a place in a file, before policy (tiers, fingerprints) is applied."""

    line: int
    column: int
    match: Match
    location: Location
    context: str
    suppressed: bool


class Scanner:
    """Scans file contents. Build once per process (compiles the prefilter and the family regexes)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.detector = Detector(catalog)
        self.packages = dependencies.load_packages()
        self.prefilter = Prefilter([*self.detector.keywords(), *self.packages.keywords()])

    def scan(
        self, data: bytes, path: str, *, lines: frozenset[int] | None = None
    ) -> list[RawFinding]:
        """Findings in one file's bytes; `lines` limits them to those line numbers (--diff)."""
        results = self._manifest(data, path, lines)
        if PurePosixPath(path).name in dependencies.LOCK_FILES:
            return results  # package names and hashes: no model IDs worth a reviewer's time
        offsets = self.prefilter.offsets(data)
        if not offsets:
            return results
        ftype, markers = file_type(path)
        line_no, counted_to = 1, 0
        fences, fence_to = 0, 0
        last_line_start = -1
        for off in offsets:
            start = data.rfind(b"\n", 0, max(off - 1, 0)) + 1
            if start == last_line_start:
                continue
            last_line_start = start
            end = data.find(b"\n", off)
            end = len(data) if end < 0 else end
            line_no += data.count(b"\n", counted_to, start)
            counted_to = start
            if lines is not None and line_no not in lines:
                continue
            in_fence = False
            if ftype is FileType.DOCS:
                fences += len(FENCE.findall(data[fence_to:start].decode("utf-8", "replace")))
                fence_to = start
                in_fence = fences % 2 == 1
            raw_line = data[start:end]
            window_start = 0
            if len(raw_line) > 2 * MAX_WINDOW:
                # A minified line: classify only a window around each hit on it.
                results.extend(
                    self._scan_long_line(data, start, end, offsets, line_no, ftype, markers)
                )
                continue
            text = raw_line.decode("utf-8", "replace").rstrip("\r")
            suppressed = bool(SUPPRESS.search(text))
            results.extend(self._imports(path, line_no, text, suppressed))
            for token in line_tokens(text, ftype, markers, in_fence=in_fence):
                match = self.detector.classify(token.text, context=token.context)
                if match is not None:
                    results.append(
                        RawFinding(
                            line_no, window_start + token.column + 1, match, token.location,
                            token.context, suppressed,
                        )
                    )  # fmt: skip
        return results

    def _manifest(self, data: bytes, path: str, lines: frozenset[int] | None) -> list[RawFinding]:
        """Vendor SDK packages a manifest or lock file declares (not only keyword lines)."""
        if dependencies.manifest_kind(path) is None:
            return []
        found = dependencies.manifest_matches(self.packages, path, data)
        text_lines = data.decode("utf-8", "replace").splitlines() if found else []
        return [
            RawFinding(
                d.line, d.column, match, Location.CONFIG, dependencies.context_of(d),
                d.line <= len(text_lines) and bool(SUPPRESS.search(text_lines[d.line - 1])),
            )
            for d, match in found
            if lines is None or d.line in lines
        ]  # fmt: skip

    def _imports(
        self, path: str, line_no: int, text: str, suppressed: bool
    ) -> Iterator[RawFinding]:
        for d, match in dependencies.import_matches(self.packages, path, line_no, text):
            yield RawFinding(line_no, d.column, match, Location.CODE, d.scope, suppressed)

    def _scan_long_line(
        self,
        data: bytes,
        start: int,
        end: int,
        offsets: list[int],
        line_no: int,
        ftype: FileType,
        markers: tuple[str, ...],
    ) -> Iterator[RawFinding]:
        done_to = start
        for off in offsets:
            if off < start or off > end or off < done_to:
                continue
            lo = max(start, off - MAX_WINDOW)
            hi = min(end, off + MAX_WINDOW)
            chunk = data[lo:hi].decode("utf-8", "replace")
            column_base = len(data[start:lo].decode("utf-8", "replace")) if lo > start else 0
            for token in line_tokens(chunk, ftype, markers):
                match = self.detector.classify(token.text, context=token.context)
                if match is not None:
                    yield RawFinding(
                        line_no,
                        column_base + token.column + 1,
                        match,
                        token.location,
                        token.context,
                        False,
                    )
            done_to = hi


# ---------------------------------------------------------------------------------------- policy


def fingerprint(kind: str, family: str, model_id: str, path: str, occurrence: int) -> str:
    """Stable across line moves: what was found, in which file, and which occurrence of it."""
    key = f"{kind}|{family}|{model_id.lower()}|{path}|{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def to_findings(
    path: str, raws: Iterable[RawFinding], catalog: Catalog, *, externalised: bool = False
) -> list[Finding]:
    """Apply the catalog's judgements (vendor, HQ, tier, open weights) and fingerprints."""
    findings: list[Finding] = []
    occurrences: dict[tuple[str, str, str], int] = {}
    for raw in sorted(raws, key=lambda r: (r.line, r.column)):
        m = raw.match
        key = (m.kind.value, m.family, m.model_id.lower())
        n = occurrences.get(key, 0)
        occurrences[key] = n + 1
        vendor = catalog.vendors.get(m.vendor)
        if vendor is not None:
            name, hq, tier, source = vendor.name, vendor.hq, vendor.tier, catalog.source_of(vendor)
        else:
            platform = catalog.platforms[m.vendor]
            name, hq, tier, source = platform.name, platform.hq, "standard", "serving platform"
        family = catalog.families.get(m.family)
        open_weights = bool(family and family.has_open_weights(m.model_id))
        location = Location.EXTERNALISED if externalised else raw.location
        findings.append(
            Finding(
                path=path,
                line=raw.line,
                column=raw.column,
                text=m.text,
                model_id=m.model_id,
                kind=m.kind,
                family=m.family,
                vendor=m.vendor,
                vendor_name=name,
                hq=hq,
                tier=tier,
                tier_source=source,
                open_weights=open_weights,
                location=location,
                platform=m.platform,
                context=raw.context,
                fingerprint=fingerprint(m.kind.value, m.family, m.model_id, path, n),
                suppressed=raw.suppressed,
            )
        )
    return findings


def suppressed(line_text: str) -> bool:
    """True when the line carries an inline `hedgectl: ignore` comment."""
    return bool(SUPPRESS.search(line_text))


FAIL_ON_RANK = {"named": 3, "elevated": 2, "any": 1, "never": 99}


def gates(finding: Finding, fail_on: str, *, gate_comments: bool = False) -> bool:
    """Whether one finding fails the run at this threshold."""
    if finding.suppressed or finding.location is Location.EXTERNALISED:
        return False
    if finding.location in (Location.COMMENT, Location.DOCS) and not gate_comments:
        return False
    return TIER_RANK.get(finding.tier, 1) >= FAIL_ON_RANK[fail_on]


def selected(finding: Finding, tiers: Iterable[str], vendors: Iterable[str]) -> bool:
    """The --tier / --vendor selectors: a finding is kept when it passes both (empty = all)."""
    tiers, vendors = set(tiers), set(vendors)
    return (not tiers or finding.tier in tiers) and (not vendors or finding.vendor in vendors)


@dataclass
class AuditResult:
    root: str
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    suppressed_inline: int = 0
    suppressed_baseline: int = 0
    fail_on: str = "named"
    gate_comments: bool = False
    prefilter: str = ""

    @property
    def failing(self) -> list[Finding]:
        return [
            f for f in self.findings if gates(f, self.fail_on, gate_comments=self.gate_comments)
        ]

    def counts(self) -> dict[str, int]:
        out = {"named": 0, "elevated": 0, "standard": 0}
        for f in self.findings:
            out[f.tier] = out.get(f.tier, 0) + 1
        return out


def finalize(
    result: AuditResult,
    *,
    baseline: frozenset[str] = frozenset(),
    tiers: Iterable[str] = (),
    vendors: Iterable[str] = (),
) -> AuditResult:
    """Drop inline-suppressed and baselined findings (counting them), apply selectors, sort."""
    kept: list[Finding] = []
    tiers, vendors = tuple(tiers), tuple(vendors)
    for f in dependencies.reconcile(result.findings):
        if not selected(f, tiers, vendors):
            continue
        if f.suppressed:
            result.suppressed_inline += 1
        elif f.fingerprint in baseline:
            result.suppressed_baseline += 1
        else:
            kept.append(f)
    kept.sort(key=lambda f: (f.path, f.line, f.column, f.model_id))
    return replace(result, findings=kept)
