"""Generate a large, deterministic tree of realistic code and config for the audit benchmark.

The same seed gives the same bytes. By default about 30,000 files and 400 MB land in
/tmp/hedgectl-bench/tree (never inside the repository): Python, TypeScript/JavaScript, Go, YAML,
JSON, TOML, Markdown and .env files in a monorepo layout, a few 1-2 MB generated JS bundles, plus
what a real checkout carries and a scanner should skip (node_modules, lock files, images, a
.gitignore'd dist/ folder).

Model IDs are rare, as in real code: a few hundred files hold one in a realistic position
(`model="..."`, YAML `model:` values, JSON `"model":` values, base URLs, .env values), about a
thousand hold decoys a scanner must not report (ChatDeepSeek, llama_index, minimax() search,
GLM statistics, step-by-step prose), and the rest hold no catalog keyword at all.

Text is assembled from a pool of 8,000 generated blocks per language (functions, classes, config
sections) picked at random, with per-file names substituted into them, so no two files are alike
and identifiers, literals and prose vary from line to line.

    python bench/gen_tree.py                   # plain tree (walked, like an unpacked tarball)
    python bench/gen_tree.py --git             # also `git init` + commit (audit uses git ls-files)
    python bench/gen_tree.py --out DIR --files 3000 --mb 40 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_OUT = Path("/tmp/hedgectl-bench/tree")
MANIFEST = ".bench-manifest.json"  # hidden in the tree root: what was generated and how


def _words(text: str) -> list[str]:
    return text.split()


# Words that contain no catalog keyword, so most files hold no keyword hit at all (as in real
# trees); `rg -c` in the benchmark lists the files that do.
WORDS = _words(
    "account address agent alert archive asset audit backend balance batch billing blob bucket "
    "buffer build cache calendar cart catalog channel checkout client cluster column comment "
    "config consumer contact context counter credit cursor customer dashboard dataset deploy "
    "device digest draft driver email entry event export feature feed field filter folder form "
    "gateway graph group handler header health history host image index inventory invoice item "
    "job journal kernel label ledger limit listing loader locale lookup mailer manifest market "
    "media member message metric migration module monitor notice offset order owner package "
    "page parser partner payment peer pipeline plan policy pool portal post preview price "
    "profile project prompt queue quota ranking reader record region release report request "
    "resource result review role route rule runner sample schedule schema scope search secret "
    "segment sender session setting shard shipment signal snapshot source span status storage "
    "store stream summary supplier table tag target task team template tenant thread ticket "
    "timer token topic trace tracker transfer upload usage user vault vendor version view "
    "voucher wallet watcher webhook widget worker workflow zone"
)
VERBS = _words(
    "add apply build check clean close collect compute create decode delete emit encode ensure "
    "fetch find flush format get handle init list load lock merge move normalize open parse "
    "patch poll post prepare publish push read refresh register reload remove render reset "
    "resolve restore retry rotate run save scan send serialize set sort split start stop sync "
    "track transform trim update upsert validate verify watch write"
)
TYPES_PY = ("str", "int", "float", "bool", "bytes", "dict[str, Any]", "list[str]", "Path")
TYPES_TS = ("string", "number", "boolean", "Date", "Record<string, unknown>", "string[]")
TYPES_GO = ("string", "int", "int64", "float64", "bool", "[]byte", "time.Duration", "[]string")
PROSE = (
    "This module keeps the {a} and the {b} in sync when a {c} changes.",
    "Retries are bounded: after {n} attempts the {a} is marked as failed and the {b} is notified.",
    "The {a} is read once at start-up; changing it needs a restart of the {b} {c}.",
    "Each {a} owns its {b}; a {c} never writes to another one's {b}.",
    "Values are validated before the {a} is stored, so the {b} can trust what it reads.",
    "When the {a} is empty the {b} falls back to the default {c} for the region.",
    "See the runbook for how to rotate the {a} without dropping in-flight {b} requests.",
    "Timeouts are in milliseconds unless the {a} says otherwise; the {b} rounds them up.",
)

# Realistic model IDs and endpoints, by where they show up.
MODEL_IDS = (
    "deepseek-chat", "deepseek-reasoner", "moonshotai/Kimi-K2-Instruct", "kimi-k2-0905-preview",
    "moonshot-v1-8k", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "claude-sonnet-4-5",
    "claude-3-5-haiku-20241022", "gemini-2.5-flash", "gemini-2.5-pro", "qwen-max",
    "Qwen/Qwen2.5-7B-Instruct", "glm-4.5", "MiniMax-M1", "mistral-large-latest",
    "meta-llama/Llama-3.1-8B-Instruct", "deepseek-ai/DeepSeek-V3", "grok-3", "command-r-plus",
    "text-embedding-3-small", "openrouter/deepseek/deepseek-chat",
    "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "doubao-seed-1-6-250615",
)  # fmt: skip
ENDPOINTS = (
    "https://api.deepseek.com", "https://api.deepseek.com/v1", "https://api.moonshot.cn/v1",
    "https://api.openai.com/v1", "https://api.anthropic.com", "https://open.bigmodel.cn/api/paas/v4",
    "https://dashscope.aliyuncs.com/compatible-mode/v1", "https://api.minimax.chat/v1",
    "https://openrouter.ai/api/v1", "https://api.together.xyz/v1",
)  # fmt: skip


def ident(rng: random.Random, parts: int = 2) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def camel(rng: random.Random, parts: int = 2, *, upper: bool = False) -> str:
    words = [rng.choice(WORDS) for _ in range(parts)]
    text = words[0] + "".join(w.capitalize() for w in words[1:])
    return text[0].upper() + text[1:] if upper else text


def sentence(rng: random.Random) -> str:
    return rng.choice(PROSE).format(
        a=rng.choice(WORDS), b=rng.choice(WORDS), c=rng.choice(WORDS), n=rng.randint(2, 9)
    )


def literal(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return f'"{rng.choice(WORDS)}-{rng.choice(WORDS)}"'
    if roll < 0.7:
        return str(rng.randint(0, 50_000))
    if roll < 0.85:
        return f'"/{rng.choice(WORDS)}/{rng.choice(WORDS)}/{rng.randint(1, 999)}"'
    return rng.choice(("True", "False", "None"))


# ------------------------------------------------------------------------------------ code blocks
# "@@" in a block is replaced by a per-file word, so identical blocks differ between files.


def py_block(rng: random.Random) -> str:
    name = f"{rng.choice(VERBS)}_{ident(rng)}"
    args = ", ".join(f"{ident(rng, 1)}: {rng.choice(TYPES_PY)}" for _ in range(rng.randint(1, 4)))
    lines: list[str] = []
    if rng.random() < 0.3:
        cls = camel(rng, 2, upper=True) + "@@"
        lines += [f"class {cls}:", f'    """{sentence(rng)}"""', ""]
        for _ in range(rng.randint(2, 5)):
            lines.append(f"    {ident(rng)}: {rng.choice(TYPES_PY)} = {literal(rng)}")
        lines.append("")
        indent = "    "
        lines.append(f"    def {name}(self, {args}) -> {rng.choice(TYPES_PY)}:")
    else:
        indent = ""
        lines.append(f"def {name}_@@({args}) -> {rng.choice(TYPES_PY)}:")
    lines.append(f'{indent}    """{sentence(rng)}')
    lines.append("")
    lines.append(f"{indent}    {sentence(rng)}")
    lines.append(f'{indent}    """')
    for _ in range(rng.randint(3, 14)):
        roll = rng.random()
        a, b = ident(rng, 1), ident(rng)
        if roll < 0.25:
            lines.append(f"{indent}    {a} = {b}.get({literal(rng)}, {literal(rng)})")
        elif roll < 0.4:
            lines.append(f"{indent}    if {a} is None or not {b}:")
            lines.append(f'{indent}        raise ValueError(f"missing {a}: {{{b}!r}}")')
        elif roll < 0.55:
            lines.append(f"{indent}    for {a} in self.{b}:" if indent else f"    for {a} in {b}:")
            lines.append(
                f"{indent}        {rng.choice(VERBS)}_{ident(rng, 1)}({a}, timeout={rng.randint(1, 60)})"
            )
        elif roll < 0.65:
            lines.append(f"{indent}    # {sentence(rng)}")
        elif roll < 0.75:
            lines.append(
                f'{indent}    logger.info("{rng.choice(VERBS)} %s for %s", {a}, {ident(rng, 1)})'
            )
        elif roll < 0.85:
            lines.append(f"{indent}    {a} = [{ident(rng, 1)} for {ident(rng, 1)} in {b} if {a}]")
        else:
            lines.append(
                f"{indent}    {a} = await self.{b}.{rng.choice(VERBS)}({ident(rng, 1)}={literal(rng)})"
            )
    lines.append(f"{indent}    return {ident(rng, 1)}")
    return "\n".join(lines) + "\n\n\n"


