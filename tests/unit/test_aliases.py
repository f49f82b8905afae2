"""hedge.toml [models]: schema, alias naming, fallback suggestions and `config check` logic."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hedgectl.catalog import load_catalog
from hedgectl.config import Where
from hedgectl.core.aliases import (
    ModelAlias,
    Namer,
    alias_name,
    check_models,
    fallback_classes,
    js_reader_mismatches,
    name_from_id,
    parse_models,
    resolve_ref,
    role_from_context,
    subset_models,
    suggest_fallbacks,
)
from hedgectl.core.detect import Detector
from hedgectl.errors import ConfigError

W = Where(Path("hedge.toml"), "models")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_catalog())


def test_parse_models_accepts_the_documented_shape() -> None:
    parsed = parse_models(
        {
            "chat": {
                "id": "deepseek-chat",
                "provider": "deepseek",
                "fallbacks": ["openai/gpt-4.1-mini"],
                "api_key_env": "DS_KEY",
            }
        },
        W,
    )
    assert parsed["chat"] == ModelAlias(
        "chat", "deepseek-chat", "deepseek", ("openai/gpt-4.1-mini",), "DS_KEY"
    )
    assert parsed["chat"].env_var == "HEDGE_MODEL_CHAT"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"chat": {"id": "x", "provider": "openai", "fallback": []}},
            "models.chat.fallback: unknown key",
        ),
        ({"chat": {"provider": "openai"}}, "models.chat.id: is required"),
        ({"chat": {"id": "x"}}, "models.chat.provider: is required"),
        ({"chat": {"id": "", "provider": "openai"}}, "models.chat.id: must not be empty"),
        (
            {"chat": {"id": "x", "provider": "openai", "fallbacks": "y"}},
            "must be a list of strings",
        ),
        ({"chat-default": {"id": "x", "provider": "openai"}}, "letters, digits and underscores"),
        (
            {"Chat": {"id": "x", "provider": "openai"}, "chat": {"id": "y", "provider": "openai"}},
            "HEDGE_MODEL_CHAT",
        ),
        ({"chat": "deepseek-chat"}, "models.chat: must be a table"),
    ],
)
def test_parse_models_rejects_bad_tables(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_models(table, W)


def test_alias_names_come_from_the_id_and_the_role() -> None:
    assert alias_name("deepseek-chat", "chat", "chat") == "deepseek_chat"
    assert alias_name("deepseek-chat", "", "chat") == "deepseek_chat"
    assert alias_name("gpt-4o", "reasoner", "chat") == "gpt_4o_reasoner"
    assert alias_name("deepseek-reasoner", "reasoner", "reasoner") == "deepseek_reasoner"
    assert name_from_id("openrouter/deepseek/deepseek-r1:free") == "deepseek_r1_free"
    assert name_from_id("Qwen/Qwen2.5-Coder-32B-Instruct") == "qwen2_5_coder_32b_instruct"
    assert name_from_id("01-ai/Yi-34B") == "yi_34b"
    assert len(name_from_id("x/" + "very-long-model-name-" * 8)) <= 40


def test_roles_come_from_role_words_never_from_other_names() -> None:
    assert role_from_context("EMBEDDING_MODEL") == "embedding"
    assert role_from_context("reasoningModel") == "reasoner"
    assert role_from_context("test_openai_models_with_a_very_long_parameter_name") == ""
    for name in ("cli", "args", "return_value", "CHAT_MODEL_FOR_SUMMARIES", "aliases"):
        assert role_from_context(name) in ("", "chat")


def test_one_alias_per_id_and_role_and_never_repointed() -> None:
    namer = Namer(existing={"deepseek_chat": "deepseek/deepseek-chat"})
    # The preferred name points at another ID already: the full ID names it instead.
    assert namer.alias_for("deepseek-chat", "chat", "chat") == "deepseek_chat_2"
    # Same ID, same role: the same alias, every time.
    assert namer.alias_for("deepseek-chat", "", "chat") == "deepseek_chat_2"
    # Same ID, another role: another alias.
    assert namer.alias_for("deepseek-chat", "reasoner", "chat") == "deepseek_chat_reasoner"
    # An alias hedge.toml already has for the same ID is reused, whatever its name.
    assert Namer(existing={"main": "gpt-4.1"}).alias_for("gpt-4.1", "", "chat") == "main"
    assert namer.existing["deepseek_chat"] == "deepseek/deepseek-chat"
    assert namer.clashes[0][:3] == ("deepseek_chat", "deepseek/deepseek-chat", "deepseek-chat")


def test_naming_is_stable_across_runs() -> None:
    sites = [("deepseek-chat", "chat"), ("deepseek-chat", "chat"), ("gpt-4.1", "embedding")]
    first = [Namer().alias_for(i, r, "chat") for i, r in sites]
    second = [Namer().alias_for(i, r, "chat") for i, r in sites]
    assert first == second == ["deepseek_chat", "deepseek_chat", "gpt_4_1_embedding"]


def test_named_primaries_get_a_chain_ending_in_standard_of_the_same_class(
    detector: Detector,
) -> None:
    for model_id in (
        "deepseek-chat",
        "deepseek-reasoner",
        "deepseek-coder",
        "MiniMax-M2",
        "moonshot-v1-8k",
    ):
        primary = resolve_ref(detector, model_id)
        assert primary is not None and primary.tier == "named"
        chain = suggest_fallbacks(detector, model_id)
        assert chain, model_id
        last = resolve_ref(detector, chain[-1])
        assert last is not None
        assert last.tier == "standard"
        assert last.capability == primary.capability, (model_id, chain)
    # Not named: no suggestion.
    assert suggest_fallbacks(detector, "gpt-4.1") == ()
    assert suggest_fallbacks(detector, "glm-4.6") == ()


def test_every_shipped_chain_ends_in_standard_of_its_class(detector: Detector) -> None:
    classes = fallback_classes()
    assert {"chat", "reasoning", "coder", "embedding", "vision"} <= set(classes)
    for name, fallback in classes.items():
        assert fallback.source and fallback.date
        last = resolve_ref(detector, fallback.chain[-1])
        assert last is not None and last.tier == "standard" and last.capability == name


def _models(**tables: dict[str, object]) -> dict[str, ModelAlias]:
    return parse_models(tables, W)


def test_check_reports_unknown_providers_dangling_refs_and_cycles(detector: Detector) -> None:
    models = _models(
        a={"id": "gpt-4.1", "provider": "openai", "fallbacks": ["b"]},
        b={"id": "claude-sonnet-4-5", "provider": "anthropic", "fallbacks": ["a"]},
        c={"id": "gpt-4.1", "provider": "nosuch"},
        d={"id": "gpt-4.1", "provider": "openai", "fallbacks": ["missing", "acme/x", "d"]},
    )
    messages = {(p.level, p.alias, p.message) for p in check_models(models, detector)}
    assert ("error", "a", "fallback cycle: a -> b -> a") in messages
    assert ("error", "c", "unknown provider 'nosuch'") in messages
    assert ("error", "d", "fallback 'missing' is not a defined alias") in messages
    assert ("error", "d", "fallback 'acme/x': unknown provider 'acme'") in messages
    assert ("error", "d", "lists itself as a fallback") in messages


def test_check_warns_without_a_fallback_in_another_jurisdiction(detector: Detector) -> None:
    models = _models(
        lone={"id": "deepseek-chat", "provider": "deepseek"},
        same={
            "id": "glm-4.6",
            "provider": "zhipu",
            "fallbacks": ["openrouter/deepseek/deepseek-chat"],
        },
        hedged={"id": "deepseek-chat", "provider": "deepseek", "fallbacks": ["viaalias"]},
        viaalias={"id": "gpt-4.1-mini", "provider": "openai"},
        us={"id": "gpt-4.1", "provider": "openai"},
    )
    warned = {p.alias for p in check_models(models, detector) if p.level == "warning"}
    assert warned == {"lone", "same"}
    assert not [p for p in check_models(models, detector) if p.level == "error"]


def test_js_subset_reader_matches_toml_for_what_rewrite_writes() -> None:
    text = """
