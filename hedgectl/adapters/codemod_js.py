"""JavaScript/TypeScript side of `rewrite`: tree-sitter finds literals, edits splice byte ranges.

The per-language wheels (tree-sitter-javascript, tree-sitter-typescript) carry their grammars, so
this works offline. Edits replace only the literal's bytes, from the end of the file backwards, and
the result is re-parsed: a file whose tree has errors afterwards is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import PurePosixPath

from tree_sitter import Language, Node, Parser, Tree

from hedgectl.core.audit import suppressed
from hedgectl.core.rewrite import (
    DYNAMIC,
    REGISTRY_ENTRY,
    TABLE_ROW,
    Position,
    Site,
    is_model_name,
)
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
# Nodes a literal's role is read through: `process.env.X ?? "id"`, `cond ? "a" : "b"`, `as const`.
_TRANSPARENT = {
    "parenthesized_expression",
    "ternary_expression",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
}
_COMPARE = {"===", "==", "!==", "!=", "<", ">", "<=", ">=", "in", "instanceof"}
# Methods whose string argument is a pattern or a piece of text to look for, never a model to call.
_TEXT_CHECKS = frozenset(
    {
        "startsWith", "endsWith", "includes", "indexOf", "lastIndexOf", "match", "matchAll",
        "replace", "replaceAll", "split", "search", "test", "RegExp", "exec",
    }
)  # fmt: skip
_STATEMENTS = {
    "expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
    "if_statement", "for_statement", "while_statement", "export_statement", "class_body",
    "statement_block", "program", "switch_statement",
}  # fmt: skip
_TYPES = {
    "type_annotation", "type_alias_declaration", "literal_type", "union_type", "type_arguments",
    "interface_declaration", "property_signature", "index_signature", "predefined_type",
}  # fmt: skip


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


def _parse(data: bytes, lang: str, *, tolerate: bool = False) -> Node:
    """The syntax tree; with `tolerate`, also a tree with errors in some statements (the
    literals in those are listed, never rewritten) unless nothing in it could be read."""
    tree = _parser(lang).parse(data)
    if tree.root_node.has_error and lang != "typescript":
        tree = _parse_past_bare_ampersands(data, lang, tree)
    if tree.root_node.has_error and not (tolerate and _readable_in_part(tree.root_node)):
        bad = _first_error(tree.root_node)
        line = bad.start_point[0] + 1 if bad is not None else 0
        raise ParseFailure(f"line {line}: syntax error")
    return tree.root_node


def _readable_in_part(root: Node) -> bool:
    """Whether the errors sit inside statements: an ERROR straight under the file's root can
    hide where statements begin and end, so such a file is refused whole."""
    return not any(child.is_error or child.is_missing for child in root.children)


def _errors(root: Node) -> list[bytes]:
    """The text of every ERROR or missing node, in order (what an edit must leave alone)."""
    if not root.has_error:
        return []
    return [n.text or b"" for n in _walk(root) if n.is_error or n.is_missing]


# An HTML character reference: the only `&` the JSX grammars accept in JSX text and attributes.
_ENTITY = re.compile(rb"&(?:#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,5})|[A-Za-z]{1,30});")
_MASK_ROUNDS = 32


def _parse_past_bare_ampersands(data: bytes, lang: str, tree: Tree) -> Tree:
    """Parse again with bare `&` in JSX text and JSX attribute strings blanked out.

    React, tsc and esbuild accept `<p>Terms & Conditions</p>` and `href="/p?a=1&b=2"`, but the
    tree-sitter JSX grammars (tree-sitter-typescript 0.23.2, tree-sitter-javascript 0.25.0) lex such
    an `&` as an operator and give an ERROR, so valid files would be skipped. Blanking that one
    byte to a space keeps every offset, and no literal rewrite edits sits in JSX text.
    """
    masked = bytearray(data)
    for _ in range(_MASK_ROUNDS):
        spots = _bare_jsx_ampersands(tree.root_node, masked)
        if not spots:
            break
        for at in spots:
            masked[at] = 0x20
        tree = _parser(lang).parse(bytes(masked))
        if not tree.root_node.has_error:
            break
    return tree


def _bare_jsx_ampersands(node: Node, data: bytearray) -> set[int]:
    """Offsets of `&` that end a JSX text run or open an ERROR in JSX text or a JSX attribute."""
    spots: set[int] = set()
    stack = [node]
    while stack:
        parent = stack.pop()
        for child in parent.children:
            if child.type == "jsx_text":
                at = child.end_byte
            elif child.is_error and (
                parent.type == "jsx_element"
                or (
                    parent.type == "string"
                    and parent.parent is not None
                    and parent.parent.type == "jsx_attribute"
                )
            ):
                at = child.start_byte
            else:
                at = -1
            if 0 <= at < len(data) and data[at] == 0x26 and not _ENTITY.match(data, at):
                spots.add(at)
            if child.has_error:
                stack.append(child)
    return spots


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
    imports: set[str] = field(default_factory=set)  # module specifiers imported or required
    directives: set[str] = field(default_factory=set)  # "use client", "use strict", ...
    edge: bool = False  # `export const runtime = "edge"` (Next.js route segment config)
    errors: list[bytes] = field(default_factory=list)  # what the parser could not read


def is_resolver_call(node: Node, binding: str | None = None) -> bool:
    """hedgeModel(...), hedgeModel2(...), models.hedgeModel(...), or the name the file imported
    it as: already rewritten."""
    if node.type != "call_expression":
        return False
    func = node.child_by_field_name("function")
    if func is None:
        return False
    if func.type == "member_expression":
        func = func.child_by_field_name("property")
    name = _text(func)
    return name.startswith(FUNCTION) or name == binding


def collect(data: bytes, lang: str) -> Collected:
    root = _parse(data, lang, tolerate=True)
    lines = data.decode("utf-8", "replace").splitlines()
    byte_lines = data.splitlines()  # once per file, not once per literal
    sites: list[Site] = []
    names: set[str] = set()
    binding: str | None = None
    esm = False
    insert_at: int = 0

    def site(node: Node, value: str, context: str, skip: str, position: Position) -> None:
        row, col_b = node.start_point
        line_bytes = byte_lines[row] if row < len(lines) else b""
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
                position=position,
            )
        )

    # The import goes after the file's header: hashbang, directives, comments, imports, requires,
    # and never before a byte-order mark.
    if data.startswith(b"\xef\xbb\xbf"):
        insert_at = 3
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
    imports: set[str] = set()
    directives: set[str] = set()
    edge = False
    flow_names: set[str] = set()
    for top in root.children:
        if top.type == "expression_statement" and top.named_child_count == 1:
            only = top.named_children[0]
            if only.type == "string":
                directives.add(_text(only)[1:-1])
        elif top.type == "export_statement" and b"runtime" in (top.text or b""):
            edge = edge or bool(re.search(rb"runtime\s*=\s*['\"]edge['\"]", top.text or b""))
    providers = _sdk_providers(root)
    # Objects that are maps of records (a registry), found once each: the walk reaches an object
    # before the literals inside it, and asking per literal would cost the map's size each time.
    record_maps: set[tuple[int, int]] = set()
    for node in _walk(root, binding):
        kind = node.type
        if kind == "object" and _is_record_map(node):
            record_maps.add((node.start_byte, node.end_byte))
        if kind == "identifier":
            names.add(_text(node))
        elif kind == "import_statement":
            imports.add(_text(node.child_by_field_name("source"))[1:-1])
        elif kind == "call_expression":
            func = _text(node.child_by_field_name("function"))
            args = node.child_by_field_name("arguments")
            if func in ("require", "import") and args is not None and args.named_child_count:
                imports.add(_text(args.named_children[0])[1:-1])
        elif kind == "pair":
            value = node.child_by_field_name("value")
            key = _key_name(node.child_by_field_name("key"))
            passes_name = value is not None and value.type in ("identifier", "member_expression")
            if passes_name and is_model_name(key):
                flow_names.add(_key_name(value))
        elif kind == "template_string":
            if any(c.type == "template_substitution" for c in node.children):
                site(node, _text(node), "", DYNAMIC, Position.OTHER)
            else:
                context, skip, position = _role(node, providers, record_maps)
                site(node, _text(node)[1:-1], context, skip, position)
        elif kind == "string":
            raw = _text(node)
            if "\\" in raw:
                continue  # escapes never occur in model IDs; leave such strings alone
            context, skip, position = _role(node, providers, record_maps)
            site(node, raw[1:-1], context, skip, position)
    sites = [
        replace(s, flows=True)
        if s.position in (Position.ASSIGN, Position.KEY_VALUE) and s.context in flow_names
        else s
        for s in sites
    ]
    return Collected(
        sites, names, binding, esm, insert_at, imports, directives, edge, _errors(root)
    )


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


def _walk(node: Node, binding: str | None = None) -> list[Node]:
    """Every node in source order, except inside alias lookups (never wrapped again)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if not is_resolver_call(current, binding):
            stack.extend(reversed(current.children))
    return out


