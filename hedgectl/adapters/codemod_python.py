"""Python side of `rewrite`: read string literals with the stdlib `ast` module, edit the text.

Deciding runs on every file that holds a model ID, so it uses `ast` (CPython's own parser, in C):
one parse and one walk, about twenty times cheaper than a concrete syntax tree (libcst's parse,
position metadata and visit). `collect` reports the sites as libcst's tree shows them, as this
module did when it was built on libcst (the same literals, positions in characters, the source text
of f-strings and concatenations with their own parentheses and without the block's indentation),
so reports, aliases and edits did not move. `apply` edits the text at the byte ranges `ast` gave:
every byte outside the replaced literals stays as it was, and the result must parse again. libcst
is still asked for its message when a file does not parse, the one users have seen.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from hedgectl.core.aliases import slug
from hedgectl.core.audit import suppressed
from hedgectl.core.rewrite import DYNAMIC, TABLE_ROW, TEXT_ONLY, Position, Site, is_model_name
from hedgectl.errors import UsageError

if TYPE_CHECKING:
    import libcst as cst

RESOLVER_MODULE = "hedge_models"
FUNCTION = "hedge_model"
# Names the resolver module exports (`model` is the name older resolvers used).
EXPORTED = ("hedge_model", "model")

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Nodes a literal's role is read through: `os.getenv("X") or "id"`, `"a" if x else "b"` (and a
# starred entry of a list, tuple or set).
_TRANSPARENT = (ast.BoolOp, ast.IfExp)
_SEQUENCES = (ast.List, ast.Tuple, ast.Set)
# Methods whose string argument is a pattern or a piece of text to look for, never a model to call.
_TEXT_CHECKS = frozenset(
    {
        "startswith", "endswith", "find", "rfind", "index", "rindex", "count", "replace",
        "split", "rsplit", "partition", "rpartition", "removeprefix", "removesuffix", "strip",
        "lstrip", "rstrip", "includes", "match", "fullmatch", "search", "compile", "sub",
        "subn", "findall", "finditer", "fnmatch", "glob",
    }
)  # fmt: skip
_ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "Flag"})
# Calls that declare a class's field; their `default=` is the field's value (pydantic's Field and
# PrivateAttr, dataclasses' and attrs' field).
_FIELD_DECLARATIONS = frozenset({"Field", "PrivateAttr", "field", "attrib"})
# Leaves of the tree that hold nothing to read (Load/Store, operators).
_LEAVES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
# One string token from its opening quote (after the prefix): the end of the first literal of a
# node tells a plain literal from an implicit concatenation ("a" "b" is one node in `ast`).
_STRING_BODY = {
    q: re.compile(
        re.escape(q)
        + (rb"(?:[^\\]|\\.)*?" if len(q) == 3 else rb"(?:[^\\" + q + rb"]|\\.)*")
        + re.escape(q),
        re.DOTALL,
    )
    for q in (b'"""', b"'''", b'"', b"'")
}
_NEWLINE = re.compile(rb"\r\n|\r|\n")
_NEWLINE_KEEP = re.compile(r"(\r\n|\r|\n)")
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)


class ParseFailure(UsageError):
    """A file that does not parse: skipped, never rewritten."""


def parse(source: str) -> cst.Module:
    import libcst as cst  # only for a file `ast` cannot parse: its message

    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ParseFailure(f"line {exc.raw_line}: {exc.message}") from None