def py_header(rng: random.Random) -> str:
    imports = sorted(
        {
            f"from {rng.choice(('app', 'core', 'lib', 'services'))}.{ident(rng, 1)} import "
            f"{camel(rng, 2, upper=True)}"
            for _ in range(rng.randint(2, 6))
        }
    )
    return (
        f'"""{sentence(rng)}"""\n\nfrom __future__ import annotations\n\nimport logging\n'
        f"from pathlib import Path\nfrom typing import Any\n\n"
        + "\n".join(imports)
        + "\n\nlogger = logging.getLogger(__name__)\n\n\n"
    )


def ts_block(rng: random.Random) -> str:
    name = f"{rng.choice(VERBS)}{camel(rng, 2, upper=True)}@@"
    lines: list[str] = []
    if rng.random() < 0.35:
        iface = camel(rng, 2, upper=True) + "@@Props"
        lines.append(f"export interface {iface} {{")
        for _ in range(rng.randint(2, 7)):
            lines.append(f"  {camel(rng)}{rng.choice(('', '?'))}: {rng.choice(TYPES_TS)};")
        lines.append("}\n")
    params = ", ".join(f"{camel(rng, 1)}: {rng.choice(TYPES_TS)}" for _ in range(rng.randint(1, 3)))
    lines.append(f"/** {sentence(rng)} */")
    lines.append(f"export async function {name}({params}): Promise<{rng.choice(TYPES_TS)}> {{")
    for _ in range(rng.randint(3, 12)):
        roll = rng.random()
        a, b = camel(rng, 1), camel(rng, 2)
        if roll < 0.25:
            lines.append(f"  const {a} = await {b}.{rng.choice(VERBS)}({literal(rng).lower()});")
        elif roll < 0.4:
            lines.append(f"  if (!{a} || {b}.length === 0) {{")
            lines.append(f"    throw new Error(`missing {a}: ${{{b}}}`);")
            lines.append("  }")
        elif roll < 0.55:
            lines.append(f"  for (const {a} of {b}) {{")
            lines.append(f"    {rng.choice(VERBS)}{camel(rng, 1, upper=True)}({a});")
            lines.append("  }")
        elif roll < 0.65:
            lines.append(f"  // {sentence(rng)}")
        elif roll < 0.8:
            lines.append(
                f"  const {a} = {{ {camel(rng, 1)}: {literal(rng).lower()}, {camel(rng, 1)}: {b} }};"
            )
        else:
            lines.append(
                f"  {b} = {b}.filter(({a}) => {a}.{camel(rng, 1)} > {rng.randint(0, 99)});"
            )
    lines.append(f"  return {camel(rng, 1)};")
    lines.append("}\n\n")
    return "\n".join(lines)


