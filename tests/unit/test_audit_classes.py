"""Where model IDs sit in real code, by class of syntax; each class has positives and traps.

Snippets are small synthetic examples of each syntax, written for these tests.
"""

from __future__ import annotations

import gc
import time

from hedgectl.catalog import load_catalog
from hedgectl.core import lexer
from hedgectl.core.audit import Scanner

S = Scanner(load_catalog())


def ids(text: str, path: str) -> list[tuple[int, str]]:
    return [(r.line, r.match.model_id) for r in S.scan(text.encode(), path)]


def found(text: str, path: str) -> list[tuple[int, str, str]]:
    return [(r.line, r.match.model_id, r.location.value) for r in S.scan(text.encode(), path)]


# ---------------------------------------------------------------- 1. mapping keys
def test_ids_as_mapping_keys() -> None:
    yaml = "models:\n  gpt-4o-mini:\n    max_tokens: 8\n  deepseek-chat: {price: 1}\n"
    assert ids(yaml, "models.yaml") == [(2, "gpt-4o-mini"), (4, "deepseek-chat")]
    json_keys = '{\n  "deepseek-chat": {"input": 1},\n  "kimi-k2-0905-preview": {}\n}\n'
    assert ids(json_keys, "prices.json") == [(2, "deepseek-chat"), (3, "kimi-k2-0905-preview")]
    toml = '[models.kimi-k2-thinking-turbo]\nprice = 2\n[models."glm-4.6"]\n'
    assert ids(toml, "catalog.toml") == [(1, "kimi-k2-thinking-turbo"), (3, "glm-4.6")]
    py = 'PRICES = {\n    "claude-sonnet-4-5": 3.0,\n    "qwen-max": 1.6,\n}\n'
    assert ids(py, "prices.py") == [(2, "claude-sonnet-4-5"), (3, "qwen-max")]


# ---------------------------------------------------------------- 2. multi-line strings
def test_ids_inside_multiline_strings() -> None:
    py = 'MODELS = """\ndeepseek-chat\nglm-4.6\n""".splitlines()\n'
    assert found(py, "m.py") == [(2, "deepseek-chat", "code"), (3, "glm-4.6", "code")]
    ts = "const cfg = `\nmodel: kimi-k2-0905-preview\n`;\n"
    assert found(ts, "m.ts") == [(2, "kimi-k2-0905-preview", "code")]
    sh = "cat <<EOF > cfg.yaml\nmodel: MiniMax-M2\nEOF\n"
    assert ids(sh, "run.sh") == [(2, "MiniMax-M2")]


def test_docstrings_and_notebook_markdown_are_docs() -> None:
    py = 'def f():\n    """Call deepseek-chat here.\n\n    model="glm-4.6"\n    """\n    return "qwen-max"\n'
    assert found(py, "m.py") == [
        (2, "deepseek-chat", "docs"),
        (4, "glm-4.6", "docs"),
        (6, "qwen-max", "code"),
    ]
    nb = (
        '{"cells": [\n'
        '  {"cell_type": "markdown", "source": ["Try `deepseek-chat` now"]},\n'
        '  {"cell_type": "code", "source": ["m = \\"deepseek-chat\\"\\n"]}\n'
        "]}\n"
    )
    assert [(f[0], f[2]) for f in found(nb, "demo.ipynb")] == [(2, "docs"), (3, "code")]


def test_fenced_code_in_notebook_markdown_cells_is_code_shown_in_docs() -> None:
    nb = (
        '{"cells": [\n'
        ' {"cell_type": "markdown", "source": [\n'
        '    "To use `gemini-2.0-flash-lite` write:\\n",\n'
        '    "```python\\n",\n'
        '    "client = Client(\\n",\n'
        '    "    model=\\"gemini-2.0-flash-lite\\",\\n",\n'
        '    ")\\n",\n'
        '    "```\\n",\n'
        '    "Then gpt-4o model=\\"x\\" in prose\\n",\n'
        '    "```{tip}\\n",\n'
        '    "Read [Prompting O3-mini](https://example.com/o3-mini-guide)\\n",\n'
        '    "```"\n'
        " ]},\n"
        ' {"cell_type": "code", "source": [\n'
        '    "m = \\"deepseek-chat\\"\\n"\n'
        " ]}\n"
        "]}\n"
    )
    assert found(nb, "t.ipynb") == [
        (3, "gemini-2.0-flash-lite", "docs"),
        (6, "gemini-2.0-flash-lite", "docs"),
        (15, "deepseek-chat", "code"),
    ]


def test_markdown_fences_close_on_their_own_kind() -> None:
    md = (
        "Intro\n"
        "````python\n"
        "```python\n"
        'client = Client(model="gemini-2.0-flash")\n'
        "```\n"
        'embedder = Embedder(model="gemini-embedding-001")\n'
        "````\n"
        "Prose about gpt-4o here.\n"
        "```python\n"
        'x = Gen(model="claude-sonnet-4-5-20250929")\n'
        "```\n"
    )
    assert found(md, "api.md") == [
        (4, "gemini-2.0-flash", "docs"),
        (6, "gemini-embedding-001", "docs"),
        (10, "claude-sonnet-4-5-20250929", "docs"),
    ]


def test_backticks_in_comments_and_quotes_do_not_open_a_template() -> None:
    src = (
        "// call `render` once\n"
        'const tick = "`";\n'
        'const m = "deepseek-chat";\n'
        "const t = `\n"
        "  model: glm-4.6\n"
        "`;\n"
    )
    assert found(src, "a.ts") == [(3, "deepseek-chat", "code"), (5, "glm-4.6", "code")]


def test_block_comments_are_comments() -> None:
    src = '/*\n * default model: "deepseek-chat"\n */\nconst m = "glm-4.6";\n'
    assert found(src, "a.ts") == [(2, "deepseek-chat", "comment"), (4, "glm-4.6", "code")]


# ---------------------------------------------------------------- 3. structured text in strings
def test_recorded_responses_in_text_files_and_csharp_verbatim_json() -> None:
    sse = (
        'data: {"id":"x","object":"chat.completion.chunk","model":"gpt-4-0125-preview"}\n'
        "\n"
        '{"model":"phi3","created_at":"2024-07-02T11:45:16Z","done":false}\n'
        "Plain prose about gpt-4o here.\n"
    )
    assert found(sse, "TestData/stream_response.txt") == [
        (1, "gpt-4-0125-preview", "docs"),
        (3, "phi3", "docs"),
    ]
    cs = (
        'var json = @"{\n'
        '    ""model"": ""gpt-3.5-turbo-0613"",\n'
        '    ""messages"": []\n'
        '}";\n'
        'var empty = Join("", "");\n'
    )
    assert found(cs, "KernelRequestTracer.cs") == [(2, "gpt-3.5-turbo-0613", "code")]


def test_json_and_paths_inside_strings() -> None:
    go = 'body := `{"model": "deepseek-reasoner", "stream": true}`\n'
    assert ids(go, "a.go") == [(1, "deepseek-reasoner")]
    escaped = 'payload = "{\\"model\\":\\"gpt-4o-mini\\",\\"n\\":1}"\n'
    assert ids(escaped, "a.py") == [(1, "gpt-4o-mini")]
    shell = 'mytool --config \'{"default_model": "kimi-k2-0905-preview"}\'\n'
    assert ids(shell, "run.sh") == [(1, "kimi-k2-0905-preview")]
    url = 'URL = "https://api.openai.com/v1/models/text-davinci-003"\n'
    assert [m for _, m in ids(url, "a.py")] == ["api.openai.com", "text-davinci-003"]
    gemini = 'u = f"{BASE}/v1beta/models/gemini-2.0-flash:generateContent?key={k}"\n'
    assert ids(gemini, "a.py") == [(1, "gemini-2.0-flash")]


# ---------------------------------------------------------------- 4. shell commands
def test_shell_commands_in_scripts_and_docs() -> None:
    sh = (
        "vllm serve deepseek-ai/DeepSeek-V3.2 --tp 8\n"
        "ollama pull qwen2.5:7b\n"
        "hf download moonshotai/Kimi-K2-Instruct\n"
        "python -m sglang.launch_server --model-path zai-org/GLM-4.6\n"
        "llm --no-stream --model gpt-4o-mini 'hi'\n"
        'MODEL="${LLM_MODEL:-deepseek-chat}"\n'
        ": ${JUDGE:=claude-sonnet-4-5}\n"
    )
    assert [m for _, m in ids(sh, "run.sh")] == [
        "deepseek-ai/DeepSeek-V3.2",
        "qwen2.5:7b",
        "moonshotai/Kimi-K2-Instruct",
        "zai-org/GLM-4.6",
        "gpt-4o-mini",
        "deepseek-chat",
        "claude-sonnet-4-5",
    ]
    md = "Run it:\n\n```bash\nllm -m gemini-2.5-pro 'hello'\nvllm serve THUDM/glm-4-9b-chat\n```\n"
    assert found(md, "README.md") == [
        (4, "gemini-2.5-pro", "docs"),
        (5, "THUDM/glm-4-9b-chat", "docs"),
    ]


def test_parser_and_template_names_are_not_models() -> None:
    sh = "vllm serve zai-org/GLM-4.5 --reasoning-parser glm45 --tool-call-parser glm45\n"
    assert ids(sh, "serve.sh") == [(1, "zai-org/GLM-4.5")]


# ---------------------------------------------------------------- 5. lists and alias syntaxes
def test_lists_and_alias_syntaxes() -> None:
    env = "CUSTOM_MODELS=+llama-3.1-8b-instant,-gpt-3.5-turbo,gpt-4-1106-preview=gpt-4-turbo\n"
    assert [m for _, m in ids(env, ".env")] == [
        "llama-3.1-8b-instant",
        "gpt-3.5-turbo",
        "gpt-4-1106-preview",
        "gpt-4-turbo",
    ]
    azure = "CUSTOM_MODELS=-all,+gpt-4o@Azure=gpt4o-prod\n"
    assert [m for _, m in ids(azure, ".env")] == ["gpt-4o"]
    aliases = 'ALIASES = ["fast : deepseek-chat", "smart:claude-opus-4-1"]\n'
    assert [m for _, m in ids(aliases, "a.py")] == ["deepseek-chat", "claude-opus-4-1"]