def _parse_ast(source: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences: the project's business
            return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        line = getattr(exc, "lineno", None) or "?"
        message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        if isinstance(exc, MemoryError | RecursionError) or "nested" in message:
            # Nested deeper than Python reads: libcst's native parser would crash on it.
            raise ParseFailure(f"line {line}: nested too deeply to read") from None
        parse(source)  # libcst's message when it cannot parse it either (the one users know)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise ParseFailure(f"line {line}: {message} (Python {version} cannot parse it)") from None


class _Text:
    """The source as `ast` addresses it: lines of UTF-8 bytes, columns in bytes."""

    def __init__(self, source: str) -> None:
        self.ascii = source.isascii()
        self.data = source.encode("utf-8", "surrogatepass")
        self.lines: list[bytes] = []
        self.starts: list[int] = []  # byte offset of each line
        start = 0
        for m in _NEWLINE.finditer(self.data):
            self.starts.append(start)
            self.lines.append(self.data[start : m.end()])
            start = m.end()
        self.starts.append(start)
        self.lines.append(self.data[start:])

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def column(self, line: int, col: int) -> int:
        """A byte column as a character column (what libcst reports)."""
        if self.ascii:
            return col
        return len(self.lines[line - 1][:col].decode("utf-8", "surrogatepass"))

    def slice(self, start: tuple[int, int], end: tuple[int, int]) -> bytes:
        (l1, c1), (l2, c2) = start, end
        if l1 == l2:
            return self.lines[l1 - 1][c1:c2]
        return self.lines[l1 - 1][c1:] + b"".join(self.lines[l1 : l2 - 1]) + self.lines[l2 - 1][:c2]


def _start(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def _end(node: ast.AST) -> tuple[int, int]:
    return node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]


def _children(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(field, child) in source order as far as statements go (decorators before the body)."""
    fields = node._fields
    if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
        fields = ("decorator_list", *(f for f in fields if f != "decorator_list"))
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST) and not isinstance(item, _LEAVES):
                    yield name, item
        elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
            yield name, value


def _positioned(node: ast.AST) -> Iterator[ast.AST]:
    """The nearest descendants of a node that have a position (through `arguments`,
    comprehensions, with-items and match cases, which have none)."""
    for _, child in _children(node):
        if hasattr(child, "end_col_offset"):
            yield child
        else:
            yield from _positioned(child)


def _skip_blank(gap: bytes, i: int) -> int:
    """Past whitespace, line continuations and comments (a gap between nodes holds no string)."""
    while i < len(gap):
        c = gap[i]
        if c == 0x23:  # "#"
            newline = _NEWLINE.search(gap, i)
            i = len(gap) if newline is None else newline.start()
        elif c in b" \t\f\r\n\\":
            i += 1
        else:
            break
    return i


def _string_tokens(segment: bytes) -> int:
    """How many string tokens an f-string node spans (Python 3.12+ f-strings nest quotes)."""
    count = depth = 0
    text = "(" + segment.decode("utf-8", "surrogatepass") + ")"
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == _FSTRING_START:
            count += depth == 0
            depth += 1
        elif tok.type == _FSTRING_END:
            depth -= 1
        elif tok.type == tokenize.STRING and depth == 0:
            count += 1
    return count


class _Collector:
    """One walk over the module's `ast`: every literal with the role libcst's tree gives it.

    `stack` holds the node being visited and its ancestors; `fields[i]` is the field of
    `stack[i - 1]` that holds `stack[i]`.
    """

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()  # the line a `hedgectl: ignore` comment is read on
        self.text = _Text(source)
        self.sites: list[Site] = []
        self.names: set[str] = set()
        self.existing_binding: str | None = None
        self.stack: list[ast.AST] = []
        self.fields: list[str] = []
        # Names whose value is passed to a model parameter in this file (model=DEFAULT).
        self.flow_names: set[str] = set()
        # (function, local name) -> how the name is read there: "text" inside f-strings only.
        self.uses: dict[tuple[int, str], set[str]] = {}
        self.local_of: dict[tuple[int, int], int] = {}  # site key -> id() of its function
        self.spans: dict[tuple[int, int], tuple[int, int]] = {}  # site key -> bytes of a literal
        self._concat: dict[int, bool] = {}

    def walk(self, tree: ast.AST) -> None:
        # Iterative (a hostile file can nest deeper than Python's recursion limit).
        todo: list[tuple[str, ast.AST] | None] = [("", tree)]
        while todo:
            item = todo.pop()
            if item is None:
                self.stack.pop()
                self.fields.pop()
                continue
            field, node = item
            self.stack.append(node)
            self.fields.append(field)
            todo.append(None)
            if self._visit(node, field):
                todo.extend(reversed(list(_children(node))))

    # -- what a node tells ------------------------------------------------------------------

    def _visit(self, node: ast.AST, field: str) -> bool:
        """Record what the node says; False: its children are not read."""
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, bool):
                self.names.add(str(node.value))  # libcst reads True, False and None as names
            elif isinstance(node.value, str | bytes) and self._concatenated(node):
                self._dynamic(node)
            elif isinstance(node.value, str):
                context, skip, position = self._role()
                self._site(node, node.value, context, skip, position)
                self.spans[self._key(node)] = (
                    self.text.offset(*_start(node)),
                    self.text.offset(*_end(node)),
                )
            return False
        if isinstance(node, ast.JoinedStr):
            self._dynamic(node)
            if not self._concatenated(node):
                function = self._function()
                if function is not None:
                    for part in node.values:
                        if isinstance(part, ast.FormattedValue):
                            for name in _read_names(part.value):
                                self.names.add(name)
                                self._use(function, name, "text")
            return False
        if isinstance(node, ast.Name):
            self.names.add(node.id)
            if self._name_read(node, field):
                self._read(node.id)
        elif isinstance(node, ast.Attribute):
            self.names.add(node.attr)
        elif isinstance(node, ast.Call):
            bound = (
                self.existing_binding is not None
                and self._name_of(node.func) == self.existing_binding
            )
            if bound or self._resolver_call(node):
                return False  # already an alias lookup: never wrapped again
            for kw in node.keywords:
                if kw.arg is not None and is_model_name(kw.arg):
                    self._flows(kw.value)
        elif isinstance(node, ast.keyword):
            if node.arg is not None:
                self.names.add(node.arg)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and is_model_name(self._name_of(key)):
                    self._flows(value)
        elif isinstance(node, ast.arguments):
            for param, default in _defaults(node):
                if is_model_name(param.arg):
                    self._flows(default)
        elif isinstance(node, ast.arg):
            self.names.add(node.arg)
        elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            self.names.add(node.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                self.names.update(parts)
                if len(parts) > 1:
                    self._read(parts[0])  # `import a.b` reads a
                if alias.asname:
                    self.names.add(alias.asname)
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            self.names.update(node.names)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                self.names.add(node.name)
        elif isinstance(node, ast.MatchAs | ast.MatchStar):
            if node.name:
                self.names.add(node.name)
                self._read(node.name)
        elif isinstance(node, ast.MatchMapping):
            if node.rest:
                self.names.add(node.rest)
                self._read(node.rest)
        elif isinstance(node, ast.MatchClass):
            self.names.update(node.kwd_attrs)
            for name in node.kwd_attrs:
                self._read(name)
        elif type(node).__name__ in ("TypeVar", "ParamSpec", "TypeVarTuple"):
            name = getattr(node, "name", "")
            self.names.add(name)
            self._read(name)
        return True

    def _import_from(self, node: ast.ImportFrom) -> None:
        if node.module:
            parts = node.module.split(".")
            self.names.update(parts)
            self._read(parts[0])  # `from a.b import c` reads a
        for alias in node.names:
            if alias.name != "*":
                self.names.add(alias.name)
            if alias.asname:
                self.names.add(alias.asname)
        if not node.module or node.module.rsplit(".", 1)[-1] != RESOLVER_MODULE:
            return
        for alias in node.names:
            if alias.name in EXPORTED:
                self.existing_binding = alias.asname or alias.name

    def _name_read(self, node: ast.Name, field: str) -> bool:
        """Whether a Name is read as a value: anything but the target of an assignment or of
        `with ... as`."""
        if isinstance(node.ctx, ast.Load):
            return True
        parent = self.stack[-2]
        if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign):
            return field not in ("targets", "target")
        return not (isinstance(parent, ast.withitem) and field == "optional_vars")

    def _read(self, name: str) -> None:
        function = self._function()
        if function is not None:
            self._use(function, name, "value")

    def _use(self, function: ast.AST, name: str, how: str) -> None:
        self.uses.setdefault((id(function), name), set()).add(how)

    def _function(self) -> ast.AST | None:
        """The innermost function around the node on top of the stack (None: module or class)."""
        for a in reversed(self.stack):
            if isinstance(a, _FUNCTIONS):
                return a
            if isinstance(a, ast.ClassDef):
                return None
        return None

    def _flows(self, value: ast.expr) -> None:
        # model=DEFAULT, model=self.model, model=ROUTES["summariser"] (the key names the slot).
        if isinstance(value, ast.Name | ast.Attribute | ast.Subscript):
            self.flow_names.add(self._name_of(value))

    def _resolver_call(self, node: ast.Call) -> bool:
        """hedge_model(...), hedge_model_2(...), hedge_models.hedge_model(...): already rewritten."""
        func = node.func
        if isinstance(func, ast.Name):
            return func.id.startswith(FUNCTION)
        if isinstance(func, ast.Attribute):
            return func.attr.startswith(FUNCTION) or (
                func.attr == "model" and self._name_of(func.value) == RESOLVER_MODULE
            )
        return False

    def _name_of(self, node: ast.AST | None) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and not self._concatenated(node):
                return node.value
            return ""
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Tuple) and len(index.elts) == 1 and self._bare_tuple(index):
                return self._name_of(index.elts[0])  # x["a",] holds one subscript element
            return self._name_of(index) if not isinstance(index, ast.Slice) else ""
        return ""

    # -- sites ------------------------------------------------------------------------------

    def _key(self, node: ast.AST) -> tuple[int, int]:
        line, col = _start(node)
        return line, self.text.column(line, col)

    def _site(self, node: ast.AST, value: str, context: str, skip: str, position: Position) -> None:
        line, column = self._key(node)
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        self.sites.append(
            Site(
                line=line,
                column=column + 1,
                value=value,
                context=context,
                key=(line, column),
                skip=skip,
                suppressed=suppressed(text),
                position=position,
            )
        )

    def _concatenated(self, node: ast.Constant | ast.JoinedStr) -> bool:
        """Whether the node is several string literals side by side ("a" "b", "a" f"{b}")."""
        known = self._concat.get(id(node))
        if known is not None:
            return known
        segment = self.text.slice(_start(node), _end(node))
        if isinstance(node, ast.JoinedStr) and sys.version_info >= (3, 12):
            result = _string_tokens(segment) > 1
        else:
            i = 0
            while i < len(segment) and segment[i] in b"rRbBuUfF":
                i += 1
            quote = (
                segment[i : i + 3] if segment[i : i + 3] in (b'"""', b"'''") else segment[i : i + 1]
            )
            m = _STRING_BODY[quote].match(segment, i)
            result = m is None or m.end() != len(segment)
        self._concat[id(node)] = result
        return result

    def _dynamic(self, node: ast.AST) -> None:
        """An f-string or concatenation: its source text, with its own parentheses as libcst
        counts them, is what the report shows."""
        self._site(node, self._code(node), "", DYNAMIC, Position.OTHER)

    def _code(self, node: ast.AST) -> str:
        owner = next(a for a in reversed(self.stack[:-1]) if hasattr(a, "end_col_offset"))
        # The gaps between the node and its neighbours hold only punctuation and comments.
        before, after = _start(owner), _end(owner)
        for sibling in _positioned(owner):
            if sibling is not node:
                if before < _end(sibling) <= _start(node):
                    before = _end(sibling)
                if _end(node) <= _start(sibling) < after:
                    after = _start(sibling)
        lead = self.text.slice(before, _start(node))
        trail = self.text.slice(_end(node), after)
        opens: list[int] = []
        i = 0
        while i < len(lead):
            i = _skip_blank(lead, i)
            if i < len(lead):
                opens = [*opens, i] if lead[i] == 0x28 else []
                i += 1
        closes: list[int] = []
        i = _skip_blank(trail, 0)
        while i < len(trail) and trail[i] == 0x29:
            closes.append(i + 1)
            i = _skip_blank(trail, i + 1)
        if isinstance(owner, ast.Call):
            # The call's own parentheses: right after the callee, and closing the last argument.
            if opens and before == _end(owner.func) and opens[0] == _skip_blank(lead, 0):
                opens = opens[1:]
            if closes and after == _end(owner) and closes[-1] == len(trail):
                closes = closes[:-1]
        own = min(len(opens), len(closes))
        head = lead[opens[len(opens) - own] :] if own else b""
        tail = trail[: closes[own - 1]] if own else b""
        body = self.text.slice(_start(node), _end(node))
        code = (head + body + tail).decode("utf-8", "surrogatepass")
        if "\n" in code or "\r" in code:
            code = self._dedent(code)
        return code

    def _dedent(self, code: str) -> str:
        """libcst prints a node on its own without the indentation of the block it sits in: a
        line between the node's tokens (not inside a string) loses that block's indentation."""
        statement = next(a for a in reversed(self.stack) if isinstance(a, ast.stmt))
        line = self.text.lines[statement.lineno - 1].decode("utf-8", "surrogatepass")
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if not indent:
            return code
        inside: set[int] = set()  # 0-based lines of `code` that start inside a string token
        comments: set[int] = set()  # 0-based lines that end in a comment
        try:
            depth = 0
            for tok in tokenize.generate_tokens(io.StringIO(code).readline):
                if tok.type == _FSTRING_START:
                    depth += 1
                if tok.type == tokenize.STRING or depth:
                    inside.update(range(tok.start[0], tok.end[0]))  # rows after the first
                elif tok.type == tokenize.COMMENT:
                    comments.add(tok.start[0] - 1)
                if tok.type == _FSTRING_END:
                    depth -= 1
        except (tokenize.TokenError, SyntaxError):
            return code
        parts = _NEWLINE_KEEP.split(code)  # line, newline, line, ...
        for n in range(2, len(parts), 2):
            row = n // 2
            continued = parts[n - 2].endswith("\\") and row - 1 not in comments
            if row not in inside and not continued and parts[n].startswith(indent):
                parts[n] = parts[n][len(indent) :]  # a backslash continuation keeps its own
        return "".join(parts)

    def _bare_tuple(self, node: ast.Tuple) -> bool:
        """A tuple written without parentheses as a subscript (x["a", "b"]): libcst reads its
        entries as subscript elements, not as a tuple."""
        parent = self.stack[self.stack.index(node) - 1] if node in self.stack else None
        if parent is not None and not (isinstance(parent, ast.Subscript) and parent.slice is node):
            return False
        segment = self.text.slice(_start(node), _end(node))
        if not segment.startswith(b"("):
            return True
        depth = 0
        try:
            tokens = list(
                tokenize.generate_tokens(
                    io.StringIO("[" + segment.decode("utf-8", "surrogatepass") + "]").readline
                )
            )
        except (tokenize.TokenError, SyntaxError):
            return False
        ops = [t for t in tokens if t.type == tokenize.OP][1:-1]  # inside the added brackets
        for n, tok in enumerate(ops):
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
                if depth == 0:
                    return n != len(ops) - 1  # the first "(" closes before the end: bare
        return True

    def _sequence(self, index: int) -> bool:
        """Whether stack[index] is a list, set or parenthesized tuple (entries are elements)."""
        node = self.stack[index]
        if isinstance(node, ast.Tuple):
            parent = self.stack[index - 1]
            return not (
                isinstance(parent, ast.Subscript)
                and parent.slice is node
                and self._bare_tuple(node)
            )
        return isinstance(node, ast.List | ast.Set)

    # -- roles ------------------------------------------------------------------------------

    def _enclosing_skip(self) -> str:
        """A reason found anywhere up to the enclosing statement: comparisons, types, checks."""
        for i in range(len(self.stack) - 2, -1, -1):
            a, field = self.stack[i], self.fields[i + 1]
            if (field == "annotation" and isinstance(a, ast.arg | ast.AnnAssign)) or (
                field == "returns" and isinstance(a, _FUNCTIONS)
            ):
                return "type annotation"
            if isinstance(a, ast.stmt):
                return ""
            if isinstance(a, ast.Compare):
                return "comparison or membership test (changing it would change what is compared)"
            if isinstance(a, ast.Subscript) and self._name_of(a.value) == "Literal":
                return "Literal type"
            if isinstance(a, ast.Call) and self._name_of(a.func) in _TEXT_CHECKS:
                return f"prefix, substring or pattern check ({self._name_of(a.func)})"
            if isinstance(a, ast.MatchValue | ast.MatchSingleton):
                return "match pattern"
        return ""

    def _transparent(self, index: int) -> bool:
        node = self.stack[index]
        if isinstance(node, _TRANSPARENT):
            return True
        return isinstance(node, ast.Starred) and self._sequence(index - 1)

    def _class_of(self, top: int) -> ast.ClassDef | None:
        """The class whose body holds stack[top] directly (class attributes)."""
        for i in range(top, -1, -1):
            a = self.stack[i]
            if isinstance(a, (*_FUNCTIONS, ast.Lambda)):
                return None
            if isinstance(a, ast.ClassDef):
                return a
        return None

    def _role(self) -> tuple[str, str, Position]:
        stack = self.stack
        node = stack[-1]
        if len(stack) < 2:
            return "", "", Position.OTHER
        skip = self._enclosing_skip()
        if skip:
            return "", skip, Position.OTHER
        child = len(stack) - 1
        parent = child - 1
        while parent > 0 and self._transparent(parent):
            child, parent = parent, parent - 1
        p, c, field = stack[parent], stack[child], self.fields[child]
        if isinstance(p, _SEQUENCES):
            if self._sequence(parent):
                return "", "", Position.ELEMENT
            return "", "subscript or lookup key", Position.OTHER
        if isinstance(p, ast.BinOp):
            return "", DYNAMIC, Position.OTHER
        if isinstance(p, ast.keyword):
            if p.arg == "default" and (declared := self._declared_field(parent - 1)):
                # `chat_model: str = Field(default="...")`: the default of the declared field.
                return declared, "", Position.DEFAULT
            if p.arg is not None:
                return p.arg, "", Position.KEYWORD
            return self._argument(parent - 1, p)
        if isinstance(p, ast.Call | ast.ClassDef) and field in ("args", "bases"):
            return self._argument(parent, c)
        if (
            isinstance(p, ast.Starred)
            and field == "value"
            and isinstance(stack[parent - 1], ast.Call | ast.ClassDef)
        ):
            return self._argument(parent - 1, p)  # *"..." is an argument of its own
        if isinstance(p, ast.Dict):
            if field == "keys":
                return "", "dict key", Position.OTHER
            key = p.keys[_index(p.values, c)]
            if key is None:
                return "", "", Position.OTHER
            if self._sequence(parent - 1) and parent > 0:
                return self._name_of(key), TABLE_ROW, Position.OTHER
            return self._name_of(key), "", Position.KEY_VALUE
        if isinstance(p, ast.Assign | ast.AnnAssign) and field == "value":
            target = p.targets[0] if isinstance(p, ast.Assign) else p.target
            name = self._name_of(target)
            owner = self._class_of(parent - 1)
            if owner is not None:
                bases = [b.value if isinstance(b, ast.Starred) else b for b in owner.bases]
                if any(self._name_of(b) in _ENUM_BASES for b in bases):
                    return name, "enum member", Position.OTHER
                if slug(name) == "model_id":
                    return name, "", Position.CLASS_ATTR
            if isinstance(target, ast.Subscript):
                return name, "", Position.KEY_VALUE
            function = self._function() if isinstance(target, ast.Name) else None
            if function is not None:
                self.local_of[self._key(node)] = id(function)
            return name, "", Position.ASSIGN
        if isinstance(p, ast.arguments):
            for param, default in _defaults(p):
                if default is c:
                    return param.arg, "", Position.DEFAULT
            return "", "", Position.OTHER
        if isinstance(p, ast.Return):
            return "", "", Position.RETURN
        if isinstance(p, ast.Expr):
            return "", "docstring or bare expression", Position.OTHER
        if isinstance(p, ast.Subscript) and field == "slice":
            return "", "subscript or lookup key", Position.OTHER
        return "", "", Position.OTHER

    def _declared_field(self, call_index: int) -> str:
        """The name a field declaration is assigned to (`x: str = Field(...)`, pydantic's
        PrivateAttr, dataclasses' field), '' when stack[call_index] is no such call."""
        call = self.stack[call_index]
        if (
            call_index < 1
            or not isinstance(call, ast.Call)
            or self._name_of(call.func) not in _FIELD_DECLARATIONS
            or self.fields[call_index] != "value"
        ):
            return ""
        owner = self.stack[call_index - 1]
        if isinstance(owner, ast.AnnAssign):
            return self._name_of(owner.target)
        return self._name_of(owner.targets[0]) if isinstance(owner, ast.Assign) else ""

    def _argument(self, call_index: int, arg: ast.AST) -> tuple[str, str, Position]:
        """A positional (or starred) argument; os.getenv("LLM_MODEL", "id") and
        settings.get("model", "id") name the setting with their first argument."""
        call = self.stack[call_index]
        if isinstance(call, ast.Call) and self._name_of(call.func) in (
            "getenv", "get", "setdefault", "environ_get"
        ):  # fmt: skip
            ordered = sorted([*call.args, *call.keywords], key=_start)
            if len(ordered) >= 2 and ordered[1] is arg:
                first = ordered[0]
                value = first.value if isinstance(first, ast.Starred | ast.keyword) else first
                return self._name_of(value), "", Position.ENV_DEFAULT
        return "", "", Position.ARGUMENT


def _import_place(collector: _Collector, tree: ast.Module) -> tuple[int, bool, str]:
    """Where the resolver import goes (byte offset of a line start), whether a blank line goes
    before it, and the package the import right before it names ('' for none): after the module
    docstring, the `from __future__` imports and the import block right after them, as isort
    would place it; before any comment that leads the next statement; at the first statement
    when there is none of those."""
    # Statements joined by ";" share a line; the first one on a line says what the line is.
    lines: list[tuple[ast.stmt, int]] = []  # (first statement of a line, its last line)
    for stmt in tree.body:
        if lines and stmt.lineno == lines[-1][1]:
            lines[-1] = (lines[-1][0], stmt.end_lineno or stmt.lineno)
        else:
            lines.append((stmt, stmt.end_lineno or stmt.lineno))
    if not lines:
        return len(collector.text.data), False, ""

    def docstring(stmt: ast.stmt) -> bool:
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Constant):
            return isinstance(value.value, str | bytes)
        return isinstance(value, ast.JoinedStr) and collector._concatenated(value)

    def future(stmt: ast.stmt) -> bool:
        return isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"

    def imports(stmt: ast.stmt) -> bool:
        return isinstance(stmt, ast.Import | ast.ImportFrom)

    index = 1 if docstring(lines[0][0]) else 0
    while index < len(lines) and future(lines[index][0]):
        index += 1
    while index < len(lines) and imports(lines[index][0]):
        index += 1
    if index == 0:
        first = lines[0][0]
        decorators = getattr(first, "decorator_list", [])
        line = min([first.lineno, *(d.lineno for d in decorators)])
        return collector.text.starts[line - 1], False, ""
    previous = lines[index - 1][0]
    blank = future(previous) or not imports(previous)
    package = "" if blank else _package(previous)
    last = lines[index - 1][1]
    if last < len(collector.text.starts):
        return collector.text.starts[last], blank, package
    return len(collector.text.data), blank, package  # the file ends on that line


