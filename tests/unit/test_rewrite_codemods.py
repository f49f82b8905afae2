"""The codemods and the planner on source text: what is rewritten, what is left, what is refused."""

from __future__ import annotations

import pytest

from hedgectl.adapters import codemod_js, codemod_python
from hedgectl.catalog import load_catalog
from hedgectl.core.rewrite import Planner, unified_diff


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def rewrite_py(source: str, catalog, existing=None, **kw):  # type: ignore[no-untyped-def]
    collected = codemod_python.collect(source)
    planner = Planner(catalog, existing=dict(existing or {}), **kw)
    replacements = planner.add_file("m.py", collected.sites)
    return codemod_python.apply(source, collected, replacements, "hedge_models"), planner


def rewrite_js(source: str, catalog, lang="javascript", specifier="./hedge_models.cjs"):  # type: ignore[no-untyped-def]
    data = source.encode()
    collected = codemod_js.collect(data, lang)
    planner = Planner(catalog)
    replacements = planner.add_file("m.js", collected.sites)
    return codemod_js.apply(data, lang, collected, replacements, specifier).decode(), planner


PY = """\"\"\"Doc mentioning deepseek-chat.\"\"\"
from __future__ import annotations

import os

CHAT_MODEL = "deepseek-chat"  # keep me
CFG = {"model": 'deepseek-reasoner', "deepseek-chat": 1}


class Bot:
    model: str = "MiniMax-M2"

    def ask(self, q, model="deepseek-chat"):
        return call(model="moonshot-v1-8k", q=q)


LLM = os.getenv("LLM_MODEL", "glm-4.6")
DYN = f"deepseek-{os.name}"
CAT = "deepseek-" + os.name
IMPLICIT = ("deepseek-" "chat")
IGNORED = "deepseek-chat"  # hedgectl: ignore
if CHAT_MODEL == "deepseek-chat":
    pass
"""