# ---------------------------------------------------------------- 6. routing prefixes
def test_routing_prefixes_are_peeled() -> None:
    src = (
        'a = "models/gemini-2.5-flash"\n'
        'b = "openai:chat:gpt-4o-mini"\n'
        'c = "Pro/Qwen/Qwen2.5-7B-Instruct"\n'
        'd = "@cf/meta/llama-3.1-8b-instruct"\n'
        'e = "moonshot-cn/kimi-k2-0905-preview"\n'
        'f = "ai/qwen2.5:7B-Q4_K_M"\n'
    )
    assert [m for _, m in ids(src, "a.py")] == [
        "gemini-2.5-flash",
        "gpt-4o-mini",
        "Qwen/Qwen2.5-7B-Instruct",
        "meta/llama-3.1-8b-instruct",
        "kimi-k2-0905-preview",
        "qwen2.5:7B-Q4_K_M",
    ]


# ---------------------------------------------------------------- 7. short IDs by neighbourhood
def test_short_ids_by_their_neighbourhood() -> None:
    src = (
        'O1 = "o1"\n'
        'REASONING = ["o1", "o3-mini", "deepseek-reasoner"]\n'
        'level = "o3"\n'
        "fallback: o3\n"
        'args = ["-m", "o3"]\n'
        'opts = ["--o1-mini", "--fast"]\n'
    )
    assert ids(src, "a.py") == [
        (1, "o1"),
        (2, "o3-mini"),
        (2, "deepseek-reasoner"),
        (2, "o1"),
        (5, "o3"),
    ]
    assert ids("fallback: o3\n", "router.yaml") == [(1, "o3")]
    legacy = 'rows = [{"model": "davinci"}, {"model": "curie"}]\nname = "Ada Lovelace"\n'
    assert ids(legacy, "a.py") == [(1, "davinci"), (1, "curie")]


def test_short_ids_after_a_provider_name_are_models() -> None:
    src = (
        "KNOWN = [\n"
        '    "openai:o1",\n'
        '    "gateway/openai:o3",\n'
        '    "openai-chat:o1",\n'
        "]\n"
        'x = "alias:o1"\n'
        'ratio = "a:o3"\n'
    )
    assert ids(src, "names.py") == [(2, "o1"), (3, "o3"), (4, "o1")]
    # A key that names something else keeps its value out, provider or not.
    assert ids('- description: "openai:o1"\n', "cfg.yaml") == []


def test_provider_keys_whose_values_route_to_a_model() -> None:
    src = (
        "PROVIDERS = [\n"
        '    "anthropic/claude-3-5-haiku-latest",\n'
        '    "generative-ai/gemini-1.5-flash",\n'
        '    "openai",\n'
        "]\n"
        'provider = "openai:gpt-4o"\n'
        'cfg = {"provider": "mistral", "family": "gpt-4.1-nano"}\n'
    )
    assert ids(src, "providers.py") == [
        (2, "claude-3-5-haiku-latest"),
        (3, "gemini-1.5-flash"),
        (6, "gpt-4o"),
    ]


def test_short_ids_under_their_own_keys_in_a_block_of_models() -> None:
    yaml = "models:\n  fast: o4-mini\n  smart: o3\nlevels:\n  high: o3\nsmart: o1\n"
    assert ids(yaml, "c.yaml") == [(2, "o4-mini"), (3, "o3")]
    py = 'MODELS = {\n    "fast": "o4-mini",\n    "smart": "o3",\n}\nPLAN = {\n    "tier": "o3",\n}\n'
    assert ids(py, "m.py") == [(2, "o4-mini"), (3, "o3")]
    call = "r = ModelResponse(\n    parts=[Call(args={'order_id': 'o1'})],\n)\n"
    assert ids(call, "t.py") == []


# ---------------------------------------------------------------- 8. catalog gaps
def test_bare_cohere_command_only_in_model_slots_and_lists() -> None:
    src = (
        'cohere.chat(model="command", message=m)\n'
        'MODELS = ["command", "command-light", "command-r"]\n'
        'parser.add_argument("command")\n'
        'step = {"type": "command", "run": "make"}\n'
        "# run this command first\n"
    )
    assert ids(src, "a.py") == [
        (1, "command"),
        (2, "command"),
        (2, "command-light"),
        (2, "command-r"),
    ]
    assert [(r.match.vendor) for r in S.scan(b'm = {"model": "command"}\n', "a.py")] == ["cohere"]


def test_fine_tunes_are_reported_under_their_base_vendor() -> None:
    src = (
        'a = client.create(model="ft:gpt-4o-mini-2024-07-18:acme:support:9x8y7z")\n'
        'b = {"model": "ft:davinci-002:acme::8abc"}\n'
        'c = {"model": "ft:mistral-small-latest:acme:20240101:7e77"}\n'
    )
    got = [(r.match.model_id, r.match.vendor) for r in S.scan(src.encode(), "a.py")]
    assert got == [
        ("ft:gpt-4o-mini-2024-07-18:acme:support:9x8y7z", "openai"),
        ("ft:davinci-002:acme::8abc", "openai"),
        ("ft:mistral-small-latest:acme:20240101:7e77", "mistral"),
    ]


def test_rehosted_weights_and_community_fine_tunes_name_their_base() -> None:
    src = (
        'a = "unsloth/llama-3-8b-bnb-4bit"\n'
        'b = "TheBloke/Llama-2-7B-Chat-GGUF"\n'
        'c = "mlx-community/Qwen2.5-7B-Instruct-4bit"\n'
        'd = "nousresearch/hermes-2-pro-llama-3-8b"\n'
        'e = "cognitivecomputations/dolphin-mixtral-8x22b"\n'
    )
    got = [(r.line, r.match.vendor) for r in S.scan(src.encode(), "a.py")]
    assert got == [(1, "meta"), (2, "meta"), (3, "alibaba"), (4, "meta"), (5, "mistral")]
    # Without a parameter count an unknown namespace is a path or a repository, not weights.
    traps = (
        'a = "someone/deepseek-chat"\n'
        'b = "acme/langchain-llama-3"\n'
        'c = "acme/llama-3-8b-finetune"\n'
        'd = "hermes-pro-llama"\n'
    )
    assert ids(traps, "a.py") == []


def test_ollama_bare_names_in_model_slots_and_cli_arguments() -> None:
    sh = "ollama run mistral\nollama pull phi3\ndocker model pull ai/gemma\necho mistral\n"
    assert ids(sh, "run.sh") == [(1, "mistral"), (2, "phi3"), (3, "gemma")]
    md = "```bash\nollama pull qwen\n```\nRun `ollama run gemma` first; Mistral is fast.\n"
    assert ids(md, "README.md") == [(2, "qwen"), (4, "gemma")]
    py = 'a = {"model": "mistral"}\nb = OllamaLLM(model="gemma")\n'
    assert ids(py, "a.py") == [(1, "mistral"), (2, "gemma")]


def test_code_models_and_small_open_weights_from_registries() -> None:
    toml = (
        '[model.completion.local]\nmodel_id = "StarCoder2-3B"\n'
        "serve --model StarCoder-1B --chat-model Qwen2-1.5B-Instruct\n"
        'model = "tinyllama"\nmodel = "llava:13b"\nmodel = "moondream"\n'
        'repo = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"\n'
    )
    assert [m for _, m in ids(toml, "config.toml")] == [
        "StarCoder2-3B", "StarCoder-1B", "Qwen2-1.5B-Instruct", "tinyllama", "llava:13b",
        "moondream", "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
    ]  # fmt: skip
    prose = 'title = "llava demo"\nproject = "starcoder"\nsee = "moondream-station"\n'
    assert ids(prose, "c.toml") == []


def test_vendor_words_as_providers_enums_and_display_names_are_not_models() -> None:
    src = (
        'm = {"provider": "mistral", "model": "mistral-large-latest"}\n'
        'cfg = {"model_provider": "mistral"}\n'
        "enum P { Mistral = 'mistral', Qwen = 'qwen' }\n"
        'PROVIDERS = ["mistral", "gemma", "qwen", "cohere"]\n'
    )
    assert ids(src, "a.ts") == [(1, "mistral-large-latest")]
    # A word beside an ID in one call is a provider as often as a model.
    assert ids('isCapable("mistral", "mistral-large")\n', "a.ts") == [(1, "mistral-large")]
    assert ids('- name: "Gemma 4"\n- name: Mistral\n', "config.yaml") == []


def test_items_of_multiline_lists_take_the_lists_key() -> None:
    ts = (
        "const schema = z.object({\n"
        "  template: z\n"
        "    .enum([\n"
        '      "llama2",\n'
        '      "alpaca",\n'
        "      // a comment between items\n"
        '      "codellama-70b",\n'
        "    ]),\n"
        "  models: [\n"
        '    "o1",\n'
        '    "gpt-4o",\n'
        "  ],\n"
        "});\n"
    )
    assert ids(ts, "schema.ts") == [(10, "o1"), (11, "gpt-4o")]
    yaml = "models:\n  - gpt-4o-mini\n  - o3\ntags:\n  - llama-3-8b\n"
    assert ids(yaml, "a.yaml") == [(2, "gpt-4o-mini"), (3, "o3")]
    # The same line under two lists is judged under each list's key (not remembered by its bytes).
    two = 'TEMPLATES = [\n    "llama2",\n]\nMODELS = [\n    "llama2",\n]\n'
    assert ids(two, "lists.py") == [(5, "llama2")]
    go = 'var ModelList = []string{\n\t"command", "command-nightly",\n\t"command-light",\n}\n'
    assert ids(go, "constants.go") == [(2, "command"), (2, "command-nightly"), (3, "command-light")]


def test_xai_voice_bedrock_cohere_and_open_whisper_models() -> None:
    yaml = (
        "model: grok-voice-think-fast-1.0\n"
        "transcription:\n"
        "  model: grok-transcribe\n"
        "grok_tokens: 0\n"
        "x-grok-conv-id: abc\n"
    )
    assert ids(yaml, "cassette.yaml") == [(1, "grok-voice-think-fast-1.0"), (3, "grok-transcribe")]
    src = (
        "MODELS = [\n"
        '    "bedrock:cohere.command-text-v14",\n'
        '    "bedrock:cohere.command-r-v1:0",\n'
        '    "groq:whisper-large-v3-turbo",\n'
        '    "groq:distil-whisper-large-v3-en",\n'
        "]\n"
        'pip = "faster-whisper"\n'
    )
    got = [(r.line, r.match.model_id, r.match.vendor) for r in S.scan(src.encode(), "m.py")]
    assert got == [
        (2, "cohere.command-text-v14", "cohere"),
        (3, "cohere.command-r-v1:0", "cohere"),
        (4, "whisper-large-v3-turbo", "openai"),
        (5, "distil-whisper-large-v3-en", "openai"),
    ]