def _package(stmt: ast.stmt) -> str:
    """The top-level package an import names ('.' for a relative one)."""
    if isinstance(stmt, ast.ImportFrom):
        return "." if stmt.level else (stmt.module or "").partition(".")[0]
    return stmt.names[0].name.partition(".")[0] if isinstance(stmt, ast.Import) else ""


def _index(items: list[ast.expr | None] | list[ast.expr], node: ast.AST) -> int:
    return next(i for i, item in enumerate(items) if item is node)


def _defaults(node: ast.arguments) -> Iterator[tuple[ast.arg, ast.expr]]:
    """(parameter, default) for every parameter that has a default."""
    positional = [*node.posonlyargs, *node.args]
    for param, default in zip(
        positional[len(positional) - len(node.defaults) :], node.defaults, strict=True
    ):
        yield param, default
    for param, kw_default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
        if kw_default is not None:
            yield param, kw_default


def _read_names(expression: ast.expr) -> list[str]:
    """Names an f-string expression reads (`{model}`, `{cfg.model}` reads cfg)."""
    while isinstance(expression, ast.Attribute):
        expression = expression.value
    if isinstance(expression, ast.Name):
        return [expression.id]
    # Anything more complex (calls, subscripts): every name in it counts as a read.
    found: list[str | None] = []
    for node in ast.walk(expression):
        if isinstance(node, ast.Name):
            found.append(node.id)
        elif isinstance(node, ast.Attribute):
            found.append(node.attr)
        elif isinstance(node, ast.keyword | ast.arg):  # f(model=x), lambda x: ...
            found.append(node.arg)
        elif isinstance(node, ast.Constant) and (
            node.value is None or isinstance(node.value, bool)
        ):
            found.append(str(node.value))  # names to libcst
    return [name for name in found if name]


