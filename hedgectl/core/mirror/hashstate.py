"""File hashes whose state can be saved at a part boundary and continued by another process.

hashlib's objects cannot be serialised, so a resumed upload used to read every stored byte from
the source again just to rebuild the SHA-256. `rehashes` (RustCrypto's sha1/sha2 behind a small
Python API, CERT-Polska) can serialise its state: the copier saves it beside the multipart upload
after each part and a resume continues from there. The serialised form is only valid for the same
library version, so the version travels with it; without the library (it ships Linux wheels only)
hashing falls back to hashlib and a resume re-reads, as before.

The same checkpoint is also kept on the machine that runs the copy (saved after every part, where
the store's copy is saved at most once a second): sealed with an HMAC whose key only the store's
copy holds, so a local file is worth no more than the store's checkpoint it extends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hedgectl.core.mirror.model import Part
from hedgectl.core.mirror.plan import part_ranges

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

CHECKPOINT_SCHEMA = "hedgectl.mirror-upload-state/v2"
SEAL = re.compile(r"[0-9a-f]{32}")
CHECKPOINT_SCHEMA_V1 = "hedgectl.mirror-upload-state/v1"  # read, so an older run's upload resumes


def _etag(etag: str) -> str:
    return etag.strip('"')


def etag_digest(parts: Iterable[Part], into: Any = None) -> Any:
    """A running SHA-256 over the (number, size, ETag) of stored parts: how a checkpoint names the
    stored prefix it covers without listing every part (a 10,000-part file would otherwise write
    about a megabyte per save)."""
    digest = into if into is not None else hashlib.sha256()
    for p in parts:
        digest.update(f"{p.number} {p.size} {_etag(p.etag)}\n".encode())
    return digest


@dataclass(frozen=True)
class Mark:
    """One part after the stored prefix, as hashed by the run that wrote the checkpoint: the CRC32
    of the bytes it hashed (and sent), the ETag once the store confirmed the part, and the hash state
    after the part where a resume may need it (at the edges of parts not yet stored)."""

    number: int
    size: int
    crc32: str
    etag: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """The hash of one multipart upload at part boundaries.

    Parts 1..`prefix` are stored; `prefix_etags` is the etag_digest of those parts, `prefix_crc32`
    their CRC32s (4 bytes each, for CompleteMultipartUpload) and `state` the hash state after part
    `prefix`. `marks` are the parts hashed after the prefix, stored or not yet, in order."""

    key: str
    upload_id: str
    algorithm: str
    size: int
    part_size: int
    library: str
    prefix: int
    prefix_etags: str
    prefix_crc32: str
    state: str
    marks: tuple[Mark, ...] = ()
    seal: str = ""  # the key of this upload's local checkpoints (see seal_local); only in the store

    def to_json(self) -> str:
        return json.dumps(
            {
                **({"seal": self.seal} if self.seal else {}),
                "schema": CHECKPOINT_SCHEMA,
                "key": self.key,
                "upload_id": self.upload_id,
                "algorithm": self.algorithm,
                "size": self.size,
                "part_size": self.part_size,
                "library": self.library,
                "prefix": self.prefix,
                "prefix_etags": self.prefix_etags,
                "prefix_crc32": self.prefix_crc32,
                "state": self.state,
                "marks": [[m.number, m.size, m.crc32, m.etag, m.state] for m in self.marks],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Checkpoint | None:
        try:
            d = json.loads(text)
            if not isinstance(d, dict):
                return None
            if d.get("schema") == CHECKPOINT_SCHEMA_V1:
                return cls._from_v1(d)
            if d.get("schema") != CHECKPOINT_SCHEMA:
                return None
            return cls(
                **_header(d),
                prefix=int(d["prefix"]),
                prefix_etags=str(d["prefix_etags"]),
                prefix_crc32=str(d["prefix_crc32"]),
                marks=tuple(
                    Mark(
                        int(n),
                        int(size),
                        str(crc),
                        None if etag is None else str(etag),
                        None if state is None else str(state),
                    )
                    for n, size, crc, etag, state in d["marks"]
                ),
                seal=_seal(d.get("seal")),
            )
        except (ValueError, KeyError, TypeError):
            return None

    @classmethod
    def _from_v1(cls, d: dict[str, Any]) -> Checkpoint | None:
        """v1 listed every covered part (1..k, all stored) and the state after part k."""
        parts = [
            Part(int(n), int(size), str(etag), None if crc is None else str(crc))
            for n, size, etag, crc in d["parts"]
        ]
        if any(p.crc32 is None for p in parts) or sum(p.size for p in parts) != int(d["hashed"]):
            return None
        return cls(
            **_header(d),
            prefix=len(parts),
            prefix_etags=etag_digest(parts).hexdigest(),
            prefix_crc32=pack_crc32(p.crc32 or "" for p in parts),
        )


def seal_local(checkpoint: Checkpoint) -> bytes:
    """The checkpoint as the bytes of a local state file: without its seal, behind an HMAC keyed by
    the seal. Only the store's checkpoint holds the seal, so a local file is trusted exactly as far
    as the store's checkpoint is: one forged or damaged on the disk fails the HMAC."""
    body = replace(checkpoint, seal="").to_json().encode()
    return _mac(checkpoint.seal, body) + b"\n" + body


