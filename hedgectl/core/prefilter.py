"""Find the offsets of catalog keywords in raw bytes, fast.

Most files of a real tree hold no keyword at all, so this is where audit spends its time. Hyperscan
(Intel's SIMD multi-pattern matcher) scans at several GB/s; where its wheel is not available the
fallback is one case-insensitive bytes regex (slower, same answers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

try:  # optional accelerator: wheels exist for x86_64 Linux/macOS
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised on platforms without the wheel
    _hs = None  # type: ignore[assignment]

ENGINE = "hyperscan" if _hs is not None else "re"


class Prefilter:
    """Keyword end offsets in a buffer; an empty list means the buffer needs no further work."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = sorted({k.lower().encode("utf-8") for k in keywords if k})
        self._db: Any = None
        self._scratch: Any = None
        if _hs is not None:
            db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
            flags = _hs.HS_FLAG_CASELESS
            db.compile(
                expressions=[re.escape(k.decode()).encode() for k in self.keywords],
                ids=list(range(len(self.keywords))),
                elements=len(self.keywords),
                flags=[flags] * len(self.keywords),
            )
            self._db = db
            self._scratch = _hs.Scratch(db)
        self._regex = re.compile(b"|".join(re.escape(k) for k in self.keywords), re.IGNORECASE)

    @property
    def engine(self) -> str:
        return "hyperscan" if self._db is not None else "re"

    def offsets(self, data: bytes) -> list[int]:
        """Sorted end offsets of keyword hits (a few per line are enough to find the lines)."""
        if self._db is None:
            return [m.end() for m in self._regex.finditer(data)]
        hits: list[int] = []

        def on_match(_id: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            hits.append(end)

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        hits.sort()
        return hits
