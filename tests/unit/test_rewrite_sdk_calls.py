"""Model arguments of AI SDK provider calls: the provider comes from an import the file shows."""

from __future__ import annotations

import pytest

from hedgectl.adapters import codemod_js
from hedgectl.catalog import load_catalog
from hedgectl.core.rewrite import Planner

SRC = """import { openai, createOpenAI } from "@ai-sdk/openai";
import { anthropic as claude } from "@ai-sdk/anthropic";
import { generateText, embed } from "ai";
import { other } from "./other";
export const gateway = createOpenAI({ baseURL: "https://llm.example.com/v1" });
const a = generateText({ model: openai("gpt-4o"), prompt: "hi" });
const b = claude.languageModel("claude-3-5-sonnet-20240620");
const c = embed({ model: openai.embedding("text-embedding-3-small"), value: "x" });
const d = gateway("deepseek-chat", { structuredOutputs: true });
const e = other("gpt-4o-mini");
const f = openai.tools.webSearch("gpt-4o");
const g = openai(labelFor("gpt-4o"));
"""


@pytest.fixture(scope="module")
def planner_and_output() -> tuple[Planner, str]:
    data = SRC.encode()
    collected = codemod_js.collect(data, "typescript")
    planner = Planner(load_catalog())
    replacements = planner.add_file("src/chat.ts", collected.sites)
    out = codemod_js.apply(data, "typescript", collected, replacements, "./hedge_models")
    return planner, out.decode()


def test_provider_calls_from_ai_sdk_imports_are_model_slots(
    planner_and_output: tuple[Planner, str],
) -> None:
    _, out = planner_and_output
    for rewritten in (
        'model: openai(hedgeModel("gpt_4o", "gpt-4o"))',
        'claude.languageModel(hedgeModel("claude_3_5_sonnet_20240620", "claude-3-5-sonnet-20240620"))',
        'openai.embedding(hedgeModel("text_embedding_3_small", "text-embedding-3-small"))',
        'gateway(hedgeModel("deepseek_chat", "deepseek-chat"), { structuredOutputs: true })',
    ):
        assert rewritten in out


def test_other_positional_arguments_stay_listed(planner_and_output: tuple[Planner, str]) -> None:
    planner, out = planner_and_output
    # A callee from elsewhere, a tool of the provider, and an argument of another call.
    assert 'other("gpt-4o-mini")' in out
    assert 'openai.tools.webSearch("gpt-4o")' in out
    assert 'openai(labelFor("gpt-4o"))' in out
    assert [(s.line, s.reason.split(" (")[0]) for s in planner.skipped] == [
        (10, "needs a person: positional argument"),
        (11, "needs a person: positional argument"),
        (12, "needs a person: positional argument"),
    ]


def test_a_provider_from_another_package_is_not_an_sdk_provider() -> None:
    src = b'import { openai } from "./openai";\nconst a = openai("gpt-4o");\n'
    collected = codemod_js.collect(src, "typescript")
    planner = Planner(load_catalog())
    assert planner.add_file("src/a.ts", collected.sites) == {}
    assert [s.reason.split(" (")[0] for s in planner.skipped] == [
        "needs a person: positional argument"
    ]