class Collected:
    """One module's literals as decided on, and what `apply` needs to edit its text."""

    def __init__(self, source: str, collector: _Collector, tree: ast.Module) -> None:
        self.source = source
        flows = collector.flow_names
        self.sites = []
        for site in collector.sites:
            if site.position in (Position.ASSIGN, Position.KEY_VALUE) and site.context in flows:
                site = replace(site, flows=True)
            function = collector.local_of.get(site.key)
            if function is not None and collector.uses.get((function, site.context)) == {"text"}:
                # opus_model = "..." read only in f"Use {opus_model}": a label, not a setting.
                site = replace(site, skip=TEXT_ONLY, position=Position.OTHER)
            self.sites.append(site)
        self.names = collector.names
        self.binding = collector.existing_binding
        self.data = collector.text.data  # the source as the edit sees it (a BOM dropped)
        self.spans = collector.spans
        self.import_at, self.import_blank, self.import_after = _import_place(collector, tree)
        found = _NEWLINE.search(self.data)
        self.newline = found.group().decode() if found else "\n"


def collect(source: str) -> Collected:
    """Every str literal in the module (and every f-string/concatenation, as dynamic)."""
    text = source[1:] if source.startswith("\ufeff") else source  # libcst skips a BOM too
    tree = _parse_ast(text)
    collector = _Collector(text)
    collector.walk(tree)
    return Collected(source, collector, tree)


