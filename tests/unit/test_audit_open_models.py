"""Embedding, reranker and open-weight vendors as they sit in RAG and local-model code.

Snippets are small synthetic examples written for these tests; the traps are the common words
these vendors' names share (SonarQube, the falcon web framework, solar, granite, compound).
"""

from __future__ import annotations

import pytest

from hedgectl.catalog import load_catalog
from hedgectl.core.audit import Scanner
from hedgectl.core.detect import Detector

S = Scanner(load_catalog())
D = Detector(load_catalog())


def ids(text: str, path: str) -> list[tuple[int, str, str]]:
    return [(r.line, r.match.model_id, r.match.vendor) for r in S.scan(text.encode(), path)]


@pytest.mark.parametrize(
    ("token", "vendor", "model_id"),
    [
        # LM Studio names a GGUF file inside a Hub repo: the repo is the model.
        (
            "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
            "meta",
            "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF",
        ),
        (
            "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf",
            "nomic",
            "nomic-ai/nomic-embed-text-v1.5-GGUF",
        ),
        # Re-hosting namespaces (ONNX, GGUF conversions) keep the vendor, parameter count or not.
        ("Xenova/ms-marco-MiniLM-L-6-v2", "sbert", "Xenova/ms-marco-MiniLM-L-6-v2"),
        ("Qdrant/all-MiniLM-L6-v2-onnx", "sbert", "Qdrant/all-MiniLM-L6-v2-onnx"),
        ("Xenova/e5-small-v2", "microsoft", "Xenova/e5-small-v2"),
        # FastEmbed's JS names and Snowflake Cortex routes glue a prefix on.
        ("fast-bge-small-en-v1.5", "baai", "fast-bge-small-en-v1.5"),
        ("fast-multilingual-e5-large", "microsoft", "fast-multilingual-e5-large"),
        ("snowflake/claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
        ("snowflake/openai-gpt-4.1", "openai", "openai-gpt-4.1"),
        ("thenlper/gte-large", "alibaba", "thenlper/gte-large"),
        (
            "intfloat/multilingual-e5-large-instruct",
            "microsoft",
            "intfloat/multilingual-e5-large-instruct",
        ),
        ("perplexity/sonar-pro", "perplexity", "sonar-pro"),
        ("groq/compound", "groq", "compound"),
        ("watsonx/ibm/granite-3-8b-instruct", "ibm", "ibm/granite-3-8b-instruct"),
        ("nvidia_nim/databricks/dbrx-instruct", "databricks", "dbrx-instruct"),
    ],
)
def test_open_model_forms(token: str, vendor: str, model_id: str) -> None:
    match = D.classify(token, context="model")
    assert match is not None, token
    assert (match.vendor, match.model_id) == (vendor, model_id)


@pytest.mark.parametrize(
    "token",
    [
        "sonar-project",  # SonarQube
        "sonar-project.properties",
        "falcon:3.1.0",  # the web framework
        "falcon-cors",
        "solar-system",
        "granite-ui",
        "Xenova/llama-3-tokenizer",  # a tokenizer, not a model
        "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF/README.md",
        "openai-whisper",  # the package
    ],
)
def test_common_words_are_not_these_models(token: str) -> None:
    assert D.classify(token, context="model") is None, token


def test_an_org_whose_name_holds_a_vendor_slug_is_not_a_route() -> None:
    """`economics` holds `nomic`: the org is kept, not peeled as a route. Outside a model setting
    the unknown namespace is a path; in one, a family's ID under it is a user's model."""
    assert D.classify("economics/gpt-4-analysis") is None
    match = D.classify("economics/gpt-4-analysis", context="model")
    assert match is not None and match.model_id == "economics/gpt-4-analysis"


def test_rag_configs_report_embeddings_and_rerankers() -> None:
    py = (
        'embedder = {"provider": "ollama", "config": {"model": "nomic-embed-text:latest"}}\n'
        'voyage = VoyageAIEmbeddings(model="voyage-3-large")\n'
        'reranker = {"provider": "zero_entropy", "config": {"model": "zerank-1"}}\n'
        'ce = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")\n'
        'llm = LLM(model="lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf")\n'
    )
    assert ids(py, "rag.py") == [
        (1, "nomic-embed-text:latest", "nomic"),
        (2, "voyage-3-large", "voyage"),
        (3, "zerank-1", "zeroentropy"),
        (4, "cross-encoder/ms-marco-MiniLM-L-6-v2", "sbert"),
        (5, "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF", "meta"),
    ]


def test_word_named_models_count_only_in_model_settings() -> None:
    py = (
        'client = Perplexity(model="sonar")\n'
        'SONAR_URL = "sonar"\n'
        'answer = groq.chat(model="compound-mini")\n'
        'kind = "compound"\n'
        'print("a compound interest")\n'
    )
    assert ids(py, "m.py") == [(1, "sonar", "perplexity"), (3, "compound-mini", "groq")]


def test_sonarqube_and_falcon_files_hold_no_models() -> None:
    props = "sonar.projectKey=acme\nsonar.sources=src\nsonar-project=acme\n"
    assert ids(props, "sonar-project.properties") == []
    req = "falcon==3.1.1\nfalcon-cors==1.1.7\n"
    assert ids(req, "requirements.txt") == []
    py = 'import falcon\napp = falcon.App()\nsolar = "solar-system"\nrock = "granite"\n'
    assert ids(py, "app.py") == []