def ts_header(rng: random.Random) -> str:
    imports = sorted(
        {
            f'import {{ {camel(rng, 2, upper=True)} }} from "../{rng.choice(WORDS)}/{rng.choice(WORDS)}";'
            for _ in range(rng.randint(2, 6))
        }
    )
    return "\n".join(imports) + "\n\n"


def go_block(rng: random.Random) -> str:
    recv = camel(rng, 1, upper=True) + "@@"
    lines: list[str] = []
    if rng.random() < 0.35:
        lines.append(f"// {recv} {sentence(rng)[0].lower() + sentence(rng)[1:]}")
        lines.append(f"type {recv} struct {{")
        for _ in range(rng.randint(2, 7)):
            field = camel(rng, 2, upper=True)
            lines.append(f'\t{field} {rng.choice(TYPES_GO)} `json:"{ident(rng)}"`')
        lines.append("}\n")
    fn = f"{rng.choice(VERBS).capitalize()}{camel(rng, 2, upper=True)}"
    lines.append(f"// {fn} {sentence(rng)[0].lower() + sentence(rng)[1:]}")
    lines.append(
        f"func (s *{recv}) {fn}(ctx context.Context, {camel(rng, 1)} {rng.choice(TYPES_GO)}) error {{"
    )
    for _ in range(rng.randint(3, 12)):
        roll = rng.random()
        a, b = camel(rng, 1), camel(rng, 2, upper=True)
        if roll < 0.35:
            lines.append(f"\t{a}, err := s.{b}(ctx, {rng.randint(0, 999)})")
            lines.append("\tif err != nil {")
            lines.append(f'\t\treturn fmt.Errorf("{rng.choice(VERBS)} {a}: %w", err)')
            lines.append("\t}")
        elif roll < 0.5:
            lines.append(f"\tfor _, {a} := range s.{b} {{")
            lines.append(f"\t\ts.{camel(rng, 1, upper=True)}({a})")
            lines.append("\t}")
        elif roll < 0.6:
            lines.append(f"\t// {sentence(rng)}")
        else:
            lines.append(f'\ts.log.Info("{rng.choice(VERBS)} {ident(rng)}", "{camel(rng)}", {a})')
    lines.append("\treturn nil\n}\n\n")
    return "\n".join(lines)