# comment [models.fake]
[audit]
note = '''
[models.inside_a_string]
id = "nope"
'''

[models.chat]  # trailing comment
id = "deepseek-chat"  # the id
provider = "deepseek"
fallbacks = [
  "openai/gpt-4.1-mini",
]

[models."quoted"]
id = 'Qwen/Qwen2.5-72B-Instruct'
provider = "alibaba"
"""
    data = tomllib.loads(text)
    assert subset_models(text) == {k: v["id"] for k, v in data["models"].items()}
    models = parse_models(data["models"], W)
    assert js_reader_mismatches(text, models) == []
    inline = '[models]\nchat = { id = "deepseek-chat", provider = "deepseek" }\n'
    assert js_reader_mismatches(inline, parse_models(tomllib.loads(inline)["models"], W)) == [
        "chat"
    ]


def test_every_provider_rewrite_can_write_is_known_to_check(detector: Detector) -> None:
    from hedgectl.core.detect import ROUTES

    catalog = detector.catalog
    providers = {*catalog.vendors, *catalog.platforms, *ROUTES.values()}
    models = {
        p.replace("-", "_"): ModelAlias(name=p.replace("-", "_"), id="some-model", provider=p)
        for p in providers
    }
    assert [p for p in check_models(models, detector) if "unknown provider" in p.message] == []
    # What the detector says about real IDs behind gateways rewrite meets (ollama/, github/).
    for model_id in ("ollama/llama3.2", "github/gpt-4o", "ollama_chat/qwen2.5"):
        match = detector.classify(model_id, context="model")
        assert match is not None
        alias = ModelAlias(name="x", id=model_id, provider=match.platform or match.vendor)
        assert not [p for p in check_models({"x": alias}, detector) if p.level == "error"]
