"""The README's links lead somewhere (docs/ itself is checked by `mkdocs build --strict`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_links_point_at_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets, "the README links to the reference in docs/"
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert not missing
