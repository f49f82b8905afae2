"""A small support assistant that pins its models in code (hedgectl's demo input)."""

import os

from openai import OpenAI

# The primary model and where it is served from.
DEEPSEEK_BASE_URL = "https://api.deepseek.com/v1"
PRIMARY_MODEL = "deepseek-chat"
REASONING_MODEL = "deepseek-reasoner"

client = OpenAI(base_url=DEEPSEEK_BASE_URL, api_key=os.environ.get("DEEPSEEK_API_KEY", ""))


def answer(question: str, model: str = "kimi-k2-0905-preview") -> str:
    reply = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": question}],
    )
    return reply.choices[0].message.content or ""


def summarise(text: str) -> str:
    # Cheaper summaries: the MiniMax API (api.minimax.io) was tried and dropped.
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content or ""


def minimax(board: list[int], depth: int) -> int:
    """minimax the game-tree algorithm: not a model ID."""
    return 0 if depth == 0 else max(board)


EMBEDDINGS = {"default": "Qwen/Qwen3-Embedding-8B", "fallback": "text-embedding-3-small"}
LOCAL_DRAFT = "deepseek-r1:7b"  # ollama tag for offline drafts
LEGACY = "moonshot-v1-8k"  # hedgectl: ignore -- kept for the migration script only
