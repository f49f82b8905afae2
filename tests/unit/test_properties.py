"""Property-based tests for the parsers that read repository input: gitignore patterns, the diff
reader, token extraction and hedge.toml loading. Example counts are bounded to keep the suite fast."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pathspec
import pytest
import tomlkit
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hedgectl import config
from hedgectl.adapters.files import _changed
from hedgectl.adapters.globs import collapse_stars, compile_spec, pattern_problem
from hedgectl.catalog import load_catalog
from hedgectl.core.audit import Scanner
from hedgectl.errors import HedgeError

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names and patterns over a small alphabet, so matches and near-misses are both common.
NAME = st.text(alphabet="ab.x*?", min_size=1, max_size=10).filter(lambda n: n not in (".", ".."))
PATTERN = st.text(alphabet="ab.x*?\\!", min_size=1, max_size=8)


def _git(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=60, check=False
    )
    return proc.stdout


@FAST
@given(patterns=st.lists(PATTERN, min_size=1, max_size=4), names=st.lists(NAME, max_size=6))
def test_collapsing_stars_keeps_what_a_pattern_matches(
    patterns: list[str], names: list[str]
) -> None:
    patterns = [p for p in patterns if pattern_problem(p) is None]
    original = pathspec.GitIgnoreSpec.from_lines(patterns, backend="simple")
    ours = compile_spec(patterns, "test")
    for name in names:
        assert ours.match_file(name) == original.match_file(name), (patterns, name)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is required")
@SLOW
@given(
    patterns=st.lists(PATTERN, min_size=1, max_size=4), names=st.lists(NAME, min_size=1, max_size=6)
)
def test_gitignore_matching_agrees_with_git(patterns: list[str], names: list[str]) -> None:
    patterns = [p for p in patterns if pattern_problem(p) is None]
    names = sorted(set(names))
    ours = compile_spec(patterns, "test")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _git("init", "-q", cwd=root)
        (root / ".gitignore").write_text("\n".join(patterns) + "\n")
        out = _git(
            "check-ignore", "--no-index", "-z", "--stdin", cwd=root,
            stdin=b"\0".join(n.encode() for n in names) + b"\0",
        )  # fmt: skip
        ignored_by_git = {n.decode() for n in out.split(b"\0") if n}
    assert {n for n in names if ours.match_file(n)} == ignored_by_git, patterns


FILE_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
    min_size=1,
    max_size=12,
).filter(lambda n: n not in (".", "..", ".git") and not n.startswith(".git"))
LINES = st.lists(st.sampled_from(["a", "b", "c", "deepseek-chat", "", "x = 1"]), max_size=8)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is required")
@SLOW
@given(files=st.dictionaries(FILE_NAME, st.tuples(LINES, LINES), min_size=1, max_size=4))
def test_diff_reader_sees_every_file_and_every_new_line(
    files: dict[str, tuple[list[str], list[str]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        _git("init", "-q", cwd=root)
        _git(
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "0",
            cwd=root,
        )
        for name, (old, _) in files.items():
            (root / name).write_text("".join(line + "\n" for line in old))
        _git("add", "-A", cwd=root)
        _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "1", cwd=root)
        changed = {}
        for name, (old, new) in files.items():
            (root / name).write_text("".join(line + "\n" for line in new))
            if old != new:
                changed[name] = (old, new)
        _git("add", "-A", cwd=root)
        paths, added = _changed(root, root, staged=True, diff=None)
        assert {p.name for p in paths} == set(changed)
        for name, (old, new) in changed.items():
            fresh = {i for i, line in enumerate(new, 1) if line not in old}
            assert fresh <= added[name], (name, old, new)
            assert added[name] <= set(range(1, len(new) + 1))


_SCANNER: list[Scanner] = []


def _scanner() -> Scanner:
    if not _SCANNER:
        _SCANNER.append(Scanner(load_catalog()))
    return _SCANNER[0]


@FAST
@given(
    chunks=st.lists(
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from([b'"deepseek-chat"', b"gpt-4o", b"# ", b"\n", b"'", b"//", b"\r\n"]),
        ),
        max_size=20,
    ),
    name=st.sampled_from(["a.py", "a.js", "a.md", "a.yaml", "a.json", "a"]),
)
def test_token_extraction_never_fails_and_stays_in_the_file(chunks: list[bytes], name: str) -> None:
    data = b"".join(chunks)
    lines = data.count(b"\n") + 1
    for raw in _scanner().scan(data, name):
        assert 1 <= raw.line <= lines and raw.column >= 1
        assert raw.match.text


SCALAR = st.one_of(st.text(max_size=10), st.integers(-5, 5), st.booleans())
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
SECTION = st.sampled_from(
    ["audit", "models", "catalog", "reach", "providers", "regions", "mirror", "x"]
)


@FAST
@given(
    doc=st.dictionaries(
        SECTION, st.dictionaries(st.text(max_size=8), VALUE, max_size=3), max_size=3
    )
)
def test_hedge_toml_loads_or_fails_with_a_config_error(doc: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hedge.toml"
        path.write_text(tomlkit.dumps(doc), encoding="utf-8")
        try:
            config.load(path)
        except HedgeError:
            pass


@FAST
@given(text=st.text(max_size=200))
def test_any_hedge_toml_text_loads_or_fails_with_a_config_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hedge.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            config.load(path)
        except HedgeError:
            pass


def test_collapse_examples() -> None:
    assert collapse_stars("***x") == "*x"
    assert collapse_stars("a/***/b") == "a/**/b"
    assert collapse_stars("\\**") == "\\**"


def _walked_owner(data: bytes, start: int) -> str:
    """BlockOwners.of as a plain walk up, line by line (what it answered before it kept what it
    had walked): the reference the kept walks must agree with."""
    from hedgectl.core.lexer import (
        _ANONYMOUS_OPENERS,
        MODEL_KEY_LINE,
        OWNER_LOOKBACK,
        _has_model_sibling,
        opener_name,
    )

    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    line = data[start:end]
    indent = len(line) - len(line.lstrip(b" \t"))
    if indent == 0 or _has_model_sibling(data, end, indent):
        return ""
    own, pos = indent, start
    for _ in range(OWNER_LOOKBACK):
        if pos == 0:
            return ""
        prev_start = data.rfind(b"\n", 0, pos - 1) + 1
        prev = data[prev_start : pos - 1]
        pos = prev_start
        body = prev.strip()
        if not body or body.startswith((b"#", b"//")):
            continue
        prev_indent = len(prev) - len(prev.lstrip(b" \t"))
        if prev_indent >= indent:
            if prev_indent == own == indent and MODEL_KEY_LINE.match(prev):
                return ""
            continue
        if body in _ANONYMOUS_OPENERS:
            indent = prev_indent
            continue
        return opener_name(prev.decode("utf-8", "replace"))
    return ""


# Lines of a YAML or JSON model table: few indents and bodies, so blocks, anonymous `{` items,
# `model` siblings, comments and blank lines meet often, and tables run past OWNER_LOOKBACK.
OWNER_BODIES = (
    "{", "[", "-", "},", '"model": {', "models:", "model: m", "name: n", '"id": "x",', "Client(",
    "# note", "// note", "", "x: 1", "llm = {", "\t- name: t", "[{",
)  # fmt: skip
OWNER_LINE = st.tuples(
    st.sampled_from([0, 1, 2, 2, 4, 4, 6, 8]),
    st.sampled_from(OWNER_BODIES),
    st.sampled_from(["\n", "\r\n"]),
)


# Runs of a few lines repeated, as the items of a table repeat their shape.
OWNER_LINES = st.lists(
    st.tuples(st.lists(OWNER_LINE, min_size=1, max_size=8), st.integers(1, 14)),
    min_size=1,
    max_size=6,
)


@FAST
@given(runs=OWNER_LINES, order=st.randoms(use_true_random=False))
def test_block_owners_agree_with_walking_up_line_by_line(
    runs: list[tuple[list[tuple[int, str, str]], int]], order: object
) -> None:
    from hedgectl.core.lexer import BlockOwners

    lines = [line for run, times in runs for line in run * times]
    data = b"".join(b" " * indent + body.encode() + end.encode() for indent, body, end in lines)
    starts = [0] + [i + 1 for i, c in enumerate(data) if c == 0x0A and i + 1 < len(data)]
    expected = {start: _walked_owner(data, start) for start in starts}
    in_order = BlockOwners(data)  # as a scan asks: top to bottom
    assert {start: in_order.of(start) for start in starts} == expected
    shuffled = list(starts)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    any_order = BlockOwners(data)  # what it keeps must not depend on the order asked
    assert {start: any_order.of(start) for start in shuffled} == expected


# LIST_ITEM as it was written before it was made linear (the same lines, matched in time that
# grew with the cube of a run of blanks): the reference for which lines are list items.
LIST_ITEM_BEFORE = re.compile(
    rb"""^[ \t]*(?:(?:["'`][^"'`\n]*["'`][ \t]*,?[ \t]*)+|-[ \t]+[^ \t:#\n][^:#\n]*|)[ \t]*(?:(?://|#).*)?\r?$""",
    re.MULTILINE,
)


@settings(max_examples=400, deadline=None)
@given(line=st.text(alphabet=" \t-:#/\"'`,a\r", max_size=24))
@example(line="  - a // see: b")  # a comment that holds a colon: an item
@example(line="- a/b: c")  # a key: not an item
@example(line='"a"  ,  "b" , # c\r')
@example(line="- //x")
def test_list_item_lines_are_those_the_backtracking_pattern_matched(line: str) -> None:
    from hedgectl.core.lexer import LIST_ITEM

    data = b"x\n" + line.encode() + b"\ny"  # matched inside a file, as ListContext does
    start, end = 2, 2 + len(line)
    assert bool(LIST_ITEM.match(data, start, end)) == bool(LIST_ITEM_BEFORE.match(data, start, end))


@settings(max_examples=300, deadline=None)
@given(data=st.lists(st.sampled_from(list(b"\"'/\\`\n a")), max_size=60).map(bytes))
@example(data=b'x = "a`b" + `c` // `d\n"\\"`" \'`')
def test_lines_answer_what_lexing_each_prefix_from_its_line_start_answers(data: bytes) -> None:
    """_Lines (each line lexed once, line breaks searched once) against the way it was done at
    every backtick: search back for the line start, lex the prefix from there."""
    from hedgectl.core.lexer import LINE_LEXEME, _Lines

    every_place = range(len(data) + 1)
    backticks = [i for i, c in enumerate(data) if c == ord("`")]  # where a scan asks
    for places in (every_place, backticks):
        lines = _Lines(data)
        for pos in places:
            line_start = data.rfind(b"\n", 0, pos) + 1
            prefix = data[line_start:pos]
            was_open = any(m.group(0) in (b"//", b'"', b"'") for m in LINE_LEXEME.finditer(prefix))
            assert lines.start_of(pos) == line_start
            assert lines.is_open(line_start, pos) == was_open, (data, pos)
