"""File hashes whose state can be saved at a part boundary and continued by another process.

hashlib's objects cannot be serialised, so a resumed upload used to read every stored byte from
the source again just to rebuild the SHA-256. `rehashes` (RustCrypto's sha1/sha2 behind a small
Python API, CERT-Polska) can serialise its state: the copier saves it beside the multipart upload
after each part and a resume continues from there. The serialised form is only valid for the same
library version, so the version travels with it; without the library (it ships Linux wheels only)
hashing falls back to hashlib and a resume re-reads, as before.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from hedgectl.core.mirror.model import Part

CHUNK = 1 << 20  # rehashes takes bytes (not buffers) and holds the GIL: feed it 1 MiB at a time

try:
    from importlib.metadata import version as _version

    import rehashes as _rehashes

    LIBRARY: str | None = f"rehashes {_version('rehashes')}"
except ImportError:  # pragma: no cover - platforms without a wheel
    _rehashes = None
    LIBRARY = None


class FileHasher(Protocol):
    def update(self, data: bytes | bytearray | memoryview) -> None: ...

    def hexdigest(self) -> str: ...

    def state(self) -> str | None:
        """The state as text to store, or None when this hasher cannot be saved."""
        ...


class _Resumable:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        for start in range(0, len(view), CHUNK):
            self._inner.update(bytes(view[start : start + CHUNK]))

    def hexdigest(self) -> str:
        return str(self._inner.finalize())

    def state(self) -> str | None:
        return base64.b64encode(self._inner.serialize()).decode("ascii")


class _Plain:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._inner.update(data)

    def hexdigest(self) -> str:
        return str(self._inner.hexdigest())

    def state(self) -> str | None:
        return None


def new_file_hasher(algorithm: str, size: int) -> FileHasher:
    """SHA-256 ("sha256", LFS files) or git's blob SHA-1 ("git-sha1": 'blob <size>\\0' + content)."""
    if _rehashes is not None:
        hasher: FileHasher = _Resumable(
            _rehashes.PySha256() if algorithm == "sha256" else _rehashes.PySha1()
        )
    else:
        hasher = _Plain(
            hashlib.sha256() if algorithm == "sha256" else hashlib.sha1(usedforsecurity=False)
        )
    if algorithm != "sha256":
        hasher.update(b"blob %d\0" % size)
    return hasher


def restore_file_hasher(algorithm: str, library: str, state: str) -> FileHasher | None:
    """A hasher continued from a saved state, or None if this process cannot continue it (another
    library version, no library, or a damaged state)."""
    if _rehashes is None or library != LIBRARY:
        return None
    cls = _rehashes.PySha256 if algorithm == "sha256" else _rehashes.PySha1
    try:
        return _Resumable(cls.deserialize(base64.b64decode(state, validate=True)))
    except ValueError:
        return None


# ---------------------------------------------------------------- checkpoints beside an upload

CHECKPOINT_SCHEMA = "hedgectl.mirror-upload-state/v1"


@dataclass(frozen=True)
class Checkpoint:
    """The hash of parts 1..len(parts) of one multipart upload, all of them stored."""

    key: str
    upload_id: str
    algorithm: str
    size: int
    part_size: int
    library: str
    hashed: int  # bytes covered by `state`
    parts: tuple[Part, ...]
    state: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema": CHECKPOINT_SCHEMA,
                "key": self.key,
                "upload_id": self.upload_id,
                "algorithm": self.algorithm,
                "size": self.size,
                "part_size": self.part_size,
                "library": self.library,
                "hashed": self.hashed,
                "parts": [[p.number, p.size, p.etag, p.crc32] for p in self.parts],
                "state": self.state,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Checkpoint | None:
        try:
            d = json.loads(text)
            if not isinstance(d, dict) or d.get("schema") != CHECKPOINT_SCHEMA:
                return None
            return cls(
                key=str(d["key"]),
                upload_id=str(d["upload_id"]),
                algorithm=str(d["algorithm"]),
                size=int(d["size"]),
                part_size=int(d["part_size"]),
                library=str(d["library"]),
                hashed=int(d["hashed"]),
                parts=tuple(
                    Part(int(n), int(size), str(etag), None if crc is None else str(crc))
                    for n, size, etag, crc in d["parts"]
                ),
                state=str(d["state"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def resume_point(
    checkpoint: Checkpoint | None,
    *,
    key: str,
    upload_id: str,
    algorithm: str,
    size: int,
    part_size: int,
    stored: Mapping[int, Part],
) -> tuple[FileHasher, tuple[Part, ...]] | None:
    """Continue the hash from a checkpoint if it still describes this upload exactly: same file and
    part size, parts 1..k consecutive, each still stored with the ETag it had when it was hashed
    (a part uploaded again since then has another ETag). None means: rebuild by reading."""
    if checkpoint is None or (
        checkpoint.key,
        checkpoint.upload_id,
        checkpoint.algorithm,
        checkpoint.size,
        checkpoint.part_size,
    ) != (key, upload_id, algorithm, size, part_size):
        return None
    parts = checkpoint.parts
    if [p.number for p in parts] != list(range(1, len(parts) + 1)):
        return None
    if sum(p.size for p in parts) != checkpoint.hashed:
        return None
    for p in parts:
        now = stored.get(p.number)
        if now is None or now.size != p.size or now.etag.strip('"') != p.etag.strip('"'):
            return None
    hasher = restore_file_hasher(algorithm, checkpoint.library, checkpoint.state)
    return None if hasher is None else (hasher, parts)
