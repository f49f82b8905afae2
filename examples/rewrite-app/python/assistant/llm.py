"""A small assistant that talks to several models: sample input for `hedgectl rewrite`."""

from __future__ import annotations

CHAT_MODEL = "deepseek-chat"  # module constant

# Dict values: the key names the role.
ROUTES = {
    "summariser": "moonshot-v1-8k",
    "embedder": "text-embedding-3-small",
}


class FakeClient:
    """Records the model of every call instead of calling anyone."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def complete(self, *, model: str, prompt: str) -> str:
        self.calls.append(model)
        return f"({model}) {prompt}"


class Planner:
    model = "deepseek-reasoner"  # class attribute

    def plan(self, client: FakeClient, goal: str) -> str:
        return client.complete(model=self.model, prompt=goal)


def ask(client: FakeClient, prompt: str, model: str = "MiniMax-M2") -> str:  # default argument
    return client.complete(model=model, prompt=prompt)


def review(client: FakeClient, code: str) -> str:
    # Keyword argument.
    return client.complete(model="Qwen/Qwen2.5-Coder-32B-Instruct", prompt=code)


def versioned(client: FakeClient, version: str) -> str:
    # Built at run time: rewrite must leave it alone and list it.
    return client.complete(model=f"deepseek-{version}", prompt="hi")


def calls() -> list[str]:
    client = FakeClient()
    client.complete(model=CHAT_MODEL, prompt="hello")
    client.complete(model=ROUTES["summariser"], prompt="a long text")
    client.complete(model=ROUTES["embedder"], prompt="embed me")
    Planner().plan(client, "ship it")
    ask(client, "what now?")
    review(client, "print('hi')")
    versioned(client, "chat")
    return client.calls
