"""JavaScript/TypeScript side of `rewrite`: tree-sitter finds literals, edits splice byte ranges.

The per-language wheels (tree-sitter-javascript, tree-sitter-typescript) carry their grammars, so
this works offline. Edits replace only the literal's bytes, from the end of the file backwards, and
the result is re-parsed: a file whose tree has errors afterwards is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

from tree_sitter import Language, Node, Parser

from hedgectl.core.audit import suppressed
from hedgectl.core.rewrite import DYNAMIC, Site
from hedgectl.errors import UsageError

FUNCTION = "hedgeModel"
RESOLVER_STEM = "hedge_models"
EXTENSIONS = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}
# Nodes a literal's role is read through: `process.env.X ?? "id"`, `cond ? "a" : "b"`, arrays.
_TRANSPARENT = {
    "parenthesized_expression",
    "ternary_expression",
    "array",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
}
_COMPARE = {"===", "==", "!==", "!=", "<", ">", "<=", ">="}


class ParseFailure(UsageError):
    """A file tree-sitter parses with errors: skipped, never rewritten."""


@cache
def _parser(lang: str) -> Parser:
    if lang == "javascript":
        import tree_sitter_javascript as grammar

        return Parser(Language(grammar.language()))
    import tree_sitter_typescript as ts_grammar

    raw = ts_grammar.language_tsx() if lang == "tsx" else ts_grammar.language_typescript()
    return Parser(Language(raw))


def language_for(path: str) -> str | None:
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def _parse(data: bytes, lang: str) -> Node:
    tree = _parser(lang).parse(data)
    if tree.root_node.has_error:
        bad = _first_error(tree.root_node)
        line = bad.start_point[0] + 1 if bad is not None else 0
        raise ParseFailure(f"line {line}: syntax error")
    return tree.root_node


def _first_error(node: Node) -> Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _key_name(node: Node | None) -> str:
    if node is None:
        return ""
    if node.type == "string":
        return _text(node)[1:-1]
    if node.type == "member_expression":
        return _text(node.child_by_field_name("property"))
    return _text(node)


@dataclass
class Collected:
    sites: list[Site]
    names: set[str]
    binding: str | None
    esm: bool
    insert_at: int  # byte offset for the import line


def collect(data: bytes, lang: str) -> Collected:
    root = _parse(data, lang)
    lines = data.decode("utf-8", "replace").splitlines()
    sites: list[Site] = []
    names: set[str] = set()
    binding: str | None = None
    esm = False
    insert_at: int = 0

    def site(node: Node, value: str, context: str, skip: str) -> None:
        row, col_b = node.start_point
        line_bytes = data.splitlines()[row] if row < len(lines) else b""
        col = len(line_bytes[:col_b].decode("utf-8", "replace")) + 1
        sites.append(
            Site(
                line=row + 1,
                column=col,
                value=value,
                context=context,
                key=(node.start_byte, node.end_byte),
                skip=skip,
                suppressed=suppressed(lines[row] if row < len(lines) else ""),
            )
        )

    # The import goes after the file's header: hashbang, directives, comments, imports, requires.
    for top in root.children:
        text = _text(top)
        if top.type in ("import_statement", "export_statement"):
            esm = True
        header = (
            top.type in ("hash_bang_line", "comment", "import_statement")
            or (
                top.type == "expression_statement"
                and top.named_child_count == 1
                and top.named_children[0].type == "string"
            )
            or (top.type in ("lexical_declaration", "variable_declaration") and "require(" in text)
        )
        if top.type == "import_statement" and RESOLVER_STEM in _text(
            top.child_by_field_name("source")
        ):
            for spec in _walk(top):
                if (
                    spec.type == "import_specifier"
                    and _text(spec.child_by_field_name("name")) == FUNCTION
                ):
                    alias = spec.child_by_field_name("alias")
                    binding = _text(alias) if alias is not None else FUNCTION
        if top.type in ("lexical_declaration", "variable_declaration") and RESOLVER_STEM in text:
            binding = binding or _require_binding(top)
        if not header:
            break
        insert_at = _line_end(data, top.end_byte)

    esm = esm or any(t.type in ("import_statement", "export_statement") for t in root.children)
    for node in _walk(root):
        if node.type == "identifier":
            names.add(_text(node))
        elif node.type == "template_string":
            if any(c.type == "template_substitution" for c in node.children):
                site(node, _text(node), "", DYNAMIC)
            else:
                context, skip = _role(node)
                site(node, _text(node)[1:-1], context, skip)
        elif node.type == "string":
            raw = _text(node)
            if "\\" in raw:
                continue  # escapes never occur in model IDs; leave such strings alone
            context, skip = _role(node)
            site(node, raw[1:-1], context, skip)
    return Collected(sites, names, binding, esm, insert_at)


def _gap(data: bytes, start: int) -> int:
    """Whitespace bytes before `start` (so a directive right after the imports still counts)."""
    n = 0
    while start - n - 1 >= 0 and data[start - n - 1 : start - n] in (b" ", b"\n", b"\r", b"\t"):
        n += 1
    return n


def _require_binding(decl: Node) -> str | None:
    for node in _walk(decl):
        if node.type in ("shorthand_property_identifier_pattern",) and _text(node) == FUNCTION:
            return FUNCTION
        if node.type == "pair_pattern" and _text(node.child_by_field_name("key")) == FUNCTION:
            return _text(node.child_by_field_name("value"))
    return None


def _line_end(data: bytes, offset: int) -> int:
    end = data.find(b"\n", offset)
    return len(data) if end < 0 else end + 1


def _walk(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.children))
    return out


def _role(node: Node) -> tuple[str, str]:
    child, parent = node, node.parent
    env_name = ""
    while parent is not None and (
        parent.type in _TRANSPARENT
        or (
            parent.type == "binary_expression"
            and _text(parent.child_by_field_name("operator")) in ("??", "||", "&&")
        )
    ):
        left = parent.child_by_field_name("left")
        if (
            parent.type == "binary_expression"
            and left is not None
            and _text(left).startswith("process.env.")
        ):
            env_name = _key_name(left)  # process.env.LLM_MODEL ?? "id": the variable names it
        child, parent = parent, parent.parent
    if env_name:
        return env_name, ""
    if parent is None:
        return "", ""
    kind = parent.type
    if kind == "binary_expression":
        op = _text(parent.child_by_field_name("operator"))
        if op in _COMPARE:
            return "", "comparison (changing it would change what is compared)"
        return "", DYNAMIC
    if kind == "pair":
        if parent.child_by_field_name("key") == child:
            return "", "object key"
        return _key_name(parent.child_by_field_name("key")), ""
    if kind == "variable_declarator":
        return _key_name(parent.child_by_field_name("name")), ""
    if kind in ("assignment_expression", "augmented_assignment_expression"):
        return _key_name(parent.child_by_field_name("left")), ""
    if kind in ("field_definition", "public_field_definition"):
        return _key_name(
            parent.child_by_field_name("property") or parent.child_by_field_name("name")
        ), ""
    if kind == "assignment_pattern":
        return _key_name(parent.child_by_field_name("left")), ""
    if kind in ("required_parameter", "optional_parameter"):
        return _key_name(parent.child_by_field_name("pattern")), ""
    if kind == "arguments":
        return "", ""
    if kind in ("switch_case",):
        return "", "comparison (changing it would change what is compared)"
    if kind == "subscript_expression":
        return "", "subscript or lookup key"
    if kind in ("import_statement", "export_statement", "import_require_clause"):
        return "", "module path"
    if kind in ("expression_statement",):
        return "", "directive or bare expression"
    if kind in ("literal_type", "jsx_attribute", "property_signature", "enum_assignment"):
        return "", "type or markup position"
    if kind in ("return_statement", "array", "spread_element", "arrow_function"):
        return "", ""
    ancestor: Node | None = parent
    while ancestor is not None:
        if ancestor.type in ("type_annotation", "type_alias_declaration", "literal_type"):
            return "", "type position"
        ancestor = ancestor.parent
    return "", ""


def binding_name(collected: Collected) -> str:
    if collected.binding:
        return collected.binding
    name, n = FUNCTION, 2
    while name in collected.names:
        name, n = f"{FUNCTION}{n}", n + 1
    return name


def import_line(binding: str, specifier: str, esm: bool) -> str:
    named = FUNCTION if binding == FUNCTION else f"{FUNCTION} as {binding}"
    if esm:
        return f'import {{ {named} }} from "{specifier}";\n'
    target = FUNCTION if binding == FUNCTION else f"{FUNCTION}: {binding}"
    return f'const {{ {target} }} = require("{specifier}");\n'


def apply(
    data: bytes,
    lang: str,
    collected: Collected,
    replacements: dict[tuple[int, int], str],
    specifier: str,
) -> bytes:
    """The file with each chosen literal replaced by `<binding>("<alias>")` and the import added."""
    if not replacements:
        return data
    binding = binding_name(collected)
    out = data
    for (start, end), alias in sorted(replacements.items(), reverse=True):
        out = out[:start] + f'{binding}("{alias}")'.encode() + out[end:]
    if collected.binding is None:
        line = import_line(binding, specifier, collected.esm).encode()
        at = collected.insert_at
        if at > 0 and not out[:at].endswith(b"\n"):
            line = b"\n" + line
        out = out[:at] + line + out[at:]
    _parse(out, lang)  # refuse to hand back anything that no longer parses
    return out
