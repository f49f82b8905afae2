"""The classifier on the forms IDs take in real code, and on the traps that are not model IDs."""

from __future__ import annotations

import pytest

from hedgectl.catalog import load_catalog
from hedgectl.core.detect import Detector
from hedgectl.core.models import Kind

D = Detector(load_catalog())


@pytest.mark.parametrize(
    ("token", "vendor", "model_id", "platform"),
    [
        ("deepseek-chat", "deepseek", "deepseek-chat", ""),
        ("deepseek-reasoner", "deepseek", "deepseek-reasoner", ""),
        ("kimi-k2-0905-preview", "moonshot", "kimi-k2-0905-preview", ""),
        ("moonshot-v1-8k", "moonshot", "moonshot-v1-8k", ""),
        ("MiniMax-M2", "minimax", "MiniMax-M2", ""),
        ("abab6.5s-chat", "minimax", "abab6.5s-chat", ""),
        ("glm-4.6", "zhipu", "glm-4.6", ""),
        ("qwen-max", "alibaba", "qwen-max", ""),
        ("gpt-4o-2024-08-06", "openai", "gpt-4o-2024-08-06", ""),
        ("o3-mini", "openai", "o3-mini", ""),
        ("claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", ""),
        ("gemini-2.5-pro", "google", "gemini-2.5-pro", ""),
        ("mistral-large-latest", "mistral", "mistral-large-latest", ""),
        ("grok-4", "xai", "grok-4", ""),
        ("deepseek-ai/DeepSeek-V3.2", "deepseek", "deepseek-ai/DeepSeek-V3.2", ""),
        ("moonshotai/Kimi-K2-Instruct", "moonshot", "moonshotai/Kimi-K2-Instruct", ""),
        ("MiniMaxAI/MiniMax-M2", "minimax", "MiniMaxAI/MiniMax-M2", ""),
        ("zai-org/GLM-4.6", "zhipu", "zai-org/GLM-4.6", ""),
        ("Qwen/Qwen3-8B", "alibaba", "Qwen/Qwen3-8B", ""),
        ("meta-llama/Llama-3.1-8B-Instruct", "meta", "meta-llama/Llama-3.1-8B-Instruct", ""),
        (
            "openrouter/deepseek/deepseek-chat-v3.1",
            "deepseek",
            "deepseek/deepseek-chat-v3.1",
            "openrouter",
        ),
        ("deepseek/deepseek-chat-v3.1", "deepseek", "deepseek-chat-v3.1", ""),
        ("together_ai/deepseek-ai/DeepSeek-V3", "deepseek", "deepseek-ai/DeepSeek-V3", "together"),
        ("groq/llama-3.1-8b-instant", "meta", "llama-3.1-8b-instant", "groq"),
        ("deepseek.r1-v1:0", "deepseek", "deepseek.r1-v1:0", "bedrock"),
        (
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "anthropic",
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "bedrock",
        ),
        ("bedrock/us-east-1/deepseek.v3.2", "deepseek", "deepseek.v3.2", "bedrock"),
        ("accounts/fireworks/models/deepseek-v3p1", "deepseek", "deepseek-v3p1", "fireworks"),
        ("fireworks_ai/accounts/fireworks/models/kimi-k2p6", "moonshot", "kimi-k2p6", "fireworks"),
        (
            "vertex_ai/deepseek-ai/deepseek-v3.1-maas",
            "deepseek",
            "deepseek-ai/deepseek-v3.1-maas",
            "vertex",
        ),
        (
            "projects/p/locations/us-east5/publishers/deepseek-ai/models/deepseek-v3.1-maas",
            "deepseek",
            "deepseek-ai/deepseek-v3.1-maas",
            "vertex",
        ),
        ("deepseek-r1:7b", "deepseek", "deepseek-r1:7b", ""),
        ("ollama/qwen2.5:7b", "alibaba", "qwen2.5:7b", "ollama"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2:1",
            "anthropic",
            "anthropic.claude-v2:1",
            "bedrock",
        ),
        (
            "https://huggingface.co/deepseek-ai/DeepSeek-V3.2",
            "deepseek",
            "deepseek-ai/DeepSeek-V3.2",
            "",
        ),
    ],
)
def test_model_forms(token: str, vendor: str, model_id: str, platform: str) -> None:
    match = D.classify(token)
    assert match is not None, token
    assert match.kind is Kind.MODEL
    assert (match.vendor, match.model_id, match.platform) == (vendor, model_id, platform)