def go_header(rng: random.Random) -> str:
    return (
        f'package {rng.choice(WORDS)}\n\nimport (\n\t"context"\n\t"fmt"\n\t"time"\n\n'
        f'\t"example.com/{rng.choice(WORDS)}/internal/{rng.choice(WORDS)}"\n)\n\n'
    )


def yaml_block(rng: random.Random) -> str:
    lines = [f"{ident(rng)}_@@:"]
    for _ in range(rng.randint(3, 10)):
        roll = rng.random()
        if roll < 0.5:
            lines.append(f"  {ident(rng)}: {literal(rng).strip(chr(34))}")
        elif roll < 0.7:
            lines.append(f"  {ident(rng, 1)}:")
            for _ in range(rng.randint(1, 4)):
                lines.append(f"    - {rng.choice(WORDS)}-{rng.randint(1, 99)}")
        elif roll < 0.85:
            lines.append(f"  # {sentence(rng)}")
        else:
            lines.append(f"  {ident(rng, 1)}:")
            lines.append(f"    {ident(rng, 1)}: {rng.randint(1, 4096)}")
            lines.append(f"    {ident(rng, 1)}: {rng.choice(('true', 'false'))}")
    return "\n".join(lines) + "\n"


def k8s_header(rng: random.Random) -> str:
    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n"
        f"    app: {name}\nspec:\n  replicas: {rng.randint(1, 6)}\n"
    )


def json_block(rng: random.Random) -> str:
    obj: dict[str, object] = {}
    for _ in range(rng.randint(3, 9)):
        roll = rng.random()
        key = camel(rng, 2) + "@@" if rng.random() < 0.2 else camel(rng, 2)
        if roll < 0.4:
            obj[key] = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
        elif roll < 0.7:
            obj[key] = rng.randint(0, 100_000)
        elif roll < 0.85:
            obj[key] = [rng.choice(WORDS) for _ in range(rng.randint(1, 5))]
        else:
            obj[key] = {camel(rng, 1): rng.random() < 0.5, camel(rng, 1): rng.randint(1, 9)}
    return json.dumps(obj, indent=2)


def toml_block(rng: random.Random) -> str:
    lines = [f"[{ident(rng)}]"]
    for _ in range(rng.randint(2, 8)):
        roll = rng.random()
        if roll < 0.6:
            lines.append(f"{ident(rng)} = {literal(rng).replace('None', '0')}")
        elif roll < 0.8:
            lines.append(
                f"{ident(rng, 1)} = [{', '.join(chr(34) + w + chr(34) for w in rng.sample(WORDS, 3))}]"
            )
        else:
            lines.append(f"# {sentence(rng)}")
    return "\n".join(lines) + "\n\n"


def md_block(rng: random.Random) -> str:
    lines = [f"## {rng.choice(VERBS).capitalize()} the {rng.choice(WORDS)} @@", ""]
    lines.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 6))))
    lines.append("")
    if rng.random() < 0.4:
        lines += [
            "```bash",
            f"make {rng.choice(VERBS)}-{rng.choice(WORDS)} ENV={rng.choice(WORDS)}",
            "```",
            "",
        ]
    if rng.random() < 0.3:
        for _ in range(rng.randint(2, 5)):
            lines.append(f"- `{ident(rng)}`: {sentence(rng)}")
        lines.append("")
    return "\n".join(lines) + "\n"


