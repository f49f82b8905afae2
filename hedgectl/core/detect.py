"""Classify one token (a string literal's value, a config value) as a model ID or a provider endpoint.

A token is classified whole. Routing layers are peeled first (gateway routes such as `openrouter/`,
LiteLLM provider prefixes, Bedrock geo and vendor segments, Fireworks and Vertex paths, Hugging Face
orgs), and a family pattern must then match the whole remaining ID. Matching the whole ID, never a
substring, is what keeps package names, env names, class names and prose from counting as models.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from hedgectl.catalog import (
    BlobStore,
    Catalog,
    Family,
    compile_kept,
    compile_kept_each,
    compile_patterns_text,
)
from hedgectl.core.models import Kind, Match

# First path segments that name a route (LiteLLM providers, gateways, clouds), mapped to the platform.
ROUTES: dict[str, str] = {
    "openrouter": "openrouter",
    "together_ai": "together",
    "together": "together",
    "groq": "groq",
    "fireworks_ai": "fireworks",
    "fireworks": "fireworks",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "bedrock_mantle": "bedrock",
    "sagemaker": "sagemaker",
    "vertex_ai": "vertex",
    "vertex_ai_beta": "vertex",
    "azure": "azure",
    "azure_ai": "azure",
    "databricks": "databricks",
    "snowflake": "snowflake",  # Snowflake Cortex: snowflake/claude-sonnet-4-5, snowflake/openai-gpt-4.1
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "hosted_vllm": "vllm",
    "deepinfra": "deepinfra",
    "replicate": "replicate",
    "nvidia_nim": "nvidia",
    "huggingface": "huggingface",
    "hf.co": "huggingface",
    "huggingface.co": "huggingface",
    "cerebras": "cerebras",
    "sambanova": "sambanova",
    "novita": "novita",
    "nebius": "nebius",
    "hyperbolic": "hyperbolic",
    "perplexity": "perplexity",
    "volcengine": "volcengine",
    "dashscope": "dashscope",
    "watsonx": "watsonx",
    "cloudflare": "cloudflare",
    "lm_studio": "lmstudio",
    "github": "github",
    "text-completion-openai": "openai",
    "siliconflow": "siliconflow",
    "pro": "siliconflow",  # SiliconFlow's paid tier: Pro/Qwen/Qwen2.5-7B-Instruct
    "@cf": "cloudflare",  # Cloudflare Workers AI: @cf/meta/llama-3.1-8b-instruct
    "@hf": "cloudflare",
    "ai": "docker",  # Docker Model Runner: ai/llama3.3:70B-Q4_K_M
    "models": "",  # Gemini REST paths: models/gemini-2.0-flash
    "generative-ai": "",  # instructor's provider string for the Gemini API: generative-ai/gemini-2.0-flash
    # First-party LiteLLM routes: the route names the vendor's own API.
    "openai": "",
    "anthropic": "",
    "gemini": "",
    "deepseek": "",
    "moonshot": "",
    "minimax": "",
    "zai": "",
    "mistral": "",
    "xai": "",
    "cohere": "",
    "cohere_chat": "",
}

# URI schemes that name a model by its source, mapped to the route the rest is read under:
# KubeAI's `url: hf://facebook/opt-125m` and `ollama://gemma2:2b`, RamaLama's `hf://`, `ms://`.
MODEL_SCHEMES: dict[str, str] = {
    "hf": "",
    "huggingface": "",
    "ms": "",
    "modelscope": "",
    "ollama": "ollama",
}

# Bedrock IDs: optional geo prefix, then the vendor segment, then the vendor's model name.
BEDROCK_ID = re.compile(
    r"^(?:(?:us|eu|apac|global|us-gov|au|jp|in|ca|apne1)\.)?"
    r"(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|qwen|moonshot|moonshotai|minimax|zai|"
    r"openai|xai|nvidia|google|writer|stability|twelvelabs)\.(.+)$",
    re.IGNORECASE,
)
BEDROCK_REGION = re.compile(r"^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|\*|\d+-month-commitment)$")
FIREWORKS_PATH = re.compile(r"^accounts/[^/]+/(?:models|routers)/([^/]+)$")
VERTEX_PATH = re.compile(r"(?:^|/)publishers/([^/]+)/models/([^/:@]+(?:@[^/:]+)?)")
# Glued prefixes some platforms put in front of the vendor's name (FastEmbed's JS names:
# fast-bge-small-en-v1.5, fast-all-MiniLM-L6-v2; Snowflake Cortex: openai-gpt-4.1).
GLUED_PREFIX = re.compile(r"^(?:databricks-|fw-|accounts-|fast-|openai-)", re.IGNORECASE)
# Namespaces that only re-host other vendors' weights (ONNX, GGUF, MLX conversions and
# quantisations): a name there that is a family's ID is that vendor's model, parameter count or not
# (Xenova/ms-marco-MiniLM-L-6-v2, Qdrant/all-MiniLM-L6-v2-onnx).
REHOST_ORGS = frozenset(
    {"xenova", "onnx-community", "lmstudio-community", "thebloke", "unsloth", "mlx-community",
     "bartowski", "quantfactory", "second-state", "ggml-org", "qdrant"}
)  # fmt: skip
# Kubernetes resource references (`kubectl logs deployment/vllm-llama3-8b-deployment`): the name
# after the kind is a workload named after a model, not a model ID.
K8S_KINDS = frozenset(
    {"deployment", "deployments", "deploy", "pod", "pods", "po", "svc", "service", "services",
     "statefulset", "sts", "daemonset", "ds", "replicaset", "rs", "job", "jobs", "cronjob",
     "configmap", "cm", "secret", "ingress", "pvc", "persistentvolumeclaim", "hpa", "node"}
)  # fmt: skip
# Inference servers and runtimes whose name opens a workload's name (a Kubernetes app label or an
# InferencePool `vllm-llama3-1b-instruct-epp`): the rest names what the workload serves, and the
# whole is a deployment's name, not a fine-tune named after its base.
SERVING_RUNTIMES = frozenset(
    {"vllm", "sglang", "tgi", "tei", "ollama", "llamacpp", "lmdeploy", "trtllm", "tensorrt",
     "triton", "kserve", "kubeai", "aibrix", "llmd", "lws"}
)  # fmt: skip
# A GGUF file inside a Hub repo, as LM Studio names models: publisher/repo/file.gguf.
GGUF_FILE = re.compile(r"\.gguf$", re.IGNORECASE)
HOSTNAME = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|cn|ai|io|chat|net|org|xyz|co|dev|cloud)(?::\d+)?(?:/.*)?$",
    re.IGNORECASE,
)
FILE_SUFFIX = re.compile(
    r"\.(?:json|ya?ml|toml|py|js|ts|md|txt|gguf|bin|safetensors|pt|onnx|png|jpg|csv|html|git|sh)$",
    re.IGNORECASE,
)
# Projects named after a model plus their language: llama.cpp, whisper.cpp, llama2.c, gemma.cpp,
# llama3.java, llama2.rs, llama3.np, llama2.mojo (ports and runtimes, not model IDs).
PROJECT_SUFFIX = re.compile(
    r"\.(?:c|cc|cpp|cxx|cu|h|hpp|java|kt|scala|rs|go|swift|zig|mojo|jl|rb|cs|net|np|dart|lua|"
    r"php|hs|nim|wasm|f90)$",
    re.IGNORECASE,
)
# Keys whose values name other things (runs, projects, folders), even when built from a model's
# name: `wandb_group: llama3-8b-instruct` is a label, not a model in use.
# Parsers, templates and kernels of inference servers are named after model families
# (--reasoning-parser glm45), and so are cache and project names.
NOT_MODEL_KEY = re.compile(
    r"^(?:.*(?:wandb|project|proj|group|experiment|run_?name|output|save|dir|folder|path|tag|title|"
    r"label|slug|description|repository|parser|renderer|template|kernel|cache|provider|family|"
    r"[_-]name|"
    r"(?:dir|file|base|path)name|licen[cs]e)s?|"
    r"name)$",
    re.IGNORECASE,
)
# A key or argument name that says "this value is a model".
MODEL_KEY = re.compile(
    r"(?:model|engine|deployment|llm|checkpoint|repo_id|fallback|name_or_path|^m$|(?:^|[_-])lm(?:$|[_-])|"
    r"(?:real|actual|upstream|underlying)[_-]?(?:name|id)$)",  # aichat's `real_name: claude-opus-4-6`
    re.IGNORECASE,
)
# A key that names who serves or what kind of thing, even when it says "model": model_provider,
# llm_type. Short IDs that are also vendor words (mistral, gemma) do not count there.
PROVIDER_KEY = re.compile(
    r"(?:provider|vendor|family|type|kind|platform|backend|api|client|company|org|owner|source)s?$",
    re.IGNORECASE,
)
# Names built from a model's name for something else: a product, a demo, a cache, a package.
LABEL_WORDS = frozenset(
    {"web", "cache", "file", "demo", "demos", "app", "sdk", "api", "client", "server",
     "browser", "ui", "plugin", "proxy", "finetune", "lora", "project", "docs", "tutorial", "example",
     "examples", "cli", "extension", "action", "wrapper", "service", "cookbook", "lib", "py",
     "js", "node", "helper", "test", "tests", "config", "tokenizer", "agent", "assistant",
     "badge", "icon", "logo", "button", "btn", "avatar", "banner"}
)  # fmt: skip
# A vendor's own model suffix made of a label word: xAI's grok-4.20-multi-agent(-0309).
VENDOR_SUFFIX = re.compile(r"-multi-agent(?=$|[-:@])")
# Shell default values: ${LLM_MODEL:-deepseek-chat}, ${MODEL:=x}.
SHELL_DEFAULT = re.compile(r"^([A-Za-z_]\w*):?[-=](.+)$")
# A REST method after a model in a URL path: models/gemini-2.0-flash:generateContent.
API_VERB = re.compile(r":(?:[a-z]+[A-Z][A-Za-z]*|predict)$")
# Route-like namespaces a user names after a provider: moonshot-cn/kimi-k2, azure-eu/gpt-4o.
ROUTE_WORDS = ("openai", "azure", "anthropic", "google", "gemini", "vertex", "bedrock", "proxy",
               "gateway", "router", "provider")  # fmt: skip
# The quantisation at the end of a GGUF file's name: .Q4_0, -Q2_K_L, .IQ3_M, -fp16, .f16, -bf16.
GGUF_QUANT = re.compile(r"[.-](?:i?q\d[\w]*|f16|fp16|bf16|f32|fp32)$", re.IGNORECASE)
# Bedrock runtime URLs name the model in their path: .../model/<id>/converse (`:` as %3A).
BEDROCK_RUNTIME_PATH = "amazonaws.com/model/"
# Azure OpenAI URLs name a deployment in their path: .../openai/deployments/gpt-4o/chat/completions.
AZURE_DEPLOYMENT_PATH = "/openai/deployments/"
# An Ollama tag: latest, a variant (instruct, text), a size or version (7b, 8x7b, v0.3), a quantisation.
OLLAMA_TAG = re.compile(r"(?:latest|instruct|text|chat|code|vision|v?\d|q\d|fp16)", re.IGNORECASE)
# LM Studio's and Venice's prefix for the embedding models they serve (text-embedding-bge-m3).
LM_STUDIO_EMBEDDING = "text-embedding-"
# Endpoint URLs whose path can name a model: both the endpoint and the model are reported.
MODEL_PATHS = ("models/", BEDROCK_RUNTIME_PATH, AZURE_DEPLOYMENT_PATH)
# A parameter count in a name (7b, 1.5B, 8x22b, 560m): the name is a set of weights. Under a
# namespace no vendor owns (unsloth/, TheBloke/, mlx-community/, nousresearch/) it still names
# the vendor's model: a re-hosted copy, a quantisation or a fine-tune of it.
PARAM_SIZE = re.compile(r"(?<![a-z0-9])(?:\d+x)?\d+(?:\.\d+)?[bm](?![a-z])", re.IGNORECASE)


MAX_WORD = 400  # longer words are not read as IDs (base64, minified code)

# A vendor SDK's model constant where code uses it: `openai.GPT4o`, `openai.O4Mini` (Go),
# `anthropic::CLAUDE_3_5_SONNET`, `providers::gemini::completion::GEMINI_2_5_PRO` (Rust),
# `anthropic.ModelClaude3_7SonnetLatest`, `openai.ChatModelGPT4o` (the vendors' Go SDKs).
# Swift SDKs name them as static members of a model type, in lower camel case: `Model.gpt4_o`
# (MacPaw/OpenAI), `OpenAIModel.gpt4o`; see _sdk_constant.
SDK_CONSTANT = re.compile(r"^((?:[A-Za-z_]\w*(?:\.|::))+)([A-Za-z][A-Za-z0-9_]*[A-Za-z0-9])$")
# Package names such constants are qualified by; each is also a prefilter word (`openai.`, `openai::`).
SDK_QUALIFIERS = ("openai", "anthropic", "gemini", "cohere", "mistral", "deepseek", "xai", "groq")
# An enum of models, whoever serves them: Java SDKs' OpenAiChatModelName.GPT_4_O_MINI (LangChain4j),
# OpenAiApi.ChatModel.GPT_4_O and VertexAiGeminiChatModel.ChatModel.GEMINI_2_5_FLASH (Spring AI).
# Scala objects of model IDs: ModelId.gpt_5_2, NonOpenAIModelId.claude_3_haiku_20240307
# (cequence-io/openai-scala-client).
MODEL_ENUM = re.compile(
    r"(?:chat|embedding|image|audio|speech|language|completion|transcription)?model(?:name|type|id)?s?$",
    re.IGNORECASE,
)
# An accessor after an enum member: `.getValue`, `.value`, `.id` (the call's `()` is not in the word).
ENUM_ACCESSOR = re.compile(
    r"(?<=[A-Z0-9_])(?:\.(?:getValue|value|getName|name|id|getId|toString))$"
)
MODEL_ENUM_WORDS = ("chatmodel.", "modelname.", "embeddingmodel.", "imagemodel.", "modelid.")
# openai-go keeps its ChatModel constants in package shared: `shared.ChatModelGPT5_1`.
SHARED_QUALIFIER = "shared"
# Swift names a model type's member without the type where a model is expected: `model: .gpt4_o`.
IMPLICIT_MEMBER_WORD = "model: ."
SDK_TYPE_PREFIX = re.compile(r"^(?:Chat|Embedding|Audio|Image|Speech|Completion)?Model(?=[A-Z])")
# GPT5_1 in an upper-case name (openai-go's ChatModelGPT5_1): gpt, then the version.
SNAKE_GPT = re.compile(r"^(GPT)(\d\w*)$")
# A mixture's size stays whole: OPEN_MIXTRAL_8x7B is open-mixtral-8x7b.
CAMEL_TOKEN = re.compile(
    r"[A-Z]+(?=[A-Z][a-z]|\d|_|$)|[A-Z][a-z]+|[a-z]+|\d+x\d+[bB]|\d+(?:[a-zA-Z](?![a-z]))?"
)
SNAPSHOT = re.compile(r"^(\d)((?:0[1-9]|1[0-2])\d\d)$")  # GPT40613: gpt-4 of 06-13
DATE_TAIL = re.compile(r"^(\d*?)(20\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$")
# \s is str.isspace (both are Py_UNICODE_ISSPACE), searched in C rather than a loop per character.
WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Endpoint:
    owner: str  # vendor id, or platform id
    is_vendor: bool
    mainland: bool  # a mainland-China host


class Detector:
    """Classifies tokens against a catalog. Build once per process; classify is pure."""

    def __init__(self, catalog: Catalog, store: BlobStore | None = None) -> None:
        """`store` keeps the compiled family alternation between runs (a user cache)."""
        self.catalog = catalog
        self.families: list[Family] = list(catalog.families.values())
        # One alternation with a group per family: a single fullmatch finds the first family
        # that matches, instead of one regex call per family.
        self.any_family = compile_kept(
            "|".join(
                f"(?P<f{i}>{compile_patterns_text(f.patterns)})"
                for i, f in enumerate(self.families)
            ),
            re.IGNORECASE,
            store,
        )
        # Each family's own regex, compiled when first needed (rare: see _match_family).
        self._store = store
        self._each_family: list[re.Pattern[str]] | None = None
        self.hosts: dict[str, Endpoint] = {}
        for vendor in catalog.vendors.values():
            for host in vendor.api_hosts:
                self.hosts[host.lower()] = Endpoint(vendor.id, True, False)
            for host in vendor.api_hosts_cn:
                self.hosts[host.lower()] = Endpoint(vendor.id, True, True)
        self.host_patterns: list[tuple[re.Pattern[str], str]] = []
        for platform in catalog.platforms.values():
            for host in platform.api_hosts:
                self.hosts.setdefault(host.lower(), Endpoint(platform.id, False, False))
            for pattern in platform.host_patterns:
                self.host_patterns.append((re.compile(f"^{pattern}$", re.IGNORECASE), platform.id))

    # ------------------------------------------------------------------ keywords for the prefilter
    def keywords(self) -> list[str]:
        words: set[str] = set()
        for family in self.families:
            words.update(k.lower() for k in family.keywords)
        for host in self.hosts:
            # The distinctive part of a host ("deepseek.com", "moonshot.cn", "aliyuncs.com").
            labels = host.split(".")
            keep = 3 if labels[-2] in ("org", "com", "co", "ac", "gov", "edu") else 2
            words.add(".".join(labels[-keep:]))
        words.update(("amazonaws.com", "azure.com", "googleapis.com"))
        words.update(f"{q}{sep}" for q in SDK_QUALIFIERS for sep in (".", "::"))
        words.update(MODEL_ENUM_WORDS)
        words.add(f"{SHARED_QUALIFIER}.chatmodel")
        words.add(IMPLICIT_MEMBER_WORD)
        # The objects and enums of qualified framework constants: `openaimodels.`, `gemini_model.`
        words.update(
            f"{name.split('.', 1)[0].lower()}."
            for name in self.catalog.sdk_constants
            if "." in name
        )
        # A framework that names models by aliases of its own: its files are read for them.
        words.update(marker.lower() for marker in self.catalog.model_aliases)
        return sorted(words)

    # ------------------------------------------------------------------ classification
    def classify(self, token: str, *, context: str | None = None) -> Match | None:
        """Classify one whole token; None when it is neither a model ID nor a known endpoint."""
        token = token.strip().strip("/").strip()
        if (
            context
            and NOT_MODEL_KEY.match(context)
            and not MODEL_KEY.search(context)
            and not self._named_model(token, context)
            and not self._routed_under_provider(token, context)
        ):
            return None
        if not token or len(token) > 300 or WHITESPACE.search(token):
            return None
        lowered = token.lower()
        if "://" in lowered or HOSTNAME.match(lowered):
            return self._classify_url(token)
        return self._classify_id(token, context)

    @staticmethod
    def _named_model(token: str, context: str) -> bool:
        """A `name` that is written as an ID, not as a title: `{name: "llama3.2", digest: ...}`,
        `Name = "mistral.mistral-large-2402-v1:0"`. Display names are capitalised (`GPT-4o`,
        `Mistral`); short and bare IDs (o1, mistral) never count there (they need a model key)."""
        return context.lower() == "name" and (
            token == token.lower() or "/" in token or ":" in token
        )

    @staticmethod
    def _routed_under_provider(token: str, context: str) -> bool:
        """A provider key whose value routes to a model is a model: `PROVIDERS = [
        "anthropic/claude-3-5-haiku-latest", ...]`, `provider: "openai:gpt-4o"` (instructor's
        provider strings). A bare `provider: "mistral"` names who serves, not what."""
        return bool(PROVIDER_KEY.search(context)) and ("/" in token or ":" in token)

    def _endpoint_owner(self, host: str) -> Endpoint | None:
        host = host.lower().split(":")[0]
        if host in self.hosts:
            return self.hosts[host]
        for pattern, platform in self.host_patterns:
            if pattern.match(host):
                return Endpoint(platform, False, False)
        return None

    def _classify_url(self, token: str) -> Match | None:
        scheme, sep, rest = token.partition("://")
        route = MODEL_SCHEMES.get(scheme.lower()) if sep else None
        if route is not None:
            # A model source URI (KubeAI, RamaLama): hf://org/name, ollama://name:tag.
            return self._classify_id(f"{route}/{rest}" if route else rest, "model", text=token)
        url = token if "://" in token else f"https://{token}"
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return None
        path = parts.path.strip("/")
        vertex = VERTEX_PATH.search(path)
        if vertex:
            found = self._classify_id(
                f"vertex_ai/{vertex.group(1)}/{vertex.group(2)}", None, text=token
            )
            if found is not None:
                return found
        owner = self._endpoint_owner(host)
        if owner is not None:
            return Match(
                kind=Kind.ENDPOINT,
                text=token,
                model_id=host.lower(),
                family="",
                vendor=owner.owner,
                platform="" if owner.is_vendor else owner.owner,
            )
        if host in ("huggingface.co", "hf.co"):
            segments = [s for s in path.split("/") if s]
            if len(segments) >= 2 and segments[0] not in ("datasets", "spaces", "docs", "blog"):
                return self._classify_id("/".join(segments[:2]), None, text=token)
        return None

    def _classify_id(
        self, token: str, context: str | None, *, text: str | None = None
    ) -> Match | None:
        text = text if text is not None else token
        if token[:3].lower() == "ft:" and "/" not in token:
            # A fine-tune (ft:BASE:org:name:id, OpenAI and Mistral): the model of its base's vendor.
            base = self._classify_id(token[3:].split(":", 1)[0], "model")
            family = self.catalog.families.get(base.family) if base is not None else None
            if base is not None and family is not None and not family.context_only:
                return Match(Kind.MODEL, text, token, base.family, base.vendor, base.platform)
        platform = ""
        ident = token
        if ident.lower().startswith("arn:"):
            ident = ident.rsplit("/", 1)[-1]
            platform = "bedrock"
        fireworks = FIREWORKS_PATH.match(ident)
        if fireworks:
            ident, platform = fireworks.group(1), "fireworks"
        vertex = VERTEX_PATH.search(ident)
        if vertex:
            ident, platform = f"{vertex.group(1)}/{vertex.group(2)}", "vertex"
        segments = ident.split("/")
        while len(segments) > 1 and segments[0].lower() in ROUTES:
            route = segments.pop(0).lower()
            platform = platform or ROUTES[route]
            if route.startswith("bedrock"):
                while len(segments) > 1 and BEDROCK_REGION.match(segments[0].lower()):
                    segments.pop(0)
            if route == "openrouter" or segments[0].lower() == "accounts":
                break  # OpenRouter IDs keep their vendor slug: openrouter/deepseek/deepseek-chat
        rest = "/".join(segments)
        fireworks = FIREWORKS_PATH.match(rest)
        if fireworks:
            segments, platform = [fireworks.group(1)], platform or "fireworks"
        if len(segments) == 3 and GGUF_FILE.search(segments[2]):
            segments = segments[:2]  # lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF/x.gguf
        if len(segments) > 2 or any(not s for s in segments):
            return None
        org = segments[0] if len(segments) == 2 else ""
        name = segments[-1]
        if FILE_SUFFIX.search(name) or PROJECT_SUFFIX.search(name):
            return None
        parts = re.split(r"[-_.]", VENDOR_SUFFIX.sub("", name.lower()))
        if any(part in LABEL_WORDS for part in parts[1:]):
            return None  # chatgpt-next-web, glm-4-demo: a name built from a model's name
        org_vendor = ""
        rehosted = False  # an unknown namespace holding a name with a parameter count
        if org:
            org_vendor = self.catalog.by_org.get(org.lower()) or self.catalog.by_slug.get(
                org.lower(), ""
            )
            if not org_vendor:
                if org.lower() in K8S_KINDS:
                    return None
                if self._route_like(org):
                    org, platform = "", platform or ""
                elif PARAM_SIZE.search(name) or org.lower() in REHOST_ORGS:
                    rehosted = True
                elif context and MODEL_KEY.search(context) and not PROVIDER_KEY.search(context):
                    # A model setting under a user's namespace (Ollama's zylonai/multilingual-e5-large,
                    # a fine-tune or copy under an organisation): a family's whole ID is that model.
                    rehosted = True
                else:
                    return None  # an unknown namespace: a path or a GitHub repo, not a model ID
        candidates = [name]
        bedrock = BEDROCK_ID.match(name)
        if bedrock:
            candidates += [f"{bedrock.group(1)}.{bedrock.group(2)}", bedrock.group(2)]
            if not org_vendor:
                org_vendor = self.catalog.by_slug.get(bedrock.group(1).lower(), "")
            if not platform and name.split(".")[0].lower() != "openai":
                platform = "bedrock"
        glued = GLUED_PREFIX.sub("", name)
        if glued != name:
            candidates.append(glued)
        if PARAM_SIZE.search(name) and GGUF_QUANT.search(name):
            # A quantisation served by its file's name (llama.cpp: "model": "Qwen3-1.7B-Q4_K_M").
            candidates.append(GGUF_QUANT.sub("", name))
        namespaced = bool(org) or bool(platform) or token.lower().startswith(("openai/", "azure/"))
        family = self._match_family(candidates, org_vendor, context, namespaced=namespaced)
        if family is None and not org_vendor and PARAM_SIZE.search(name):
            family = self._derived_family(name)
        if rehosted and (family is None or family.context_only):
            return None
        model_id = f"{org}/{name}" if org else name
        if bedrock and platform == "bedrock":
            # The geo prefix (us., eu.) is routing; the model is the vendor-qualified name.
            model_id = f"{bedrock.group(1)}.{bedrock.group(2)}"
        if family is None:
            # A Hugging Face org of a known vendor is evidence enough for a repo-like name.
            if (
                org
                and org.lower() in self.catalog.by_org
                and re.search(r"\d", name)
                and len(name) >= 3
            ):
                vendor = self.catalog.vendors[org_vendor]
                family_id = vendor.open_weight_families[0] if vendor.open_weight_families else ""
                return Match(Kind.MODEL, text, model_id, family_id, org_vendor, platform)
            return None
        vendor_id = family.vendor
        return Match(Kind.MODEL, text, model_id, family.id, vendor_id, platform)

    def _match_family(
        self, candidates: list[str], org_vendor: str, context: str | None, *, namespaced: bool
    ) -> Family | None:
        for candidate in candidates:
            m = self.any_family.fullmatch(candidate)
            if m is None or m.lastgroup is None:
                continue
            first = self.families[int(m.lastgroup[1:])]
            if (
                (first.vendor == org_vendor or not org_vendor)
                and self._allowed(first, context, namespaced=namespaced)
                and self._bare_word_ok(candidate, first)
            ):
                return first
            # Rare: several families match, or the first needs a model setting. Try each.
            matched = [
                f
                for f, regex in zip(self.families, self._family_regexes(), strict=True)
                if regex.fullmatch(candidate)
                and self._allowed(f, context, namespaced=namespaced)
                and self._bare_word_ok(candidate, f)
            ]
            if matched:
                preferred = [f for f in matched if f.vendor == org_vendor]
                return (preferred or matched)[0]
        return None

    def _derived_family(self, name: str) -> Family | None:
        """The base model a fine-tune is named after: hermes-2-pro-llama-3-8b, dolphin-mixtral-8x22b.

        The name's tail, from a `-` on, must be a whole ID of a family and carry the parameter
        count, so a name that merely mentions a family (langchain-llama-3) stays unknown.
        """
        pos = name.find("-")
        if name[:pos].lower() in SERVING_RUNTIMES:
            return None  # vllm-llama3-1b-instruct: a workload serving a model, named after it
        while pos > 0:
            tail = name[pos + 1 :]
            if not PARAM_SIZE.search(tail):
                return None
            m = self.any_family.fullmatch(tail)
            if m is not None and m.lastgroup is not None:
                family = self.families[int(m.lastgroup[1:])]
                if not family.context_only:
                    return family
            pos = name.find("-", pos + 1)
        return None

    def _family_regexes(self) -> list[re.Pattern[str]]:
        """Each family's own regex (Family.regex), in self.families' order, all compiled (or
        read from the store) on first need."""
        if self._each_family is None:
            self._each_family = compile_kept_each(
                [compile_patterns_text(f.patterns) for f in self.families],
                re.IGNORECASE,
                self._store,
            )
        return self._each_family

    def _route_like(self, org: str) -> bool:
        """A namespace a user named after a provider or a route (moonshot-cn, my-openai)."""
        low = org.lower()
        if any(w in low for w in ROUTE_WORDS):
            return True
        return any(len(slug) >= 4 and slug in low for slug in self.catalog.by_slug)

    @staticmethod
    def _allowed(family: Family, context: str | None, *, namespaced: bool) -> bool:
        # Bare o1/o3 count only under a route, in a model setting (model=, "model":), or as a
        # constant named after themselves (O1 = "o1").
        if not family.context_only or namespaced:
            return True
        return bool(context and MODEL_KEY.search(context) and not PROVIDER_KEY.search(context))

    @staticmethod
    def _bare_word_ok(candidate: str, family: Family) -> bool:
        """A short ID that is also a word (mistral, gemma, command) is written in lower case:
        `Gemma 4` and `Mistral` are display names and provider labels."""
        return not family.context_only or candidate == candidate.lower()

    # ------------------------------------------------------------------ words
    def find(self, word: str, context: str) -> list[tuple[int, Match, bool]]:
        """Model IDs and endpoints in one ID-shaped word: (offset, match, weak).

        A word may be one ID, or an ID inside a syntax: `alias=id`, `+id@provider=alias`,
        `provider:type:id`, `id:verb`, `${VAR:-id}`, `--flag=id`, a URL whose path names a model.
        weak: a short ID (o1) outside a model setting, kept only beside other IDs.
        """
        if len(word) > MAX_WORD:
            return []
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            if not eq:
                return []  # "--o1-mini" is a flag's name
            return [(o + 3 + len(name), m, w) for o, m, w in self.find(value, name)]
        out: list[tuple[int, Match, bool]] = []
        pos = 0
        parts = word.split("=")
        for i, part in enumerate(parts):
            part_context = context
            if i > 0 and re.fullmatch(r"[A-Za-z_][\w.-]*", parts[i - 1]):
                part_context = parts[i - 1]
            out.extend((pos + o, m, w) for o, m, w in self._find_part(part, part_context))
            pos += len(part) + 1
        return out

    def sdk_constant(self, word: str) -> list[tuple[int, Match, bool]]:
        """A vendor SDK's model constant, the whole word: `openai.GPT4o`, `openai::GPT_4O`."""
        if len(word) > MAX_WORD:
            return []
        accessor = ENUM_ACCESSOR.search(word)
        if accessor is not None:
            word = word[: accessor.start()]  # OpenAiApi.ChatModel.GPT_4_O.getValue(): the member
        constant = SDK_CONSTANT.match(word)
        if constant is None:
            return []
        found = self._sdk_constant(constant.group(1), constant.group(2), word)
        return [(constant.start(2), found, False)] if found is not None else []

    def _sdk_constant(self, qualifier: str, name: str, word: str) -> Match | None:
        """The model a vendor SDK's constant names (`openai.GPT3Dot5Turbo` is gpt-3.5-turbo), when
        a qualifying package is a vendor's (`openai.`, `anthropic::`, `gemini::completion::`)."""
        # A framework's constant known by its qualified name (AnthropicModels.Sonnet_3_7,
        # OllamaModels.Meta.LLAMA_3_2, GEMINI_MODEL.GEMINI_2_0_FLASH): the longest known suffix.
        segments = [s for s in re.split(r"\.|::", qualifier) if s]
        if name[0].islower() and not (
            segments and segments[-1][0].isupper() and MODEL_ENUM.search(segments[-1])
        ):
            return None  # openai.chat, model.layer1: a module's or an object's member
        for i in range(len(segments)):
            qualified = self.catalog.sdk_constants.get(".".join([*segments[i:], name]))
            if qualified is not None:
                match = self.classify(qualified, context="model")
                return replace(match, text=word) if match is not None else None
        if not any(q in SDK_QUALIFIERS for q in re.split(r"[.:]+", qualifier.lower())) and not (
            segments
            and (
                MODEL_ENUM.search(segments[-1])
                or (segments[-1] == SHARED_QUALIFIER and SDK_TYPE_PREFIX.match(name))
            )
        ):
            return None
        known = self.catalog.sdk_constants.get(name)
        if known is not None:
            match = self.classify(known, context="model")
            return replace(match, text=word) if match is not None else None
        tokens = _constant_tokens(SDK_TYPE_PREFIX.sub("", name))
        if not any(c.isdigit() for c in name) and (len(tokens) < 2 or name != name.upper()):
            return None  # Client, MistralEmbeddingEngine: a type; DEEPSEEK_CHAT is a constant
        if (
            tokens[:2] == ["gpt", "3"]
            and len(tokens) > 2
            and tokens[2] not in ("dot", "_", "turbo")
        ):
            tokens = tokens[2:]  # GPT3Davinci002, GPT3TextDavinci003: OpenAI's GPT-3 bases
        match = None
        for dash_dates in (True, False):  # gpt-4o-2024-05-13 (OpenAI), claude-...-20241022
            match = self.classify(_join_tokens(tokens, False, dash_dates), context="model")
            if match is not None:
                break
        if match is None or match.kind is not Kind.MODEL:
            return None
        if match.vendor in ("anthropic", "cohere"):
            # claude-3-5-sonnet-20241022, command-r-08-2024: versions with dashes, dates whole.
            again = self.classify(_join_tokens(tokens, True, False), context="model")
            match = again if again is not None else match
        return replace(match, text=word)

    def _find_part(self, part: str, context: str) -> list[tuple[int, Match, bool]]:
        lead = len(part) - len(part.lstrip("+-~"))
        text = part[lead:].rstrip(".,:;")
        if not text or (text.endswith(("-", "_", "/")) and "://" not in text):
            return []  # a prefix such as "gpt-4-" or "claude-3-" (a template or a test)
        out: list[tuple[int, Match, bool]] = []
        for offset, candidate, ctx in self._candidates(text, context):
            found = self._judge(candidate, ctx)
            if found is None:
                continue
            out.append((lead + offset, found[0], found[1]))
            lowered = text.lower()
            if found[0].kind is Kind.MODEL or not any(path in lowered for path in MODEL_PATHS):
                break
            # An endpoint URL whose path names a model (/v1/models/x, Bedrock's /model/x/converse,
            # Azure's /openai/deployments/x/): report both.
        return out

    def _provider_head(self, head: str) -> bool:
        """`openai` in `openai:o1`, `gateway/openai:o3`, `openai-chat:o1`: a provider named before
        the ID, as pydantic-ai and promptfoo write a model. The ID after it is a model setting."""
        low = head.rsplit("/", 1)[-1].lower()
        if low in ROUTES or low in self.catalog.by_slug:
            return True
        first = re.split(r"[-_]", low, maxsplit=1)[0]
        return first != low and (first in ROUTES or first in self.catalog.by_slug)

    def _candidates(self, text: str, context: str) -> Iterator[tuple[int, str, str]]:
        shell = SHELL_DEFAULT.match(text) if ":-" in text or ":=" in text else None
        if shell:
            yield shell.start(2), shell.group(2), shell.group(1)
            return
        verb = API_VERB.search(text)
        if verb:
            text = text[: verb.start()]  # models/gemini-2.0-flash:generateContent
        at = text.find("@")
        if at > 0 and text[at + 1 : at + 2].isalpha() and not text[at + 1 :].startswith("latest"):
            yield 0, text[:at], context  # +gpt-4o@Azure: the provider after @ is not the ID
        yield 0, text, context
        lowered = text.lower()
        cut = lowered.rfind("models/")
        if cut >= 0 and "/docs/" not in lowered[:cut]:  # not a page about it: /docs/models/gpt-4o
            # What follows `models/` in an API path is a model whatever key holds it (a recorded
            # request's `path: /v1beta/models/gemini-2.5-flash:generateContent`).
            tail = text[cut + 7 :]
            api = verb is not None or re.search(r"/v\d", lowered[:cut]) is not None
            ctx = "model" if api else context
            yield cut + 7, tail, ctx
            if ":" in tail:
                yield cut + 7, tail.split(":", 1)[0], ctx  # models/x:generateContent
        if lowered.endswith(".gguf") and "/" not in text and context and MODEL_KEY.search(context):
            # A GGUF weights file given as the model (chat_model="mistral-7b-instruct-v0.1.Q4_0.gguf",
            # LlamaCppGenerator(model="zephyr-7b-beta.Q4_0.gguf")): the model it quantises.
            yield 0, GGUF_QUANT.sub("", text[:-5]), context
        if lowered.startswith(LM_STUDIO_EMBEDDING):
            # LM Studio and Venice name the embedding models they serve with a prefix:
            # text-embedding-nomic-embed-text-v1.5 is nomic-embed-text-v1.5 (OpenAI's own IDs
            # matched as a whole above)
            yield len(LM_STUDIO_EMBEDDING), text[len(LM_STUDIO_EMBEDDING) :], context
        cut = lowered.find(BEDROCK_RUNTIME_PATH)
        if cut >= 0:
            # Bedrock runtime paths: .../model/us.amazon.nova-lite-v1%3A0/converse
            cut += len(BEDROCK_RUNTIME_PATH)
            yield cut, unquote(text[cut:].split("/", 1)[0]), context
        cut = lowered.find(AZURE_DEPLOYMENT_PATH)
        if cut >= 0:
            # A deployment named by a model's ID serves that model (most are: gpt-4o, gpt-35-turbo).
            cut += len(AZURE_DEPLOYMENT_PATH)
            yield cut, text[cut:].split("/", 1)[0], "model"
        if ":" in text and "://" not in text:
            pos = 0
            blocked = bool(
                context
                and NOT_MODEL_KEY.match(context)
                and not MODEL_KEY.search(context)
                and not PROVIDER_KEY.search(context)  # provider: "openai:o1" routes to a model
            )
            while True:
                colon = text.find(":", pos)
                if colon < 0:
                    break
                ctx = context
                if pos == 0 and not blocked and self._provider_head(text[:colon]):
                    ctx = "model"  # openai:o1, gateway/openai:o3: a provider, then its model
                yield colon + 1, text[colon + 1 :], ctx  # provider:type:id, alias:id
                pos = colon + 1
            head, _, tag = text.partition(":")
            provider = head.rsplit("/", 1)[-1].lower()
            if OLLAMA_TAG.match(tag) or not (
                provider in ROUTES or provider in self.catalog.by_slug
            ):
                # id:verb, mistral:latest; not a provider's name before an ID it does not know:
                # registry.languageModel("mistral:custom") names no Ollama `mistral`
                yield 0, head, context
        dotted = re.match(r"[A-Za-z_][\w-]*\.", text)
        if dotted and "/" not in text:
            yield dotted.end(), text[dotted.end() :], context  # a key path: models.kimi-k2

    def _judge(self, candidate: str, context: str) -> tuple[Match, bool] | None:
        match = self.classify(candidate, context=context or None)
        if match is not None:
            return match, False
        if not candidate or not candidate[0].isalnum():
            return None
        if context and (NOT_MODEL_KEY.match(context) or PROVIDER_KEY.search(context)):
            return None  # provider: "mistral" names a provider, whatever sits beside it
        # A constant named after its value (O1 = "o1"), else a weak short ID. A word without a
        # digit named after itself (Mistral = "mistral", COMMAND = "command") is an enum member.
        squeeze = re.sub(r"[-_.]", "", candidate).lower()
        named_after = (
            bool(context)
            and re.sub(r"[-_.]", "", context).lower() == squeeze
            and any(c.isdigit() for c in candidate)
        )
        match = self.classify(candidate, context="model")
        family = self.catalog.families.get(match.family) if match is not None else None
        if match is None or family is None or not family.context_only:
            return None
        if family.word and not named_after:
            return None  # a word (mistral, command) beside IDs is as often a provider or a label
        return match, not named_after


