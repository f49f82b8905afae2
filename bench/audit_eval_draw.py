"""Draw evaluation files from one checkout at random, with a fixed seed (stdlib only).

Used for the second held-out group of bench/audit_eval (crewAIInc/crewAI):

    python bench/audit_eval_draw.py /path/to/crewAI 20261203 18 8 5

Pool: tracked files that exist, are text and under 400 kB, except versioned copies of the docs
(docs/vN...). A file's candidate lines are those matching WORDS (vendor words and ID shapes).
Strata: `words` (1-7 candidate lines), `dense` (8-80), `none` (no candidate line); k files are
drawn from each stratum with random.Random(seed) over the sorted pool. Prints `stratum<TAB>path`.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

WORDS = re.compile(
    r"gpt-|chatgpt|\bo[1345]\b|\bo[1345]-|claude|anthropic|gemini|gemma|palm|llama|mistral|mixtral|"
    r"codestral|deepseek|qwen|kimi|moonshot|minimax|glm|cohere|command-r|embed|grok|\bphi|nova|titan|"
    r"bedrock|groq|ollama|huggingface|sonar|perplexity|voyage|nomic|jina|mxbai|minilm|mpnet|\be5-|"
    r"gte-|granite|falcon|olmo|dbrx|solar|exaone|sarvam|rerank|whisper|dall-e|tts-|davinci|watsonx|"
    r"azure|vertex|openrouter|together|fireworks|cerebras|sambanova|nvidia|nemotron|\.gguf|gguf",
    re.IGNORECASE,
)
MAX_BYTES = 400_000
DENSE = 8
TOO_DENSE = 80


def strata(root: Path) -> dict[str, list[str]]:
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    out: dict[str, list[str]] = {"words": [], "dense": [], "none": []}
    for name in sorted(x for x in listed if x):
        if re.match(r"docs/v\d", name):
            continue
        path = root / name
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_BYTES:
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        hits = sum(1 for line in data.decode("utf-8", "replace").splitlines() if WORDS.search(line))
        if hits == 0:
            out["none"].append(name)
        elif hits < DENSE:
            out["words"].append(name)
        elif hits <= TOO_DENSE:
            out["dense"].append(name)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print("usage: audit_eval_draw.py CHECKOUT SEED K_WORDS K_DENSE K_NONE", file=sys.stderr)
        return 2
    pools = strata(Path(argv[0]))
    rng = random.Random(int(argv[1]))
    for name, k in zip(("words", "dense", "none"), map(int, argv[2:]), strict=True):
        print(f"# {name}: pool {len(pools[name])}, drawn {k}", file=sys.stderr)
        for path in sorted(rng.sample(pools[name], k)):
            print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