# Blocks hold other statements: an error in one of those says nothing about this one.
_BLOCKS = {"program", "statement_block", "class_body", "switch_body"}
UNREADABLE = "code the parser cannot read around it (a syntax it does not know)"


def _in_unreadable_code(node: Node) -> bool:
    """Inside an ERROR, or in a statement holding one: its role cannot be told."""
    ancestor = node.parent
    while ancestor is not None:
        if ancestor.is_error:
            return True
        if ancestor.type in _STATEMENTS and ancestor.type not in _BLOCKS:
            return ancestor.has_error
        ancestor = ancestor.parent
    return False


def _enclosing_skip(node: Node) -> str:
    """A reason found anywhere up to the enclosing statement: comparisons, types, checks."""
    if _in_unreadable_code(node):
        return UNREADABLE
    child, ancestor = node, node.parent
    while ancestor is not None and ancestor.type not in _STATEMENTS:
        kind = ancestor.type
        if kind in _TYPES:
            return "type position"
        if kind in ("enum_body", "enum_assignment"):
            return "enum member"
        if kind in ("jsx_attribute", "jsx_element", "jsx_expression", "jsx_self_closing_element"):
            return "markup (a label or attribute shown to people)"
        if kind == "switch_case":
            return "comparison (changing it would change what is compared)"
        operator = _text(ancestor.child_by_field_name("operator"))
        if kind == "binary_expression" and operator in _COMPARE:
            return "comparison or membership test (changing it would change what is compared)"
        if kind in ("call_expression", "new_expression"):
            func = ancestor.child_by_field_name("function") or ancestor.child_by_field_name(
                "constructor"
            )
            name = _key_name(func) if func is not None else ""
            if name in _TEXT_CHECKS and child.type == "arguments":
                return f"prefix, substring or pattern check ({name})"
        if kind in ("import_statement", "import_require_clause"):
            return "module path"
        child, ancestor = ancestor, ancestor.parent
    return ""