@pytest.mark.parametrize(
    ("token", "vendor", "host"),
    [
        ("https://api.deepseek.com", "deepseek", "api.deepseek.com"),
        ("https://api.deepseek.com/v1", "deepseek", "api.deepseek.com"),
        ("api.moonshot.cn", "moonshot", "api.moonshot.cn"),
        ("https://api.minimax.io/v1/text/chatcompletion_v2", "minimax", "api.minimax.io"),
        ("https://api.minimaxi.com/v1", "minimax", "api.minimaxi.com"),
        ("https://open.bigmodel.cn/api/paas/v4", "zhipu", "open.bigmodel.cn"),
        (
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            "alibaba",
            "dashscope-intl.aliyuncs.com",
        ),
        ("https://api.openai.com/v1", "openai", "api.openai.com"),
        (
            "https://bedrock-runtime.eu-west-1.amazonaws.com",
            "bedrock",
            "bedrock-runtime.eu-west-1.amazonaws.com",
        ),
    ],
)
def test_endpoints_are_their_own_kind(token: str, vendor: str, host: str) -> None:
    match = D.classify(token)
    assert match is not None and match.kind is Kind.ENDPOINT
    assert (match.vendor, match.model_id) == (vendor, host)


@pytest.mark.parametrize(
    "token",
    [
        "deepseek",  # vendor name used as a provider key
        "moonshot",
        "minimax",  # the game-tree algorithm
        "ChatDeepSeek",  # class names
        "langchain-deepseek",  # package names
        "langchain_deepseek",
        "llama_index",
        "llama-index",
        "DEEPSEEK_API_KEY",
        "deepseek.com",  # a website, not a model
        "www.deepseek.com",
        "glm",  # the statistical model
        "statsmodels.GLM",
        "grok",  # Logstash
        "grok-patterns",
        "gpt-neox-20b",
        "EleutherAI/gpt-neox-20b",
        "gpt-j-6b",
        "o1",  # bare o-series outside a model setting
        "o3",
        "kimi",
        "step-1",
        "seed-1",
        "https://github.com/deepseek-ai/DeepSeek-V3",  # a link to code, not a model in use
        "deepseek-ai/DeepSeek-V3/config.json",  # a path inside a repo
        "Use deepseek-chat for this",  # prose
    ],
)
def test_traps_are_not_model_ids(token: str) -> None:
    assert D.classify(token) is None, token


def test_bare_o_series_counts_only_in_a_model_setting() -> None:
    assert D.classify("o3", context="x") is None
    found = D.classify("o3", context="model")
    assert found is not None and found.family == "openai-o-bare"
    assert D.classify("o1", context="MODEL_NAME") is not None


def test_capability_classes() -> None:
    catalog = load_catalog()
    ds = catalog.families["deepseek"]
    assert catalog.capability_of("deepseek-reasoner", ds) == "reasoning"
    assert catalog.capability_of("deepseek-coder-v2", ds) == "coder"
    assert catalog.capability_of("deepseek-chat", ds) == "chat"
    assert catalog.capability_of("Qwen3-Embedding-8B", catalog.families["qwen"]) == "embedding"


def test_open_weights_per_id() -> None:
    catalog = load_catalog()
    assert catalog.families["deepseek"].has_open_weights("deepseek-chat")
    assert not catalog.families["qwen"].has_open_weights("qwen-max")
    assert catalog.families["qwen"].has_open_weights("Qwen/Qwen3-8B")
    assert not catalog.families["claude"].has_open_weights("claude-sonnet-4-5")