def test_image_generation_models_of_stability_and_black_forest_labs() -> None:
    src = (
        "IMAGE_MODELS = [\n"
        '    "black-forest-labs/flux-1.1-pro",\n'
        '    "flux-schnell",\n'
        '    "stability.sd3-large-v1:0",\n'
        '    "@cf/stabilityai/stable-diffusion-xl-base-1.0",\n'
        "]\n"
        'kustomization = "flux-system"\n'
        'dep = "stable-diffusion-webui"\n'
    )
    got = [(r.line, r.match.vendor) for r in S.scan(src.encode(), "images.py")]
    assert got == [(2, "bfl"), (3, "bfl"), (4, "stability"), (5, "stability")]


def test_writer_palmyra_models() -> None:
    src = (
        'client.chat(model="palmyra-x-004")\n'
        'm = "bedrock:us.writer.palmyra-x5-v1:0"\n'
        'p = "writer/palmyra-x5"\n'
        'atoll = "palmyra-atoll"\n'
    )
    got = [(r.line, r.match.model_id, r.match.vendor) for r in S.scan(src.encode(), "w.py")]
    assert got == [
        (1, "palmyra-x-004", "writer"),
        (2, "writer.palmyra-x5-v1:0", "writer"),
        (3, "writer/palmyra-x5", "writer"),
    ]


def test_a_gguf_file_given_as_the_model_names_the_model_it_quantises() -> None:
    src = (
        'chat_model = "mistral-7b-instruct-v0.1.Q4_0.gguf"\n'
        'llm = Llama(model_path="models/llama-2-7b-chat.Q4_K_M.gguf")\n'
        'gen = LlamaCppGenerator(model="phi-4-Q2_K_L.gguf")\n'
        'path = Paths.get("beehive-llama-3.2-1b-instruct-fp16.gguf")\n'
    )
    got = [(r.line, r.match.model_id, r.match.vendor) for r in S.scan(src.encode(), "g.py")]
    assert got == [
        (1, "mistral-7b-instruct-v0.1", "mistral"),
        (3, "phi-4", "microsoft"),
    ]


def test_bedrock_runtime_urls_name_their_model() -> None:
    yaml = (
        "uri: https://bedrock-runtime.us-east-1.amazonaws.com/model/"
        "us.amazon.nova-lite-v1%3A0/converse\n"
        "url: https://bedrock-runtime.us-west-2.amazonaws.com/model/"
        "anthropic.claude-3-haiku-20240307-v1:0/invoke\n"
    )
    assert ids(yaml, "cassette.yaml") == [
        (1, "bedrock-runtime.us-east-1.amazonaws.com"),
        (1, "amazon.nova-lite-v1:0"),
        (2, "bedrock-runtime.us-west-2.amazonaws.com"),
        (2, "anthropic.claude-3-haiku-20240307-v1:0"),
    ]
    # A template builds the path; a path elsewhere named `model/` is not a Bedrock model.
    src = 'u = f"https://bedrock-runtime.{r}.amazonaws.com/model/{model_id}/invoke"\n'
    assert [m for _, m in ids(src, "a.py")] == []
    assert ids('p = "src/model/gpt-4o/weights.bin"\n', "a.py") == []


def test_language_model_keys_named_lm() -> None:
    src = (
        'student_lm_name = "meta-llama/Llama-3.2-1B-Instruct"\n'
        'lm = dspy.LM(model="openai/gpt-4o-mini")\n'
        'teacher_lm = "o3"\n'
        'film_name = "o1"\n'
    )
    assert ids(src, "a.py") == [
        (1, "meta-llama/Llama-3.2-1B-Instruct"),
        (2, "gpt-4o-mini"),
        (3, "o3"),
    ]


# ---------------------------------------------------------------- 9. model slots named `name`
def test_name_in_model_settings_lists_is_a_model_slot() -> None:
    yaml = "- name: gpt-4o-mini\n  edit_format: diff\n- name: deepseek/deepseek-chat\n"
    assert [m for _, m in ids(yaml, "model-settings.yml")] == ["gpt-4o-mini", "deepseek-chat"]
    assert ids('{"name": "glm4-browser", "version": "1.0.0"}\n', "package.json") == []
    assert ids("name: Codestral\nSWANLAB_PROJ_NAME=GLM4-Finetune\n", "cfg.yml") == []


def test_name_and_id_of_a_model_object_are_model_slots() -> None:
    src = 'mock_model.name = "gpt-4"\nself.main_model.id = "deepseek-chat"\nuser.name = "o1"\n'
    assert ids(src, "a.py") == [(1, "gpt-4"), (2, "deepseek-chat")]


def test_name_written_as_an_id_is_a_model_slot_in_any_language() -> None:
    go = '{Name: "llama3.2", Description: "local"},\n{Name: "kimi-k2.6:cloud", Remote: true},\n'
    assert ids(go, "m.go") == [(1, "llama3.2"), (2, "kimi-k2.6:cloud")]
    ts = '{ name: "qwen3:8b", digest: "local" },\nconst m = [{ name: "deepseek-chat" }];\n'
    assert ids(ts, "m.ts") == [(1, "qwen3:8b"), (2, "deepseek-chat")]
    cs = 'new ModelDefinition { Name = "mistral.mistral-large-2402-v1:0" },\n'
    assert ids(cs, "Program.cs") == [(1, "mistral.mistral-large-2402-v1:0")]
    py = 'hints=[types.ModelHint(name="gpt-4o-mini")]\n'
    assert ids(py, "a.py") == [(1, "gpt-4o-mini")]
    go_json = 'fmt.Fprint(w, `{"models":[{"name":"gemma4"},{"name":"qwen3:8b"}]}`)\n'
    assert ids(go_json, "h.go") == [(1, "gemma4"), (1, "qwen3:8b")]
    # Display names, titles that mention a model, and bare or short IDs stay out of `name`.
    traps = (
        '{ name: "GPT-4o", id: 1 },\n'
        '{name: "gemma3 model with model_type"},\n'
        '{Name: "mistral"},\n'
        '{Name: "o1"},\n'
    )
    assert ids(traps, "t.ts") == []


def test_name_of_a_model_object_nested_under_a_model_key_or_call() -> None:
    py = (
        "config = {\n"
        '    "llm": {\n'
        '        "model": {\n'
        '            "name": "sarvam-m",\n'
        '            "seed": 42,\n'
        "        },\n"
        "    },\n"
        "}\n"
        'inline = {"model": {"name": "sarvam-m", "seed": 42}}\n'
        'm = ChatModelFactory(name="gemini-2.5-flash", model_type="google")\n'
        "chat = ChatModelFactory(\n"
        '    name="claude-haiku-4-5-20251001", model_type="anthropic"\n'
        ")\n"
        'lock = ProcessLockFactory(name="o3")\n'
        'chat_model = ChatModel(name="o3")\n'
    )
    assert ids(py, "a.py") == [
        (4, "sarvam-m"),
        (9, "sarvam-m"),
        (10, "gemini-2.5-flash"),
        (12, "claude-haiku-4-5-20251001"),
        (15, "o3"),
    ]
    yaml = "model:\n  name: sarvam-m\n  id: o3\nproject:\n  name: gpt-4o-finetune-run\n"
    assert ids(yaml, "a.yaml") == [(2, "sarvam-m"), (3, "o3")]
    listed = '{\n  "models": [\n    {\n      "name": "nomic-embed-text:latest"\n    }\n  ]\n}\n'
    assert ids(listed, "tags.json") == [(4, "nomic-embed-text:latest")]
    # Beside a `model` key, `name` is a display name; a provider's `name` is not a model.
    display = (
        "models: [\n"
        "  {\n"
        '    provider: "openai",\n'
        '    model: "gpt-4",\n'
        '    name: "GPT-4",\n'
        "  },\n"
        "  {\n"
        '    name: "o3",\n'
        '    model: "o3",\n'
        "  },\n"
        "]\n"
        'x = {"model": {"name": "GPT-4o", "model": "gpt-4o"}}\n'
    )
    assert ids(display, "cfg.ts") == [(4, "gpt-4"), (9, "o3"), (12, "gpt-4o")]
    assert ids("model_provider:\n  name: mistral\n", "a.yaml") == []


def test_short_ids_alone_on_their_line_beside_ids_above_or_below() -> None:
    py = (
        "SIZES = {\n"
        '    "o1-mini": 90000,\n'
        '    "o1": 30000,\n'
        '    "o3": 60000,\n'
        "}\n"
        "ENUM = [\n"
        '    "o1",\n'
        '    "o3",\n'
        '    "gpt-4o",\n'
        "]\n"
        'level = "o3"\n'
        "X = {\n"
        '    "o1": 1,\n'
        "}\n"
    )
    assert ids(py, "a.py") == [
        (2, "o1-mini"),
        (3, "o1"),
        (4, "o3"),
        (7, "o1"),
        (8, "o3"),
        (9, "gpt-4o"),
    ]
    # A short ID with a key of its own that is not a model setting stays out, beside IDs or not.
    assert ids('m = "gpt-4o"\nlevel = "o3"\n', "a.py") == [(1, "gpt-4o")]


def test_model_card_front_matter_and_checkpoint_configs() -> None:
    card = (
        "---\n"
        "license: llama3.1\n"
        "base_model: meta-llama/Llama-3.1-8B-Instruct\n"
        "tags:\n"
        "- llama-3\n"
        "---\n"
        "# A fine-tune\n"
        "Plain prose about gemma2.\n"
    )
    assert found(card, "README.md") == [(3, "meta-llama/Llama-3.1-8B-Instruct", "docs")]
    config = '{"_name_or_path": "meta-llama/Llama-2-7b-hf", "model_type": "llama"}\n'
    assert ids(config, "config.json") == [(1, "meta-llama/Llama-2-7b-hf")]
    runs = "- dirname: 2024-10-29--Qwen2.5-Coder-0.5B-Instruct\n  filename: llama-3-8b\n"
    assert ids(runs, "runs.yml") == []