# AI SDK provider packages (Vercel AI SDK and community providers): what they export is a provider
# function whose first argument is the model to call, `openai("gpt-4o")`,
# `anthropic.languageModel("claude-...")`, `openai.embedding("text-embedding-3-small")`; a
# `create*` export builds such a provider from options. Source: ai-sdk.dev providers docs (2026-11).
_SDK_MODULES = re.compile(
    r"^(?:@ai-sdk/[a-z0-9-]+|@openrouter/ai-sdk-provider|ollama-ai-provider(?:-v2)?)$"
)
_SDK_METHODS = frozenset(
    {
        "chat", "languageModel", "completion", "responses", "embedding", "textEmbedding",
        "textEmbeddingModel", "image", "imageModel", "transcription", "speech", "reranking",
        "rerankingModel",
    }
)  # fmt: skip


def _sdk_providers(root: Node) -> set[str]:
    """Names bound to an AI SDK provider in this file: imports from a provider package, and
    top-level `const p = createX(...)` built from such an import."""
    imported: set[str] = set()
    for top in root.children:
        if top.type != "import_statement":
            continue
        if not _SDK_MODULES.match(_text(top.child_by_field_name("source"))[1:-1]):
            continue
        for spec in _walk(top):
            if spec.type == "import_specifier":
                alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                imported.add(_text(alias))
    providers = {name for name in imported if not name.startswith("create")}
    for top in root.children:
        decl = top.child_by_field_name("declaration") if top.type == "export_statement" else top
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in decl.named_children:
            value = declarator.child_by_field_name("value")
            if declarator.type != "variable_declarator" or value is None:
                continue
            func = (
                value.child_by_field_name("function") if value.type == "call_expression" else None
            )
            if func is not None and _text(func) in imported and _text(func).startswith("create"):
                providers.add(_text(declarator.child_by_field_name("name")))
    return providers


