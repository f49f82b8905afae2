"""Conventional help text for every command: metavars such as PATH..., SOURCE, FILE, N, GLOB
instead of typer's `<list[Path]>` and `{source}`, and examples in each command's epilog.

Applied once to the whole command tree (cli/app.py), so options added later get it too.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption

# Options whose value has a conventional name; anything else is named after its type or option.
OPTION_METAVARS = {
    "output": "FILE",
    "config": "FILE",
    "ca_bundle": "FILE",
    "history": "FILE",
    "baseline": "FILE",
    "write_baseline": "FILE",
    "include": "GLOB",
    "exclude": "GLOB",
    "revision": "REV",
    "shard": "I/N",
    "part_size": "SIZE",
    "max_file_size": "SIZE",
    "timeout": "SECONDS",
    "fail_on": "LEVEL",
    "retry_seconds": "SECONDS",
    "bandwidth": "GBPS",
    "source_repo": "ORG/NAME",
    "source_revision": "REV",
}

EXAMPLES: dict[str, list[str]] = {
    "audit": [
        "hedgectl audit                          # the current folder (a git work tree: its files)",
        "hedgectl audit src/ config/ -f sarif -o hedgectl.sarif",
        "hedgectl audit --diff origin/main       # only lines a pull request adds",
        "hedgectl audit --staged                 # only lines the next commit adds",
        "git show HEAD:app.py | hedgectl audit -",
    ],
    "catalog": ["hedgectl catalog", "hedgectl catalog -f json | jq '.vendors[].id'"],
    "init": ["hedgectl init", "hedgectl init config/hedge.toml --force"],
    "rewrite": [
        "hedgectl rewrite                        # dry run: a unified diff",
        "hedgectl rewrite --write src/",
        "hedgectl rewrite --check                # CI: exit 1 when something would change",
    ],
    "config": ["hedgectl config check", "hedgectl config export --format litellm -o litellm.yaml"],
    "config check": ["hedgectl config check --strict", "hedgectl config check -f json"],
    "config export": [
        "hedgectl config export --format litellm -o litellm.yaml",
        "hedgectl config export --format portkey --alias chat_model | envsubst",
        "hedgectl config export --format litellm -o litellm.yaml --check",
    ],
    "mirror": [
        "hedgectl mirror presets",
        "hedgectl mirror kimi-k2-instruct s3://my-models/hub --dry-run",
        "hedgectl mirror verify kimi-k2-instruct s3://my-models/hub",
    ],
    "mirror copy": [
        "hedgectl mirror copy deepseek-v3.2 s3://my-models/hub",
        "hedgectl mirror copy Qwen/Qwen3-8B@main s3://my-models/hub --include '*.json'",
        "hedgectl mirror copy kimi-k2-instruct s3://my-models/hub --shard auto/4",
    ],
    "mirror presets": ["hedgectl mirror presets", "hedgectl mirror presets -f json"],
    "mirror verify": ["hedgectl mirror verify deepseek-v3.2 s3://my-models/hub -f json"],
    "mirror serve": [
        "hedgectl mirror serve s3://my-models/hub --port 8080",
        "HF_ENDPOINT=http://127.0.0.1:8080 hf download deepseek-ai/DeepSeek-V3.2",
    ],
    "mirror sync": [
        "hedgectl mirror sync                    # every repo in [mirror] watch, to [mirror] dest",
        "hedgectl mirror sync s3://my-models/hub --prune -f json",
    ],
    "reach": [
        "hedgectl reach",
        "hedgectl reach --provider deepseek --region cn -f json",
        "hedgectl reach -f prometheus -o /var/lib/node_exporter/hedge_reach.prom",
    ],
    "reach serve": [
        "hedgectl reach serve                    # 127.0.0.1:9731; scrape /probe?provider=NAME",
        "hedgectl reach serve --listen 0.0.0.0:9731 --no-history",
    ],
    "reach history": ["hedgectl reach history", "hedgectl reach history -n 20 -f json"],
}


class _Argument(TyperArgument):
    """PATH... in the help and usage lines; no `<list[Path]>` after it."""

    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _Option(TyperOption):
    """--output FILE, --jobs N, --format [table|json]: names, not Python types."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.metavar is not None:
            return self.metavar
        desc = self.type_descriptor
        if desc.is_choice:
            return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
        if self.name in OPTION_METAVARS:
            return OPTION_METAVARS[self.name]
        if desc.is_path:
            return "FILE"
        label = str(self.display_type(ctx))
        if "int" in label:
            return "N"
        if "float" in label:
            return "NUMBER"
        long = max(self.opts, key=len).lstrip("-")
        return (
            "URL"
            if long.endswith(("url", "endpoint", "notify"))
            else long.upper().replace("-", "_")
        )


def conventional(command: Any, path: str) -> None:
    """Give one command (or group) conventional metavars and its examples."""
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = _Argument
        elif type(param) is TyperOption:
            param.__class__ = _Option
    examples = EXAMPLES.get(path)
    if examples and not command.epilog:
        # \b keeps the formatter from re-wrapping the lines into one paragraph.
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in examples)