def open_local(data: bytes | None, seal: str) -> Checkpoint | None:
    """The checkpoint in a local state file if its HMAC matches the store's seal, else None."""
    if data is None or not SEAL.fullmatch(seal):
        return None
    mac, _, body = data.partition(b"\n")
    if not hmac.compare_digest(mac, _mac(seal, body)):
        return None
    checkpoint = Checkpoint.from_json(body.decode("utf-8", "replace"))
    return None if checkpoint is None else replace(checkpoint, seal=seal)


def _seal(value: object) -> str:
    """A seal as the store's checkpoint holds it (32 hex digits), or "" (none: no local file)."""
    return value if isinstance(value, str) and SEAL.fullmatch(value) else ""


def _mac(seal: str, body: bytes) -> bytes:
    return hmac.new(seal.encode(), body, hashlib.sha256).hexdigest().encode()


def _header(d: dict[str, Any]) -> dict[str, Any]:
    """The fields every checkpoint schema stores the same way: the upload it belongs to, the
    hash's algorithm and library, and the hash state after the stored prefix."""
    return {
        "key": str(d["key"]),
        "upload_id": str(d["upload_id"]),
        "algorithm": str(d["algorithm"]),
        "size": int(d["size"]),
        "part_size": int(d["part_size"]),
        "library": str(d["library"]),
        "state": str(d["state"]),
    }


def pack_crc32(crcs: Iterable[str]) -> str:
    return base64.b64encode(b"".join(base64.b64decode(c) for c in crcs)).decode("ascii")


def unpack_crc32(packed: str) -> list[str]:
    raw = base64.b64decode(packed, validate=True)
    if len(raw) % 4:
        raise ValueError("not a list of CRC32s")
    return [base64.b64encode(raw[i : i + 4]).decode("ascii") for i in range(0, len(raw), 4)]


@dataclass(frozen=True)
class Window:
    """Parts first..last are read again only to store the missing ones among them; hashed from
    `before` (the state after part first-1) they must reach `after`, the state the run that wrote
    the checkpoint reached after part `last`: then the bytes are the ones it hashed."""

    first: int
    last: int
    before: str
    after: str


@dataclass
class ResumePoint:
    """Where a resumed upload's hash goes on, and what it may skip reading."""

    start: int  # the hash continues after this part
    hasher: FileHasher
    trusted: dict[int, Part]  # stored parts whose bytes the saved hash covers
    windows: list[Window]
    ledger: Ledger


def resume_point(
    checkpoint: Checkpoint | None,
    *,
    key: str,
    upload_id: str,
    algorithm: str,
    size: int,
    part_size: int,
    stored: Mapping[int, Part],
) -> ResumePoint | None:
    """Continue the hash from a checkpoint where it still describes this upload: same file and part
    size, the stored prefix unchanged (same ETags), and each later part the checkpoint saw stored
    still stored with the ETag it had (or, for one whose upload the checkpoint did not see finish,
    with the CRC32 of the bytes hashed, where the store lists CRC32s). A part that is neither is
    read again: between the nearest saved states around it, whose comparison proves the bytes are
    the ones hashed. The hash goes on from the last saved state those windows reach. None means:
    rebuild by reading."""
    cp = checkpoint
    if cp is None or (cp.key, cp.upload_id, cp.algorithm, cp.size, cp.part_size) != (
        key,
        upload_id,
        algorithm,
        size,
        part_size,
    ):
        return None
    ranges = {n: e - s for n, s, e in part_ranges(size, part_size)}
    prefix = [stored.get(n) for n in range(1, cp.prefix + 1)]
    if any(p is None or p.size != ranges.get(p.number) for p in prefix):
        return None
    have = [p for p in prefix if p is not None]
    if etag_digest(have).hexdigest() != cp.prefix_etags:
        return None
    try:
        crcs = unpack_crc32(cp.prefix_crc32)
    except ValueError:
        return None
    if len(crcs) != cp.prefix or any(
        p.crc32 is not None and p.crc32 != c for p, c in zip(have, crcs, strict=True)
    ):
        return None
    trusted = {p.number: Part(p.number, p.size, p.etag, c) for p, c in zip(have, crcs, strict=True)}
    marks: dict[int, Mark] = {}
    for m in cp.marks:
        if m.number <= cp.prefix or m.number in marks or ranges.get(m.number) != m.size:
            return None
        marks[m.number] = m
    states = {cp.prefix: cp.state} | {n: m.state for n, m in marks.items() if m.state is not None}
    top = max(marks, default=cp.prefix)
    if top not in states:
        return None
    untrusted: list[int] = []
    for n in range(cp.prefix + 1, top + 1):
        mark, now = marks.get(n), stored.get(n)
        if mark is not None and now is not None and now.size == mark.size:
            same = (
                _etag(now.etag) == _etag(mark.etag)
                if mark.etag is not None
                else now.crc32 is not None and now.crc32 == mark.crc32
            )
            if same:
                trusted[n] = Part(n, mark.size, now.etag, mark.crc32)
                continue
        untrusted.append(n)
    positions = sorted(states)
    windows: list[Window] = []
    start = top
    covered = cp.prefix
    for n in untrusted:
        if n <= covered:
            continue
        before = max(p for p in positions if p < n)
        after = next((p for p in positions if p >= n), None)
        if after is None:
            start = before
            break
        windows.append(Window(before + 1, after, states[before], states[after]))
        covered = after
    hasher = restore_file_hasher(algorithm, cp.library, states[start])
    if hasher is None or any(
        restore_file_hasher(algorithm, cp.library, w.before) is None for w in windows
    ):
        return None
    trusted = {n: p for n, p in trusted.items() if n <= start}
    kept = {
        n: Mark(n, m.size, m.crc32, trusted[n].etag if n in trusted else None, m.state)
        for n, m in marks.items()
        if n <= start
    }
    ledger = Ledger(
        key=key,
        upload_id=upload_id,
        algorithm=algorithm,
        size=size,
        part_size=part_size,
        library=cp.library,
        state=cp.state,
        prefix=[trusted[n] for n in range(1, cp.prefix + 1)],
        marks=kept,
        seal=cp.seal or None,
    )
    return ResumePoint(start, hasher, trusted, windows, ledger)