def _sdk_model_argument(args: Node, child: Node, providers: set[str]) -> str:
    """The method (or "model") when `child` is the first argument of a provider call."""
    if not providers or not args.named_children or args.named_children[0] != child:
        return ""
    call = args.parent
    func = call.child_by_field_name("function") if call is not None else None
    if func is None:
        return ""
    if func.type == "identifier" and _text(func) in providers:
        return "model"
    if func.type == "member_expression":
        target = func.child_by_field_name("object")
        method = _text(func.child_by_field_name("property"))
        if target is not None and _text(target) in providers and method in _SDK_METHODS:
            return method
    return ""


def _role(
    node: Node, providers: set[str] | None = None, record_maps: set[tuple[int, int]] | None = None
) -> tuple[str, str, Position]:
    skip = _enclosing_skip(node)
    if skip:
        return "", skip, Position.OTHER
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
            and _text(left).startswith(("process.env.", "import.meta.env."))
        ):
            env_name = _key_name(left)  # process.env.LLM_MODEL ?? "id": the variable names it
        child, parent = parent, parent.parent
    if env_name:
        return env_name, "", Position.ENV_DEFAULT
    if parent is None:
        return "", "", Position.OTHER
    kind = parent.type
    if kind == "binary_expression":
        return "", DYNAMIC, Position.OTHER
    if kind == "pair":
        if parent.child_by_field_name("key") == child:
            return "", "object key", Position.OTHER
        key = _key_name(parent.child_by_field_name("key"))
        record = parent.parent
        if record is not None and record.type == "object" and _in_array(record):
            return key, TABLE_ROW, Position.OTHER
        if (
            record is not None
            and record.type == "object"
            and _registry_entry(record, node, record_maps or set())
        ):
            return key, REGISTRY_ENTRY, Position.OTHER
        return key, "", Position.KEY_VALUE
    if kind == "variable_declarator":
        return _key_name(parent.child_by_field_name("name")), "", Position.ASSIGN
    if kind in ("assignment_expression", "augmented_assignment_expression"):
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "subscript_expression":
            return _key_name(left.child_by_field_name("index")), "", Position.KEY_VALUE
        return _key_name(left), "", Position.ASSIGN
    if kind in ("field_definition", "public_field_definition"):
        name = _key_name(
            parent.child_by_field_name("property") or parent.child_by_field_name("name")
        )
        return name, "", Position.ASSIGN
    if kind in ("assignment_pattern", "object_assignment_pattern"):
        return _key_name(parent.child_by_field_name("left")), "", Position.DEFAULT
    if kind in ("required_parameter", "optional_parameter"):
        return _key_name(parent.child_by_field_name("pattern")), "", Position.DEFAULT
    if kind == "arguments":
        method = _sdk_model_argument(parent, child, providers or set())
        if method:
            return method, "", Position.SDK_MODEL
        return "", "", Position.ARGUMENT
    if kind == "array":
        return "", "", Position.ELEMENT
    if kind == "subscript_expression":
        return "", "subscript or lookup key", Position.OTHER
    if kind in ("export_statement",):
        return "", "module path", Position.OTHER
    if kind == "expression_statement":
        return "", "directive or bare expression", Position.OTHER
    if kind in ("return_statement", "arrow_function"):
        return "", "", Position.RETURN
    return "", "", Position.OTHER


