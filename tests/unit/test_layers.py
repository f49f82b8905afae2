"""The layering in docs/architecture.md, checked on the source: no import cycles, no import from
a lower layer into a higher one, and the CLI reaches the core only through the services."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hedgectl"

# Highest first. A module may import its own layer and any lower one, never a higher one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("hedgectl.cli", "hedgectl.__main__")),
    ("api", ("hedgectl.api",)),
    ("services", ("hedgectl.services",)),
    ("adapters/report", ("hedgectl.adapters", "hedgectl.report")),
    ("core", ("hedgectl.core",)),
    ("catalog", ("hedgectl.catalog",)),
    ("config", ("hedgectl.config",)),
    ("errors", ("hedgectl.errors", "hedgectl")),  # hedgectl: the package root (its version)
]
# What the CLI may import: its own modules, the services, the reporters, errors, the version,
# and the atomic file writer for --output.
CLI_MAY_IMPORT = (
    "hedgectl.cli",
    "hedgectl.services",
    "hedgectl.report",
    "hedgectl.errors",
    "hedgectl.adapters.fs",  # atomic writes of --output files
)
# hedgectl/__init__.py forwards hedgectl.audit & co. to hedgectl.api on first use (its
# __getattr__); that one forward is the public entry point, not a dependency of the root.
FORWARDS = {("hedgectl", "hedgectl.api")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "templates" not in p.relative_to(PACKAGE).parts  # files copied into user projects
    }


def imports(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """Every hedgectl module this file imports, at module level or inside functions."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hedgectl"):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            if not base.startswith("hedgectl"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if sub in known else base


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {
        name: {m for m in imports(path, name, known) if m != name and (name, m) not in FORWARDS}
        for name, path in mods.items()
    }


def layer_of(module: str) -> int:
    best = (-1, len(LAYERS))
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                best = max(best, (len(prefix), rank))
    assert best[0] >= 0, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best[1]


def test_every_module_belongs_to_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_no_upward_imports() -> None:
    upward = [
        f"{src} ({LAYERS[layer_of(src)][0]}) imports {dst} ({LAYERS[layer_of(dst)][0]})"
        for src, targets in graph().items()
        for dst in sorted(targets)
        if layer_of(dst) < layer_of(src)
    ]
    assert upward == []


def test_cli_reaches_core_and_adapters_only_through_services() -> None:
    direct = [
        f"{src} imports {dst}"
        for src, targets in graph().items()
        if src.startswith("hedgectl.cli")
        for dst in sorted(targets)
        if dst != "hedgectl" and not dst.startswith(CLI_MAY_IMPORT)
    ]
    assert direct == []


def test_no_import_cycles() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_checker_sees_relative_and_lazy_imports(tmp_path: Path) -> None:
    """The walk above must not miss the kinds of import that hid the old reach cycle."""
    source = tmp_path / "__init__.py"
    source.write_text(
        "from . import model\nfrom .plan import x\n\ndef f():\n    from hedgectl.errors import E\n",
        encoding="utf-8",
    )
    known = {"hedgectl.core.reach.model", "hedgectl.core.reach.plan", "hedgectl.errors"}
    found = set(imports(source, "hedgectl.core.reach", known))
    assert found == known