# ---------------------------------------------------------------- false positives
def test_names_built_from_model_names_are_not_models() -> None:
    src = (
        'const CACHE = "chatgpt-next-web-cache";\n'
        'const PROVIDER = "ChatGLM";\n'
        "const chatglmApiKey = process.env.KEY;\n"
        'if (id.startsWith("gpt-4")) {}\n'
        'if (model.includes("claude-3")) {}\n'
        'const re = new RegExp("^deepseek-chat");\n'
        'import { x } from "./deepseek-chat";\n'
        'const doc = "docs/deepseek-r1.md";\n'
        'const url = "https://platform.openai.com/docs/models#gpt-4-turbo-and-gpt-4";\n'
        "const t = `claude-3-${size}`;\n"
    )
    assert ids(src, "a.ts") == []
    py = 'if "llama2" in model_name:\n    pass\nassert "gpt-4o (aliases: 4o)" in out\n'
    assert ids(py, "a.py") == [(3, "gpt-4o")]


def test_comments_count_quoted_ids_and_settings_not_prose() -> None:
    src = "// Request to AWS Llama3 goes here\n// model: deepseek-chat\n// use 'glm-4.6' later\n"
    assert found(src, "a.go") == [(2, "deepseek-chat", "comment"), (3, "glm-4.6", "comment")]


def test_projects_named_after_a_model_and_a_language_are_not_models() -> None:
    md = (
        "Run it with `llama3.java`, `llama2.c`, `llama2.rs` or `gemma.cpp`.\n"
        "See [llama.cpp](https://github.com/ggml-org/llama.cpp) and `whisper.cpp`.\n"
        "Then set `model: llama3.2` and `qwen2.5`.\n"
    )
    assert ids(md, "README.md") == [(3, "llama3.2"), (3, "qwen2.5")]
    java = 'var engine = "llama3.java"; var m = "llama3.1";\n'
    assert ids(java, "A.java") == [(1, "llama3.1")]


def test_parser_and_renderer_names_returned_by_functions_are_not_models() -> None:
    go = (
        "func qwen35RendererName(modelDir string) string {\n"
        '\tif strings.Contains(t, "preserve_thinking") {\n'
        '\t\treturn "qwen3.8"\n'
        "\t}\n"
        '\treturn "qwen3.5"\n'
        "}\n"
        "func defaultModel() string {\n"
        '\treturn "qwen3.5"\n'
        "}\n"
        'cfg := Config{Renderer: "gemma4", Model: "gemma4"}\n'
    )
    assert ids(go, "create.go") == [(8, "qwen3.5"), (10, "gemma4")]
    java = (
        "public String getParserName(String arch) {\n"
        '    return "glm-4.7";\n'
        "}\n"
        "String defaultModel() {\n"
        '    return "gpt-4o";\n'
        "}\n"
    )
    assert ids(java, "Names.java") == [(5, "gpt-4o")]
    py = 'def reasoning_parser(m):\n    return "deepseek-r1"\n\ndef pick():\n    return "deepseek-r1"\n'
    assert ids(py, "p.py") == [(5, "deepseek-r1")]


def test_prefix_tests_in_go_rust_and_csharp_are_not_models() -> None:
    go = (
        'case strings.Contains(s, "glm4") || strings.Contains(s, "glm-4"):\n'
        'case strings.HasPrefix(name, "qwen3"):\n'
        'm := pick(s, "qwen3")\n'
    )
    assert ids(go, "a.go") == [(3, "qwen3")]
    rs = 'if request.model.starts_with("o1") || name.contains("gpt-4o") {}\nlet m = "gpt-4o";\n'
    assert ids(rs, "chat.rs") == [(2, "gpt-4o")]
    cs = 'if (name.StartsWith("command-r", StringComparison.OrdinalIgnoreCase)) {}\n'
    assert ids(cs, "Factory.cs") == []


def test_names_of_agents_and_assistants_built_from_model_names() -> None:
    ts = '{ name: "gpt-4-agent" },\nconst a = { model: "glm-4-assistant" };\n{ name: "gpt-4" },\n'
    assert ids(ts, "agents.ts") == [(3, "gpt-4")]


def test_docs_prose_counts_inline_code_and_links_only() -> None:
    md = (
        "DeepSeek-V3 beats GPT-4o on this table.\n"
        "Weights: [here](https://huggingface.co/deepseek-ai/DeepSeek-V3) and `kimi-k2-0905-preview`.\n"
    )
    assert found(md, "README.md") == [
        (2, "deepseek-ai/DeepSeek-V3", "docs"),
        (2, "kimi-k2-0905-preview", "docs"),
    ]


def test_markdown_table_cells_written_as_ids() -> None:
    md = (
        "| Model type | Model name/id | Version |\n"
        "| --- | --- | --- |\n"
        "| Chat Completion | gpt-4-0613 | 0613 |\n"
        "| Embeddings | Qwen/Qwen3-Embedding-0.6B | - |\n"
        "| GPT-4o-0513 | 80.4 | 51.1 |\n"
        "| [DeepSeek-V3](https://example.com/x) | 671B |\n"
        "| **glm-4-9b** | Chat |\n"
        "| Runs on gpt-4o and more | x |\n"
    )
    assert ids(md, "README.md") == [(3, "gpt-4-0613"), (4, "Qwen/Qwen3-Embedding-0.6B")]


def test_asciidoc_listing_blocks_are_code_samples() -> None:
    adoc = (
        "Use claude-sonnet-4-5 for this.\n"
        "\n"
        "[source,java]\n"
        "----\n"
        "var o = AnthropicChatOptions.builder()\n"
        '    .model("claude-sonnet-4-20250514")\n'
        "    .build();\n"
        "----\n"
        "\n"
        "Then gpt-4o in prose.\n"
        "....\n"
        "spring.ai.openai.chat.options.model=gpt-4o-mini\n"
        "....\n"
        "----\n"
        "model: deepseek-chat\n"
    )
    assert found(adoc, "chat.adoc") == [
        (6, "claude-sonnet-4-20250514", "docs"),
        (12, "gpt-4o-mini", "docs"),
        (15, "deepseek-chat", "docs"),  # an unclosed block runs to the end
    ]


def test_restructuredtext_literal_blocks_are_code_samples() -> None:
    rst = (
        "Use the values below::\n"
        "\n"
        "    modelSpec:\n"
        '      modelURL: "meta-llama/Llama-3.1-8B-Instruct"\n'
        "\n"
        "We tried Llama-3.1-8B-Instruct in prose; ``vllm serve Qwen/Qwen3-8B`` inline.\n"
        "\n"
        ".. code-block:: yaml\n"
        "   :linenos:\n"
        "\n"
        '   model: "deepseek-chat"\n'
        "\n"
        ".. note::\n"
        "\n"
        "   model: qwen-max is prose in a note\n"
        "\n"
        ".. prompt:: bash\n"
        "\n"
        "   vllm serve mistralai/Mistral-7B-Instruct-v0.2\n"
        "Done with mistral-large-latest, dedented: prose again.\n"
    )
    assert found(rst, "docs/helm.rst") == [
        (4, "meta-llama/Llama-3.1-8B-Instruct", "docs"),
        (6, "Qwen/Qwen3-8B", "docs"),
        (11, "deepseek-chat", "docs"),
        (19, "mistralai/Mistral-7B-Instruct-v0.2", "docs"),
    ]


def test_model_source_uris_name_their_model() -> None:
    yaml = (
        "catalog:\n"
        "  chat:\n"
        '    url: "hf://facebook/opt-125m"\n'
        "    url2: 'ollama://gemma2:2b'\n"
        "    url3: ollama://phi4\n"
        "    url4: hf://BAAI/bge-small-en-v1.5\n"
        "    url5: s3://bucket/models/weights\n"
        "    url6: hf://someone/dataset-files\n"
    )
    assert ids(yaml, "charts/models/values.yaml") == [
        (3, "facebook/opt-125m"), (4, "gemma2:2b"), (5, "phi4"), (6, "BAAI/bge-small-en-v1.5"),
    ]  # fmt: skip


def test_kubernetes_resources_named_after_models_are_not_models() -> None:
    sh = (
        "kubectl logs -f deployment/vllm-tool-llama3-8b-deployment-vllm\n"
        "kubectl delete pod/vllm-qwen2-7b-worker svc/llama-3-8b-svc\n"
        "vllm serve unsloth/llama-3-8b-bnb-4bit\n"
    )
    assert ids(sh, "run.sh") == [(3, "unsloth/llama-3-8b-bnb-4bit")]


def test_workloads_named_after_their_runtime_and_model_are_not_models() -> None:
    yaml = (
        "metadata:\n"
        "  labels:\n"
        "    app: vllm-llama3-1b-instruct-epp\n"
        "  selector: {app: sglang-qwen2-7b-instruct}\n"
        "args:\n"
        '- "vllm-llama3-1b-instruct"\n'
        "model: nousresearch/hermes-2-pro-llama-3-8b\n"
        "fallback: dolphin-mixtral-8x22b\n"
    )
    # A fine-tune named after its base still names the base's vendor.
    assert ids(yaml, "inferencepool.yaml") == [
        (7, "nousresearch/hermes-2-pro-llama-3-8b"), (8, "dolphin-mixtral-8x22b"),
    ]  # fmt: skip


def test_meta_opt_models() -> None:
    sh = 'vllm serve facebook/opt-125m\npython bench.py --model "facebook/opt-1.3b" \\\n'
    assert ids(sh, "ci.sh") == [(1, "facebook/opt-125m"), (2, "facebook/opt-1.3b")]
    traps = 'OPTS = "opt-in"\nx = "opt-out"\nflag = "opt-level-3"\n'
    assert ids(traps, "a.py") == []


def test_model_name_the_embeddings_api_returns_for_ada_002() -> None:
    go = 'resp := `{"object": "list", "model": "text-embedding-ada-002-v2"}`\n'
    assert ids(go, "embeddings_test.go") == [(1, "text-embedding-ada-002-v2")]


