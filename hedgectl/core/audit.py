"""Audit: turn file contents into findings, decide which findings fail CI.

Pure functions over bytes and data; reading files and walking trees is adapters/files.py's job.

How one file is scanned:
1. the keyword prefilter finds candidate offsets (no offsets: done, the common case);
2. each line holding a keyword is cut into segments by what the file is (strings, comments and
   code; docstrings, fenced blocks and multi-line strings that began on earlier lines; inline code
   and URLs in docs prose), see core/lexer.py;
3. every ID-shaped word around a keyword hit is judged by the Detector with its context (the key,
   flag or variable it belongs to) and reported with the location of its segment.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from typing import NamedTuple

from hedgectl.catalog import TIER_RANK, BlobStore, Catalog
from hedgectl.core import dependencies
from hedgectl.core.detect import MAX_WORD, Detector
from hedgectl.core.lexer import (
    HASH_COMMENT,
    IMPORT_LINE,
    LOOKBEHIND,
    MODEL_KEY_INLINE,
    NAME_KEY_LINE,
    WORD_CHARS,
    WORD_LIMIT,
    BlockOwners,
    FileType,
    ListContext,
    Region,
    RegionIndex,
    Seg,
    Segment,
    base_name,
    code_segments,
    context_before,
    extension,
    file_regions,
    file_type,
    inline_owner,
    location_of,
    model_owner,
    prefix_check,
    prose_segments,
    segment_context,
    word_at,
)
from hedgectl.core.models import Finding, Kind, Location, Match
from hedgectl.core.prefilter import Prefilter, WordFinder

SUPPRESS = re.compile(r"hedgectl:\s*ignore\b", re.IGNORECASE)
MAX_REMEMBERED_LINE = 1024  # bytes: longer lines are judged every time
MAX_REMEMBERED_LINES = 20_000  # then the memory of lines starts over
MAX_WINDOW = 2048  # characters kept either side of a hit on very long (minified) lines


# ---------------------------------------------------------------------------------------- scanning


class RawFinding(NamedTuple):
    """A classified token at a place in a file, before policy (tiers, fingerprints) is applied.

    A tuple: dense files yield thousands, and workers send them to the main process pickled.
    """

    line: int
    column: int
    match: Match
    location: Location
    context: str
    suppressed: bool


JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
CONTAINMENT_AFTER = re.compile(r"\s+(?:not\s+)?in\s")
# A Swift argument labelled `model` before an implicit member: `ChatQuery(..., model: .gpt4_o)`.
IMPLICIT_MEMBER = re.compile(r"(?<![\w.])model\s*:\s*$", re.IGNORECASE)
# A name in a Rust `use path::{a, b::C, D as E}` group (the name before `as`).
USE_GROUP_ITEM = re.compile(r"\s*([A-Za-z_][\w:]*)(?:\s+as\s+\w+)?\s*(?:,|$)")
LineHit = tuple[int, Match, Location, str]  # column (0-based), match, location, context
# One line's findings: whether it carries `hedgectl: ignore`, and (column, match, location,
# context) for each, column 1-based; then its short IDs (o1) kept only beside IDs on the lines
# above or below.
LineFindings = tuple[
    bool, list[tuple[int, Match, Location, str]], list[tuple[int, Match, Location, str]]
]
# What a line's findings depend on besides its bytes: see Scanner.scan.
LineKey = tuple[
    bytes, FileType, tuple[str, ...], str, str, str, tuple[tuple[int, int, Seg, str], ...]
]
# `hedge_model("alias", "<id>")` / `hedgeModel("alias", "<id>")`, as `rewrite` writes them: the ID
# that follows is the default of an alias lookup (hedge.toml and HEDGE_MODEL_* override it).
RESOLVER_DEFAULT = re.compile(
    r"""(?:hedge_model\w*|hedgeModel\w*)\(\s*["'][A-Za-z0-9_]+["']\s*,\s*$"""
)


# A line that returns a literal, and the function headers above it (func/def/function/fn/fun, or a
# C-family method: a type, a name, parameters, a brace).
RETURN_LITERAL = re.compile(rb"""^[ \t]*(?:return|yield)[ \t]+[("'`]""")
FUNCTION_HEADER = re.compile(
    rb"(?:\b(?:func|def|function|fn|fun)\b[ \t]*\*?[ \t]*(?:\([^)\n]*\)[ \t]*)?([A-Za-z_]\w*)"
    rb"|\b[\w<>\[\],?]+[ \t]+([A-Za-z_]\w*)[ \t]*\([^;{}\n]*\)[ \t]*(?:throws[^{\n]*)?\{)"
)
CONTROL_WORDS = frozenset(
    {b"if", b"for", b"while", b"switch", b"catch", b"return", b"new", b"using", b"lock", b"foreach",
     b"match", b"else", b"await", b"yield", b"with", b"synchronized"}
)  # fmt: skip
DOUBLED_VALUE = re.compile(r'""[^"\s]+""')
QUOTE_RUN_NOT_TWO = re.compile(r'(?<!")(?:"|"{3,})(?!")')
DOUBLED_QUOTES = re.compile(r'""(?=([^"\s,:;)\]}])?)')
# A key alone on its line, opening a block: `  o1:`, `"o3": {`, `o1 = {`.
KEY_OPENS_BLOCK = re.compile(
    rb"""^[ \t]*["']?[\w.:-]+["']?[ \t]*(?::|=)[ \t]*(?:\{|\[)?[ \t]*\r?$"""
)
TOOL_NAME = re.compile(r"parser|renderer|template|tokenizer", re.IGNORECASE)
FUNCTION_WINDOW = 4096
# Where a framework takes a model by alias: a `model =` argument (`aigenerate(...; model =
# "gpt4om")`, `model::String = "gpt4"`), or the flag after a PromptingTools.jl string macro
# (`ai"Say hi!"gpt4om`, `aai"..."claudes`).
ALIAS_EXTS = frozenset({"jl", "md", "mdx", "markdown", "qmd", "jmd"})  # Julia code and its docs
ALIAS_USE = re.compile(
    rb'\bmodel(?:::\w+)?[ \t]*=[ \t]*"([\w.-]{1,40})"'
    rb'|(?<![\w.])a?ai!?"(?:[^"\\\n]|\\.)*"([A-Za-z]\w{0,39})'
)


class Scanner:
    """Scans file contents. Build once per process (compiles the prefilter and the family regexes)."""

    def __init__(self, catalog: Catalog, store: BlobStore | None = None) -> None:
        """`store` keeps the compiled regexes and prefilter databases between runs (a user cache)."""
        self.catalog = catalog
        self.detector = Detector(catalog, store)
        self.packages = dependencies.load_packages(store)
        keywords = self.detector.keywords()
        self.prefilter = Prefilter([*keywords, *self.packages.keywords()], store)
        # The same keywords for a line of text, without the punctuation some carry ('"o1').
        self.line_keywords = WordFinder((k.strip("\"'=:/ ") for k in keywords), store)
        self._seen: dict[tuple[str, str | None], list[tuple[int, Match, bool]]] = {}
        # (line bytes, file type, comment markers, import syntax, list key, owner, regions over
        # the line) -> (suppressed, findings)
        self._lines: dict[LineKey, LineFindings] = {}

    def scan(
        self, data: bytes, path: str, *, lines: frozenset[int] | None = None
    ) -> list[RawFinding]:
        """Findings in one file's bytes; `lines` limits them to those line numbers (--diff)."""
        results = self._manifest(data, path, lines)
        if base_name(path) in dependencies.LOCK_FILES:
            return results  # package names and hashes: no model IDs worth a reviewer's time
        offsets = self.prefilter.offsets(data)
        if not offsets:
            return results
        ftype, markers = file_type(path)
        import_ext = dependencies.import_kind(path)
        base = Location.CONFIG if ftype is FileType.CONFIG else Location.CODE
        if ftype is FileType.DOCS:
            base = Location.DOCS
        regions: RegionIndex | None = None
        lists = ListContext(data)
        owners = BlockOwners(data)
        pending: list[RawFinding] = []  # short IDs alone on their line (see _beside_ids)
        line_no, counted_to, line_end = 1, 0, -1
        for i, off in enumerate(offsets):
            if off <= line_end:
                continue  # another hit on a line already scanned
            start = data.rfind(b"\n", max(line_end, 0), max(off - 1, 0)) + 1
            if start < line_end:
                start = line_end + 1
            end = data.find(b"\n", off)
            end = len(data) if end < 0 else end
            line_no += data.count(b"\n", counted_to, start)
            counted_to, line_end = start, end
            if lines is not None and line_no not in lines:
                continue
            if end - start > 2 * MAX_WINDOW:
                # A minified line: classify only a window around each hit on it.
                results.extend(
                    self._scan_long_line(
                        data, start, end, offsets, i, line_no, ftype, markers, base
                    )
                )
                continue
            if regions is None:
                regions = RegionIndex(file_regions(data, path, ftype))
            raw = data[start:end]
            if ftype is FileType.CODE and RETURN_LITERAL.match(raw) and _names_a_tool(data, start):
                continue  # return "qwen3.5" in parserName(...): a parser's or renderer's name
            # `name: x` opening a line (or after a comma: `provider = P, id = "o3",`) names a
            # model under `model:` / `"model": {` / `Model(`.
            owner = owners.of(start) if NAME_KEY_LINE.search(raw) else ""
            # A line is judged by its bytes, the file's type, (an item of a multi-line list) its
            # list's key and the multi-line regions it lies in (a docstring, a template string:
            # their kind, key and where they cut it): dense trees repeat lines (docs copies,
            # fixtures, settings, the docstrings of sync and async twins), each judged once.
            overlapping = regions.overlapping(start, end + 1)
            key = None
            if ftype is not FileType.NOTEBOOK and len(raw) <= MAX_REMEMBERED_LINE:
                # An item alone on its line is judged by its list's key too (lists.of).
                key = (
                    raw, ftype, markers, import_ext, lists.of(start, end), owner,
                    _region_shape(overlapping, start, len(raw)),
                )  # fmt: skip
                known = self._lines.get(key)
                if known is not None:
                    suppressed, found, weak = known
                    results += [RawFinding(line_no, *f, suppressed) for f in found]
                    pending += [RawFinding(line_no, *f, suppressed) for f in weak]
                    continue
            text = raw.decode("utf-8", "replace").rstrip("\r")
            if ftype is FileType.CODE and '""' in text:
                text = _undouble(text)
            suppressed = bool(SUPPRESS.search(text))
            found = [
                (d.column, match, Location.CODE, d.scope)
                for d, match in dependencies.import_matches(self.packages, path, line_no, text)
            ]
            weak_hits: list[LineHit] = []
            keyed: list[LineHit] = []  # short IDs under a key of their own (`smart: o3`)
            if ftype is FileType.NOTEBOOK:
                spans = [
                    (r.start - start, r.end - start, r.seg) for r in regions.overlapping(start, end)
                ]
                hits = self._notebook_line(text, spans)
            else:
                segs = _line_segments(text, raw, start, ftype, markers, overlapping)
                ends = _char_offsets(raw, text, start, offsets, i, end)
                hits = self.line_hits(
                    text,
                    segs,
                    ftype,
                    base,
                    ends,
                    list_key=partial(lists.of, start, end),
                    owner=owner,
                    weak_out=weak_hits,
                    keyed_out=keyed,
                )
                if keyed and MODELS_OWNER.search(owner or owners.of(start)):
                    hits += keyed  # under `models:` / `MODELS = {`: `smart: o3` names a model
                if weak_hits and KEY_OPENS_BLOCK.match(raw):
                    keyed = keyed or weak_hits  # judged by the lines above: not remembered
                    if MODELS_OWNER.search(owner or owners.of(start)):
                        hits += weak_hits  # `o1:` opening its settings under `models:`
                        weak_hits = []
            for col, match, location, context in hits:
                if location is Location.CODE and RESOLVER_DEFAULT.search(text, 0, max(col - 1, 0)):
                    location = Location.EXTERNALISED  # the default of an alias lookup
                found.append((col + 1, match, location, context))
            weak = [
                (col + 1, match, location, context) for col, match, location, context in weak_hits
            ]
            results += [RawFinding(line_no, *f, suppressed) for f in found]
            pending += [RawFinding(line_no, *f, suppressed) for f in weak]
            if key is not None and not keyed:  # keyed hits depend on the lines above
                if len(self._lines) >= MAX_REMEMBERED_LINES:
                    self._lines.clear()
                self._lines[key] = (suppressed, found, weak)
        if extension(path) in ALIAS_EXTS:
            for marker, aliases in self.catalog.model_aliases.items():
                if marker.encode("utf-8") in data:
                    results += self._aliased(data, path, aliases, ftype, lines, results)
        if pending:
            kept = _beside_ids(results, pending)
            if kept:
                results = sorted(results + kept, key=lambda r: (r.line, r.column))
        return results

    def _aliased(
        self,
        data: bytes,
        path: str,
        aliases: dict[str, str],
        ftype: FileType,
        lines: frozenset[int] | None,
        found: list[RawFinding],
    ) -> list[RawFinding]:
        """Models a framework names by aliases of its own, in a file that names the framework;
        a place the line scan already reported is left to it. Each line is measured once, and
        columns are counted on from the previous use on the same line (linear in a long line)."""
        taken = {(r.line, r.column) for r in found}
        location = Location.DOCS if ftype is FileType.DOCS else Location.CODE
        # A use inside a docstring (Julia's `"""` before a definition) is docs, as the line scan
        # reports the IDs there.
        docstrings = RegionIndex(
            [r for r in file_regions(data, path, ftype) if r.seg is Seg.DOCSTRING]
            if ftype is not FileType.DOCS
            else []
        )
        out: list[RawFinding] = []
        line_no, line_pos, start, end = 1, 0, 0, -1
        comment_at, suppressed, counted_to, chars = -1, False, 0, 0
        for m in ALIAS_USE.finditer(data):
            group = 1 if m.group(1) is not None else 2
            alias = m.group(group).decode("ascii")
            model_id = aliases.get(alias)
            if model_id is None:
                continue
            if m.start() > end:  # a new line
                newline = data.rfind(b"\n", end + 1, m.start())
                start = newline + 1 if newline >= 0 else end + 1
                line_no += data.count(b"\n", line_pos, start)
                line_pos = start
                end = data.find(b"\n", m.start())
                end = len(data) if end < 0 else end
                comment_at = data.find(b"#", start, end) if ftype is not FileType.DOCS else -1
                suppressed = bool(SUPPRESS.search(data[start:end].decode("utf-8", "replace")))
                counted_to, chars = start, 0
            if (lines is not None and line_no not in lines) or 0 <= comment_at < m.start():
                continue  # another line than those asked for; a comment
            chars += len(data[counted_to : m.start(group)].decode("utf-8", "replace"))
            counted_to = m.start(group)
            match = self.detector.classify(model_id, context="model")
            if match is None or (line_no, chars + 1) in taken:
                continue
            at = m.start(group)
            where = Location.DOCS if docstrings.overlapping(at, at + 1) else location
            out.append(
                RawFinding(
                    line_no, chars + 1, replace(match, text=alias), where, "model", suppressed
                )
            )
        return out

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

    # ------------------------------------------------------------------ one line
    def line_hits(
        self,
        text: str,
        segs: list[Segment],
        ftype: FileType,
        base: Location,
        ends: Iterable[int] | None = None,
        list_key: Callable[[], str] | None = None,
        owner: str = "",
        weak_out: list[LineHit] | None = None,
        keyed_out: list[LineHit] | None = None,
    ) -> list[LineHit]:
        """Judge every ID-shaped word around a keyword hit in one line.

        ends: character offsets where keyword hits end (from the prefilter); None: find them.
        list_key: the key of the multi-line list this line is an item of ("" if none), asked
        only for a word that has no key of its own on the line.
        owner: the key or call a line opening with `name:`/`id:` sits under (BlockOwners.of).
        weak_out: where short IDs with no ID beside them on this line go (None: dropped).
        keyed_out: where short IDs with a key of their own go (None: dropped); the caller keeps
        them when the block they sit in belongs to a model key (BlockOwners.of).
        """
        if not segs:
            return []
        if ends is None:
            ends = self.line_keywords.ends(text)
        starts = [s.start for s in segs]
        hits: list[LineHit] = []
        weak: list[LineHit] = []
        alone: list[LineHit] = []  # weak hits without a key of their own
        keyed: list[LineHit] = []  # weak hits with one
        done_to = -1
        code_strings: dict[int, bool] = {}  # string segment start -> holds `\n` escapes
        skip_strings = ftype is FileType.CODE and bool(IMPORT_LINE.match(text))
        for hit_end in ends:
            if hit_end <= done_to or hit_end > len(text) or hit_end <= 0:
                continue
            seg = segs[max(bisect_right(starts, hit_end - 1) - 1, 0)]
            ws, we = word_at(text, hit_end - 1, hit_end)
            while text.startswith(("%3A", "%3a"), we):
                we = word_at(text, we + 3, we + 3)[1]  # a percent-encoded `:` in a URL path
            done_to = we
            ws, we = max(ws, seg.start), min(we, seg.end)
            location = location_of(seg.seg, base)
            if seg.seg is Seg.CODE and ftype in (FileType.SHELL, FileType.CONFIG):
                location = base
            if location is None and seg.seg is Seg.CODE and ftype is FileType.CODE and ws < we:
                # Code outside strings names a model only through an SDK's constant: openai.GPT4o
                hits += [(o, m, base, "") for o, m in self._constant(text, ws, we, seg.start)]
                continue
            if seg.seg is Seg.FENCE and ws < we:  # the same in a code sample of the docs
                constant = self._constant(text, ws, we, seg.start)
                if constant:
                    hits += [(o, m, Location.DOCS, "") for o, m in constant]
                    continue
            if location is None or ws >= we:
                continue
            if ws > 1 and text[ws - 1] == "#" and text[ws - 2] in WORD_CHARS:
                continue  # a URL fragment: docs/models#gpt-4-turbo-and-gpt-4
            if seg.seg is Seg.STRING and ftype is not FileType.DOCS:
                if skip_strings or prefix_check(
                    text[max(seg.start - 1 - LOOKBEHIND, 0) : max(seg.start - 1, 0)]
                ):
                    continue
                # "llama2" in model_name: a containment test on a prefix, not a model in use
                if CONTAINMENT_AFTER.match(text, seg.end + 1, seg.end + 16) and not any(
                    c.isspace() for c in text[seg.start : seg.end]
                ):
                    continue
            if seg.seg is Seg.STRING and ws == seg.start and ftype is not FileType.DOCS:
                context = segment_context(text, seg)
            else:
                context = context_before(text[max(seg.start, ws - LOOKBEHIND) : ws])
                if not context and seg.seg is Seg.STRING:
                    context = segment_context(text, seg)
            keyless = not context  # an item of a list, or a mapping's key: `"o1",`, `"o1": 30000,`
            if keyless and list_key is not None:
                context = list_key()
            if context.lower() in ("name", "id") and _names_a_model(text, ws, owner):
                context = "model"  # "model": {"name": "x"}, ChatModelFactory(name="x")
            if context.lower() == "name" and _in_words(text, ws, we, seg):
                continue  # "gemma3 model with model_type": a title that mentions a model
            if seg.seg is Seg.COMMENT and not (
                context or _quoted(text, ws, we) or "://" in text[ws:we]
            ):
                continue  # prose in a comment; quoted IDs and key: value pairs count
            found = self._find(text[ws:we], context)
            if not found and seg.seg is Seg.STRING and ftype is not FileType.DOCS:
                if seg.start not in code_strings:  # once per string: a long one has many words
                    code_strings[seg.start] = text.find("\\n", seg.start, seg.end) >= 0
                if code_strings[seg.start]:
                    # Code held in a string of several lines written with `\n` escapes names
                    # models as code does: an OpenAPI spec's code samples
                    # (`.model(ChatModel.GPT_5_1)\n`, `Model: shared.ChatModelGPT5_1,\n`).
                    constant = self._constant(text, ws, we, seg.start)
                    found = [(o - ws, m, False) for o, m in constant]
            for offset, match, is_weak in found:
                (weak if is_weak else hits).append((ws + offset, match, location, context))
                if is_weak:
                    (alone if keyless else keyed).append(weak[-1])
        if weak and any(h[1].kind is Kind.MODEL for h in hits):
            # Short IDs (o1, o3) count beside other model IDs: a list of models.
            hits.extend(weak)
        else:
            if alone and weak_out is not None:
                weak_out.extend(alone)  # kept if a line above or below holds an ID (_beside_ids)
            if keyed and keyed_out is not None:
                keyed_out.extend(keyed)
        return hits

    def _constant(self, text: str, ws: int, we: int, floor: int) -> list[tuple[int, Match]]:
        """SDK model constants in the code word text[ws:we], by offset in text."""
        word = text[ws:we]
        if word.startswith(".") and IMPLICIT_MEMBER.search(text, max(floor, ws - 20), ws):
            # Swift's `model: .gpt4_o`: a member of the model type, named without the type
            found = self._find("Model" + word, None)
            return [(ws + o - 5, replace(m, text=word)) for o, m, _ in found]
        if word.endswith("::") and text.startswith("{", we):
            # Rust's `use rig::providers::anthropic::{self, completion::CLAUDE_SONNET_4_6};`: each
            # name of the group under the path
            out: list[tuple[int, Match]] = []
            close = text.find("}", we)
            for item in USE_GROUP_ITEM.finditer(text, we + 1, close if close >= 0 else len(text)):
                found = self._find(word + item.group(1), None)
                start = item.start(1) - len(word)
                out += [(start + o, replace(m, text=item.group(1))) for o, m, _ in found]
            return out
        return [(ws + o, m) for o, m, _ in self._find(word, None)]

    def _find(self, word: str, context: str | None) -> list[tuple[int, Match, bool]]:
        """Detector.find, remembered: dense trees repeat the same IDs in the same settings.
        context None: a word of code outside strings, read only as an SDK's model constant."""
        key = (word, context)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= 100_000:
                self._seen.clear()
            found = self._seen[key] = (
                self.detector.find(word, context)
                if context is not None
                else self.detector.sdk_constant(word)
            )
        return found

    def _notebook_line(self, text: str, spans: list[tuple[int, int, Seg]]) -> list[LineHit]:
        """Notebook cells are JSON strings holding lines: decode each, read it as code or docs.

        spans: where markdown cells (PROSE) and fenced blocks inside them (FENCE) lie on this
        line, as offsets from its start.
        """
        out: list[LineHit] = []
        for m in JSON_STRING.finditer(text):
            seg = next((g for a, b, g in spans if a <= m.start() < b), None)
            markdown = seg is Seg.PROSE
            if not self.line_keywords.search(m.group(1)):
                continue
            try:
                content = json.loads(m.group(0))
            except ValueError:
                continue
            if not isinstance(content, str):
                continue
            if markdown:
                segs = list(prose_segments(content))
                hits = self.line_hits(content, segs, FileType.DOCS, Location.DOCS)
            else:
                # Code cells are code; a fenced block in a markdown cell is code shown in docs.
                base = Location.DOCS if seg is Seg.FENCE else Location.CODE
                segs = list(code_segments(content, HASH_COMMENT))
                hits = self.line_hits(content, segs, FileType.CODE, base)
            out.extend((m.start(1) + c, match, loc, ctx) for c, match, loc, ctx in hits)
        return out

    def _scan_long_line(
        self,
        data: bytes,
        start: int,
        end: int,
        offsets: list[int],
        first: int,
        line_no: int,
        ftype: FileType,
        markers: tuple[str, ...],
        base: Location,
    ) -> Iterator[RawFinding]:
        """Windows around the hits of one very long line; every byte is decoded once or twice.

        A window whose hits all fall inside words too long to be an ID (keywords turn up by
        chance in base64 images and minified tables) is passed over unread, where segments
        cannot cut a word short (no comment marker made of word characters, not prose).
        """
        done_to = start
        col_pos, col_chars = start, 0  # characters before col_pos on this line
        whole_words = ftype is not FileType.DOCS and not any(
            c in WORD_CHARS for marker in markers for c in marker
        )
        for k in range(first, len(offsets)):  # an index: islice would skip from the start
            off = offsets[k]
            if off > end:
                break
            if off < done_to:
                continue
            lo = max(start, off - MAX_WINDOW, done_to)
            hi = min(end, off + MAX_WINDOW)
            if whole_words and _only_long_words(data, lo, hi, offsets, k):
                done_to = hi
                continue
            col_chars += len(data[col_pos:lo].decode("utf-8", "replace"))
            col_pos = lo
            raw = data[lo:hi]
            chunk = raw.decode("utf-8", "replace")
            segs = (
                list(code_segments(chunk, markers))
                if ftype is not FileType.DOCS
                else list(prose_segments(chunk))
            )
            j = bisect_right(offsets, lo)
            ends = _char_offsets(raw, chunk, lo, offsets, j, hi)
            for col, match, location, context in self.line_hits(chunk, segs, ftype, base, ends):
                yield RawFinding(line_no, col_chars + col + 1, match, location, context, False)
            done_to = hi


_WORD_BYTES = "".join(sorted(WORD_CHARS)).encode("ascii")
_WORD_BYTE_SET = frozenset(bytes([b]) for b in _WORD_BYTES)


def _only_long_words(data: bytes, lo: int, hi: int, offsets: list[int], first: int) -> bool:
    """Whether every hit ending in data[lo:hi] lies in a word longer than Detector.find reads.

    The word is widened as word_at widens it in the window's text: word characters are ASCII,
    so its length in bytes is its length in characters.
    """
    for k in range(first, len(offsets)):
        off = offsets[k]
        if off > hi:
            break
        if off <= lo:
            continue
        if data[off - 1 : off] not in _WORD_BYTE_SET:
            return False  # a hit ending in punctuation: its word may span two segments
        before = data[max(lo, off - 1 - WORD_LIMIT) : off - 1]
        after = data[off : min(hi, off + WORD_LIMIT)]
        width = (len(before) - len(before.rstrip(_WORD_BYTES))) + 1
        width += len(after) - len(after.lstrip(_WORD_BYTES))
        if width <= MAX_WORD:
            return False
    return True


def _undouble(text: str) -> str:
    """A line inside a C# or VB verbatim string, where every quote is doubled
    (`""model"": ""gpt-4o"",`), read with single quotes; the line keeps its length."""
    if not DOUBLED_VALUE.search(text) or QUOTE_RUN_NOT_TWO.search(text):
        return text
    return DOUBLED_QUOTES.sub(lambda m: ' "' if m.group(1) else '" ', text)


def _names_a_tool(data: bytes, line_start: int) -> bool:
    """The function this line belongs to returns the name of a parser, renderer or template
    (Ollama's getParserName, vLLM's reasoning parsers): the nearest function header above it
    within FUNCTION_WINDOW bytes is named so."""
    name = ""
    for m in FUNCTION_HEADER.finditer(data, max(0, line_start - FUNCTION_WINDOW), line_start):
        found = m.group(1) or m.group(2)
        if found and found not in CONTROL_WORDS:
            name = found.decode("ascii")
    return bool(name) and bool(TOOL_NAME.search(name))


def _in_words(text: str, start: int, end: int, seg: Segment) -> bool:
    """The word sits among other words of its string (a title), not alone or in JSON syntax."""
    return (start > seg.start and text[start - 1].isspace()) or (
        end < seg.end and text[end].isspace()
    )


# A block of models (`models:`, `MODELS = {`, `llm:`, `chat_models:`): the keys inside it name
# models, whatever they are called (`smart: o3`), unlike a block named after something else that
# mentions models (ModelResponse(...), model_settings).
MODELS_OWNER = re.compile(r"(?:^|[_.-])(?:models?|llms?)$", re.IGNORECASE)


def _names_a_model(text: str, pos: int, owner: str) -> bool:
    """A `name`/`id` key at `pos` belongs to a model object: the bracket it sits in is opened by
    a model key or call on this line, else its line sits under one (`owner`, see BlockOwners);
    and no `model` key beside it makes it a display name."""
    inline, bracket = inline_owner(text, pos)
    if not model_owner(inline or owner):
        return False
    return not MODEL_KEY_INLINE.search(text, bracket + 1)


def _beside_ids(results: list[RawFinding], pending: list[RawFinding]) -> list[RawFinding]:
    """Short IDs alone on their line kept when the line above or below holds a model ID (items
    of a multi-line list or mapping of models: `"o1": 30000,` below `"o1-mini": 90000,`).

    Two passes, down then up, so a run of short IDs beside one ID is kept whole, in linear time.
    """
    near = {r.line for r in results if r.match.kind is Kind.MODEL}
    kept: list[RawFinding] = []
    todo = sorted(pending, key=lambda r: (r.line, r.column))
    for downward in (True, False):
        rest: list[RawFinding] = []
        for r in todo if downward else reversed(todo):
            if r.line - 1 in near or r.line + 1 in near:
                kept.append(r)
                near.add(r.line)
            else:
                rest.append(r)
        todo = rest[::-1] if not downward else rest
    return kept


def _quoted(text: str, start: int, end: int) -> bool:
    """The word is quoted or in backticks (a literal inside prose or a comment)."""
    before = text[start - 1 : start] if start else ""
    return before in ("'", '"', "`") or text[end : end + 1] in ("'", '"', "`")


def _char_offsets(
    raw: bytes, text: str, start: int, offsets: list[int], first: int, end: int
) -> Iterator[int]:
    """Prefilter hit ends (byte offsets in the file) as character offsets in text = raw.decode().

    Hits end on ASCII keyword characters, so every slice between two hits decodes cleanly; each
    byte is decoded once, which keeps a long non-ASCII line linear.
    """
    ascii_text = len(raw) == len(text)
    chars, prev = 0, start
    for k in range(first, len(offsets)):  # an index: islice would skip from the start
        off = offsets[k]
        if off > end:
            return
        if off <= prev:
            continue
        if ascii_text:
            yield off - start
        else:
            chars += len(raw[prev - start : off - start].decode("utf-8", "replace"))
            prev = off
            yield chars


def _region_shape(
    overlapping: list[Region], start: int, length: int
) -> tuple[tuple[int, int, Seg, str], ...]:
    """What _line_segments reads of the regions over a line of `length` bytes at `start`: each
    one's kind, key and offsets in the line (a start before the line as -1, an end after it as
    length + 1: the line is cut the same wherever they lie beyond it)."""
    return tuple(
        (max(r.start - start, -1), min(r.end - start, length + 1), r.seg, r.context)
        for r in overlapping
    )


def _line_segments(
    text: str,
    raw: bytes,
    start: int,
    ftype: FileType,
    markers: tuple[str, ...],
    overlapping: list[Region],
) -> list[Segment]:
    """The segments of one line: parts inside the multi-line regions that overlap it
    (RegionIndex.overlapping), the rest lexed as the file type."""
    if not overlapping:  # the common case: the whole line lexed as its file type
        if ftype is FileType.DOCS:
            return list(prose_segments(text))
        return code_segments(text, markers)
    ascii_line = len(raw) == len(text)

    def char_at(byte_pos: int) -> int:
        k = min(max(byte_pos - start, 0), len(raw))
        return k if ascii_line else len(raw[:k].decode("utf-8", "replace"))

    def base_segments(a: int, b: int) -> Iterator[Segment]:
        if ftype is FileType.DOCS:
            for s in prose_segments(text[a:b]):
                yield Segment(s.start + a, s.end + a, s.seg, s.context)
        else:
            yield from code_segments(text, markers, a, b)

    segs: list[Segment] = []
    pos = 0
    for region in overlapping:
        a, b = char_at(region.start), char_at(region.end)
        b = min(b, len(text))
        if a > pos:
            segs.extend(base_segments(pos, a))
        if b > a or region.start <= start:
            segs.append(Segment(max(a, pos), max(b, pos), region.seg, region.context))
        pos = max(pos, b)
    if pos < len(text):
        segs.extend(base_segments(pos, len(text)))
    return segs


# ---------------------------------------------------------------------------------------- policy


def fingerprint(kind: str, family: str, model_id: str, path: str, occurrence: int) -> str:
    """Stable across line moves: what was found, in which file, and which occurrence of it."""
    key = f"{kind}|{family}|{model_id.lower()}|{path}|{occurrence}"
    # surrogateescape: a file name that is not UTF-8 keeps its bytes (and cannot crash the run).
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


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
    # Several repositories in one run: each one's label -> why it could not be scanned.
    repo_errors: dict[str, str] = field(default_factory=dict)
    repos: list[str] = field(default_factory=list)  # labels of the repositories scanned
    # How people want it shown (table and markdown): the inventory alone (`summary`), or grouped
    # by "model", "vendor" or "file" (`group_by`; None: by model, shown first only when many).
    summary: bool = False
    group_by: str | None = None
    # The scan root relative to the repository's root ("" at the root): SARIF URIs need it.
    repo_prefix: str = ""

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
