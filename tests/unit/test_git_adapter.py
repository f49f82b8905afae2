"""git runs in one place only (hedgectl/adapters/git.py), where repository config cannot run code."""

from __future__ import annotations

import re
from pathlib import Path

import hedgectl

PACKAGE = Path(hedgectl.__file__).parent


def test_no_module_but_the_adapter_starts_git() -> None:
    starts_git = re.compile(r"""\[\s*["']git["']""")
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "git.py" and starts_git.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert starts_git.search((PACKAGE / "adapters" / "git.py").read_text(encoding="utf-8"))