def test_vendor_sdk_model_constants_name_their_model() -> None:
    go = (
        "req := openai.ChatCompletionRequest{\n"
        "\tModel: openai.GPT3Dot5Turbo,\n"
        "}\n"
        "r := openai.CompletionRequest{Model: openai.O4Mini}\n"
        "e := openai.EmbeddingRequest{Model: openai.AdaEmbeddingV2}\n"  # named apart: catalog data
        "m := []string{openai.GPT4o20240513, openai.GPT4Dot1Mini, openai.GPT3Davinci002}\n"
        "c := anthropic.ModelClaude3_7SonnetLatest\n"
    )
    assert ids(go, "main.go") == [
        (2, "gpt-3.5-turbo"),
        (4, "o4-mini"),
        (5, "text-embedding-ada-002"),
        (6, "gpt-4o-2024-05-13"),
        (6, "gpt-4.1-mini"),
        (6, "davinci-002"),
        (7, "claude-3-7-sonnet-latest"),
    ]
    rust = (
        "let a = client.agent(openai::GPT_4O).build();\n"
        "let b = client.completion_model(crate::providers::anthropic::completion::CLAUDE_SONNET_4_6);\n"
        "let c = client.completion_model(gemini::completion::GEMINI_2_5_PRO_PREVIEW_06_05);\n"
        "let d = client.completion_model(cohere::COMMAND_R_08_2024);\n"
        "let e = together::MISTRAL_7B_INSTRUCT_V0_2;\n"  # not a qualifier of ours: skipped
        "let f = mistral::MISTRAL_7B_INSTRUCT_V0_2;\n"
    )
    assert ids(rust, "main.rs") == [
        (1, "gpt-4o"),
        (2, "claude-sonnet-4-6"),
        (3, "gemini-2.5-pro-preview-06-05"),
        (4, "command-r-08-2024"),
        (6, "mistral-7b-instruct-v0.2"),
    ]


def test_sdk_names_that_are_not_model_constants() -> None:
    go = (
        "msg := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser}\n"
        "size := openai.CreateImageSize256x256\n"
        "v := anthropic.AnthropicVersion\n"
        "m := mypkg.GPT4o\n"  # not a vendor's package
        "x := Whisper1\n"  # unqualified: the package that defines it
        "// uses openai.GPT4o by default\n"  # prose in a comment
    )
    assert ids(go, "main.go") == []
    rust = (
        "let client = openai::Client::from_env();\nlet v = anthropic::ANTHROPIC_VERSION_LATEST;\n"
        "use mistral::MistralEmbeddingEngine;\n"  # a type named after the vendor
    )
    assert ids(rust, "main.rs") == []
    # A constant's path inside a string is a record about the constant, not its use.
    revapi = (
        '{"old": "field dev.x.model.anthropic.AnthropicChatModelName.CLAUDE_3_HAIKU_20240307"}\n'
    )
    assert ids(revapi, "revapi.json") == []


def test_sdk_model_constants_in_java_imports_and_docs_code_samples() -> None:
    java = "import static dev.x.model.openai.OpenAiChatModelName.GPT_4_O_MINI;\n"
    assert ids(java, "ChatIT.java") == [(1, "gpt-4o-mini")]
    md = "Use it:\n\n```go\nreq := openai.ChatCompletionRequest{Model: openai.GPT4o}\n```\n"
    assert found(md, "README.md") == [(4, "gpt-4o", "docs")]


def test_short_ids_opening_their_settings_under_a_models_key() -> None:
    yaml = (
        "apis:\n  openai:\n    models:\n      gpt-4o:\n        fallback: gpt-4\n"
        "      o1:\n        max-input-chars: 200000\n      o3:\n        fallback: o3-mini\n"
        "settings:\n  o1:\n    x: 1\n"  # a key of the same shape under another owner
        "notes: see o1: it thinks\n"
    )
    assert ids(yaml, "config.yml") == [
        (4, "gpt-4o"),
        (5, "gpt-4"),
        (6, "o1"),
        (8, "o3"),
        (9, "o3-mini"),
    ]
    json_doc = '{\n  "models": {\n    "o3": {\n      "max": 1\n    }\n  },\n  "other": {\n    "o3": {}\n  }\n}\n'
    assert ids(json_doc, "limits.json") == [(3, "o3")]


def test_the_real_name_behind_an_alias_is_a_model() -> None:
    yaml = (
        "  - name: claude-opus-4-6:thinking\n    real_name: claude-opus-4-6\n"
        "  - name: sonnet\n    real_name: us.anthropic.claude-sonnet-4-6\n"
        "  - name: x\n    display_name: gpt-4o-notes\n    run_name: o3\n"
    )
    assert ids(yaml, "models.yaml") == [
        (1, "claude-opus-4-6:thinking"),
        (2, "claude-opus-4-6"),
        (4, "anthropic.claude-sonnet-4-6"),
    ]


def test_json_inside_rust_raw_strings() -> None:
    rs = (
        "let chunks = [\n"
        '    r#"{"id":"chatcmpl-1","model":"openai/o4-mini","choices":[]}"#,\n'
        '    r#"{"id":"x","model":"gpt-4o"}"#,\n'
        "];\n"
        'let body = r##"\n{\n  "model": "claude-3-5-haiku-latest",\n  "note": "/* no comment */"\n}\n"##;\n'
        "/* a block comment about gpt-4o-mini */\n"
        'let m = "deepseek-chat";\n'
    )
    assert found(rs, "a.rs") == [
        (2, "o4-mini", "code"),
        (3, "gpt-4o", "code"),
        (7, "claude-3-5-haiku-latest", "code"),
        (12, "deepseek-chat", "code"),
    ]
    # Outside Rust, r#"..."# is not a string syntax: the same line lexed as usual finds nothing new.
    assert ids('x = r#"{"model":"gpt-4o"}"#\n', "a.go") == []


def test_model_in_an_api_path_under_any_key() -> None:
    yaml = (
        "- request:\n    path: /v1beta/models/gemini-2.5-flash-lite:generateContent\n"
        "  out: docs/models/gpt-4.md\n  cache_dir: ./models/o1\n  path: /v1/models/o3\n"
    )
    assert ids(yaml, "cassette.yaml") == [(2, "gemini-2.5-flash-lite"), (5, "o3")]


def test_quantised_weights_named_as_the_model() -> None:
    yaml = 'body: \'{"model":"Qwen3-1.7B-Q4_K_M","messages":[]}\'\n'
    assert ids(yaml, "cassette.yaml") == [(1, "Qwen3-1.7B-Q4_K_M")]
    # A quantisation tag without a parameter count is not evidence of weights.
    assert ids('x = {"model": "custom-Q4_K_M"}\n', "a.py") == []


# ---------------------------------------------------------------- speed: linear in line length
def test_lookbehind_reads_a_bounded_window(monkeypatch: object) -> None:
    """Every key look-behind reads at most LOOKBEHIND characters, whatever the line length.

    A `$`-anchored regex searched over the whole prefix of each string is quadratic in the line.
    """
    seen: list[int] = []
    original = lexer.context_before

    def counting(prefix: str) -> str:
        seen.append(len(prefix))
        return original(prefix)

    import hedgectl.core.audit as audit_mod

    monkeypatch.setattr(lexer, "context_before", counting)  # type: ignore[attr-defined]
    monkeypatch.setattr(audit_mod, "context_before", counting)  # type: ignore[attr-defined]
    line = "".join(f'"k{i}": "deepseek-chat", ' for i in range(150)) + "\n"
    assert len(line) > 3000
    S.scan(line.encode(), "fixture.json")
    assert seen and max(seen) <= lexer.LOOKBEHIND


def test_a_megabyte_line_full_of_keywords_scans_in_linear_time() -> None:
    """A quarter and a whole megabyte of dense keywords: the time per byte must not grow.

    The bound is generous (8x per byte between the two sizes; linear is about 1x, quadratic 4x),
    so a loaded machine does not fail it, but a regex quadratic in the line does.
    """

    def per_byte(n: int) -> float:
        line = ('{"model": "deepseek-chat", "alt": "kimi-k2"}, ' * n).encode()
        t = time.perf_counter()
        S.scan(line, "bundle.js")
        return (time.perf_counter() - t) / len(line)

    small = per_byte(5_600)  # ~256 KB
    big = per_byte(22_400)  # ~1 MB
    assert big < 8 * small


def test_many_short_lines_full_of_keywords_scan_in_linear_time() -> None:
    """The same bound over a file of many short lines (a model table, a fixture).

    The lines differ (a repeated line is judged once and remembered, which would time nothing).
    """

    def per_byte(n: int) -> float:
        rows = (f'"deepseek-chat": {{"alt": "kimi-k2", "x": {i}}},\n' for i in range(n))
        data = "".join(rows).encode()
        gc.collect()
        t = time.perf_counter()
        S.scan(data, "table.json")
        return (time.perf_counter() - t) / len(data)

    small = per_byte(6_000)
    big = per_byte(24_000)
    assert big < 8 * small


def test_a_long_line_above_a_list_item_is_read_in_linear_time() -> None:
    """Finding a list's key walks back over the lines above an item, whatever their length; a
    line of blanks between a string and the rest took time cubic in the blanks (4,000: minutes).

    Sizes 16x apart: linear is about 1x per byte, quadratic 16x; the bound (8x) is generous.
    """

    def per_byte(n: int) -> float:
        slowest = 0.0
        for above in (b'"a"' + b" " * n + b"x", b"- a" + b" " * n + b":"):
            data = b"models:\n" + above + b'\n  - "gpt-4o"\n'
            start = data.rindex(b"  - ")
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                lexer.ListContext(data).of(start, len(data) - 1)
                best = min(best, time.perf_counter() - t)
            slowest = max(slowest, best)
        return slowest / n

    assert per_byte(16_000) < 8 * per_byte(1_000)


def test_a_line_full_of_backticks_inside_a_string_is_lexed_in_linear_time() -> None:
    """Each backtick (or `/*`) of a JS line is checked for being inside a string or a // comment;
    the line is lexed once, not again from its start at each one (40,000: 22 s before).

    Sizes 16x apart: linear is about 1x per byte, quadratic 16x; the bound (8x) is generous.
    """

    def per_byte(n: int) -> float:
        data = b'const m = "gpt-4o";\nconst x = "' + b"`" * n + b'";\n'
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            S.scan(data, "bundle.js")
            best = min(best, time.perf_counter() - t)
        return best / n

    assert per_byte(16_000) < 8 * per_byte(1_000)