def env_block(rng: random.Random) -> str:
    lines = [f"# {sentence(rng)}"]
    for _ in range(rng.randint(3, 8)):
        key = ident(rng, 2).upper()
        lines.append(f"{key}={rng.choice(WORDS)}-{rng.randint(1, 9999)}")
    return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class Lang:
    name: str
    exts: tuple[str, ...]
    block: Callable[[random.Random], str]
    header: Callable[[random.Random], str] | None
    share: float  # of the ordinary files


LANGS = (
    Lang("python", ("py",), py_block, py_header, 0.30),
    Lang("ts", ("ts", "tsx", "js"), ts_block, ts_header, 0.28),
    Lang("go", ("go",), go_block, go_header, 0.12),
    Lang("yaml", ("yaml", "yml"), yaml_block, k8s_header, 0.08),
    Lang("json", ("json",), json_block, None, 0.08),
    Lang("toml", ("toml",), toml_block, None, 0.04),
    Lang("markdown", ("md",), md_block, None, 0.09),
    Lang("env", ("env",), env_block, None, 0.01),
)


# ------------------------------------------------------------------------- model IDs and decoys


def id_lines(rng: random.Random, lang: str) -> list[str]:
    """One to three lines with a model ID or a provider endpoint, where real code puts them."""
    mid, url = rng.choice(MODEL_IDS), rng.choice(ENDPOINTS)
    var = ident(rng, 1)
    options: dict[str, list[str]] = {
        "python": [
            f'    response = client.chat.completions.create(model="{mid}", messages={var})',
            f'client = OpenAI(base_url="{url}", api_key=os.environ["LLM_API_KEY"])',
            f'DEFAULT_MODEL = "{mid}"',
            f'llm = ChatOpenAI(model="{mid}", temperature=0.{rng.randint(0, 9)})',
            f'    tokenizer = AutoTokenizer.from_pretrained("{mid}")',
            f'MODELS = {{"{var}": "{mid}", "fallback": "{rng.choice(MODEL_IDS)}"}}',
        ],
        "ts": [
            f'const DEFAULT_MODEL = "{mid}";',
            f'  const completion = await openai.chat.completions.create({{ model: "{mid}", messages }});',
            f'export const client = new OpenAI({{ baseURL: "{url}", apiKey: process.env.LLM_API_KEY }});',
            f"  model: '{mid}',",
        ],
        "go": [
            f'\t\tModel: "{mid}",',
            f'const defaultModel = "{mid}"',
            f'\tbaseURL := "{url}"',
        ],
        "yaml": [
            f"  model: {mid}",
            f'    model_name: "{mid}"',
            f"  base_url: {url}",
            f"        - name: LLM_MODEL\n          value: {mid}",
        ],
        "json": [f'  "model": "{mid}",', f'  "baseUrl": "{url}",'],
        "toml": [f'model = "{mid}"', f'base_url = "{url}"'],
        "markdown": [
            f"Set `LLM_MODEL={mid}` before starting the {var} service.",
            f'```python\nclient = OpenAI(base_url="{url}")\nreply = client.chat.completions.create(model="{mid}", messages=msgs)\n```',
        ],
        "env": [f"LLM_MODEL={mid}", f"LLM_BASE_URL={url}"],
    }
    return [rng.choice(options[lang]) for _ in range(rng.randint(1, 3))]


def decoy_lines(rng: random.Random, lang: str) -> list[str]:
    """Keyword hits that are not model IDs: a scanner must read these lines and report nothing."""
    options: dict[str, list[str]] = {
        "python": [
            "from langchain_deepseek import ChatDeepSeek",
            "from llama_index.core import VectorStoreIndex, SimpleDirectoryReader",
            f"def minimax(board, depth: int = {rng.randint(2, 9)}, maximizing: bool = True) -> int:",
            "    glm = sm.GLM(y, X, family=sm.families.Poisson()).fit()",
            "import statsmodels.formula.api as smf  # glm and ols",
            f"    score = minimax(child, depth - 1, not maximizing)  # {sentence(rng)}",
            "    # Think step-by-step before answering.",
            "from sklearn.linear_model import LogisticRegression  # a plain glm",
        ],
        "ts": [
            'import { ChatDeepSeek } from "@langchain/deepseek";',
            "  // minimax search with alpha-beta pruning",
            f"const titanPlan = {rng.randint(1, 9)}; // Titan is the storage tier",
            '  className="embed-responsive embed-responsive-16by9"',
        ],
        "go": [
            "// minimax returns the best score for the current player.",
            "func minimax(b *Board, depth int, max bool) int {",
        ],
        "yaml": ["  # deepseek evaluation lives in another repo", "  step-size: 4"],
        "json": ['  "description": "llama_index loader for the docs",'],
        "toml": ["# glm fits live in the notebooks folder", 'packages = ["llama_index"]'],
        "markdown": [
            "We use a GLM (generalised linear model) for the churn estimate.",
            "Explain your reasoning step-by-step before giving the final answer.",
            "The minimax tree search below is the classic textbook version.",
        ],
        "env": ["# llama_index cache folder", "MINIMAX_DEPTH=4"],
    }
    return [rng.choice(options[lang]) for _ in range(rng.randint(1, 2))]