# A map with this many entries, (nearly) all of them records, is a registry or a catalogue of
# models (`models = { claude4Sonnet: { title, params: { model } }, ... }`), not a configuration.
_REGISTRY_SIZE = 8


def _registry_entry(record: Node, literal: Node, record_maps: set[tuple[int, int]]) -> bool:
    """Whether the object literal holding `literal` describes one model among many: it sits under
    a key that names a model (the literal's own value, or a quoted key no identifier could be:
    `'qwen-max': {...}`), or anywhere inside a large map of records (`record_maps`)."""
    pair = record.parent
    if pair is not None and pair.type == "pair" and pair.child_by_field_name("value") == record:
        key = pair.child_by_field_name("key")
        if key is not None and key.type == "string":
            name = _text(key)[1:-1]
            if name == _text(literal)[1:-1] or any(c in name for c in "-.:/@"):
                return True
    holder = record.parent
    while holder is not None and holder.type not in _STATEMENTS:
        if holder.type == "object" and (holder.start_byte, holder.end_byte) in record_maps:
            return True
        holder = holder.parent
    return False


def _is_record_map(node: Node) -> bool:
    """An object with many entries, (nearly) all of them records."""
    values = [p.child_by_field_name("value") for p in node.named_children if p.type == "pair"]
    records = sum(1 for v in values if v is not None and v.type == "object")
    return records >= _REGISTRY_SIZE and records * 5 >= len(values) * 4


def _in_array(node: Node) -> bool:
    """Whether an object literal is an entry of an array literal (through parentheses, `as`)."""
    parent = node.parent
    while parent is not None and parent.type in _TRANSPARENT - {"ternary_expression"}:
        parent = parent.parent
    return parent is not None and parent.type == "array"


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
    """The file with each chosen literal replaced by `<binding>("<alias>", <literal>)` and the
    import added."""
    if not replacements:
        return data
    binding = binding_name(collected)
    out = data
    for (start, end), alias in sorted(replacements.items(), reverse=True):
        # The original literal stays as the default: with no hedge.toml nothing changes.
        out = out[:start] + f'{binding}("{alias}", '.encode() + data[start:end] + b")" + out[end:]
    if collected.binding is None:
        line = import_line(binding, specifier, collected.esm).encode()
        at = collected.insert_at
        if at > 0 and not out[:at].endswith((b"\n", b"\xef\xbb\xbf")):
            line = b"\n" + line
        out = out[:at] + line + out[at:]
    # Refuse to hand back anything that parses worse than what came in: the same errors (a
    # syntax the grammar does not know, in statements left alone) and no new ones.
    if _errors(_parse(out, lang, tolerate=True)) != collected.errors:
        raise ParseFailure("the rewritten file would not parse like the original; left alone")
    return out


# ---------------------------------------------------------------------------- resolver modules