def test_windows_of_a_long_line_with_keywords_only_inside_long_words_are_passed_over(
    monkeypatch: object,
) -> None:
    """A base64 image in a notebook holds keywords by chance ("qwq", "glm", "/o1"); the windows
    around them are not read, and the findings are those of reading every window."""
    import base64
    import random

    import hedgectl.core.audit as audit_mod

    blob = base64.b64encode(random.Random(5).randbytes(60_000)).decode()
    blob += "qwq" + "A" * 500 + "glm"
    padding = "x" * 3000
    line = (
        f'{{"data": {{"image/png": "{blob}"}}, '
        f'"text": ["model=\\"deepseek-chat\\" ", "{padding}", "glm-4-plus"]}}\n'
    )
    data = line.encode()
    paths = ("cell.ipynb", "dump.json", "a.py", "b.js")
    read = [S.scan(data, path) for path in paths]
    monkeypatch.setattr(audit_mod, "_only_long_words", lambda *a: False)  # type: ignore[attr-defined]
    assert read == [S.scan(data, path) for path in paths]
    assert {f.match.model_id for f in read[1]} >= {"deepseek-chat", "glm-4-plus"}


# ---------------------------------------------------------------- TypeScript, Kotlin and C# code
def test_a_short_id_passed_to_a_providers_model_function_is_a_model() -> None:
    """The AI SDK names a model by calling the provider: openai('o1'), openai.responses('o3')."""
    ts = (
        "const a = await generateText({\n"
        "  model: openai('o1'),\n"
        "});\n"
        "const b = openai.responses('o3');\n"
        "const c = anthropic('claude-sonnet-4-5');\n"
    )
    assert ids(ts, "a.ts") == [(2, "o1"), (4, "o3"), (5, "claude-sonnet-4-5")]
    # Not a provider's model function: a lookup, a comparison, a method of something else.
    traps = "t('o1');\nif (name === 'o1') {}\nopenai.files.retrieve('o1');\nmyopenai('o3');\n"
    assert ids(traps, "b.ts") == []


def test_inline_code_in_a_sentence_listing_templates_is_not_a_model() -> None:
    md = (
        "Available templates include: `llama3`, `chatml`, `phi3`, `phi4`, and more.\n"
        "Chat template to use. Run the model `llama3.2` with it.\n"
        "The template for the model `llama3` is built in.\n"
    )
    assert ids(md, "README.md") == [(2, "llama3.2"), (3, "llama3")]


def test_a_familys_id_under_a_users_namespace_counts_in_a_model_setting() -> None:
    """Ollama and Hub users publish models under their own names (zylonai/multilingual-e5-large)."""
    kt = 'val m = LLModel(\n    id = "zylonai/multilingual-e5-large",\n)\n'
    assert ids(kt, "M.kt") == [(2, "zylonai/multilingual-e5-large")]
    py = 'model = "someorg/gpt-4o"\n'
    assert ids(py, "a.py") == [(1, "someorg/gpt-4o")]
    # Outside a model setting an unknown namespace is a path or a repository.
    traps = 'path = "zylonai/multilingual-e5-large"\nrepo = "someorg/gpt-4o"\nx = "acme/o1"\n'
    assert ids(traps, "b.py") == []
    assert ids('model = "acme/o1"\nprovider = "acme/gpt-4o"\n', "c.py") == []


def test_clip_weights_are_openais() -> None:
    ts = '  XENOVA_CLIP_VIT_BASE_PATCH32 = "Xenova/clip-vit-base-patch32",\n'
    assert [(r.match.model_id, r.match.vendor) for r in S.scan(ts.encode(), "a.ts")] == [
        ("Xenova/clip-vit-base-patch32", "openai")
    ]
    assert ids('m = "laion/CLIP-ViT-H-14-laion2B-s32B-b79K"\n', "a.py") == []


def test_an_id_passed_to_a_model_factory_method_is_a_model() -> None:
    ts = "const m = ollm.chatModel('near/GLM-4.6');\nconst e = acme.embeddingModel('o3');\n"
    assert ids(ts, "a.ts") == [(1, "near/GLM-4.6"), (2, "o3")]
    assert ids("const m = acme.chat('near/GLM-4.6');\nacme.getModel('o3');\n", "b.ts") == []


def test_gateway_model_names_added_to_the_catalog() -> None:
    ts = (
        "google.interactions('gemini-omni-flash-preview');\n"
        "const t = 'xai/grok-stt';\n"
        "const v = ['minimax-video-01'];\n"
    )
    assert ids(ts, "a.ts") == [
        (1, "gemini-omni-flash-preview"),
        (2, "grok-stt"),
        (3, "minimax-video-01"),
    ]


def test_an_id_passed_to_a_function_named_for_a_model_is_a_model() -> None:
    ts = 'const a = model("cline-pass/glm-5.2", GROUP);\nconst b = createModel("o3");\n'
    assert ids(ts, "a.ts") == [(1, "cline-pass/glm-5.2"), (2, "o3")]
    traps = 'isReasoningModel("o1");\nsupportsModel("o3");\nmodels("acme/gpt-4o");\n'
    assert ids(traps, "b.ts") == []


def test_a_short_id_beside_other_arguments_of_a_model_object() -> None:
    kt = (
        "public val O3: LLModel = LLModel(\n"
        '    provider = LLMProvider.OpenAI, id = "o3", capabilities = listOf(\n'
        "        LLMCapability.Tools,\n"
        "    )\n"
        ")\n"
        "val t = Tool(\n"
        '    kind = Kind.X, id = "o3", size = 2,\n'
        ")\n"
    )
    assert ids(kt, "M.kt") == [(2, "o3")]


def test_framework_constants_known_by_their_qualified_name() -> None:
    """koog's Kotlin objects and LlamaIndexTS's enums name models whose IDs their names do not
    spell (Sonnet_3_7 is claude-3-7-sonnet, GEMINI_2_0_FLASH is gemini-2.0-flash-001)."""
    kt = (
        "val m = OllamaModels.Meta.LLAMA_3_2\n"
        "    model = AnthropicModels.Sonnet_3_7,\n"
        'AIAgentConfig(prompt("t") {}, OpenAIModels.Chat.GPT4o, 3)\n'
    )
    assert ids(kt, "A.kt") == [(1, "llama3.2"), (2, "claude-3-7-sonnet"), (3, "gpt-4o")]
    md = "```ts\nconst llm = gemini({\n  model: GEMINI_MODEL.GEMINI_2_0_FLASH,\n});\n```\n"
    assert found(md, "CLAUDE.md") == [(3, "gemini-2.0-flash-001", "docs")]
    # The same member names under another object, or a member the table does not hold.
    traps = "val x = SomeModels.Sonnet_3_7\nval y = AnthropicModels.Default\nval z = Models.GPT4o\n"
    assert ids(traps, "B.kt") == []


def test_java_model_enums_read_from_the_member_name() -> None:
    """LangChain4j's OpenAiChatModelName.GPT_4_O_MINI and Spring AI's OpenAiApi.ChatModel.GPT_4_O:
    an enum named for models, whoever serves them, whose member spells a family's ID."""
    java = (
        "    .modelName(OpenAiChatModelName.GPT_4_O_MINI)\n"
        "    .model(OpenAiApi.ChatModel.GPT_4_O.getValue())\n"
        "    .model(VertexAiGeminiChatModel.ChatModel.GEMINI_2_5_FLASH)\n"
    )
    assert ids(java, "A.java") == [(1, "gpt-4o-mini"), (2, "gpt-4o"), (3, "gemini-2.5-flash")]
    traps = (
        "OpenAiChatModel model = OpenAiChatModel.builder().build();\n"
        "ChatModel.Builder b = null;\n"
        "Features.GPT_4_SUPPORT x;\n"
        "ChatModel.DEFAULT.getValue();\n"
    )
    assert ids(traps, "B.java") == []


def test_swift_model_type_members_name_their_model() -> None:
    """Swift SDKs (MacPaw/OpenAI) name models as static members of a `Model` type, in lower
    camel case: `Model.gpt4_o`, or `.gpt4_o` alone where a `model:` argument expects one."""
    swift = (
        "let ids: Set<String> = [Model.gpt4_o, Model.gpt4_1_mini, Model.chatgpt_4o_latest]\n"
        "let q = ChatQuery(messages: [], model: .gpt3_5Turbo_0125)\n"
        "let e = EmbeddingsQuery(input: .string(s), model: .textEmbeddingAda)\n"  # catalog data
        "let s = AudioSpeechQuery(model: Model.tts_1_hd, input: t)\n"
        "let o = OpenAIModel.o4_mini\n"
    )
    assert ids(swift, "Store.swift") == [
        (1, "gpt-4o"),
        (1, "gpt-4.1-mini"),
        (1, "chatgpt-4o-latest"),
        (2, "gpt-3.5-turbo-0125"),
        (3, "text-embedding-ada-002"),
        (4, "tts-1-hd"),
        (5, "o4-mini"),
    ]
    md = "```swift\nlet query = ChatQuery(messages: [], model: .gpt4_o)\n```\n"
    assert found(md, "README.md") == [(2, "gpt-4o", "docs")]


def test_lower_case_members_that_are_not_model_constants() -> None:
    """A lower-case member names a model only on a model type: not on an object or a module,
    and an implicit member only after a `model:` label."""
    swift = (
        "let r = ModelResult(id: .gpt4_o, created: 1)\n"  # not a `model:` argument
        "let s = Style(font: .gpt4_o)\n"
        "let q = ChatQuery(messages: [], model: .custom(name))\n"
        "let d = Model.default\n"
    )
    assert ids(swift, "T.swift") == []
    py = "h = self.model.layer1(x)\nopenai.chat.completions.create(model=m)\nmodel.gpt2_head = None\n"
    assert ids(py, "m.py") == []


def kinds(text: str, path: str) -> list[tuple[int, str, str]]:
    return [
        (r.line, r.match.kind.value, r.match.model_id or r.match.text)
        for r in S.scan(text.encode(), path)
    ]


def test_an_azure_deployment_named_as_a_model_serves_that_model() -> None:
    """Azure OpenAI URLs name a deployment in their path; one named by a model's ID is that
    model (`/openai/deployments/gpt-35-turbo/`), reported beside the endpoint."""
    env = (
        "AZURE_OPENAI_ENDPOINT=https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-02-01\n"
    )
    assert kinds(env, ".env.example") == [
        (1, "endpoint", "x.openai.azure.com"),
        (1, "model", "gpt-4o"),
    ]
    rb = 'let(:uri_base) { "https://c.openai.azure.com/openai/deployments/gpt-35-turbo/" }\n'
    assert [k for k in kinds(rb, "http_spec.rb") if k[1] == "model"] == [
        (1, "model", "gpt-35-turbo")
    ]
    # A deployment named otherwise names no model; nor does a `deployments/` path elsewhere.
    traps = (
        'u = "https://x.openai.azure.com/openai/deployments/my-deployment/chat/completions"\n'
        'v = "https://example.com/api/deployments/gpt-4o/status"\n'
    )
    assert [k for k in kinds(traps, "c.py") if k[1] == "model"] == []