# ---------------------------------------------------------------------------------------- layout


def build_pool(rng: random.Random, per_lang: int) -> dict[str, list[str]]:
    return {lang.name: [lang.block(rng) for _ in range(per_lang)] for lang in LANGS}


def file_text(
    rng: random.Random, lang: Lang, pool: list[str], size: int, token: str, extra: list[str]
) -> str:
    parts: list[str] = [lang.header(rng)] if lang.header else []
    total = len(parts[0]) if parts else 0
    while total < size:
        block = rng.choice(pool)
        parts.append(block)
        total += len(block)
    if lang.name == "json":
        body = ",\n".join(p.strip()[1:-1].rstrip() for p in parts if p.strip())
        if extra:
            body = "\n".join(extra) + "\n" + body
        text = "{\n" + body + "\n}\n"
    else:
        for line in extra:
            parts.insert(rng.randint(1 if lang.header else 0, len(parts)), line + "\n")
        text = "".join(parts)
    return text.replace("@@", token)


def rel_path(rng: random.Random, lang: Lang, project: str, serial: int) -> str:
    ext = rng.choice(lang.exts)
    stem = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{serial}"
    if lang.name == "python":
        return f"services/{project}/{project}/{rng.choice(WORDS)}/{stem}.py"
    if lang.name == "ts":
        return f"apps/{project}/src/{rng.choice(WORDS)}/{camel(rng, 2)}{serial}.{ext}"
    if lang.name == "go":
        return f"go/{project}/internal/{rng.choice(WORDS)}/{stem}.go"
    if lang.name == "yaml":
        where = rng.choice(("deploy/k8s", "deploy/helm/values", ".github/workflows", "config"))
        return f"{where}/{project}/{stem}.{ext}"
    if lang.name == "json":
        return f"config/{project}/{rng.choice(WORDS)}/{stem}.json"
    if lang.name == "toml":
        return f"services/{project}/settings/{stem}.toml"
    if lang.name == "markdown":
        return f"docs/{project}/{rng.choice(WORDS)}/{stem}.md"
    return f"services/{project}/{rng.choice(('.env.example', '.env.staging', f'.env.{stem}'))}"


def write(root: Path, rel: str, text: str | bytes) -> int:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    return len(data)