# Imports that tie a file to Node.js: it gets the resolver that reads hedge.toml at run time.
NODE_MODULES = frozenset(
    {
        "fs", "fs/promises", "path", "child_process", "os", "http", "https", "net", "tls", "dns",
        "stream", "util", "worker_threads", "readline", "zlib", "cluster", "module", "express",
        "fastify", "koa", "@nestjs/core", "dotenv",
    }
)  # fmt: skip
# Dependencies that say a package's code (also) runs in browsers or edge runtimes.
FRONTEND_PACKAGES = frozenset(
    {
        "next", "vite", "react", "react-dom", "vue", "svelte", "@sveltejs/kit", "nuxt",
        "@angular/core", "solid-js", "preact", "astro", "@remix-run/react", "expo",
    }
)  # fmt: skip
# Dependencies that say a package's code is bundled or deployed to an edge runtime (Cloudflare
# Workers...): a bundle moves the code away from hedge.toml (and rollup does not load CommonJS
# without a plugin), an edge runtime has no fs, so such code gets the resolver that carries
# hedge.toml's aliases as data, unless a file imports Node built-ins.
BUNDLED_PACKAGES = frozenset(
    {
        "rollup", "esbuild", "webpack", "tsup", "parcel", "@vercel/ncc", "wrangler",
        "@cloudflare/workers-types", "microbundle", "unbuild",
    }
)  # fmt: skip
# Files next to package.json that say the same (a Cloudflare Workers project).
EDGE_CONFIG_FILES = ("wrangler.toml", "wrangler.json", "wrangler.jsonc")
BROWSER_STEM = RESOLVER_STEM + ".browser"
# `<T>` without a constraint: TypeScript then infers the literal's widening type, so the call types
# exactly like the literal it replaced (a string in a mutable object property or a `let`, the
# literal under a union annotation or `as const`). `<T extends string>` would pin the literal type
# and turn `config.model = other` into a type error.
DECLARATION = (
    "/** The model ID for an alias: HEDGE_MODEL_<ALIAS>, else hedge.toml, else `fallback`. */\n"
    "export declare function hedgeModel<T>(alias: string, fallback: T): T;\n"
)


def runtime_for(collected: Collected, lang: str, frontend: bool) -> str:
    """'node' or 'browser': which resolver a file may import, from what the file itself shows.

    Edge route config, 'use client' and JSX mean browser or edge; Node built-ins mean Node; in a
    package that depends on a front-end framework everything else may be bundled for a browser.
    """
    if collected.edge or "use client" in collected.directives or lang == "tsx":
        return "browser"
    if any(i.startswith("node:") or i in NODE_MODULES for i in collected.imports):
        return "node"
    if frontend or any(
        i in FRONTEND_PACKAGES or i.startswith(("next/", "react-dom/", "@vercel/"))
        for i in collected.imports
    ):
        return "browser"
    return "node"


def _node_template() -> str:
    from importlib import resources

    return (
        resources.files("hedgectl.templates")
        .joinpath("resolver")
        .joinpath("hedge_models.js.in")
        .read_text(encoding="utf-8")
    )


def node_resolver(esm: bool, config_rel: str) -> str:
    """The Node.js resolver (reads hedge.toml relative to itself), as ESM or CommonJS."""
    if esm:
        imports = 'import fs from "node:fs";\nimport { fileURLToPath } from "node:url";'
        config = f"fileURLToPath(new URL({_js_string(config_rel)}, import.meta.url))"
        export, footer = "export ", ""
    else:
        imports = 'const fs = require("node:fs");\nconst path = require("node:path");'
        config = f"path.join(__dirname, {_js_string(config_rel)})"
        export, footer = "", "\nmodule.exports = { hedgeModel };\n"
    return (
        _node_template()
        .replace("@@IMPORTS@@", imports)
        .replace("@@CONFIG@@", config)
        .replace("@@EXPORT@@", export)
        .replace("@@FOOTER@@\n", footer)
    )


# The TypeScript resolver for code tsc compiles into an outDir: the Node resolver's JavaScript
# (unchecked, so it needs no @types/node) under a typed signature. Its compiled copy sits in outDir,
# away from hedge.toml, so it looks for hedge.toml in its own folder and a bounded number above.
_COMPILED_IMPORTS = """import * as fs from "node:fs";
import * as path from "node:path";
@@HERE@@

// tsc compiles this file into outDir, so hedge.toml is looked for in this file's folder and up
// to @@LEVELS@@ folders above it (as far up as the project's hedge.toml is from either copy).
function nearestConfig(levels) {
  let folder = HERE;
  for (let up = 0; up <= levels; up++) {
    const file = path.join(folder, "hedge.toml");
    if (fs.existsSync(file)) return file;
    folder = path.dirname(folder);
  }
  return path.join(HERE, "hedge.toml");
}"""


