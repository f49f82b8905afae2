"""Find the offsets of catalog keywords in raw bytes, fast.

Most files of a real tree hold no keyword at all, so this is where audit spends its time. Hyperscan
(Intel's SIMD multi-pattern matcher) scans at several GB/s; where its wheel is not available the
fallback is one case-insensitive bytes regex (slower, same answers).
"""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from hedgectl.catalog import BlobStore

try:  # optional accelerator: wheels exist for x86_64 Linux/macOS
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised on platforms without the wheel
    _hs = None  # type: ignore[assignment]

ENGINE = "hyperscan" if _hs is not None else "re"


def _database(words: list[bytes], store: BlobStore | None) -> tuple[Any, Any]:
    """A block-mode database matching each word case-insensitively, with its scratch space.

    Compiling takes 10 ms for the catalog's keywords; with a store, the compiled database is
    kept (hs serialisation) under a hash of the words, the flags, hyperscan's version and the
    machine. A kept one that hyperscan refuses (another CPU's, damaged) is compiled again.
    """
    expressions = [re.escape(w.decode()).encode() for w in words]
    key = ""
    if store is not None:
        identity = repr((getattr(_hs, "__version__", ""), platform.machine(), expressions))
        key = "hs-" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()
        kept = store.get(key)
        if kept is not None:
            try:
                db = _hs.loadb(kept, _hs.HS_MODE_BLOCK)
                return db, _hs.Scratch(db)
            except _hs.error:
                pass
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    db.compile(
        expressions=expressions,
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=[_hs.HS_FLAG_CASELESS] * len(expressions),
    )
    if store is not None:
        store.put(key, _hs.dumpb(db))
    return db, _hs.Scratch(db)


class Prefilter:
    """Keyword end offsets in a buffer; an empty list means the buffer needs no further work."""

    def __init__(self, keywords: Iterable[str], store: BlobStore | None = None) -> None:
        self.keywords = sorted({k.lower().encode("utf-8") for k in keywords if k})
        self._db: Any = None
        self._scratch: Any = None
        if _hs is not None:
            self._db, self._scratch = _database(self.keywords, store)

    @cached_property
    def _regex(self) -> re.Pattern[bytes]:
        """The fallback: compiled only where hyperscan is missing (a 400-word alternation)."""
        return re.compile(b"|".join(re.escape(k) for k in self.keywords), re.IGNORECASE)

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


class WordFinder:
    """Keyword hits in one line of text: `[m.end() for m in regex.finditer(text)]` for the regex
    `w1|w2|...` (longest first, case-insensitive), without Python's regex engine trying every
    alternative at every position.

    With hyperscan, every occurrence of every word is found in one pass; the regex's answer is
    then rebuilt: the leftmost occurrence, the longest one starting there, then the next one
    starting at or after its end. Only for ASCII text and words, where case folding is plain
    ASCII on both sides (Python folds a few non-ASCII letters such as 'ſ' onto ASCII ones).
    """

    def __init__(self, words: Iterable[str], store: BlobStore | None = None) -> None:
        # Longest first; equal lengths in a fixed order, so the kept database is found again.
        self.words = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
        self._db: Any = None
        self._scratch: Any = None
        if _hs is not None and self.words and all(w.isascii() for w in self.words):
            self._db, self._scratch = _database([w.encode() for w in self.words], store)
        self._lengths = [len(w) for w in self.words]

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The regex this finder answers for; run as such only without hyperscan or on
        non-ASCII text."""
        return re.compile("|".join(re.escape(w) for w in self.words), re.IGNORECASE)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        lengths = self._lengths

        def on_match(pid: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            found.append((end - lengths[pid], -end))

        self._db.scan(text.encode("ascii"), match_event_handler=on_match, scratch=self._scratch)
        found.sort()
        return found

    def ends(self, text: str) -> list[int]:
        if self._db is None or not text.isascii():
            return [m.end() for m in self.regex.finditer(text)]
        out: list[int] = []
        pos = 0
        for start, neg_end in self._spans(text):
            if start >= pos:
                pos = -neg_end
                out.append(pos)
        return out

    def search(self, text: str) -> bool:
        """Whether any word occurs in the text."""
        if self._db is None or not text.isascii():
            return self.regex.search(text) is not None
        hit = False

        def on_match(_id: int, _start: int, _end: int, _flags: int, _ctx: object) -> bool:
            nonlocal hit
            hit = True
            return True  # stop at the first match

        try:
            self._db.scan(text.encode("ascii"), match_event_handler=on_match, scratch=self._scratch)
        except _hs.ScanTerminated:
            pass
        return hit