def test_an_endpoint_url_ending_in_a_slash_is_an_endpoint() -> None:
    """`base_url = "https://api.openai.com/v1/"`: the trailing slash of a base URL is not the
    open end of a prefix such as "gpt-4-"."""
    py = 'base_url = "https://api.openai.com/v1/"\nPREFIX = "gpt-4-"\nROUTE = "openai/"\n'
    assert kinds(py, "c.py") == [(1, "endpoint", "api.openai.com")]


def test_rust_use_groups_name_sdk_model_constants() -> None:
    """`use rig::providers::anthropic::{self, completion::CLAUDE_SONNET_4_6};`: each name of the
    group sits under the path, as `use rig::providers::openai::GPT_4O;` does."""
    rust = (
        "use rig::providers::anthropic::completion::{CLAUDE_SONNET_4_6, CacheTtl};\n"
        "use rig::providers::anthropic::{self, completion::CLAUDE_SONNET_4_6 as SONNET};\n"
        "use rig::providers::cohere::{self, COMMAND_A_03_2025};\n"
    )
    assert found(rust, "main.rs") == [
        (1, "claude-sonnet-4-6", "code"),
        (2, "claude-sonnet-4-6", "code"),
        (3, "command-a-03-2025", "code"),
    ]
    traps = (
        "use rig::providers::openai::{Client, EmbeddingModel};\n"  # types, not constants
        "use mycrate::{GPT_4O};\n"  # not a vendor's path
        "use rig::providers::openai::{\n"  # a group opened here names nothing on this line
    )
    assert ids(traps, "lib.rs") == []


def test_a_vendor_model_suffix_made_of_a_label_word() -> None:
    """xAI's grok-4.20-multi-agent is a model; names built with `agent` are not."""
    py = 'MODELS = ["xai:grok-4.20-multi-agent", "grok-4.20-multi-agent-0309"]\n'
    assert ids(py, "m.py") == [(1, "grok-4.20-multi-agent"), (1, "grok-4.20-multi-agent-0309")]
    traps = 'A = ["qwen-agent", "claude-agent-sdk", "gpt-4o-agent"]\nmodel = "claude-multi-agent"\n'
    assert ids(traps, "t.py") == []


def test_embedding_models_served_under_a_text_embedding_prefix() -> None:
    """LM Studio and Venice serve embedding models as `text-embedding-<model>`: the model after
    the prefix; OpenAI's, Google's and Alibaba's own `text-embedding-` IDs stay whole."""
    ts = (
        'const a = { model: "text-embedding-nomic-embed-text-v1.5" };\n'
        'const b = { model: "text-embedding-bge-m3" };\n'
        'const c = { model: "text-embedding-3-small" };\n'
        'const d = { model: "text-embedding-004" };\n'
    )
    assert ids(ts, "e.ts") == [
        (1, "nomic-embed-text-v1.5"),
        (2, "bge-m3"),
        (3, "text-embedding-3-small"),
        (4, "text-embedding-004"),
    ]
    assert ids('const e = { model: "text-embedding-custom" };\n', "f.ts") == []


def test_a_provider_key_before_an_id_it_does_not_know_is_not_ollamas_model() -> None:
    """`registry.languageModel('mistral:custom')`: `mistral` names the registry's provider; an
    Ollama tag after it (`mistral:latest`, `mistral:instruct`) keeps it a model."""
    ts = (
        "registry.languageModel('mistral:custom');\n"
        "const a = { model: 'mistral:latest' };\n"
        "const b = { model: 'mistral:instruct' };\n"
        "registry.languageModel('mistral:mistral-large-latest');\n"
        "const c = { modelId: 'sarvamai/sarvam-m:free' };\n"  # a model whose name opens with a vendor's
    )
    assert ids(ts, "r.ts") == [
        (2, "mistral"),
        (3, "mistral"),
        (4, "mistral-large-latest"),
        (5, "sarvamai/sarvam-m"),
    ]


def test_a_documentation_page_about_a_model_is_not_a_model_in_use() -> None:
    """`/docs/models/gpt-4o` is a page about the model (a refUrl, an @see link); an API path
    (`/v1/models/o3`, `models/gemini-2.0-flash:generateContent`) names the model it calls."""
    ts = (
        'const a = { refUrl: "https://docs.x.ai/docs/models/grok-4" };\n'
        'const b = "https://developers.openai.com/api/docs/models/gpt-5.2-codex";\n'
        'const c = "https://api.openai.com/v1/models/o3";\n'
        'const d = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent";\n'
    )
    assert [k for k in kinds(ts, "m.ts") if k[1] == "model"] == [
        (3, "model", "o3"),
        (4, "model", "gemini-2.0-flash"),
    ]


def test_ui_names_built_from_a_models_name_are_not_models() -> None:
    """A badge, icon or button named after a model (`gpt-4o-badge`) is a label, not the model."""
    ts = '<span class="gpt-4o-badge" />\nconst id = "claude-3-opus-logo";\nconst m = "gpt-4o";\n'
    assert ids(ts, "b.tsx") == [(3, "gpt-4o")]


def test_a_labelled_argument_after_another_names_its_own_key() -> None:
    """`ChatQuery(messages: msgs, model: "o1")` (Swift, C#, TS objects): the key before `:` is
    `model`, not the label before it; `model: str = "o1"` (an annotation before `=`) still is."""
    swift = 'let q = ChatQuery(messages: msgs, model: "o1")\n'
    assert ids(swift, "q.swift") == [(1, "o1")]
    cs = 'var r = new ChatRequest(input: text, model: "o3");\n'
    assert ids(cs, "r.cs") == [(1, "o3")]
    ts = 'new OpenAI({ apiKey: process.env.KEY, model: "o1" });\n'
    assert ids(ts, "t.ts") == [(1, "o1")]
    py = 'def f(model: str = "o3") -> None: ...\nfamily: Family = "o1"\n'
    assert ids(py, "f.py") == [(1, "o3")]


# ---------------------------------------------------------------- Lua, R, Julia and Dart
def test_a_fenced_block_inside_a_blockquote_is_code_shown_in_docs() -> None:
    """A note or warning (`> ...`) holding a fenced config sample: its lines are a code block."""
    md = (
        "> For Bedrock:\n"
        ">\n"
        "> ```lua\n"
        "> bedrock = {\n"
        '>   model = "us.anthropic.claude-3-5-sonnet-20241022-v2:0",\n'
        "> }\n"
        "> ```\n"
    )
    assert found(md, "README.md") == [(5, "anthropic.claude-3-5-sonnet-20241022-v2:0", "docs")]
    # Outside the fence the quote is prose: a setting written there is not a code sample.
    prose = '> Set model = "gpt-5-mini" in your config.\n>\n> ```\n> plain text\n> ```\n'
    assert ids(prose, "README.md") == []


VIMDOC = (
    "*plugin.txt*  A chat plugin\n"
    "\n"
    "Most users only need a few options: >lua\n"
    "    {\n"
    "      model = 'gpt-5-mini',        -- AI model to use\n"
    "\n"
    "      get_models = function() return { { id = 'gpt-5-mini' } } end,\n"
    "    }\n"
    "<\n"
    "Prose again: model = 'gpt-5-mini' is the default.\n"
    "An old-style example: >\n"
    "    let g:model = 'claude-sonnet-4-5'\n"
    "Back to prose, model = 'gpt-4o-mini' here.\n"
    "\n"
    "vim:tw=78:ts=8:noet:ft=help:norl:\n"
)


def test_code_examples_in_vim_help_files_are_code_shown_in_docs() -> None:
    """A Neovim plugin's doc/NAME.txt: a line ending in `>` (or `>lua`) opens an example that
    runs to a line starting with `<` or to text in the first column."""
    assert found(VIMDOC, "doc/plugin.txt") == [
        (5, "gpt-5-mini", "docs"),
        (7, "gpt-5-mini", "docs"),
        (12, "claude-sonnet-4-5", "docs"),
    ]
    # Known by its first-line tag alone, or by its modeline alone.
    assert ids(VIMDOC.rsplit("vim:", 1)[0], "doc/plugin.txt") == [
        (5, "gpt-5-mini"),
        (7, "gpt-5-mini"),
        (12, "claude-sonnet-4-5"),
    ]
    assert ids(VIMDOC.split("\n", 1)[1], "doc/plugin.txt") == [
        (4, "gpt-5-mini"),
        (6, "gpt-5-mini"),
        (11, "claude-sonnet-4-5"),
    ]


def test_a_text_file_that_is_not_vim_help_stays_prose() -> None:
    """The same lines in a plain .txt (no help tag, no `ft=help` modeline) are prose; and a
    `>` that closes a link (`<https://...>`) opens no example."""
    plain = VIMDOC.replace("*plugin.txt*", "plugin").replace("ft=help", "ft=text")
    assert ids(plain, "notes.txt") == []
    link = "*p.txt*\nSee <https://example.com/models>\n    model = 'gpt-5-mini'\n"
    assert ids(link, "doc/p.txt") == []


PT_FILE = (
    "using PromptingTools\n"
    'msg = aigenerate("What is 2 + 2?"; model = "gpt4om")\n'
    'ai"Say hi!"claudeh\n'
    'aai"Say hi!"gem25f\n'
    'conv = aiextract(:Task; model="mistrall", return_all = true)\n'
    'function f(prompt; model::String = "gpt4t")\n'
)


def test_promptingtools_model_aliases_name_their_models() -> None:
    """PromptingTools.jl takes a model by alias (`model = "gpt4om"`, `ai"..."claudeh`) from its
    MODEL_ALIASES table (catalog data): in a file that names the framework, the alias is the
    model it stands for."""
    assert found(PT_FILE, "chat.jl") == [
        (2, "gpt-4o-mini", "code"),
        (3, "claude-haiku-4-5", "code"),
        (4, "gemini-2.5-flash", "code"),
        (5, "mistral-large-latest", "code"),
        (6, "gpt-4-turbo", "code"),
    ]
    md = '```julia\nusing PromptingTools\naigenerate("Say hi!"; model = "gemini")\n```\n'
    assert found(md, "docs/intro.md") == [(3, "gemini-pro", "docs")]