def compiled_resolver(esm: bool, levels: int) -> str:
    """The resolver as a TypeScript module (`hedge_models.ts`) that tsc compiles with the code,
    emitting ESM or CommonJS as the project's tsconfig does."""
    if esm:  # `import.meta` in a CommonJS file makes Node load it as an ES module
        here = 'import { fileURLToPath } from "node:url";\n\n'
        here += "const HERE = path.dirname(fileURLToPath(import.meta.url));"
    else:
        here = "\nconst HERE = __dirname;"
    imports = _COMPILED_IMPORTS.replace("@@HERE@@", here).replace("@@LEVELS@@", str(levels))
    return "// @ts-nocheck (generated JavaScript; hedgeModel is typed below)\n" + (
        _node_template()
        .replace("@@IMPORTS@@", imports)
        .replace("@@CONFIG@@", f"nearestConfig({levels})")
        .replace(
            "@@EXPORT@@function hedgeModel(alias, fallback)",
            "export function hedgeModel<T>(alias: string, fallback: T): T",
        )
        .replace("@@FOOTER@@\n", "")
    )


def browser_resolver(models: dict[str, str], *, flavor: str, typescript: bool, esm: bool) -> str:
    """The browser/edge resolver: hedge.toml's aliases as data plus build-time variables.

    flavor: 'next' (process.env.NEXT_PUBLIC_HEDGE_MODEL_*, inlined by Next.js), 'vite'
    (import.meta.env.VITE_HEDGE_MODEL_*), or 'plain' (process.env.HEDGE_MODEL_*, edge runtimes).
    """
    from importlib import resources

    body = (
        resources.files("hedgectl.templates")
        .joinpath("resolver")
        .joinpath("hedge_models.browser.in")
        .read_text(encoding="utf-8")
    )
    names = sorted(models)
    config_lines = "".join(f"  {_js_string(n)}: {_js_string(models[n])},\n" for n in names)
    record = ": Record<string, string | undefined>" if typescript else ""
    config_decl = f"const CONFIG{record} = {{\n{config_lines}}};"
    env_lines = ""
    for n in names:
        var = "HEDGE_MODEL_" + n.upper()
        reads = []
        if flavor == "vite":
            meta = "(import.meta as unknown as { env: Record<string, string | undefined> })"
            reads.append(f"read(() => {meta if typescript else 'import.meta'}.env.VITE_{var})")
        else:
            if flavor == "next":
                reads.append(f"read(() => process.env.NEXT_PUBLIC_{var})")
            reads.append(f"read(() => process.env.{var})")
        env_lines += f"  {_js_string(n)}: " + " || ".join(reads) + ",\n"
    env_decl = f"const ENV{record} = {{\n{env_lines}}};"
    if typescript and flavor != "vite":
        # Module scope: shadows nothing global, and needs no @types/node.
        env_decl = (
            "declare const process: { env: Record<string, string | undefined> };\n" + env_decl
        )
    hint = {
        "next": "NEXT_PUBLIC_HEDGE_MODEL_<ALIAS> (or HEDGE_MODEL_<ALIAS> on the server)",
        "vite": "VITE_HEDGE_MODEL_<ALIAS>",
    }.get(flavor, "HEDGE_MODEL_<ALIAS> where the runtime provides process.env")
    if typescript:
        export = (
            "export function hedgeModel<T>(alias: string, fallback: T): T {\n"
            "  return (ENV[alias] || CONFIG[alias] || fallback) as T;\n}\n"
        )
    else:
        export = (
            f"{'export ' if esm else ''}function hedgeModel(alias, fallback) {{\n"
            "  return ENV[alias] || CONFIG[alias] || fallback;\n}\n"
            + ("" if esm else "\nmodule.exports = { hedgeModel };\n")
        )
    return (
        body.replace("@@ENV_HINT@@", hint)
        .replace("@@CONFIG_DECL@@", config_decl)
        .replace("@@READ_TYPE@@", ": () => string | undefined" if typescript else "")
        .replace("@@READ_RETURN@@", ": string | undefined" if typescript else "")
        .replace("@@ENV_DECL@@", env_decl)
        .replace("@@EXPORT@@\n", export)
    )


def _js_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