def binding_name(collected: Collected) -> str:
    """The local name for the resolver: reuse an existing import, never shadow a module name."""
    if collected.binding:
        return collected.binding
    name, n = FUNCTION, 2
    while name in collected.names:
        name, n = f"{FUNCTION}_{n}", n + 1
    return name


MYPY_FALLBACK = "# type: ignore[no-redef, import-not-found, unused-ignore]"


def apply(
    source: str,
    collected: Collected,
    replacements: dict[tuple[int, int], str],
    module_path: str,
) -> str:
    """The module with each chosen literal replaced by `<binding>("<alias>", <literal>)` and the
    import added.

    An edit of the text at the byte ranges `ast` gave: every byte outside them stays as it was
    (comments, formatting, the literal itself inside the lookup, its parentheses around it).
    """
    if not replacements:
        return source
    function = binding_name(collected)
    data = collected.data
    edits: list[tuple[int, int, bytes]] = []
    for key, alias in replacements.items():
        span = collected.spans.get(key)
        if span is None:
            raise ParseFailure("could not place every replacement (file changed while reading?)")
        start, end = span
        edits.append((start, end, f'{function}("{alias}", '.encode() + data[start:end] + b")"))
    if collected.binding is None:
        nl = collected.newline
        name = FUNCTION if function == FUNCTION else f"{FUNCTION} as {function}"
        line = f"from {module_path} import {name}"
        if module_path.startswith("."):
            # Run as a script, the file has no package to be relative to; its folder is on
            # sys.path then. A type checker resolves one of the two, whichever way it runs.
            bare = module_path.lstrip(".")
            line = nl.join((
                "try:", f"    {line}", "except ImportError:  # run as a script",
                f"    from {bare} import {name}  {MYPY_FALLBACK}",
            ))  # fmt: skip
        # After another package's imports, a group of its own (isort's sections: a first-party
        # import after third-party or standard-library ones, separated by a blank line).
        after = collected.import_after
        blank = collected.import_blank or (
            after != "" and not module_path.startswith(".") and after != module_path.split(".")[0]
        )
        text = (nl if blank else "") + line + nl
        at = collected.import_at
        if at == len(data) and data and not data.endswith((b"\n", b"\r")):
            text = nl + text[: -len(nl)]  # the file ends without a newline: so does the result
        edits.append((at, at, text.encode()))
    out, last = [], 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        out += [data[last:start], new]
        last = end
    out.append(data[last:])
    code = b"".join(out).decode("utf-8", "surrogatepass")
    _parse_ast(code)  # refuse to hand back anything that no longer parses
    # The edit saw the text without its byte-order mark; the file keeps the one it had.
    return "\ufeff" + code if source.startswith("\ufeff") else code