def test_promptingtools_aliases_only_where_the_framework_is_named() -> None:
    """The same words elsewhere are not aliases: a file that never names PromptingTools, a
    comment, a key other than `model`, an alias the table does not hold, a macro flag glued to
    a word (`openai"x"gpt4`)."""
    assert ids(PT_FILE.replace("using PromptingTools\n", ""), "chat.jl") == []
    traps = (
        "using PromptingTools\n"
        '# aigenerate("hi"; model = "gpt4om")\n'
        'provider = "gemini"\n'
        'aigenerate("hi"; model = "local")\n'
        'x = openai"hi"gpt4\n'
        'MyModel = "gpt4om"\n'
    )
    assert ids(traps, "t.jl") == []


def test_morph_apply_models_and_together_m2_bert() -> None:
    """Morph's apply models and Together's M2-BERT embeddings (catalog families); names that
    only start like them are not."""
    lua = (
        'morph = { model = "morph-v3-large" }\n'
        'e = { model = "togethercomputer/m2-bert-80M-32k-retrieval" }\n'
    )
    assert ids(lua, "config.lua") == [
        (1, "morph-v3-large"),
        (2, "togethercomputer/m2-bert-80M-32k-retrieval"),
    ]
    md = "| Model | Speed |\n| --- | --- |\n| `morph-v3-fast` | 4500+ tok/sec |\n"
    assert ids(md, "README.md") == [(3, "morph-v3-fast")]
    traps = 'import "morphdom"\nm = "morph-v3-large-ui"\nb = "m2-bert-base"\n'
    assert ids(traps, "t.lua") == []


def test_new_document_regions_and_aliases_scan_in_linear_time() -> None:
    """Vim help openers, blockquote fences and PromptingTools alias uses on one long line: the
    time per byte must not grow with the line (the bound of the tests above)."""

    def per_byte(n: int) -> float:
        line = ' > >lua ai"x\\"y"gpt4om model = "gpt4t" model::' * n
        vim = ("*p.txt*\n" + line + "\n").encode()
        jl = ("using PromptingTools\n" + line + "\n").encode()
        md = ("> > ```" + "> " * (n * 8) + "\ngpt-4o\n").encode()
        t = time.perf_counter()
        S.scan(vim, "doc/p.txt")
        S.scan(jl, "a.jl")
        S.scan(md, "a.md")
        return (time.perf_counter() - t) / (len(vim) + len(jl) + len(md))

    small = per_byte(5_000)
    big = per_byte(20_000)
    assert big < 8 * small


# ---------------------------------------------------------------- C#, C++, Scala, Clojure and shell
def test_scala_model_id_objects_name_their_models() -> None:
    """openai-scala-client's ModelId and NonOpenAIModelId members: read from the name where it
    spells the ID (gpt_5_2 is gpt-5.2), from the catalog where it does not (claude_2_1)."""
    scala = (
        "val a = CreateChatCompletionSettings(model = ModelId.gpt_5_2)\n"
        "timeOne(bedrock, NonOpenAIModelId.bedrock_openai_gpt_5_5, s)\n"
        "anthropic -> Seq(NonOpenAIModelId.claude_2_1, NonOpenAIModelId.claude_3_haiku_20240307)\n"
        "groq -> Seq(NonOpenAIModelId.llama3_70b_8192)\n"
        "octo -> Seq(NonOpenAIModelId.mixtral_8x7b_instruct)\n"
        "val g = GenerateContentSettings(model = NonOpenAIModelId.gemini_2_0_flash)\n"
    )
    assert ids(scala, "Example.scala") == [
        (1, "gpt-5.2"),
        (2, "openai.gpt-5.5"),
        (3, "claude-2.1"),
        (3, "claude-3-haiku-20240307"),
        (4, "llama3-70b-8192"),
        (5, "mixtral-8x7b-instruct"),
        (6, "gemini-2.0-flash"),
    ]
    traps = (
        "val id = ModelId.apply(raw)\n"
        "val n = settings.modelId.gpt_5_2\n"  # a field, not the object
        "val t = modelId.trim\n"
        "val u = NonOpenAIModelId.fromString(s)\n"
    )
    assert ids(traps, "Example.scala") == []


def test_openai_go_chat_model_constants_in_package_shared() -> None:
    """openai-go names models `shared.ChatModelGPT5_1` and `openai.ChatModelGPT4_1`: an upper-case
    GPT name keeps OpenAI's dash (gpt-5.1, not gpt5.1)."""
    go = (
        "p := openai.AssistantNewParams{\n"
        "\tModel: shared.ChatModelGPT5_1,\n"
        "}\n"
        "m := openai.ChatModelGPT4_1\n"
        "d := openai.ChatModelGPT5_1_2025_11_13\n"
        "o := shared.ChatModelO3Mini\n"
    )
    assert ids(go, "main.go") == [
        (2, "gpt-5.1"),
        (4, "gpt-4.1"),
        (5, "gpt-5.1-2025-11-13"),
        (6, "o3-mini"),
    ]
    traps = "c := shared.Config\nt := shared.ChatModel\nx := other.ChatModelGPT5_1\n"
    assert ids(traps, "main.go") == []


def test_sdk_constants_in_code_held_in_a_string() -> None:
    """An OpenAPI spec keeps code samples as one-line strings with `\\n` escapes: SDK constants
    there name models as in code. A string of one line (an API-compatibility record) and docs
    prose do not."""
    yml = (
        "x-codeSamples:\n"
        '  java: "var p = Params.builder()\\n    .model(ChatModel.GPT_5_1)\\n    .build();"\n'
        '  go: "p := openai.Params{\\n  Model: shared.ChatModelGPT5_1,\\n}"\n'
    )
    assert found(yml, "openapi.yml") == [(2, "gpt-5.1", "config"), (3, "gpt-5.1", "config")]
    traps = (
        '{"old": "field dev.x.AnthropicChatModelName.CLAUDE_3_HAIKU_20240307"}\n'
        '{"text": "openai.ChatCompletion\\nopenai.Model"}\n'
    )
    assert ids(traps, "revapi.json") == []
    md = "The old `ChatModel.MAGISTRAL_MEDIUM` is gone.\n"
    assert ids(md, "notes.md") == []


def test_a_mixtures_size_in_a_constant_name_stays_whole() -> None:
    java = "Object m = MistralAiChatModelName.OPEN_MIXTRAL_8x7B;\n"
    assert ids(java, "A.java") == [(1, "open-mixtral-8x7b")]


def test_legacy_fine_tunes_and_colon_ids_of_gpt_3() -> None:
    """The legacy fine-tunes API named a model BASE:ft-ORG-DATE, and the models endpoint once
    listed text-babbage:001: both are OpenAI models wherever they stand."""
    cpp = 'auto fut = oai.FineTune->remove_async(\n  "curie:ft-acmeco-2021-03-03-21-44-20"\n);\n'
    assert ids(cpp, "delete.cpp") == [(2, "curie:ft-acmeco-2021-03-03-21-44-20")]
    md = "Run `chatgpt --model text-babbage:001 --max-tokens 100`\n"
    assert ids(md, "README.md") == [(1, "text-babbage:001")]
    traps = 'a = "curie:ft-"\nb = "text-davinci:1"\nc = "marie-curie:ft-lb"\n'
    assert ids(traps, "t.py") == []


def test_code_strings_and_scala_constants_scan_in_linear_time() -> None:
    """A long string full of SDK-constant words, with and without `\\n` escapes, a long line of
    Scala constants and one of Julia strings and aliases: the time per byte must not grow with
    the line (the bound above)."""

    def per_byte(n: int) -> float:
        words = "ChatModel.GPT_5_1 shared.ChatModelGPT5_1 ModelId.gpt_5_2 x8x7B "
        plain = ('k: "' + words * n + '"\n').encode()
        code = ('k: "' + (words + "\\n") * n + '"\n').encode()
        scala = (
            "val a = Seq(" + "NonOpenAIModelId.claude_2_1, ModelId.gpt_5_2, " * n + ")\n"
        ).encode()
        julia = ("using PromptingTools\n" + '"""x""" model = "gpt4om" ' * n + "\n").encode()
        t = time.perf_counter()
        S.scan(plain, "a.yml")
        S.scan(code, "b.yml")
        S.scan(scala, "c.scala")
        S.scan(julia, "d.jl")
        return (time.perf_counter() - t) / (len(plain) + len(code) + len(scala) + len(julia))

    small = per_byte(2_000)
    big = per_byte(8_000)
    assert big < 8 * small


def test_julia_docstrings_are_docs() -> None:
    """A Julia string standing alone before a definition (or after `@doc`) is its docstring:
    docs, as Python docstrings are, aliases of PromptingTools.jl included. A triple-quoted
    string assigned or passed is a string of code."""
    jl = (
        "using PromptingTools\n"
        '"""\n'
        '    aigenerate(prompt; model = "gpt4om")\n'
        "\n"
        'Calls `gpt-4o` with model = "gpt-4o-mini".\n'
        '"""\n'
        'function aigenerate(prompt; model = "gpt-4o")\n'
        '    cfg = """\n'
        "    model: claude-3-haiku-20240307\n"
        '    """\n'
        "end\n"
        '@doc """\n'
        '  model = "gpt-4.1"\n'
        '""" f\n'
    )
    assert sorted(found(jl, "src/llm.jl")) == [
        (3, "gpt-4o-mini", "docs"),
        (5, "gpt-4o", "docs"),
        (5, "gpt-4o-mini", "docs"),
        (7, "gpt-4o", "code"),
        (9, "claude-3-haiku-20240307", "code"),
        (13, "gpt-4.1", "docs"),
    ]
    passed = 'run(prompt = """\nmodel = "gpt4om"\n""")\nx = aigenerate("hi"; model = "gpt4om")\n'
    assert found("using PromptingTools\n" + passed, "a.jl") == [
        (3, "gpt-4o-mini", "code"),
        (5, "gpt-4o-mini", "code"),
    ]
    returned = 'function cfg()\n    """\n    model: claude-3-haiku-20240307\n    """\nend\n'
    assert found(returned, "a.jl") == [(3, "claude-3-haiku-20240307", "code")]
    last = 'x = 1\n"""\nmodel: claude-3-haiku-20240307\n"""\n'
    assert found(last, "a.jl") == [(3, "claude-3-haiku-20240307", "code")]
