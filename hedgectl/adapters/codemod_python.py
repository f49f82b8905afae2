"""Python side of `rewrite`: find string literals with libcst and replace them by alias lookups.

libcst keeps every byte of formatting and every comment outside the nodes it replaces. Literals are
addressed by the (line, column) of the original node, which `collect` reports and `apply` matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from hedgectl.core.aliases import slug
from hedgectl.core.audit import suppressed
from hedgectl.core.rewrite import DYNAMIC, TABLE_ROW, TEXT_ONLY, Position, Site, is_model_name
from hedgectl.errors import UsageError

RESOLVER_MODULE = "hedge_models"
FUNCTION = "hedge_model"
# Names the resolver module exports (`model` is the name older resolvers used).
EXPORTED = ("hedge_model", "model")

# Nodes a literal's role is read through: `os.getenv("X") or "id"`, `"a" if x else "b"`.
_TRANSPARENT = (cst.BooleanOperation, cst.IfExp, cst.Element, cst.StarredElement)
_SEQUENCES = (cst.List, cst.Tuple, cst.Set)
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


class ParseFailure(UsageError):
    """A file libcst cannot parse: skipped, never rewritten."""


def parse(source: str) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ParseFailure(f"line {exc.raw_line}: {exc.message}") from None


def _name_of(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else ""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return _name_of(index.value)
    return ""


def is_resolver_call(node: cst.Call) -> bool:
    """hedge_model(...), hedge_model_2(...), hedge_models.hedge_model(...): already rewritten."""
    func = node.func
    if isinstance(func, cst.Name):
        return func.value.startswith(FUNCTION)
    if isinstance(func, cst.Attribute):
        owner = func.value
        return func.attr.value.startswith(FUNCTION) or (
            func.attr.value == "model" and _name_of(owner) == RESOLVER_MODULE
        )
    return False


class _Collector(cst.CSTVisitor):
    # Parents come from our own stack: libcst's ParentNodeProvider costs more than the parse.
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__()
        self.lines = lines
        self.sites: list[Site] = []
        self.nodes: dict[tuple[int, int], cst.CSTNode] = {}
        self.names: set[str] = set()
        self.existing_binding: str | None = None
        self.stack: list[cst.CSTNode] = []
        # Names whose value is passed to a model parameter in this file (model=DEFAULT).
        self.flow_names: set[str] = set()
        # (function, local name) -> how the name is read there: "text" inside f-strings only.
        self.uses: dict[tuple[int, str], set[str]] = {}
        self.local_of: dict[tuple[int, int], int] = {}  # site key -> id() of its function

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self.stack.pop()

    def _site(
        self, node: cst.CSTNode, value: str, context: str, skip: str, position: Position
    ) -> None:
        pos = self.get_metadata(PositionProvider, node).start
        text = self.lines[pos.line - 1] if pos.line - 1 < len(self.lines) else ""
        self.nodes[(pos.line, pos.column)] = node
        self.sites.append(
            Site(
                line=pos.line,
                column=pos.column + 1,
                value=value,
                context=context,
                key=(pos.line, pos.column),
                skip=skip,
                suppressed=suppressed(text),
                position=position,
            )
        )

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
        parent = self.stack[-2] if len(self.stack) > 1 else None
        if parent is None or not _is_read(node, parent):
            return
        function = _function_of(self.stack)
        if function is None:
            return
        text = False
        for a in reversed(self.stack):
            if isinstance(a, cst.BaseSmallStatement | cst.BaseCompoundStatement):
                break
            if isinstance(a, cst.FormattedStringExpression):
                text = True
                break
        self.uses.setdefault((id(function), node.value), set()).add("text" if text else "value")

    def visit_Call(self, node: cst.Call) -> bool:
        bound = self.existing_binding is not None and _name_of(node.func) == self.existing_binding
        if bound or is_resolver_call(node):
            return False  # already an alias lookup: never wrapped again
        for arg in node.args:
            if arg.keyword is not None and is_model_name(arg.keyword.value):
                self._flows(arg.value)
        return True

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if is_model_name(_name_of(node.key)):
            self._flows(node.value)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None and is_model_name(node.name.value):
            self._flows(node.default)

    def _flows(self, value: cst.BaseExpression) -> None:
        # model=DEFAULT, model=self.model, model=ROUTES["summariser"] (the key names the slot).
        if isinstance(value, cst.Name | cst.Attribute | cst.Subscript):
            self.flow_names.add(_name_of(value))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
        if not module or module.rsplit(".", 1)[-1] != RESOLVER_MODULE:
            return
        if isinstance(node.names, Sequence):
            for alias in node.names:
                name = _name_of(alias.name)
                if name in EXPORTED:
                    self.existing_binding = (
                        _name_of(alias.asname.name)
                        if alias.asname and isinstance(alias.asname.name, cst.Name)
                        else name
                    )

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        self._site(node, cst.Module([]).code_for_node(node), "", DYNAMIC, Position.OTHER)
        function = _function_of([*self.stack, node])
        if function is not None:
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    for name in _read_names(part.expression):
                        self.names.add(name)
                        self.uses.setdefault((id(function), name), set()).add("text")
        return False

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        self._site(node, cst.Module([]).code_for_node(node), "", DYNAMIC, Position.OTHER)
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if not isinstance(value, str):
            return
        context, skip, position = self._role(node)
        self._site(node, value, context, skip, position)

    def _enclosing_skip(self, ancestors: list[cst.CSTNode]) -> str:
        """A reason found anywhere up to the enclosing statement: comparisons, types, checks."""
        for a in ancestors:
            if isinstance(a, cst.BaseSmallStatement | cst.BaseCompoundStatement):
                return ""
            if isinstance(a, cst.Annotation):
                return "type annotation"
            if isinstance(a, cst.Comparison):
                return "comparison or membership test (changing it would change what is compared)"
            if isinstance(a, cst.Subscript) and _name_of(a.value) == "Literal":
                return "Literal type"
            if isinstance(a, cst.Call) and _name_of(a.func) in _TEXT_CHECKS:
                return f"prefix, substring or pattern check ({_name_of(a.func)})"
            if isinstance(a, cst.MatchValue | cst.MatchSingleton):
                return "match pattern"
        return ""

    def _class_of(self, ancestors: list[cst.CSTNode]) -> cst.ClassDef | None:
        """The class whose body holds this statement directly (class attributes)."""
        for a in ancestors:
            if isinstance(a, cst.FunctionDef | cst.Lambda):
                return None
            if isinstance(a, cst.ClassDef):
                return a
        return None

    def _role(self, node: cst.CSTNode) -> tuple[str, str, Position]:
        ancestors = self.stack[-2::-1]  # parent first; stack[-1] is the node itself
        if not ancestors:
            return "", "", Position.OTHER
        skip = self._enclosing_skip(ancestors)
        if skip:
            return "", skip, Position.OTHER
        child: cst.CSTNode = node
        up = 0
        parent = ancestors[0]
        while isinstance(parent, _TRANSPARENT) and up + 1 < len(ancestors):
            up += 1
            child, parent = parent, ancestors[up]
        if isinstance(parent, _SEQUENCES):
            return "", "", Position.ELEMENT
        if isinstance(parent, cst.BinaryOperation):
            return "", DYNAMIC, Position.OTHER
        if isinstance(parent, cst.Arg):
            if parent.keyword is not None:
                return parent.keyword.value, "", Position.KEYWORD
            call = ancestors[up + 1] if up + 1 < len(ancestors) else None
            # os.getenv("LLM_MODEL", "id") / settings.get("model", "id"): the first names it.
            if (
                isinstance(call, cst.Call)
                and _name_of(call.func) in ("getenv", "get", "setdefault", "environ_get")
                and len(call.args) >= 2
                and call.args[1] is parent
            ):
                return _name_of(call.args[0].value), "", Position.ENV_DEFAULT
            return "", "", Position.ARGUMENT
        if isinstance(parent, cst.DictElement):
            if child is parent.key:
                return "", "dict key", Position.OTHER
            if _in_sequence(ancestors[up + 1 :]):
                return _name_of(parent.key), TABLE_ROW, Position.OTHER
            return _name_of(parent.key), "", Position.KEY_VALUE
        if isinstance(parent, cst.Assign | cst.AnnAssign):
            target = parent.targets[0].target if isinstance(parent, cst.Assign) else parent.target
            name = _name_of(target)
            owner = self._class_of(ancestors[up + 1 :])
            if owner is not None:
                if any(_name_of(b.value) in _ENUM_BASES for b in owner.bases):
                    return name, "enum member", Position.OTHER
                if slug(name) == "model_id":
                    return name, "", Position.CLASS_ATTR
            if isinstance(target, cst.Subscript):
                return name, "", Position.KEY_VALUE
            function = _function_of(self.stack) if isinstance(target, cst.Name) else None
            if function is not None:
                pos = self.get_metadata(PositionProvider, node).start
                self.local_of[(pos.line, pos.column)] = id(function)
            return name, "", Position.ASSIGN
        if isinstance(parent, cst.Param):
            return parent.name.value, "", Position.DEFAULT
        if isinstance(parent, cst.Return):
            return "", "", Position.RETURN
        if isinstance(parent, cst.Expr):
            return "", "docstring or bare expression", Position.OTHER
        if isinstance(parent, cst.SubscriptElement | cst.Index):
            return "", "subscript or lookup key", Position.OTHER
        return "", "", Position.OTHER


def _function_of(stack: list[cst.CSTNode]) -> cst.FunctionDef | None:
    """The innermost function around the node on top of the stack (None: module or class)."""
    for a in reversed(stack[:-1]):
        if isinstance(a, cst.FunctionDef):
            return a
        if isinstance(a, cst.ClassDef):
            return None
    return None


def _read_names(expression: cst.BaseExpression) -> list[str]:
    """Names an f-string expression reads (`{model}`, `{cfg.model}` reads cfg)."""
    if isinstance(expression, cst.Name):
        return [expression.value]
    if isinstance(expression, cst.Attribute):
        return _read_names(expression.value)
    # Anything more complex (calls, subscripts): every Name in it counts as a read.
    import libcst.matchers as m

    found = m.findall(expression, m.Name())
    return [n.value for n in found if isinstance(n, cst.Name)]


def _is_read(node: cst.Name, parent: cst.CSTNode) -> bool:
    """Whether a Name is read as a value (not a target, attribute, keyword or definition)."""
    if isinstance(parent, cst.AssignTarget | cst.AnnAssign | cst.AugAssign):
        return getattr(parent, "target", None) is not node
    if isinstance(parent, cst.Attribute):
        return parent.attr is not node
    if isinstance(parent, cst.Arg):
        return parent.keyword is not node
    return not isinstance(
        parent,
        cst.Param | cst.FunctionDef | cst.ClassDef | cst.ImportAlias | cst.AsName | cst.Global
        | cst.Nonlocal | cst.NameItem,
    )  # fmt: skip


def _in_sequence(ancestors: list[cst.CSTNode]) -> bool:
    """Whether the dict these ancestors start with is itself an entry of a list, tuple or set."""
    if len(ancestors) < 3 or not isinstance(ancestors[0], cst.Dict):
        return False
    return isinstance(ancestors[1], cst.Element) and isinstance(ancestors[2], _SEQUENCES)


class Collected:
    """One parsed module and its literals; `apply` edits this same tree (no second parse)."""

    def __init__(self, module: cst.Module, collector: _Collector) -> None:
        self.module = module
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
        self.nodes = collector.nodes
        self.names = collector.names
        self.binding = collector.existing_binding


def collect(source: str) -> Collected:
    """Every str literal in the module (and every f-string/concatenation, as dynamic)."""
    module = parse(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    visitor = _Collector(source.splitlines())
    wrapper.visit(visitor)
    return Collected(wrapper.module, visitor)


class _Replacer(cst.CSTTransformer):
    def __init__(self, targets: dict[int, str], function: str) -> None:
        super().__init__()
        self.targets = targets  # id() of an original SimpleString -> alias
        self.function = function
        self.done = 0

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        alias = self.targets.get(id(original_node))
        if alias is None:
            return updated_node
        self.done += 1
        # The original literal stays as the default: with no hedge.toml nothing changes.
        return cst.Call(
            func=cst.Name(self.function),
            args=[
                cst.Arg(
                    cst.SimpleString(f'"{alias}"'),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                cst.Arg(updated_node.with_changes(lpar=[], rpar=[])),
            ],
            lpar=updated_node.lpar,
            rpar=updated_node.rpar,
        )


def binding_name(collected: Collected) -> str:
    """The local name for the resolver: reuse an existing import, never shadow a module name."""
    if collected.binding:
        return collected.binding
    name, n = FUNCTION, 2
    while name in collected.names:
        name, n = f"{FUNCTION}_{n}", n + 1
    return name


def apply(
    source: str,
    collected: Collected,
    replacements: dict[tuple[int, int], str],
    module_path: str,
) -> str:
    """The module with each chosen literal replaced by `<binding>("<alias>", <literal>)` and the
    import added."""
    if not replacements:
        return source
    function = binding_name(collected)
    targets = {id(collected.nodes[key]): alias for key, alias in replacements.items()}
    replacer = _Replacer(targets, function)
    module = collected.module.visit(replacer)
    if replacer.done != len(replacements):
        raise ParseFailure("could not place every replacement (file changed while reading?)")
    if collected.binding is None:
        module = _add_import(module, module_path, function)
    code = module.code
    parse(code)  # refuse to hand back anything that no longer parses
    return code


def _add_import(module: cst.Module, module_path: str, function: str) -> cst.Module:
    asname = None if function == FUNCTION else cst.AsName(cst.Name(function))
    stmt = cst.SimpleStatementLine(
        [
            cst.ImportFrom(
                module=cst.parse_expression(module_path),  # type: ignore[arg-type]
                names=[cst.ImportAlias(name=cst.Name(FUNCTION), asname=asname)],
            )
        ]
    )
    body = list(module.body)
    index = 0
    # After the module docstring and `from __future__` imports, which must come first.
    if (
        body
        and isinstance(body[0], cst.SimpleStatementLine)
        and isinstance(body[0].body[0], cst.Expr)
        and isinstance(body[0].body[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        index = 1
    while index < len(body) and _is_future(body[index]):
        index += 1
    # Join the existing import block when there is one right there.
    while index < len(body) and _is_import(body[index]):
        index += 1
    if index > 0 and (_is_future(body[index - 1]) or not _is_import(body[index - 1])):
        # Its own block after the docstring or the __future__ import, as isort would place it.
        stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(index, stmt)
    return module.with_changes(body=body)


def _is_future(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and isinstance(stmt.body[0], cst.ImportFrom)
        and stmt.body[0].module is not None
        and cst.helpers.get_full_name_for_node(stmt.body[0].module) == "__future__"
    )


def _is_import(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and isinstance(
        stmt.body[0], cst.Import | cst.ImportFrom
    )