def test_python_model_slots_are_rewritten_with_the_original_as_default(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_py(PY, catalog)
    assert 'CHAT_MODEL = hedge_model("deepseek_chat", "deepseek-chat")  # keep me' in out
    assert (
        """CFG = {"model": hedge_model("deepseek_reasoner", 'deepseek-reasoner'), "deepseek-chat": 1}"""
        in out
    )
    assert 'model: str = hedge_model("minimax_m2", "MiniMax-M2")' in out
    assert 'def ask(self, q, model=hedge_model("deepseek_chat", "deepseek-chat")):' in out
    assert 'call(model=hedge_model("moonshot_v1_8k", "moonshot-v1-8k"), q=q)' in out
    assert 'os.getenv("LLM_MODEL", hedge_model("glm_4_6", "glm-4.6"))' in out
    # The import goes after the docstring and the __future__ import.
    assert "\nimport os\n\nfrom hedge_models import hedge_model\n\nCHAT_MODEL" in out
    for untouched in (
        'DYN = f"deepseek-{os.name}"',
        'CAT = "deepseek-" + os.name',
        'IMPLICIT = ("deepseek-" "chat")',
        'IGNORED = "deepseek-chat"  # hedgectl: ignore',
        'if CHAT_MODEL == "deepseek-chat":',
        '"""Doc mentioning deepseek-chat."""',
    ):
        assert untouched in out
    reasons = {(s.line, s.reason) for s in planner.skipped}
    assert (7, "needs a person: dict key") in reasons
    assert (21, "hedgectl: ignore") in reasons
    for line in (18, 19, 20, 22):
        assert any(n == line and r.startswith("needs a person: ") for n, r in reasons), line
    # Only the changed lines differ: formatting and comments are kept byte for byte.
    changed = [d for d in unified_diff("m.py", PY, out).splitlines() if d.startswith(("+", "-"))]
    assert len(changed) == 2 + 2 * 6 + 2  # headers, six edited lines, the import and its blank


def test_python_rewrite_is_idempotent(catalog) -> None:  # type: ignore[no-untyped-def]
    once, _ = rewrite_py(PY, catalog)
    twice, planner = rewrite_py(once, catalog)
    assert twice == once
    assert planner.rewrites == []


def test_an_alias_that_looks_like_a_model_id_is_never_wrapped_again(catalog) -> None:  # type: ignore[no-untyped-def]
    # An alias named like an ID (llama3_2, gpt_4o) once became hedge_model(hedge_model(...)).
    src = (
        "from pkg.hedge_models import hedge_model as hm\n"
        'MODEL = hm("llama3.2", "llama3.2")\n'
        'OTHER_MODEL = hedge_model_2("gpt-4o", "gpt-4o")\n'
    )
    out, planner = rewrite_py(src, catalog)
    assert out == src
    assert planner.rewrites == [] and planner.skipped == []


def test_python_name_clash_and_existing_import(catalog) -> None:  # type: ignore[no-untyped-def]
    src = "hedge_model = 3\nMODEL = 'deepseek-chat'\n"
    out, _ = rewrite_py(src, catalog)
    assert "from hedge_models import hedge_model as hedge_model_2" in out
    assert "MODEL = hedge_model_2(\"deepseek_chat\", 'deepseek-chat')" in out
    # A later run reuses the import it finds instead of adding another.
    out2, _ = rewrite_py(out + "CHAT_MODEL = 'deepseek-reasoner'\n", catalog)
    assert out2.count("import hedge_model as") == 1
    assert "CHAT_MODEL = hedge_model_2(\"deepseek_reasoner\", 'deepseek-reasoner')" in out2


NOT_SLOTS_PY = """from enum import Enum
from typing import Literal
import re

ChatModel = Literal["deepseek-chat", "deepseek-reasoner"]
SUPPORTED: list[Literal["gpt-4o"]] = ["gpt-4o"]
MODELS = ["deepseek-chat", "gpt-4o"]
PRICES = {"deepseek-chat": 0.27}
STORAGE_KEY = "gpt-4o"
PATTERN = re.compile("claude-2")


class Known(Enum):
    CHAT = "deepseek-chat"


class Plugin:
    model_id = "gpt-4o"


def register(r):
    r(Chat("gpt-4o"), aliases=("4o",))


def is_gpt4(name):
    return name.startswith("gpt-4") or "claude-2" in name or name == "gpt-4o"


def fake(m):
    m.return_value = "gpt-4o"
    m.create.side_effect = ["deepseek-chat"]
    mock(return_value="gpt-4o")
    return "deepseek-chat"


match MODEL:
    case "deepseek-chat":
        pass
"""


def test_only_model_slots_are_rewritten_everything_else_is_listed_with_a_reason(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_py(NOT_SLOTS_PY, catalog)
    assert out == NOT_SLOTS_PY
    by_line: dict[int, list[str]] = {}
    for s in planner.skipped:
        assert s.reason.startswith("needs a person: ")
        by_line.setdefault(s.line, []).append(s.reason)
    expected = {
        5: "Literal type",
        6: "Literal type",
        7: "list entry",
        8: "dict key",
        9: "names no model setting ('STORAGE_KEY')",
        10: "pattern check",
        14: "enum member",
        18: "registry name",
        22: "positional argument",
        26: "check (startswith)",
        30: "test double ('return_value')",
        31: "list entry",
        32: "test double ('return_value')",
        33: "return value",
        37: "match pattern",
    }
    for line, words in expected.items():
        assert any(words in r for r in by_line.get(line, [])), (line, by_line.get(line))
    assert any("comparison or membership" in r for r in by_line[26])


def test_test_files_are_listed_never_rewritten(catalog) -> None:  # type: ignore[no-untyped-def]
    collected = codemod_python.collect('def test_x():\n    assert call(model="gpt-4o")\n')
    for path in ("tests/test_chat.py", "pkg/conftest.py", "app/__tests__/x.test.ts"):
        planner = Planner(catalog)
        assert planner.add_file(path, collected.sites) == {}
        assert [s.reason for s in planner.skipped] == [
            "needs a person: test file (expectations, fixtures and mocks stay literal)"
        ]


def test_a_name_passed_to_a_model_parameter_is_a_slot(catalog) -> None:  # type: ignore[no-untyped-def]
    src = (
        'DEFAULT = "deepseek-chat"\nLABEL = "deepseek-reasoner"\n'
        "client.create(model=DEFAULT, prompt=LABEL)\n"
    )
    out, _planner = rewrite_py(src, catalog)
    assert 'DEFAULT = hedge_model("deepseek_chat", "deepseek-chat")' in out
    assert 'LABEL = "deepseek-reasoner"' in out


def test_alias_names_come_from_id_and_role_never_from_other_names(catalog) -> None:  # type: ignore[no-untyped-def]
    src = (
        'test_openai_models_with_a_long_parameter_name_model = "gpt-4o"\n'
        'embedding_model = "text-embedding-3-small"\n'
        'reasoning_model = "gpt-4o"\n'
        'args_model = "gpt-4o"\n'
    )
    _, planner = rewrite_py(src, catalog)
    assert [r.alias for r in planner.rewrites] == [
        "gpt_4o",
        "text_embedding_3_small",
        "gpt_4o_reasoner",
        "gpt_4o",
    ]


def test_python_selectors_limit_what_is_rewritten(catalog) -> None:  # type: ignore[no-untyped-def]
    src = "A_MODEL = 'deepseek-chat'\nB_MODEL = 'gpt-4.1'\nC_MODEL = 'glm-4.6'\n"
    out, _ = rewrite_py(src, catalog, tiers=frozenset({"named"}))
    assert "A_MODEL = hedge_model(" in out and "B_MODEL = 'gpt-4.1'" in out
    out, _ = rewrite_py(src, catalog, vendors=frozenset({"zhipu"}))
    assert "C_MODEL = hedge_model(" in out and "A_MODEL = 'deepseek-chat'" in out


def test_python_file_that_does_not_parse_is_refused() -> None:
    with pytest.raises(codemod_python.ParseFailure):
        codemod_python.collect("def broken(:\n    x = 'deepseek-chat'\n")


JS = """#!/usr/bin/env node
// header comment
"use strict";
const fs = require("fs");

const CHAT_MODEL = "deepseek-chat"; // keep me
const cfg = { model: 'deepseek-reasoner', "deepseek-chat": 1 };
class Bot { summaryModel = "moonshot-v1-8k"; }
function ask(q, model = "MiniMax-M2") { return model; }
const env = process.env.LLM_MODEL ?? "glm-4.6";
const dyn = `deepseek-${fs.x}`;
const cat = "deepseek-" + fs.x;
const esc = "deepseek\\x2dchat";
if (CHAT_MODEL === "deepseek-chat") {}
"""


def test_js_forms_are_rewritten_and_the_import_follows_the_header(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_js(JS, catalog)
    lines = out.splitlines()
    assert lines[:5] == [
        "#!/usr/bin/env node",
        "// header comment",
        '"use strict";',
        'const fs = require("fs");',
        'const { hedgeModel } = require("./hedge_models.cjs");',
    ]
    assert 'const CHAT_MODEL = hedgeModel("deepseek_chat", "deepseek-chat"); // keep me' in out
    assert (
        """const cfg = { model: hedgeModel("deepseek_reasoner", 'deepseek-reasoner'), "deepseek-chat": 1 };"""
        in out
    )
    assert 'class Bot { summaryModel = hedgeModel("moonshot_v1_8k", "moonshot-v1-8k"); }' in out
    assert 'function ask(q, model = hedgeModel("minimax_m2", "MiniMax-M2"))' in out
    assert 'process.env.LLM_MODEL ?? hedgeModel("glm_4_6", "glm-4.6")' in out
    for untouched in (
        "`deepseek-${fs.x}`",
        '"deepseek-" + fs.x',
        '"deepseek\\x2dchat"',
        '=== "deepseek-chat"',
    ):
        assert untouched in out
    assert sum("dynamic" in s.reason for s in planner.skipped) == 2
    again, planner2 = rewrite_js(out, catalog)
    assert again == out and planner2.rewrites == []


NOT_SLOTS_TS = """import { create } from "./api";
export enum Known { Chat = "deepseek-chat" }
type ChatModel = "deepseek-chat" | "gpt-4o";
export const MODELS = ["deepseek-chat", "gpt-4o"];
const STORE_KEY = "chatgpt-next-web-store";
const CACHE = "gpt-4o-cache";
export function isGPT4(m: string) {
  return m.startsWith("gpt-4") || m.includes("claude-2") || /gpt-4o/.test(m);
}
export const PRICES: Record<string, number> = { "gpt-4o": 5 };
const label = create({ title: "gpt-4o" });
if (label === "deepseek-chat") {}
switch (label) { case "gpt-4o": break; }
jest.fn().mockReturnValue({ model: "gpt-4o" });
"""


def test_ts_only_model_slots_are_rewritten(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_js(NOT_SLOTS_TS, catalog, lang="typescript", specifier="./h")
    # The mock's payload has a `model` key: inside a test file it would be listed; here it is
    # the only model slot.
    assert out.count("hedgeModel(") == 1
    assert all(s.reason.startswith("needs a person: ") for s in planner.skipped)
    lines = {s.line for s in planner.skipped}
    assert {2, 3, 4, 8, 10, 12, 13} <= lines


def test_esm_and_typescript_get_an_import_statement(catalog) -> None:  # type: ignore[no-untyped-def]
    src = 'import x from "y";\nexport const MODEL: string = "deepseek-chat";\ntype T = "deepseek-chat";\n'
    out, planner = rewrite_js(src, catalog, lang="typescript", specifier="../hedge_models.cjs")
    assert out.splitlines()[1] == 'import { hedgeModel } from "../hedge_models.cjs";'
    assert 'export const MODEL: string = hedgeModel("deepseek_chat", "deepseek-chat");' in out
    assert 'type T = "deepseek-chat";' in out
    assert [s.reason for s in planner.skipped] == ["needs a person: type position"]


def test_dynamic_values_are_listed_only_when_they_may_build_a_model_id(catalog) -> None:  # type: ignore[no-untyped-def]
    src = (
        "const a = `Ollama not reachable at ${url}. Install: https://ollama.com/download`;\n"
        "const b = `Ollama returned HTTP ${status}`;\n"
        "const c = `claude-3-${size}`;\n"
        'const d = "deepseek-" + version;\n'
        "const e = `${vendor}/Qwen2.5-${n}B`;\n"
    )
    _, planner = rewrite_js(src, catalog)
    assert [(s.line, s.reason) for s in planner.skipped] == [
        (line, "needs a person: dynamic value (f-string, template or concatenation)")
        for line in (3, 4, 5)
    ]
    _, planner = rewrite_py('print(f"Student needs help with {topic}, step by step")\n', catalog)
    assert planner.skipped == []
    _, planner = rewrite_py('MODEL = f"deepseek-{version}"\n', catalog)
    assert [s.reason for s in planner.skipped] == [
        "needs a person: dynamic value (f-string, template or concatenation)"
    ]
    # A whole ID inside a sentence is an example in a message: listed, with that reason.
    src = (
        "raise ValueError(f\"No LM is loaded for {name}. Please configure one, e.g. dspy.LM('openai/gpt-4o-mini')\")\n"
        'URL = f"{base}/deepseek-chat"\n'
    )
    _, planner = rewrite_py(src, catalog)
    assert [(s.line, s.reason) for s in planner.skipped] == [
        (1, "needs a person: message text naming a model (an example or hint, not a setting)"),
        (2, "needs a person: dynamic value (f-string, template or concatenation)"),
    ]


def test_js_name_clash_gets_a_fresh_binding(catalog) -> None:  # type: ignore[no-untyped-def]
    out, _ = rewrite_js('const hedgeModel = 1;\nconst MODEL = "deepseek-chat";\n', catalog)
    assert 'const { hedgeModel: hedgeModel2 } = require("./hedge_models.cjs");' in out
    assert 'const MODEL = hedgeModel2("deepseek_chat", "deepseek-chat")' in out
    # The next run recognises hedgeModel2(...) as already rewritten.
    again, planner = rewrite_js(out, catalog)
    assert again == out and planner.rewrites == []


def test_js_file_with_syntax_errors_is_refused() -> None:
    # An error straight under the file's root: where statements begin and end is unknown.
    with pytest.raises(codemod_js.ParseFailure, match="line 2"):
        codemod_js.collect(b'const x = 1;\n)))) model: "deepseek-chat" ((\n', "javascript")


def test_literals_in_statements_the_parser_cannot_read_are_listed_not_rewritten(catalog) -> None:  # type: ignore[no-untyped-def]
    # Valid TypeScript the bundled grammar cannot read (a generic tagged template, as
    # styled-components writes it): only that statement is unreadable; the rest is rewritten.
    src = (
        'import styled from "styled-components";\n'
        "const Div = styled.div<{ on: boolean }>`\n  color: red;\n`;\n"
        'const Pick = styled(Base).attrs({ model: "glm-4.6" })<{ a: 1 }>`x`;\n'
        'export const MODEL = "deepseek-chat";\n'
    )
    out, planner = rewrite_js(src, catalog, lang="tsx", specifier="./h")
    assert 'export const MODEL = hedgeModel("deepseek_chat", "deepseek-chat");' in out
    assert "styled.div<{ on: boolean }>`" in out
    assert [(s.text, s.reason) for s in planner.skipped] == [
        ("glm-4.6", "needs a person: " + codemod_js.UNREADABLE)
    ]
    # A broken statement in plain JS is treated the same way, and the file keeps its one error.
    out, planner = rewrite_js(
        'const x = {model: "deepseek-chat";\nconst CHAT_MODEL = "glm-4.6";\n', catalog
    )
    assert 'const x = {model: "deepseek-chat";' in out
    assert 'const CHAT_MODEL = hedgeModel("glm_4_6", "glm-4.6");' in out
    assert [s.reason for s in planner.skipped] == ["needs a person: " + codemod_js.UNREADABLE]


def test_bare_ampersands_in_jsx_do_not_stop_a_rewrite(catalog) -> None:  # type: ignore[no-untyped-def]
    # React, tsc and esbuild accept a bare `&` in JSX text and attribute strings; the bundled
    # grammars do not. The file is read as the compilers read it and rewritten.
    src = (
        'export const MODEL = "deepseek-chat";\n'
        "export function Page() {\n"
        '  return (<p title="a&b">Terms & Conditions <a href="/p?x=1&utm=2">AT&T</a> &amp;</p>);\n'
        "}\n"
    )
    for lang in ("tsx", "javascript"):
        out, planner = rewrite_js(src, catalog, lang=lang, specifier="./h")
        assert 'export const MODEL = hedgeModel("deepseek_chat", "deepseek-chat");' in out
        assert 'Terms & Conditions <a href="/p?x=1&utm=2">AT&T</a> &amp;' in out
        assert planner.skipped == []


def test_browser_and_edge_files_are_told_apart_from_node_files() -> None:
    def runtime(src: str, lang: str = "typescript", frontend: bool = False) -> str:
        return codemod_js.runtime_for(codemod_js.collect(src.encode(), lang), lang, frontend)

    assert runtime('"use client";\nexport const M = 1;\n') == "browser"
    assert runtime('export const runtime = "edge";\n') == "browser"
    assert runtime("export const x = <div/>;\n", lang="tsx") == "browser"
    assert runtime('import { useState } from "react";\n') == "browser"
    assert runtime("export const M = 1;\n", frontend=True) == "browser"
    assert runtime('import fs from "node:fs";\n', frontend=True) == "node"
    assert runtime('const fs = require("fs");\n', lang="javascript") == "node"
    assert runtime("export const M = 1;\n") == "node"


TABLE_PY = """LEADERBOARD = [
    {"model": "gpt-4o", "score": 48.2},
    {"model": "deepseek-chat", "score": 30.1},
]
AGENTS = [{"name": "a", "llm": {"model": "qwen-max"}}]
"""
TABLE_TS = """type Row = { model: string; score: number };
const rows: Row[] = [
  { model: "OpenAI/gpt-4o", score: 48.2 },
  ({ model: "deepseek-chat", score: 30.1 }),
];
const agents = [{ name: "a", llm: { model: "qwen-max" } }];
"""


def test_a_record_in_a_list_is_a_table_row_not_a_model_slot(catalog) -> None:  # type: ignore[no-untyped-def]
    """A leaderboard or registry of records names models; only a record nested deeper (an agent's
    llm settings) picks one."""
    out, planner = rewrite_py(TABLE_PY, catalog)
    assert '{"model": "gpt-4o", "score": 48.2}' in out
    assert '{"model": "deepseek-chat", "score": 30.1}' in out
    assert '"llm": {"model": hedge_model("qwen_max", "qwen-max")}' in out
    rows = [s for s in planner.skipped if "table row" in s.reason]
    assert [s.line for s in rows] == [2, 3]
    out_ts, planner_ts = rewrite_js(TABLE_TS, catalog, lang="typescript")
    assert '{ model: "OpenAI/gpt-4o", score: 48.2 }' in out_ts
    assert '({ model: "deepseek-chat", score: 30.1 })' in out_ts
    assert 'llm: { model: hedgeModel("qwen_max", "qwen-max") }' in out_ts
    assert sorted(s.line for s in planner_ts.skipped if "table row" in s.reason) == [3, 4]


LABEL_PY = """def add_args(group):
    opus_model = "claude-3-opus-20240229"
    group.add_argument("--opus", help=f"Use {opus_model} for the main chat")
    chat_model = "deepseek-chat"
    print(f"using {chat_model}")
    return call(model=chat_model)


DEFAULT_MODEL = "gpt-4o"
BANNER = f"default: {DEFAULT_MODEL}"
"""


def test_a_local_read_only_in_formatted_text_is_a_label(catalog) -> None:  # type: ignore[no-untyped-def]
    """A help text's model name is not the model the program uses: overriding it would only change
    the message. A local also passed on, and a module constant (other files may import it), stay
    model settings."""
    out, planner = rewrite_py(LABEL_PY, catalog)
    assert 'opus_model = "claude-3-opus-20240229"' in out
    assert 'chat_model = hedge_model("deepseek_chat", "deepseek-chat")' in out
    assert 'DEFAULT_MODEL = hedge_model("gpt_4o", "gpt-4o")' in out
    [label] = [s for s in planner.skipped if "formatted text" in s.reason]
    assert label.line == 2


# Literals whose place or text `ast` and libcst describe differently: parentheses that belong to
# the literal or to the call, implicit concatenations (one node in `ast`), f-strings, comments
# and indentation inside parentheses, backslash continuations, non-ASCII columns, subscripts.
TRICKY = '''\ufeff"""Doc: deepseek-chat."""
import os

é = "deepseek-chat"; MODEL = ("moonshot-v1-8k")
B = (  # a comment with gpt-4o
    "deepseek-" "chat"
)
C = f(("deepseek-" f"{os.name}"))
D = g(((f"glm-{1}")), 2)
E = h(
    (
        "deepseek-reasoner"
        " trailing"
    ),
)
F = "a" \\
    "deepseek-chat"
G = d["deepseek-chat", "x"]
H = d[("deepseek-chat", "x")]
I = d["deepseek-chat",]
J = [*("deepseek-chat",), {"model": "glm-4.6"}]


class Bot:
    def ask(self, q, model=("deepseek" "-chat"), *, other="ü-deepseek-chat"):
        text = f"{model} über {q!r:>{10}}"
        match q:
            case "deepseek-chat" | {"model": "glm-4.6"}:
                return ("ü" "deepseek-chat"), b"x" b"y"
        return call(model="moonshot-v1-8k", extra=hedge_model("a", "deepseek-chat"))
'''


def _libcst_literals(source: str) -> dict[tuple[int, int], str]:
    """Every string literal as libcst sees it: (line, column) -> value of a plain literal, or the
    printed source of an f-string or concatenation (which are not looked into)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    found: dict[tuple[int, int], str] = {}

    class Literals(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def _at(self, node: cst.CSTNode) -> tuple[int, int]:
            pos = self.get_metadata(PositionProvider, node).start
            return pos.line, pos.column

        def visit_Call(self, node: cst.Call) -> bool:
            func = node.func
            return not (isinstance(func, cst.Name) and func.value.startswith("hedge_model"))

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if isinstance(node.evaluated_value, str):
                found[self._at(node)] = node.evaluated_value

        def visit_FormattedString(self, node: cst.FormattedString) -> bool:
            found[self._at(node)] = cst.Module([]).code_for_node(node)
            return False

        def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
            found[self._at(node)] = cst.Module([]).code_for_node(node)
            return False

    MetadataWrapper(cst.parse_module(source)).visit(Literals())
    return found


def _fixtures() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [
        *sorted((root / "examples").rglob("*.py")),
        root / "hedgectl" / "adapters" / "codemod_python.py",
        root / "tests" / "cli" / "test_rewrite_cli.py",  # f-strings, concatenations, fixtures
    ]
    return [PY, TRICKY] + [f.read_text(encoding="utf-8") for f in files]


def test_ast_sites_are_the_literals_libcst_edits() -> None:
    """`collect` reads the file with `ast`; what it reports (which literals, their line and
    column, their value and, for f-strings and concatenations, their printed text) must be what
    a concrete syntax tree shows, as the libcst-based implementation reported it."""
    for source in _fixtures():
        sites = {s.key: s.value for s in codemod_python.collect(source).sites}
        assert sites == _libcst_literals(source)


def test_tricky_literals_are_rewritten_in_place(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_py(TRICKY, catalog)
    # Columns count characters (é is two bytes), parentheses stay around the lookup.
    assert 'é = "deepseek-chat"; MODEL = (hedge_model("moonshot_v1_8k", "moonshot-v1-8k"))' in out
    assert 'return call(model=hedge_model("moonshot_v1_8k", "moonshot-v1-8k"), extra=' in out
    assert '"""Doc: deepseek-chat."""\nimport os\n\nfrom hedge_models import hedge_model\n' in out
    listed = {(s.line, s.text) for s in planner.skipped}
    assert (6, '(  # a comment with gpt-4o\n    "deepseek-" "chat"\n)') in listed
    assert (12, '(\n        "deepseek-reasoner"\n        " trailing"\n    )') in listed
    # Inside the method, libcst prints the text without the block's indentation.
    assert (29, '("ü" "deepseek-chat")') in listed
    reasons = {(s.line, s.text): s.reason for s in planner.skipped}
    assert "subscript or lookup key" in reasons[(18, "deepseek-chat")]  # d["deepseek-chat", "x"]
    assert "list entry" in reasons[(19, "deepseek-chat")]  # d[("deepseek-chat", "x")]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            '"""doc"""\nimport os\nMODEL = "gpt-4o"',
            '"""doc"""\nimport os\n\nfrom pkg.hedge_models import hedge_model\n'
            'MODEL = hedge_model("gpt_4o", "gpt-4o")',
        ),
        (  # the file's own line ending
            'import os\r\nMODEL = "gpt-4o"\n',
            "import os\r\n\r\nfrom pkg.hedge_models import hedge_model\r\n"
            'MODEL = hedge_model("gpt_4o", "gpt-4o")\n',
        ),
        (  # after the header comments, before the decorators
            '# c\n\n@d\nclass A:\n    model = "gpt-4o"\n',
            "# c\n\nfrom pkg.hedge_models import hedge_model\n@d\nclass A:\n"
            '    model = hedge_model("gpt_4o", "gpt-4o")\n',
        ),
        (  # the import block ends at its last line; a comment leads the next statement
            'from __future__ import annotations\nimport os  # c\n\n# lead\nMODEL = "gpt-4o"\n',
            "from __future__ import annotations\nimport os  # c\n"
            "\nfrom pkg.hedge_models import hedge_model\n\n# lead\n"
            'MODEL = hedge_model("gpt_4o", "gpt-4o")\n',
        ),
        (
            'from x import (\n    a,\n)  # trailing\nMODEL = ("gpt-4o")\n',
            "from x import (\n    a,\n)  # trailing\n\nfrom pkg.hedge_models import hedge_model\n"
            'MODEL = (hedge_model("gpt_4o", "gpt-4o"))\n',
        ),
        (
            'hedge_model = 1\nMODEL = "gpt-4o"\n',
            "from pkg.hedge_models import hedge_model as hedge_model_2\nhedge_model = 1\n"
            'MODEL = hedge_model_2("gpt_4o", "gpt-4o")\n',
        ),
    ],
)
def test_the_import_goes_where_it_always_went(source: str, expected: str) -> None:
    # These outputs are the ones the libcst-based edit produced; the text edit keeps them, but
    # for the blank line that sets the import apart from another package's (isort's sections).
    collected = codemod_python.collect(source)
    replacements = {s.key: "gpt_4o" for s in collected.sites if s.value == "gpt-4o"}
    assert codemod_python.apply(source, collected, replacements, "pkg.hedge_models") == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (  # after another package's imports: a group of its own, as isort and ruff's I001 want
            "from typing import Literal\n\nfrom pydantic_settings import BaseSettings\n\n"
            'class S(BaseSettings):\n    model: str = "gpt-4o"\n',
            "from typing import Literal\n\nfrom pydantic_settings import BaseSettings\n\n"
            "from pkg.hedge_models import hedge_model\n\n"
            'class S(BaseSettings):\n    model: str = hedge_model("gpt_4o", "gpt-4o")\n',
        ),
        (  # after the package's own imports: the same group
            'import os\n\nfrom pkg.db import x\nMODEL = "gpt-4o"\n',
            "import os\n\nfrom pkg.db import x\nfrom pkg.hedge_models import hedge_model\n"
            'MODEL = hedge_model("gpt_4o", "gpt-4o")\n',
        ),
    ],
)
def test_the_import_starts_its_own_group_after_other_packages(source: str, expected: str) -> None:
    """magentic's settings.py got `from magentic.hedge_models import hedge_model` right under
    `from pydantic_settings import ...`, which its `ruff check` (rule I001) then failed."""
    collected = codemod_python.collect(source)
    replacements = {s.key: "gpt_4o" for s in collected.sites if s.value == "gpt-4o"}
    assert codemod_python.apply(source, collected, replacements, "pkg.hedge_models") == expected


def test_hostile_nesting_is_refused_without_a_crash() -> None:
    # Deeper than Python's parser goes: refused with a one-line reason. libcst's native parser
    # (asked for its message on files `ast` refuses) overflows its stack on these, so it is not.
    for source in ("x = " + "+".join(["a"] * 100_000) + "\n", "x = " + "(" * 5000 + ")" * 5000):
        with pytest.raises(codemod_python.ParseFailure, match="nested too deeply"):
            codemod_python.collect(source)


def test_a_byte_order_mark_stays_first(catalog) -> None:  # type: ignore[no-untyped-def]
    out, _ = rewrite_py('\ufeffMODEL = "deepseek-chat"\n', catalog)
    assert out == (
        "\ufefffrom hedge_models import hedge_model\n"
        'MODEL = hedge_model("deepseek_chat", "deepseek-chat")\n'
    )
    out, _ = rewrite_js('\ufeffconst MODEL = "deepseek-chat";\n', catalog)
    assert out == (
        '\ufeffconst { hedgeModel } = require("./hedge_models.cjs");\n'
        'const MODEL = hedgeModel("deepseek_chat", "deepseek-chat");\n'
    )


def test_provider_prefixed_ids_are_rewritten_and_named_without_the_prefix(catalog) -> None:  # type: ignore[no-untyped-def]
    """pydantic-ai's and LangChain's `provider:model` strings (open_deep_research's
    `supervisor_model: str = "anthropic:claude-sonnet-4-20250514"`) were neither rewritten nor
    listed: the whole literal is no model ID, only what follows the provider is."""
    source = (
        'supervisor_model: str = "deepseek:deepseek-chat"\n'
        'llm = init_chat_model(model="anthropic:claude-sonnet-4-5")\n'
        'LOCAL_MODEL = "llama3:8b"\n'
        'if supervisor_model == "openai:gpt-4o":\n    pass\n'
    )
    out, planner = rewrite_py(source, catalog)
    assert 'hedge_model("deepseek_chat", "deepseek:deepseek-chat")' in out
    assert 'model=hedge_model("claude_sonnet_4_5", "anthropic:claude-sonnet-4-5")' in out
    assert 'hedge_model("llama3_8b", "llama3:8b")' in out  # a tag, not a provider
    chat = planner.new_aliases["deepseek_chat"]
    assert (chat.id, chat.provider) == ("deepseek:deepseek-chat", "deepseek")
    assert chat.fallbacks  # a named-tier vendor gets suggestions, prefix or not
    assert [(s.text, s.reason.split(":")[1].strip()) for s in planner.skipped] == [
        (
            "openai:gpt-4o",
            "comparison or membership test (changing it would change what is compared)",
        )
    ]


def test_the_default_of_a_declared_model_field_is_a_slot(catalog) -> None:  # type: ignore[no-untyped-def]
    """`summarization_model: str = Field(default="openai:gpt-4.1-mini", ...)` (open_deep_research,
    mem0, pydantic-settings): the default is the field's value, named by the field. A field that
    names no model, and a `default=` of any other call, stay listed."""
    source = (
        "class Configuration(BaseModel):\n"
        '    summarization_model: str = Field(default="deepseek-chat", description="x")\n'
        '    _model: str = PrivateAttr(default="gpt-4o-mini")\n'
        '    backup: str = Field(default="gpt-4o")\n'
        'parser.add_argument("--name", default="gpt-4.1")\n'
        "@dataclass\nclass C:\n"
        '    embedding_model: str = field(default="text-embedding-3-small")\n'
    )
    out, planner = rewrite_py(source, catalog)
    assert 'Field(default=hedge_model("deepseek_chat", "deepseek-chat"), description="x")' in out
    assert 'PrivateAttr(default=hedge_model("gpt_4o_mini", "gpt-4o-mini"))' in out
    assert 'field(default=hedge_model("text_embedding_3_small", "text-embedding-3-small"))' in out
    assert sorted(s.text for s in planner.skipped) == ["gpt-4.1", "gpt-4o"]