class Ledger:
    """What one running upload knows about its parts, saved as checkpoints. Thread-safe: part
    threads report parts hashed and stored, the file's own thread saves."""

    def __init__(
        self,
        *,
        key: str,
        upload_id: str,
        algorithm: str,
        size: int,
        part_size: int,
        library: str | None,
        state: str | None,
        prefix: Sequence[Part] = (),
        marks: Mapping[int, Mark] | None = None,
        seal: str | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._ident = (key, upload_id, algorithm, size, part_size, library)
        self.seal = seal or secrets.token_hex(16)
        self._prefix = len(prefix)
        self._digest = etag_digest(prefix)
        self._crcs = bytearray(base64.b64decode(pack_crc32(p.crc32 or "" for p in prefix)))
        self._state = state
        self._marks: dict[int, Mark] = dict(marks or {})
        self._parts: dict[int, Part] = {p.number: p for p in prefix}
        for n, m in self._marks.items():
            if m.etag is not None:
                self._parts[n] = Part(n, m.size, m.etag, m.crc32)
        self._dirty = False
        self._advance()

    def hashed(self, number: int, size: int, crc32: str, state: str | None) -> None:
        """Part `number` is hashed (its upload may still be under way)."""
        with self._lock:
            self._marks[number] = Mark(number, size, crc32, None, state)
            self._dirty = True

    def stored(self, part: Part) -> None:
        """Part `part.number` is in the store, and its bytes are the ones the hash covers."""
        with self._lock:
            self._parts[part.number] = part
            m = self._marks.get(part.number)
            if m is not None:
                self._marks[part.number] = replace(m, etag=part.etag)
            elif part.number > self._prefix:
                self._marks[part.number] = Mark(part.number, part.size, part.crc32 or "", part.etag)
            self._advance()
            self._dirty = True

    def parts(self) -> list[Part]:
        with self._lock:
            return [self._parts[n] for n in sorted(self._parts)]

    def _advance(self) -> None:
        """Move the stored prefix as far as the parts are stored and a state is known."""
        n = best = self._prefix
        while n + 1 in self._parts:
            n += 1
            m = self._marks.get(n)
            if m is not None and m.state is not None:
                best = n
        if best == self._prefix:
            return
        moved = [self._parts[i] for i in range(self._prefix + 1, best + 1)]
        etag_digest(moved, into=self._digest)
        self._crcs += base64.b64decode(pack_crc32(p.crc32 or "" for p in moved))
        self._state = self._marks[best].state
        for i in range(self._prefix + 1, best + 1):
            self._marks.pop(i, None)
        self._prefix = best

    def checkpoint(self) -> Checkpoint | None:
        """A checkpoint if anything changed since the last one (and the hash can be saved). States
        are kept only where a resume may need them: after each part not yet stored, before each
        such part, and after the last part hashed; the stored prefix is named by its digest."""
        with self._lock:
            key, upload_id, algorithm, size, part_size, library = self._ident
            if not self._dirty or library is None or self._state is None:
                return None
            self._dirty = False
            top = max(self._marks, default=self._prefix)
            marks = []
            for n in sorted(self._marks):
                m = self._marks[n]
                after = self._marks.get(n + 1)
                keep = n == top or m.etag is None or after is None or after.etag is None
                marks.append(m if keep else replace(m, state=None))
            return Checkpoint(
                key=key,
                upload_id=upload_id,
                algorithm=algorithm,
                size=size,
                part_size=part_size,
                library=library,
                prefix=self._prefix,
                prefix_etags=self._digest.copy().hexdigest(),
                prefix_crc32=base64.b64encode(bytes(self._crcs)).decode("ascii"),
                state=self._state,
                marks=tuple(marks),
                seal=self.seal,
            )