def _constant_tokens(name: str) -> list[str]:
    """GPT4oMini -> gpt 4o mini; GPT3Dot5Turbo -> gpt 3 dot 5 turbo; CLAUDE_3_5_SONNET -> claude 3
    _ 5 sonnet (an underscore between two numbers is kept: it stands for `.` or `-`); O1_MINI ->
    o1 mini (an upper-case name is split at underscores only)."""
    out: list[str] = []
    snake = "_" in name and name == name.upper()
    for i, chunk in enumerate(name.split("_")):
        if not chunk:
            continue
        parts: list[str] = []
        gpt = SNAKE_GPT.match(chunk) if snake else None
        for part in gpt.groups() if gpt else [chunk] if snake else CAMEL_TOKEN.findall(chunk):
            date = DATE_TAIL.match(part) if len(part) > 8 else SNAPSHOT.match(part)
            parts.extend([date.group(1), date.group(2)] if date and date.group(1) else [part])
        if len(parts) > 1 and len(parts[0]) == 1 and parts[0].isalpha() and parts[1][0].isdigit():
            parts[:2] = [parts[0] + parts[1]]  # O4Mini: o4
        if i and out and out[-1][-1].isdigit() and parts and parts[0][0].isdigit():
            out.append("_")
        if parts in (["O"], ["o"]) and out and out[-1][-1].isdigit():
            out[-1] += parts[0]  # GPT_4_O_MINI, gpt4_o_mini: gpt-4o-mini
            continue
        out.extend(parts)
    return [t.lower() for t in out]


def _join_tokens(tokens: list[str], dash_versions: bool, dash_dates: bool) -> str:
    """gpt 3 dot 5 turbo -> gpt-3.5-turbo; o4 mini -> o4-mini; gemini 2 _ 5 pro -> gemini-2.5-pro
    (two one-digit numbers are a version: `.` unless dash_versions; longer ones a date: `-`);
    dash_dates: a date 20240513 as 2024-05-13."""
    text = ""
    for i, token in enumerate(tokens):
        if token in ("dot", "_"):
            continue
        if dash_dates and DATE_TAIL.match(token) and len(token) == 8:
            token = f"{token[:4]}-{token[4:6]}-{token[6:]}"
        prev = tokens[i - 1] if i else ""
        if not text:
            text = token
        elif prev == "dot":
            text += "." + token
        elif prev == "_":
            # 3_5, V0_1, QWEN2_5, GLM_4_5V: one digit on each side is a version (3.5, v0.1, 4.5v)
            short = bool(re.search(r"(?<!\d)\d$", tokens[i - 2]) and re.match(r"\d(?!\d)", token))
            text += ("." if short and not dash_versions else "-") + token
        else:
            text += "-" + token
    return text
