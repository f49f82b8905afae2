"""A user cache for what audit would otherwise rebuild at every start.

It holds only hedgectl's own derived data: the parsed catalog files, the compiled prefilter
databases and the compiled program of the families' regex. Each entry is named by a hash of everything it was built from (the catalog's text, the
keywords, the library versions), so a stale entry is never found, let alone used. Nothing is ever
read from or written to the scanned tree.

Where: $HEDGECTL_CACHE_DIR, else $XDG_CACHE_HOME/hedgectl, else ~/.cache/hedgectl. Set
HEDGECTL_NO_CACHE=1 to neither read nor write it. An entry that is unreadable, truncated or
altered (each carries a SHA-256 of its bytes) is ignored and rebuilt; a cache folder that cannot
be created or written costs only the time it would have saved.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

CACHE_ENV = "HEDGECTL_CACHE_DIR"
NO_CACHE_ENV = "HEDGECTL_NO_CACHE"
MAGIC = b"hedgectl-cache/1\n"
KEEP = 64  # entries kept; the oldest go when there are more (each catalog change adds a few)
KEY = re.compile(r"[a-z]+-[0-9a-f]{16,64}")


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off (or there is no home folder to hold it)."""
    if os.environ.get(NO_CACHE_ENV, "").strip().lower() not in ("", "0", "false", "no"):
        return None
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no user entry (some containers)
            return None
    return Path(base) / "hedgectl"


class Cache:
    """Bytes by key in one folder. Never raises: a miss is None, a failed write is dropped."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.folder / f"{key}.bin"

    def get(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as handle:
                blob = handle.read()
        except OSError:
            return None
        n = len(MAGIC)
        data = blob[n + 32 :]
        if blob[:n] != MAGIC or hashlib.sha256(data).digest() != blob[n : n + 32]:
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC + hashlib.sha256(data).digest() + data)
            os.replace(tmp, path)  # readers see the old entry or the whole new one
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
        self._prune()

    def _prune(self) -> None:
        try:
            entries = [e for e in os.scandir(self.folder) if e.name.endswith(".bin")]
            if len(entries) <= KEEP:
                return
            entries.sort(key=lambda e: e.stat().st_mtime)
            for entry in entries[: len(entries) - KEEP]:
                os.unlink(entry.path)
        except OSError:
            pass


def user_cache() -> Cache | None:
    """The user's cache, or None when HEDGECTL_NO_CACHE is set."""
    folder = cache_dir()
    return Cache(folder) if folder is not None else None