def generate(
    out: Path, *, files: int, mb: int, seed: int, with_ids: int, decoys: int
) -> dict[str, int]:
    rng = random.Random(seed)
    pool = build_pool(rng, 8000)
    projects = sorted({f"{rng.choice(WORDS)}_{rng.choice(WORDS)}" for _ in range(400)})[:300]
    target = mb * 1_000_000
    stats = {"files": 0, "bytes": 0, "with_ids": 0, "decoys": 0, "skippable": 0, "bundles": 0}

    # What a real checkout carries that a scanner skips: dependencies, lock files, images, build output.
    n_skip = max(10, files // 25)
    skip_bytes = 0
    for i in range(n_skip):
        project = rng.choice(projects)
        roll = rng.random()
        if roll < 0.8:
            pkg = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
            text = file_text(rng, LANGS[1], pool["ts"], rng.randint(500, 6000), pkg, [])
            rel = f"apps/{project}/node_modules/{pkg}/lib/{rng.choice(WORDS)}{i}.js"
        elif roll < 0.9:
            text = json.dumps(
                {
                    f"node_modules/{rng.choice(WORDS)}-{j}": {"version": f"1.{j}.0"}
                    for j in range(200)
                },
                indent=2,
            )
            rel = (
                f"apps/{project}/package-lock.json" if i % 2 else f"services/{project}/poetry.lock"
            )
        elif roll < 0.95:
            text = file_text(rng, LANGS[1], pool["ts"], rng.randint(2000, 20000), "dist", [])
            rel = f"apps/{project}/dist/{rng.choice(WORDS)}{i}.js"  # .gitignore'd below
        else:
            blob = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(2000, 40000))
            skip_bytes += write(out, f"apps/{project}/public/{rng.choice(WORDS)}{i}.png", blob)
            stats["skippable"] += 1
            continue
        skip_bytes += write(out, rel, text)
        stats["skippable"] += 1
    write(out, ".gitignore", "dist/\n*.log\n.cache/\n__pycache__/\n")

    # A few large generated JS bundles (1-1.9 MB, under audit's 2 MB default limit); some have
    # minified-style long lines.
    n_bundles = max(2, files // 750)
    bundle_bytes = 0
    for i in range(n_bundles):
        size = rng.randint(1_000_000, 1_900_000)
        ids = id_lines(rng, "ts") if i % 5 == 0 else []
        text = file_text(rng, LANGS[1], pool["ts"], size - 50_000, f"chunk{i}", ids)
        if i % 4 == 3:
            lines = text.split("\n")
            text = "\n".join(";".join(lines[j : j + 600]) for j in range(0, len(lines), 600))
        rel = f"apps/{rng.choice(projects)}/public/static/js/vendor.{rng.getrandbits(32):08x}.js"
        bundle_bytes += write(out, rel, text)
        stats["bundles"] += 1

    # Ordinary files: log-normal sizes scaled so the whole tree lands on the target size.
    n_plain = files - n_skip - n_bundles - 1
    sizes = [min(300_000, int(rng.lognormvariate(8.8, 0.9))) for _ in range(n_plain)]
    scale = max(0.1, (target - skip_bytes - bundle_bytes) / max(1, sum(sizes)))
    weights = [lang.share for lang in LANGS]
    id_files = set(rng.sample(range(n_plain), min(with_ids, n_plain)))
    decoy_files = set(rng.sample(range(n_plain), min(decoys, n_plain))) - id_files
    seen: set[str] = set()
    for i, size in enumerate(sizes):
        lang = rng.choices(LANGS, weights)[0]
        project = rng.choice(projects)
        rel = rel_path(rng, lang, project, i)
        if rel in seen:  # .env names can collide: make them unique
            rel = f"{rel}.{i}"
        seen.add(rel)
        extra: list[str] = []
        if i in id_files:
            extra = id_lines(rng, lang.name)
            stats["with_ids"] += 1
        elif i in decoy_files:
            extra = decoy_lines(rng, lang.name)
            stats["decoys"] += 1
        token = f"{rng.choice(WORDS)}{i}"
        text = file_text(rng, lang, pool[lang.name], max(200, int(size * scale)), token, extra)
        write(out, rel, text)
    written = [p for p in out.rglob("*") if p.is_file()]  # a few lock-file paths repeat
    stats["files"] = len(written)
    stats["bytes"] = sum(p.stat().st_size for p in written)
    return stats


def git_commit(out: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
    }
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A", "."],
        ["commit", "-q", "-m", "generated benchmark tree"],
    ):
        subprocess.run(["git", *args], cwd=out, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    parser.add_argument("--files", type=int, default=30_000)
    parser.add_argument("--mb", type=int, default=400, help="total size in MB (10^6 bytes)")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--with-ids", type=int, default=300, help="files holding a model ID")
    parser.add_argument("--decoys", type=int, default=1000, help="files holding only decoys")
    parser.add_argument("--git", action="store_true", help="git init and commit the tree")
    parser.add_argument("--force", action="store_true", help="replace an existing tree")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    repo = Path(__file__).resolve().parent.parent
    if out == repo or repo in out.parents:
        parser.error(f"--out {out} is inside the repository; the tree must live outside it")
    if out.exists():
        if not args.force:
            parser.error(f"{out} exists (use --force to replace it)")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    stats = generate(
        out, files=args.files, mb=args.mb, seed=args.seed, with_ids=args.with_ids,
        decoys=args.decoys,
    )  # fmt: skip
    stats["git"] = int(args.git)
    stats["seed"] = args.seed
    (out / MANIFEST).write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    if args.git:
        git_commit(out)
    print(
        f"wrote {stats['files']} files, {stats['bytes'] / 1e6:.0f} MB to {out} "
        f"({stats['with_ids']} with model IDs, {stats['decoys']} with decoys, "
        f"{stats['skippable']} a scanner should skip) in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
