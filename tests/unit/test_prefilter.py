"""The keyword prefilter: hyperscan and the pure-regex fallback find the same hits."""

from __future__ import annotations

import pytest

from hedgectl.catalog import load_catalog
from hedgectl.core import prefilter
from hedgectl.core.detect import Detector

KEYWORDS = Detector(load_catalog()).keywords()
DATA = (
    b'model = "DeepSeek-Chat"\nx = 1\nBASE = "https://api.moonshot.cn/v1"\n'
    + b"nothing here\n" * 50
    + b'{"model": "o3"}\n\xff\xfe binary-ish \xc3\x28 qwen-max\n'
)


def test_fallback_finds_the_same_lines_as_hyperscan(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = prefilter.Prefilter(KEYWORDS)
    monkeypatch.setattr(prefilter, "_hs", None)
    slow = prefilter.Prefilter(KEYWORDS)
    assert slow.engine == "re"

    def lines(offsets: list[int]) -> set[int]:
        return {DATA.count(b"\n", 0, off - 1) for off in offsets}

    assert lines(slow.offsets(DATA)) == lines(fast.offsets(DATA)) == {0, 2, 53, 54}
    assert slow.offsets(b"plain text without any keyword\n") == []
