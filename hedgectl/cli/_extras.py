"""Optional extras: `pip install hedgectl` is audit, catalog, init and config; rewrite, mirror and
reach bring their SDKs as extras (pyproject.toml [project.optional-dependencies]).

A command whose extra is missing stops before it starts with one line naming the install
command (exit 2), never an ImportError trace from deep inside.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Any

from hedgectl.errors import UsageError

# extra -> the top-level modules it provides (pyproject.toml's extra of the same name).
EXTRAS: dict[str, tuple[str, ...]] = {
    "rewrite": (
        "libcst",
        "tree_sitter",
        "tree_sitter_javascript",
        "tree_sitter_typescript",
        "tomlkit",
    ),
    "mirror": ("huggingface_hub", "boto3", "botocore", "httpx"),
    "reach": ("httpx", "socksio"),
}


def missing(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here (found without importing them)."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def install_hint(extra: str) -> str:
    """The pip command that adds `extra` to this install, from where it was installed: a local
    checkout (editable or not) or a pinned git URL; the bare package name only for an install
    from an index (on another index that name may be someone else's)."""
    info: dict[str, Any] = {}
    try:
        from importlib.metadata import distribution

        info = json.loads(distribution("hedgectl").read_text("direct_url.json") or "{}")
    except Exception:  # noqa: BLE001 - metadata is a nicety here; the hint falls back to the name
        pass
    url = str(info.get("url", ""))
    if url.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        editable = "-e " if (info.get("dir_info") or {}).get("editable") else ""
        return f"pip install {editable}'{unquote(urlsplit(url).path)}[{extra}]'"
    vcs = info.get("vcs_info") or {}
    if url and vcs.get("vcs") == "git":
        pin = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"pip install 'hedgectl[{extra}] @ git+{url}{'@' + pin if pin else ''}'"
    return f"pip install 'hedgectl[{extra}]'"


def require(extra: str, command: str) -> None:
    """Stop `command` with one line (exit 2) when `extra` is not installed."""
    if missing(extra):
        raise UsageError(f"hedgectl {command} needs the {extra} extra: {install_hint(extra)}")
