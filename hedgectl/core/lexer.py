"""Where a keyword hit sits: the word around it, the kind of text it is in, the key it belongs to.

Audit finds candidates around keyword hits rather than classifying a few chosen tokens: every
ID-shaped word that holds a catalog keyword is a candidate, wherever it sits (a string, a mapping
key, a TOML header, a shell argument, JSON inside a string, a URL path). What surrounds the word
decides how it is judged and reported:

- the segment of the line: a string literal, a comment, code, or (in docs) inline code and URLs;
- regions that span lines: Python and Julia triple-quoted strings (a statement-level one is a
  docstring, reported as docs), JS/TS/Go multi-line template and raw strings, block comments,
  fenced code blocks in Markdown, notebook cells (markdown cells are docs);
- the key, flag or variable the word is assigned to (its context).

Everything here is linear in the length of a line: look-behind for a key reads a bounded window,
and words are expanded from each hit once.
"""

from __future__ import annotations

import enum
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from hedgectl.core.models import Location


class FileType(enum.Enum):
    CODE = "code"
    SHELL = "shell"  # code whose values are often unquoted (shell, Dockerfile, Makefile)
    CONFIG = "config"
    NOTEBOOK = "notebook"
    DOCS = "docs"


HASH_COMMENT = ("#",)
SLASH_COMMENT = ("//",)
PYTHON_EXTS = frozenset({"py", "pyi", "pyw"})
BACKTICK_EXTS = frozenset(
    {"js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "go", "vue", "svelte"}
)
BLOCK_COMMENT_EXTS = BACKTICK_EXTS | frozenset(
    {"java", "kt", "kts", "scala", "rs", "c", "h", "cc", "cpp", "hpp", "cs", "swift", "dart",
     "groovy", "php", "css", "scss", "less"}
)  # fmt: skip
LANGS: dict[str, tuple[FileType, tuple[str, ...]]] = {}
for _ext in ("py", "pyi", "pyw", "rb", "r", "jl", "ex", "exs", "pl", "nim", "cr"):
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


def base_name(path: str) -> str:
    """The last component of a "/"-separated path (PurePosixPath(path).name, without its cost)."""
    return path.rstrip("/").rpartition("/")[2]


def extension(path: str) -> str:
    name = base_name(path).lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def file_type(path: str) -> tuple[FileType, tuple[str, ...]]:
    name = base_name(path).lower()
    if name.startswith(".env") or name.endswith(".env"):
        return LANGS["env"]
    if name in ("dockerfile", "makefile", "justfile", "containerfile") or name.startswith(
        ("dockerfile.", "makefile.")
    ):
        return LANGS["dockerfile"]
    # Unknown types are read like config: quoted strings and key=value pairs.
    return LANGS.get(extension(path), (FileType.CONFIG, HASH_COMMENT))


# ---------------------------------------------------------------------------------------- segments


class Seg(enum.Enum):
    CODE = "code"  # code outside strings and comments
    STRING = "string"
    COMMENT = "comment"
    DOCSTRING = "docstring"  # prose inside code: a docstring
    FENCE = "fence"  # a fenced code block in docs
    PROSE = "prose"  # docs text outside code


@dataclass(frozen=True, slots=True)
class Region:
    """Part of a file that spans lines, in byte offsets: [start, end)."""

    start: int
    end: int
    seg: Seg
    context: str = ""


class Segment(NamedTuple):
    """Part of one line (a tuple: lines are cut into many, and they are built in the hot loop)."""

    start: int  # character offsets in the line
    end: int
    seg: Seg
    context: str = ""  # for strings: the key the literal is assigned to
    # A string whose key is not looked up yet: where its opening quote is in the line. The key is
    # read (context_before) only for segments that hold a keyword hit: see segment_context.
    key_at: int = -1


def segment_context(line: str, seg: Segment) -> str:
    """The key a segment's string is assigned to (computed on first need, for code strings)."""
    if seg.key_at < 0:
        return seg.context
    return context_before(line[max(0, seg.key_at - LOOKBEHIND) : seg.key_at])


# Look-behind for a key reads a bounded window, with regexes written for the REVERSED window and
# anchored at its start: a `$`-anchored regex searched over a prefix restarts at every position
# and is quadratic in the prefix (the known offender on long JSON lines).
LOOKBEHIND = 160
# key = / key: / key := / key => / "key": / x.key = / key: Type = ; reversed.
REV_QUOTED_KEY = re.compile(r"\s*(?::|>=)\s*[\"']\\?([^\"'\\]+)[\"']")
REV_KEY = re.compile(
    # `key: Type = value` (an annotation before `=`); after `:` the key is the nearest word, not
    # one before it: `ChatQuery(messages: msgs, model: "o1")` sets `model`
    r"\s*[\[(]?\s*(?:(?:>=|=:|==|=)\s*(?:[\w\[\]., |]{0,40}?[A-Za-z_]\s*:\s*)?|:\s*)\]?[\\\"'`]*"
    r"([\w$.-]*[A-Za-z_$])"
)
# --flag value / -m value ; reversed.
REV_FLAG = re.compile(r"[= ]\s*([\w-]*[A-Za-z])--?(?:\s|$)")
# os.getenv("LLM_MODEL", "o3"): the first argument of a call names the second.
STRING_KEY_BEFORE = re.compile(r"\(\s*[\"']([\w.-]+)[\"']\s*,\s*[\[(]?\s*$")
# ["-m", "o3"] / ("--model", "x"): an argument list where a flag comes before the value.
ARGV_FLAG_BEFORE = re.compile(r"[\"']--?([A-Za-z][\w-]*)[\"']\s*,\s*$")
# The model argument of a CLI that runs or fetches models: ollama run NAME, docker model pull NAME,
# hf download ORG/NAME, vllm serve ORG/NAME, lms load NAME.
CLI_MODEL_ARG = re.compile(
    r"(?:\bollama\s+(?:run|pull|push|show|create|cp|rm|stop)|\bdocker\s+model\s+(?:pull|run)|"
    r"\b(?:huggingface-cli|hf)\s+download|\bvllm\s+serve|\blms\s+(?:load|get))\s*$"
)
# A provider's model function called with the ID, as the AI SDK names a model: openai('o1'),
# anthropic('claude-sonnet-4-5'), openai.responses('o3'), google.speech('...'), azure.image('...'),
# and any provider's `xModel(` factory method.
PROVIDER_CALL = re.compile(
    r"(?<![\w.$])(?:openai|azure|anthropic|google|vertex|googleVertex|bedrock|amazonBedrock|"
    r"mistral|xai|groq|deepseek|cohere|togetherai|fireworks|perplexity|cerebras|deepinfra|"
    r"gateway|openrouter|ollama)"
    r"(?:\.(?:chat|responses|completion|languageModel|embedding|textEmbedding|embeddingModel|"
    r"textEmbeddingModel|image|imageModel|speech|speechModel|transcription|transcriptionModel|"
    r"video|videoModel|reranking|rerankingModel))?\s*\(\s*$"
    # any provider's model factory method: ollm.chatModel('near/GLM-4.6'), x.embeddingModel('...')
    r"|\.(?:chat|language|embedding|textEmbedding|image|speech|transcription|video|reranking|"
    r"completion)Model\s*\(\s*$"
    # a function named for the model it builds: model("cline-pass/glm-5.2"), createModel('o3')
    # (not a predicate about one: isReasoningModel('o1'), supportsModel('o3'))
    r"|(?<![\w$.])(?:model|(?!is|has|supports|can|should|needs|uses)[a-z]\w*Model)\s*\(\s*$"
)
# An object whose `.name` or `.id` is a model's name: model.name, self.main_model.id, llm.name.
MODEL_OWNER = re.compile(r"(?:model|llm)[^.]*$", re.IGNORECASE)
# `- name: gpt-4o-mini` in a model-settings list: `name` names the model there.
LIST_ITEM_NAME = re.compile(r"^\s*-\s*[\"']?name[\"']?\s*:")
CALL_OF_PREFIX = re.compile(
    r"(?:startswith|endswith|starts_with|ends_with|hasprefix|hassuffix|has_prefix|has_suffix|"
    r"trimprefix|trimsuffix|strip_prefix|strip_suffix|includes|indexof|contains|match|matches|"
    r"test|search|replace|split|regexp|compile|require|import|fnmatch|glob|has|lastindexof)\s*\($",
    re.IGNORECASE,
)
# The same tests written as functions of the text, the prefix second: Go's strings.Contains(s,
# "glm4") and strings.HasPrefix(name, "qwen3"), Rust's str::starts_with(s, "gpt-").
CALL_OF_PREFIX_SECOND = re.compile(
    r"(?:contains|containsany|hasprefix|hassuffix|index|lastindex|trimprefix|trimsuffix|cutprefix|"
    r"cutsuffix|equalfold|count|starts_with|ends_with)\s*\(\s*[\w.\[\]()*&]+\s*,\s*$",
    re.IGNORECASE,
)
IMPORT_LINE = re.compile(r"^\s*(?:import\s|from\s+\S+\s+import\s|export\s.*\sfrom\s|#include)")
TRAILING_QUOTES = "\"'`\\ \t*"


def _drop_placeholder(prefix: str) -> str:
    """--output {path}/x, ${BASE}/x: the value's context is before the placeholder."""
    tail = prefix.rstrip("/")
    if tail.endswith("}"):
        opening = tail.rfind("{")
        if opening >= 0 and "}" not in tail[opening:-1]:
            return tail[: opening - 1 if tail[opening - 1 : opening] == "$" else opening].rstrip()
    return prefix


def context_before(prefix: str) -> str:
    """The key, variable or flag a value is assigned to, from the text just before it."""
    prefix = prefix[-LOOKBEHIND:].rstrip(TRAILING_QUOTES)
    if not prefix:
        return ""
    if LIST_ITEM_NAME.match(prefix):
        return "model"
    prefix = _drop_placeholder(prefix)
    rev = prefix[::-1]
    m = REV_QUOTED_KEY.match(rev)
    if m:
        return m.group(1)[::-1]
    m = REV_KEY.match(rev)
    if m:
        owner, _, key = m.group(1)[::-1].rpartition(".")
        if key.lower() in ("name", "id") and MODEL_OWNER.search(owner):
            return "model"  # model.name = "gpt-4", self.llm.id = ...: the model's own name
        return key.lstrip("$")
    tail = prefix[-60:]
    m = STRING_KEY_BEFORE.search(tail + " ") or ARGV_FLAG_BEFORE.search(tail + " ")
    if m:
        return m.group(1)
    m = REV_FLAG.match(" " + rev)
    if m:
        return m.group(1)[::-1]
    return "model" if CLI_MODEL_ARG.search(tail) or PROVIDER_CALL.search(tail) else ""


def prefix_check(prefix: str) -> bool:
    """True when a string is the argument of a prefix/containment test or an import."""
    tail = prefix[-40:].rstrip()
    if tail[-1:] in ("r", "b", "u", "R", "B", "U") and tail[-2:-1] in ("(", "[", " "):
        tail = tail[:-1]  # a string prefix: r"..."
    core = tail.rstrip("[( \t")
    if "(" in tail[len(core) :] and CALL_OF_PREFIX.search(core[-30:] + "("):
        return True
    return tail.endswith(",") and bool(CALL_OF_PREFIX_SECOND.search(tail + " "))


@cache
def _span_regex(comment_markers: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a line's lexemes: closed strings, an unclosed string, a comment start.

    Every alternative starts with a literal character (the `#` rule looks behind after the
    `#`), so the engine skips to the next quote or marker instead of trying each alternative at
    every position; strings are written unrolled ("[^"\\]*(?:\\.[^"\\]*)*") for the same reason.
    """
    strings = [rf"{q}[^{q}\\]*(?:\\.[^{q}\\]*)*{q}" for q in ('"', "'", "`")]
    unclosed = r"[\"'`]"
    # `#` at the start of the line or after a blank or `;` (not inside a word: a URL fragment)
    markers = [r"#(?<![^ \t;]#)" if m == "#" else re.escape(m) for m in comment_markers]
    return re.compile("|".join([*strings, *markers, unclosed]))


def code_segments(
    line: str, markers: tuple[str, ...], start: int = 0, end: int | None = None
) -> list[Segment]:
    """Strings and comments of one line of code (from start to end), gaps as CODE.

    A string's key is left for segment_context to read: most strings of a line hold no hit.
    """
    end = len(line) if end is None else end
    pos = start
    out: list[Segment] = []
    add = out.append
    for m in _span_regex(markers).finditer(line, start, end):
        at, to = m.span()
        if at > pos:
            add(Segment(pos, at, Seg.CODE))
        first = line[at]
        if to - at >= 2 and first in "\"'`" and line[to - 1] == first:
            add(Segment(at + 1, to - 1, Seg.STRING, "", at))
            pos = to
        elif to - at == 1 and first in "\"'`":  # a string left open: it runs past this line
            add(Segment(to, end, Seg.STRING, "", at))
            return out
        else:
            add(Segment(at, end, Seg.COMMENT))
            return out
    if pos < end:
        add(Segment(pos, end, Seg.CODE))
    return out


INLINE_CODE = re.compile(r"`+([^`]+)`+")
URL = re.compile(r"(?:https?://|(?<![\w.-])(?:huggingface\.co|hf\.co)/)[^\s)\]>\"'`|]+")


# A Markdown table cell holding one word: `| Chat Completion | gpt-4-0613 | 0613 |`.
# Links, images, bold titles and HTML in a cell are names shown to a reader, not values.
TABLE_CELL = re.compile(r"(?<=\|)[ \t]*([^\s|`\[!*<_][^\s|`]*)[ \t]*(?=\|)")


def _written_as_id(cell: str) -> bool:
    """`gpt-4-0613`, `Qwen/Qwen2.5-7B`, `qwen3:8b` are IDs; `GPT-4o-0513` and `DeepSeek-V3` in
    a benchmark table are the names a reader is shown."""
    return cell == cell.lower() or "/" in cell or ":" in cell


# A docs line that is JSON, or a server-sent event carrying JSON: recorded API responses kept as
# .txt test data (`data: {"model":"gpt-4o-2024-05-13",...}`), JSON lines pasted into prose.
STRUCTURED_LINE = re.compile(r"^[ \t]*(?:data:[ \t]*)?\[?\{[ \t]*\"")


# A sentence listing chat templates (`Available templates include: `llama3`, `chatml`, `phi3``):
# the inline code after it names templates, not models, unless the sentence says "model" first.
TEMPLATE_SENTENCE = re.compile(r"\btemplates?\b", re.IGNORECASE)
MODEL_WORD = re.compile(r"\bmodels?\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?;]\s")


def _names_templates(line: str, pos: int) -> bool:
    """The inline code at `pos` follows the word "template(s)" in its sentence, and no "model"."""
    start = 0
    for m in SENTENCE_END.finditer(line, 0, pos):
        start = m.end()
    sentence = line[start:pos]
    return bool(TEMPLATE_SENTENCE.search(sentence)) and not MODEL_WORD.search(sentence)


def prose_segments(line: str) -> Iterator[Segment]:
    """In docs prose only inline code, URLs and one-word table cells count: a model named in a
    sentence is not a use, a table of the IDs a sample was tested with is. A line of JSON is
    read as code. Inline code in a sentence that lists templates is prose."""
    if STRUCTURED_LINE.match(line):
        yield from code_segments(line, ())
        return
    spans = [
        Segment(m.start(1), m.end(1), Seg.STRING)
        for m in INLINE_CODE.finditer(line)
        if not ("emplate" in line and _names_templates(line, m.start()))
    ]
    if line.lstrip().startswith("|"):
        spans += [
            Segment(m.start(1), m.end(1), Seg.STRING)
            for m in TABLE_CELL.finditer(line)
            if _written_as_id(m.group(1)) and not any(s.start <= m.start(1) < s.end for s in spans)
        ]
    for m in URL.finditer(line):
        if not any(s.start <= m.start() < s.end for s in spans):
            spans.append(Segment(m.start(), m.end(), Seg.STRING))
    spans.sort(key=lambda s: s.start)
    pos = 0
    for s in spans:
        if s.start > pos:
            yield Segment(pos, s.start, Seg.PROSE)
        yield s
        pos = s.end
    if pos < len(line):
        yield Segment(pos, len(line), Seg.PROSE)


# ---------------------------------------------------------------------------------------- regions

TRIPLE = re.compile(rb'"""|\'\'\'')
JULIA_TRIPLE = re.compile(rb'"""')
# What may stand before a statement-level triple-quoted string, which is then a docstring: a
# Python string prefix; in Julia, the string alone before a definition, `@doc` and doc macros.
PYTHON_DOC_PREFIXES = frozenset(("", "r", "u", "b", "f", "rb", "br", "fr", "rf"))
JULIA_DOC_PREFIXES = frozenset(("", "@doc", "md", "doc", "raw", "@doc md", "@doc raw"))
# A Julia string alone on its lines documents what follows it; one followed by `end` or `)` is
# the last value of a block (a function returning a prompt), not a docstring.
JULIA_UNDOCUMENTED = re.compile(rb"[ \t\r\n]*(?:end\b|\)|$)")
OPEN_CONTINUES = tuple("(,=[{+\\")  # a line ending so continues an expression: not a docstring
# A fence line: its run of backticks or tildes, then the info string (or nothing, to close); in
# a blockquote (a note or a warning holding a config sample) after its `>` markers.
FENCE = re.compile(rb"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})([^\n]*)", re.MULTILINE)
# AsciiDoc delimited blocks that hold code or commands: listings (----, the body of a
# [source,java] block), literals (....) and Markdown-style fences; a block closes at the same line.
ADOC_BLOCK = re.compile(rb"^(-{4,}|\.{4,}|```)[ \t]*\r?$", re.MULTILINE)
FRONT_MATTER_END = re.compile(rb"\n(?:---|\.\.\.)[ \t]*\r?(?:\n|$)")
FRONT_MATTER_MAX = 65536
# A front-matter line holding one value: `key: value`, `- value`.
FRONT_MATTER_VALUE = re.compile(
    rb"""^[ \t]*(?:-[ \t]+|[\w.-]+:[ \t]*)["']?[^\s"']+["']?[ \t]*\r?$""", re.MULTILINE
)
NB_CELL = re.compile(rb'"cell_type"\s*:\s*"(\w+)"')
# A notebook source line that opens or closes a fenced block: `    "```python\n",`.
NB_FENCE = re.compile(rb'^[ \t]*"[ \t]*(?:```|~~~)', re.MULTILINE)


def _line_start(data: bytes, pos: int) -> int:
    return data.rfind(b"\n", 0, pos) + 1


def _triple_quoted_regions(
    data: bytes,
    triple: re.Pattern[bytes],
    doc_prefixes: frozenset[str],
    undocumented: re.Pattern[bytes] | None = None,
) -> list[Region]:
    """Triple-quoted strings (Python, Julia): a statement-level one is a docstring (unless what
    follows it matches `undocumented`), another that spans lines a string."""
    regions: list[Region] = []
    lines = _Lines(data)
    pos = 0
    while True:
        m = triple.search(data, pos)
        if m is None:
            return regions
        delim = m.group(0)
        close = data.find(delim, m.end())
        end = len(data) if close < 0 else close + 3
        ls = lines.start_of(m.start())
        before = data[max(ls, m.start() - LOOKBEHIND) : m.start()].decode("utf-8", "replace")
        stripped = before.strip().lower()
        statement = stripped in doc_prefixes
        if statement:
            prev_end = ls - 1
            prev = data[_line_start(data, max(prev_end, 0)) : max(prev_end, 0)].rstrip()
            statement = not prev.decode("utf-8", "replace").endswith(OPEN_CONTINUES)
        if statement and undocumented is not None:
            statement = undocumented.match(data, end) is None
        if statement:
            regions.append(Region(m.end(), max(m.end(), end - 3), Seg.DOCSTRING))
        elif b"\n" in data[m.end() : end]:
            context = context_before(before.rstrip("rbufRBUF"))
            regions.append(Region(m.end(), max(m.end(), end - 3), Seg.STRING, context))
        pos = end


LINE_LEXEME = re.compile(rb"//|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|[\"']")
LINE_STRING = re.compile(rb"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")  # LINE_LEXEME's strings
OPENERS = re.compile(rb"`|/\*")


class _Lines:
    """Where lines start, and whether a place is inside a // comment or a quoted string of its
    line, for places asked about from the top of a file down.

    What lexing the line from its start up to the place finds, without doing it again at every
    place: a minified line with a backtick every few bytes was searched back and lexed from its
    start at each one, in time quadratic in its length. Here each stretch of a line is lexed
    once, and a string is read past the place only to its closing quote.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._at, self._start = 0, 0  # the last place asked about, and where its line starts
        self._line = -1  # the start of the line being lexed
        self._lexed_to = 0  # every lexeme of the line before this is a closed string
        self._open_from = (
            -1
        )  # where the line's first `//` or never-closed quote ends (-1: none yet)
        self._string = (-1, -1)  # a string met that closes past the place last asked about

    def start_of(self, pos: int) -> int:
        """Where the line holding `pos` starts (`pos` at or after the last one asked)."""
        newline = self.data.rfind(b"\n", self._at, pos)
        if newline >= 0:
            self._start = newline + 1
        self._at = pos
        return self._start

    def is_open(self, line_start: int, pos: int) -> bool:
        """Whether data[line_start:pos] ends inside a // comment or a quoted string: whether
        lexing it finds a `//` or a quote that does not close before `pos`. Places on one line
        are asked about in order."""
        if self._line != line_start:
            self._line, self._lexed_to, self._open_from = line_start, line_start, -1
            self._string = (-1, -1)
        if self._open_from >= 0:
            return True  # open before an earlier place, so before this one
        start, end = self._string
        if start >= 0:
            if pos < end:
                return True  # still inside that string
            self._lexed_to, self._string = end, (-1, -1)
        data = self.data
        while True:
            m = LINE_LEXEME.search(data, self._lexed_to, pos)
            if m is None:
                # Nothing starts before pos - 1: a `//` may still start there.
                self._lexed_to = max(self._lexed_to, pos - 1)
                return False
            if m.group(0) == b"//":
                self._open_from = m.end()
                return True
            if m.end() - m.start() > 1:  # a string closed before pos
                self._lexed_to = m.end()
                continue
            closed = LINE_STRING.match(data, m.start())  # a quote open at pos: closed later?
            if closed is None:
                self._open_from = m.end()
            else:
                self._string = (m.start(), closed.end())
            return True


def _backtick_regions(data: bytes) -> list[Region]:
    """Multi-line template/raw strings and block comments (JS, TS, Go, C-like languages).

    Only backticks and `/*` are visited; the line before each is lexed to skip the ones inside
    a // comment or a quoted string. Files hold far fewer of these than strings, so this costs a
    fraction of lexing every string of the file.
    """
    regions: list[Region] = []
    lines = _Lines(data)
    pos = 0
    while True:
        m = OPENERS.search(data, pos)
        if m is None:
            return regions
        start = m.start()
        ls = lines.start_of(start)
        if lines.is_open(ls, start):
            pos = start + 1
            continue
        if m.group(0) == b"/*":
            close = data.find(b"*/", start + 2)
            end = len(data) if close < 0 else close + 2
            regions.append(Region(start, end, Seg.COMMENT))
            pos = end
            continue
        close = start + 1
        while True:  # the closing backtick, skipping escaped ones
            close = data.find(b"`", close)
            if close < 0 or data[close - 1 : close] != b"\\":
                break
            close += 1
        end = len(data) if close < 0 else close
        if b"\n" in data[start:end]:
            window = data[max(ls, start - LOOKBEHIND) : start]
            context = context_before(window.decode("utf-8", "replace"))
            regions.append(Region(start + 1, max(start + 1, end), Seg.STRING, context))
        pos = end + 1


RUST_RAW = re.compile(rb'(?<![\w"])b?r(#+)"')


def _rust_regions(data: bytes) -> list[Region]:
    """Rust raw strings (`r#"{"model": "gpt-4o"}"#`, over one line or many) as strings, then
    block comments outside them. Inside a raw string `"` does not close it, so the line lexer
    would read its JSON keys and values inside out."""
    raw: list[Region] = []
    lines = _Lines(data)
    pos = 0
    while True:
        hash_at = data.find(b"r#", pos)  # bytes.find skips ahead faster than a regex search
        if hash_at < 0:
            break
        lead = 1 if hash_at and data[hash_at - 1 : hash_at] == b"b" else 0
        m = RUST_RAW.match(data, hash_at - lead)
        if m is None:
            pos = hash_at + 2
            continue
        start = m.start()
        ls = lines.start_of(start)
        if lines.is_open(ls, start):
            pos = m.end()
            continue
        close = data.find(b'"' + m.group(1), m.end())
        end = len(data) if close < 0 else close
        window = data[max(ls, start - LOOKBEHIND) : start]
        context = context_before(window.decode("utf-8", "replace"))
        raw.append(Region(m.end(), max(m.end(), end), Seg.STRING, context))
        pos = end + 1
    if not raw:
        return _backtick_regions(data)
    starts = [r.start for r in raw]
    others = []
    for r in _backtick_regions(data):
        i = bisect_right(starts, r.start) - 1
        if i < 0 or raw[i].end <= r.start:
            others.append(r)  # a block comment outside every raw string
    return sorted(raw + others, key=lambda r: r.start)


def _fence_regions(data: bytes) -> list[Region]:
    regions = []
    # YAML front matter (a model card's base_model:, a post's model:): its one-value lines read
    # like a fenced block; titles and descriptions stay prose.
    head = 0
    if data.startswith((b"---\n", b"---\r\n")):
        close = FRONT_MATTER_END.search(data, 3, FRONT_MATTER_MAX)
        if close is not None:
            for m in FRONT_MATTER_VALUE.finditer(data, data.find(b"\n") + 1, close.start() + 1):
                regions.append(Region(m.start(), m.end(), Seg.FENCE))
            head = close.end()
    # A block closes on a fence of its own character, at least as long, with no info string
    # (CommonMark): a ```` block can show ``` fences inside it.
    opened: re.Match[bytes] | None = None
    for m in FENCE.finditer(data, head):
        run = m.group(1)
        if opened is None:
            opened = m
        elif (
            run[:1] == opened.group(1)[:1]
            and len(run) >= len(opened.group(1))
            and not m.group(2).strip()
        ):
            start = data.find(b"\n", opened.start())
            if 0 <= start < m.start():
                regions.append(Region(start + 1, m.start(), Seg.FENCE))
            opened = None
    if opened is not None:  # an unclosed fence runs to the end
        start = data.find(b"\n", opened.start())
        if start >= 0:
            regions.append(Region(start + 1, len(data), Seg.FENCE))
    return regions


def _adoc_regions(data: bytes) -> list[Region]:
    regions: list[Region] = []
    pos = 0
    while True:
        opening = ADOC_BLOCK.search(data, pos)
        if opening is None:
            return regions
        start = data.find(b"\n", opening.start())
        if start < 0:
            return regions
        delim = opening.group(1)
        closing = ADOC_BLOCK.search(data, start + 1)
        while closing is not None and closing.group(1) != delim:
            closing = ADOC_BLOCK.search(data, closing.end())
        end = len(data) if closing is None else closing.start()  # unclosed: to the end
        regions.append(Region(start + 1, max(start + 1, end), Seg.FENCE))
        if closing is None:
            return regions
        pos = closing.end()


# reStructuredText code: a code directive (`.. code-block:: yaml`, `.. code::`, `.. sourcecode::`,
# `.. prompt:: bash`) or a paragraph ending in `::` opens a literal block, the indented lines after
# it. Other directives (`.. note::`, `.. toctree::`) hold prose or lists, not code.
RST_OPENER = re.compile(
    rb"^([ \t]*)(?:\.\.[ \t]+(?:code-block|code|sourcecode|prompt|parsed-literal)::[^\n]*"
    rb"|(?!\.\.)[^\n]*\S::)[ \t]*\r?$",
    re.MULTILINE,
)
RST_TEXT_LINE = re.compile(rb"^([ \t]*)\S", re.MULTILINE)


def _rst_regions(data: bytes) -> list[Region]:
    """A literal block runs from the line after its opener to the first text line indented no
    deeper than the opener; blank lines and the directive's options (`:linenos:`) are inside."""
    regions: list[Region] = []
    pos = 0
    while True:
        opener = RST_OPENER.search(data, pos)
        if opener is None:
            return regions
        start = data.find(b"\n", opener.start())
        if start < 0:
            return regions
        depth = len(opener.group(1).expandtabs())
        end = len(data)
        for line in RST_TEXT_LINE.finditer(data, start + 1):
            if len(line.group(1).expandtabs()) <= depth:
                end = line.start()
                break
        if end > start + 1:
            regions.append(Region(start + 1, end, Seg.FENCE))
        pos = max(end, start + 1)


# Vim help files (a Neovim plugin's doc/NAME.txt): the first line tags the file (`*name.txt*`), or
# a modeline says `ft=help`. A line ending in ` >` (`>lua`, `>vim` in Neovim's) opens a code example:
# the lines after it, up to one that starts with `<` or has text in the first column.
VIMDOC_TAG = re.compile(rb"\*[^*\s]+\.txt\*")
VIMDOC_MODELINE = b"ft=help"
VIMDOC_OPENER = re.compile(rb"(?:^|[ \t])>[a-z0-9]*[ \t]*\r?$", re.MULTILINE)
VIMDOC_END = re.compile(rb"^(?:[ \t]*<|[^ \t\r\n])", re.MULTILINE)


def _is_vimdoc(data: bytes) -> bool:
    return bool(VIMDOC_TAG.match(data)) or VIMDOC_MODELINE in data[-256:]


def _vimdoc_regions(data: bytes) -> list[Region]:
    regions: list[Region] = []
    pos = 0
    while True:
        opener = VIMDOC_OPENER.search(data, pos)
        if opener is None:
            return regions
        start = data.find(b"\n", opener.start())
        if start < 0:
            return regions
        close = VIMDOC_END.search(data, start + 1)
        end = len(data) if close is None else close.start()  # unclosed: to the end
        if end > start + 1:
            regions.append(Region(start + 1, end, Seg.FENCE))
        pos = max(end, start + 1)


def _notebook_regions(data: bytes) -> list[Region]:
    """Markdown cells are prose; the lines of a fenced block inside one are code shown in docs."""
    cells = list(NB_CELL.finditer(data))
    regions = []
    for i, m in enumerate(cells):
        if m.group(1) == b"markdown":
            end = cells[i + 1].start() if i + 1 < len(cells) else len(data)
            pos = m.end()
            fences = list(NB_FENCE.finditer(data, pos, end))
            marks = [f.start() for f in fences]
            for k in range(0, len(marks) - 1, 2):
                body = data.find(b"\n", marks[k], marks[k + 1])
                if body < 0:
                    continue  # the cell's source is one string: its fences are not lines
                if data[fences[k].end() : fences[k].end() + 1] == b"{":
                    continue  # a MyST directive (```{tip}): prose in a box, not code
                regions.append(Region(pos, body + 1, Seg.PROSE))
                regions.append(Region(body + 1, marks[k + 1], Seg.FENCE))
                pos = marks[k + 1]
            regions.append(Region(pos, end, Seg.PROSE))
    return regions


def file_regions(data: bytes, path: str, ftype: FileType) -> list[Region]:
    """Regions of a file that span lines, sorted by start."""
    ext = extension(path)
    if ftype is FileType.DOCS:
        if ext == "adoc":
            return _adoc_regions(data)
        if ext == "rst":
            return _rst_regions(data)
        if ext == "txt" and _is_vimdoc(data):
            return _vimdoc_regions(data)
        return _fence_regions(data) if ext in ("md", "mdx", "markdown") else []
    if ftype is FileType.NOTEBOOK:
        return _notebook_regions(data)
    if ext in PYTHON_EXTS:
        return _triple_quoted_regions(data, TRIPLE, PYTHON_DOC_PREFIXES)
    if ext == "jl":
        return _triple_quoted_regions(data, JULIA_TRIPLE, JULIA_DOC_PREFIXES, JULIA_UNDOCUMENTED)
    if ext == "rs":
        return _rust_regions(data)
    if ext in BLOCK_COMMENT_EXTS:
        return _backtick_regions(data)
    return []


class RegionIndex:
    """Find the regions that overlap a byte range, in order (lines are visited in order)."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions
        self.starts = [r.start for r in regions]

    def overlapping(self, start: int, end: int) -> list[Region]:
        if not self.regions:
            return []
        regions = self.regions
        i = max(bisect_right(self.starts, start) - 1, 0)
        out = []
        n = len(regions)
        while i < n and regions[i].start < end:
            r = regions[i]
            if r.end > start:
                out.append(r)
            i += 1
        return out


# ---------------------------------------------------------------------------------------- words

# Characters of an ID-shaped word: IDs, routes, URLs, tags, alias syntaxes (a=b, +id@provider).
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@+/=~-")
WORD_LIMIT = 300


_WORD_STR = "".join(sorted(WORD_CHARS))

# A line of items of a multi-line list: strings alone (`"llama2",`, `"command", "command-r",`), a YAML sequence item
# without a key (`- gpt-4o-mini`), or a blank or comment line between items.
# Each part can match a line one way only (possessive quantifiers, no two runs of blanks side by
# side; a `- item` runs up to a `:`, `#` or `//`): the engine never retries splits of a run, so
# a line is matched in time linear in its length. (`"a"` and 4,000 blanks took minutes before:
# lines walked back over can be of any length.)
LIST_ITEM = re.compile(
    rb"""^[ \t]*+(?:(?:["'`][^"'`\n]*+["'`][ \t]*+(?:,[ \t]*+)?)++|-[ \t]++[^ \t:#\n](?:[^:#\n/]|/(?!/))*+|)(?:(?://|#).*)?\r?$""",
    re.MULTILINE,
)
# The key a list is assigned to, at the start of the line that opens it: `template: z.enum([`,
# `var ModelList = []string{`, `"models": [`, `models:`.
OPENER_KEY = re.compile(
    r"""^\s*(?:[A-Za-z]+\s+)*?["']?([A-Za-z_$][\w$.-]*)["']?\s*(?::\s*[\w.<>\[\]| ]*?)?\s*(?::=|=|:)"""
)
LIST_LOOKBACK = 2000  # lines walked back to find a list's opening line


class ListContext:
    """The key of the multi-line list a lone item belongs to (`template: z.enum([` above
    `"llama2",`). Walking back stops at lines already known to belong to the same list, so a
    file's lists are walked once in all."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.first, self.seen_to, self.key = -1, -1, ""

    def of(self, start: int, end: int) -> str:
        data = self.data
        if not LIST_ITEM.match(data, start, end):
            return ""
        pos = start
        for _ in range(LIST_LOOKBACK):
            if self.first >= 0 and self.first <= pos <= self.seen_to + 1:
                self.seen_to = max(self.seen_to, end)
                return self.key
            if pos == 0:
                return ""
            prev_start = data.rfind(b"\n", 0, pos - 1) + 1
            if LIST_ITEM.match(data, prev_start, pos - 1):
                pos = prev_start
                continue
            self.first, self.seen_to = pos, end
            self.key = self._opener_key(prev_start, pos - 1)
            return self.key
        return ""

    def _opener_key(self, start: int, end: int) -> str:
        line = self.data[start:end].decode("utf-8", "replace").rstrip()
        if not line.endswith(("[", "(", "{", ":")):
            return ""  # the line before the items does not open a list
        m = OPENER_KEY.match(line)
        if m is None and line.lstrip().startswith(".") and start > 0:
            # a chained call on its own line (`.enum([`): the key is on the line before
            above = self.data[self.data.rfind(b"\n", 0, start - 1) + 1 : start - 1]
            m = OPENER_KEY.match(above.decode("utf-8", "replace"))
        return m.group(1).rsplit(".", 1)[-1] if m else ""


# A line that opens with a `name` or `id` key (YAML, JSON, a keyword argument): whether it names
# a model depends on the key or call it sits under (`model:` / `"model": {` / `ChatModel(`).
NAME_KEY_LINE = re.compile(
    rb"""(?:^[ \t]*|[,(][ \t]*)["']?(?:name|id)["']?[ \t]*[:=](?!=)""", re.IGNORECASE
)
OWNER_LOOKBACK = 40  # lines walked back to the line a `name:` line sits under
MODEL_KEY_LINE = re.compile(rb"""^[ \t]*["']?model["']?[ \t]*[:=]""")
# `model: "x"` beside `name: "y"` on one line: the name is a display name.
MODEL_KEY_INLINE = re.compile(r"""(?<![\w-])["']?model["']?\s*[:=](?!=)""")
CALLEE = re.compile(r"([A-Za-z_$][\w$.]*)\s*\($")
# Owners that say "model" but hold who serves it or what kind it is: model_provider, llm_type.
OWNER_NOT_MODEL = re.compile(
    r"(?:provider|vendor|type|kind|platform|backend|client|api|family)s?$", re.IGNORECASE
)
_ANONYMOUS_OPENERS = frozenset({b"{", b"[", b"[{", b"({", b"-"})


def opener_name(line: str) -> str:
    """The key or call that opens a block at the end of a line: `"model": {`, `model:`,
    `ChatModelFactory(` (the callee, dotted: `ChatModel.objects.create(`)."""
    line = line.rstrip()
    if line.endswith("("):
        m = CALLEE.search(line)
        return m.group(1) if m else ""
    if line.endswith(("{", "[")):
        return context_before(line[:-1])
    if line.endswith(":"):
        return context_before(line)
    return ""


def model_owner(name: str) -> bool:
    """The key or call a `name`/`id` sits under is a model (or a language model) object."""
    return bool(MODEL_OWNER.search(name)) and not OWNER_NOT_MODEL.search(name)


def inline_owner(line: str, pos: int) -> tuple[str, int]:
    """The key or call of the innermost bracket left open before `pos` on this line (bounded),
    and where that bracket is (-1: none)."""
    depth = 0
    for i in range(pos - 1, max(0, pos - LOOKBEHIND) - 1, -1):
        c = line[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth == 0:
                return opener_name(line[: i + 1]), i
            depth -= 1
    return "", -1


# What walking up from a line needs to know of each line above it.
_SKIP, _ANONYMOUS, _MODEL_KEY, _OTHER = range(4)


class BlockOwners:
    """The key or call each line of one file sits under (`of`), for lines that open with a
    `name` or `id` key.

    What a line's walk up finds is kept for the lines after it: each line's indent and kind are
    read once, and a walk that meets a line already asked about jumps to that line's owner
    instead of stepping over the lines in between. A dense table (a JSON list of models with an
    `id` every four lines) was walked OWNER_LOOKBACK lines back per line; now each line is
    passed a few times at most. The answers are the line-by-line walk's, bounded alike.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        # start -> (where the line above starts, or -1; indent; kind)
        self._lines: dict[int, tuple[int, int, int]] = {}
        # start -> (the nearest line above indented less, or -1 when none is within
        # OWNER_LOOKBACK lines; how many lines up it is; whether a line between them, indented
        # as much as this one, is a `model` key)
        self._up: dict[int, tuple[int, int, bool]] = {}

    def of(self, start: int) -> str:
        """The key or call the line at `start` (where a line starts) sits under: the nearest
        line above indented less (`model:` above `  name: x`; `"model": {` above `"name": "x"`),
        past anonymous `{` lines.

        "" when a sibling key of the same block is `model`: then `name` is a display name
        (`{name: "GPT-4", model: "gpt-4"}`).
        """
        _, indent, _ = self._line(start)
        end = self.data.find(b"\n", start)
        end = len(self.data) if end < 0 else end
        if indent == 0 or _has_model_sibling(self.data, end, indent):
            return ""
        owner, steps, sibling = self._owner_above(start)
        if sibling:
            return ""  # a sibling above names the model: this `name` is a display name
        while owner >= 0 and steps <= OWNER_LOOKBACK:
            _, _, kind = self._line(owner)
            if kind != _ANONYMOUS:
                line_end = self.data.find(b"\n", owner)
                return opener_name(self.data[owner:line_end].decode("utf-8", "replace"))
            # an item of a list of objects: its owner is further up
            up, more, _ = self._owner_above(owner)
            owner, steps = up, steps + more
        return ""

    def _line(self, start: int) -> tuple[int, int, int]:
        known = self._lines.get(start)
        if known is None:
            data = self.data
            end = data.find(b"\n", start)
            line = data[start : len(data) if end < 0 else end]
            body = line.strip()
            if not body or body.startswith((b"#", b"//")):
                kind = _SKIP
            elif body in _ANONYMOUS_OPENERS:
                kind = _ANONYMOUS
            elif MODEL_KEY_LINE.match(line):
                kind = _MODEL_KEY
            else:
                kind = _OTHER
            above = data.rfind(b"\n", 0, start - 1) + 1 if start else -1
            known = self._lines[start] = (above, len(line) - len(line.lstrip(b" \t")), kind)
        return known

    def _owner_above(self, start: int) -> tuple[int, int, bool]:
        """(the nearest line above `start` indented less, or -1 if none is within
        OWNER_LOOKBACK lines; how many lines up; a `model` key between at the same indent)."""
        known = self._up.get(start)
        if known is not None:
            return known
        pos, indent, _ = self._line(start)
        steps, sibling = 1, False
        known = (-1, 0, False)
        while pos >= 0 and steps <= OWNER_LOOKBACK:
            above, line_indent, kind = self._line(pos)
            if kind == _SKIP:
                pos, steps = above, steps + 1
                continue
            if line_indent < indent:
                known = (pos, steps, sibling)
                break
            if line_indent == indent and kind == _MODEL_KEY:
                sibling = True
            jump = self._up.get(pos)
            if jump is None:
                pos, steps = above, steps + 1
            else:  # lines between this one and its owner are indented as much or more
                # (the owner is -1 when further than OWNER_LOOKBACK lines from this line,
                # which is further still from `start`)
                sibling = sibling or (line_indent == indent and jump[2])
                pos, steps = jump[0], steps + jump[1]
        self._up[start] = known
        return known


def _has_model_sibling(data: bytes, pos: int, indent: int) -> bool:
    """Whether a line below `pos`, in the same block (indented as much), is a `model` key."""
    for _ in range(OWNER_LOOKBACK):
        if pos >= len(data):
            return False
        nxt_end = data.find(b"\n", pos + 1)
        nxt_end = len(data) if nxt_end < 0 else nxt_end
        nxt = data[pos + 1 : nxt_end]
        pos = nxt_end
        body = nxt.strip()
        if not body:
            continue
        nxt_indent = len(nxt) - len(nxt.lstrip(b" \t"))
        if nxt_indent < indent:
            return False
        if nxt_indent == indent and MODEL_KEY_LINE.match(nxt):
            return True
    return False


def word_at(line: str, lo: int, hi: int) -> tuple[int, int]:
    """The word holding line[lo:hi], bounded to WORD_LIMIT characters either way."""
    floor, ceil = max(0, lo - WORD_LIMIT), min(len(line), hi + WORD_LIMIT)
    before = line[floor:lo] if lo > floor else ""
    after = line[hi:ceil] if ceil > hi else ""
    # str.strip with a character set walks in C what a loop over characters walks in Python.
    start = lo - (len(before) - len(before.rstrip(_WORD_STR)))
    end = hi + (len(after) - len(after.lstrip(_WORD_STR)))
    return start, end


def location_of(seg: Seg, base: Location) -> Location | None:
    """How a word in this kind of segment is reported; None: not a place IDs are used."""
    if seg is Seg.STRING:
        return base
    if seg is Seg.COMMENT:
        return Location.COMMENT
    if seg in (Seg.DOCSTRING, Seg.FENCE):
        return Location.DOCS
    return None
