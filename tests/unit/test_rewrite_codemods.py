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


PY = '''"""Doc mentioning deepseek-chat."""
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
'''


def test_python_forms_are_rewritten_and_the_rest_left_alone(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_py(PY, catalog)
    assert 'CHAT_MODEL = hedge_model("chat_model")  # keep me' in out
    assert 'CFG = {"model": hedge_model("deepseek_reasoner"), "deepseek-chat": 1}' in out
    assert 'model: str = hedge_model("minimax_m2")' in out
    assert 'def ask(self, q, model=hedge_model("deepseek_chat")):' in out
    assert 'call(model=hedge_model("moonshot_v1_8k"), q=q)' in out
    assert 'os.getenv("LLM_MODEL", hedge_model("glm_4_6"))' in out
    # The import goes after the docstring and the __future__ import.
    assert "\nimport os\nfrom hedge_models import model as hedge_model\n\nCHAT_MODEL" in out
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
    assert (7, "dict key") in reasons
    assert (21, "hedgectl: ignore") in reasons
    assert any(line == 18 and "dynamic" in r for line, r in reasons)
    assert any(line == 19 and "dynamic" in r for line, r in reasons)
    assert any(line == 20 and "dynamic" in r for line, r in reasons)
    assert any(line == 22 and "comparison" in r for line, r in reasons)
    # Only the changed lines differ: formatting and comments are kept byte for byte.
    changed = [d for d in unified_diff("m.py", PY, out).splitlines() if d.startswith(("+", "-"))]
    assert len(changed) == 2 + 2 * 6 + 1


def test_python_rewrite_is_idempotent(catalog) -> None:  # type: ignore[no-untyped-def]
    once, _ = rewrite_py(PY, catalog)
    twice, planner = rewrite_py(once, catalog)
    assert twice == once
    assert planner.rewrites == []


def test_python_name_clash_and_existing_import(catalog) -> None:  # type: ignore[no-untyped-def]
    src = "hedge_model = 3\nM = 'deepseek-chat'\n"
    out, _ = rewrite_py(src, catalog)
    assert "from hedge_models import model as hedge_model_2" in out
    assert 'M = hedge_model_2("deepseek_chat")' in out
    # A later run reuses the import it finds instead of adding another.
    out2, _ = rewrite_py(out + "N = 'deepseek-reasoner'\n", catalog)
    assert out2.count("import model as") == 1
    assert 'N = hedge_model_2("deepseek_reasoner")' in out2  # one-letter names say no role


def test_python_positions_where_a_call_is_not_allowed_are_skipped(catalog) -> None:  # type: ignore[no-untyped-def]
    src = (
        "from typing import Literal\n"
        "def f(m: Literal['deepseek-chat']) -> None:\n"
        "    match m:\n"
        "        case 'deepseek-chat':\n"
        "            pass\n"
        "PRICES = {}\n"
        "P = PRICES['deepseek-chat']\n"
    )
    out, planner = rewrite_py(src, catalog)
    assert out == src
    reasons = sorted(s.reason for s in planner.skipped)
    assert reasons == ["match pattern", "subscript or lookup key", "type annotation"]


def test_python_selectors_limit_what_is_rewritten(catalog) -> None:  # type: ignore[no-untyped-def]
    src = "A = 'deepseek-chat'\nB = 'gpt-4.1'\nC = 'glm-4.6'\n"
    out, _ = rewrite_py(src, catalog, tiers=frozenset({"named"}))
    assert "A = hedge_model(" in out and "B = 'gpt-4.1'" in out and "C = 'glm-4.6'" in out
    out, _ = rewrite_py(src, catalog, vendors=frozenset({"zhipu"}))
    assert "C = hedge_model(" in out and "A = 'deepseek-chat'" in out


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
    assert 'const CHAT_MODEL = hedgeModel("chat_model"); // keep me' in out
    assert 'const cfg = { model: hedgeModel("deepseek_reasoner"), "deepseek-chat": 1 };' in out
    assert 'class Bot { summaryModel = hedgeModel("summary_model"); }' in out
    assert 'function ask(q, model = hedgeModel("minimax_m2"))' in out
    assert 'process.env.LLM_MODEL ?? hedgeModel("glm_4_6")' in out
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


def test_esm_and_typescript_get_an_import_statement(catalog) -> None:  # type: ignore[no-untyped-def]
    src = (
        'import x from "y";\nexport const M: string = "deepseek-chat";\ntype T = "deepseek-chat";\n'
    )
    out, planner = rewrite_js(src, catalog, lang="typescript", specifier="../hedge_models.mjs")
    assert out.splitlines()[1] == 'import { hedgeModel } from "../hedge_models.mjs";'
    assert 'export const M: string = hedgeModel("deepseek_chat");' in out
    assert 'type T = "deepseek-chat";' in out
    assert [s.reason for s in planner.skipped] == ["type or markup position"]


def test_js_name_clash_gets_a_fresh_binding(catalog) -> None:  # type: ignore[no-untyped-def]
    out, _ = rewrite_js('const hedgeModel = 1;\nconst M = "deepseek-chat";\n', catalog)
    assert 'const { hedgeModel: hedgeModel2 } = require("./hedge_models.cjs");' in out
    assert 'const M = hedgeModel2("deepseek_chat")' in out


def test_js_file_with_syntax_errors_is_refused() -> None:
    with pytest.raises(codemod_js.ParseFailure, match="line 1"):
        codemod_js.collect(b'const x = {model: "deepseek-chat";\n', "javascript")


def test_a_key_that_is_an_id_names_no_role(catalog) -> None:  # type: ignore[no-untyped-def]
    out, planner = rewrite_py('UPGRADE = {"deepseek-chat": "deepseek-reasoner"}\n', catalog)
    assert 'UPGRADE = {"deepseek-chat": hedge_model("deepseek_reasoner")}' in out
    assert [s.text for s in planner.skipped] == ["deepseek-chat"]
