"""bench/RESULTS.md: each benchmark script owns one section between its own markers."""

from __future__ import annotations

import os
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmarks\n\nReproducible measurements of hedgectl against the tools users would pick "
    "instead.\nEach section is written by its script in bench/; rerun the script to refresh it.\n"
)


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name: str, section: str, path: Path = RESULTS) -> None:
    """Replace only this benchmark's section (markers included in `section`), atomically."""
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
