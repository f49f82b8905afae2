"""Mirror one Hub repo at one commit into an object store: plan, copy, verify.

Pure decisions against two ports (a Hub source, an object store) and a progress sink; the
adapters in hedgectl/adapters implement them with huggingface_hub/httpx and boto3.

Layout under DEST = s3://bucket/prefix:
    <prefix>/<org>/<name>/<commit>/<path>             the repo's files, exactly
    <prefix>/<org>/<name>/<commit>.manifest.json      beside the folder (vLLM pulls every *.json inside)
    <prefix>/<org>/<name>/refs/<revision>             the commit, written last

Integrity: every file is hashed in order while it streams (SHA-256 for LFS files, git blob SHA-1
for the rest) and the multipart upload is completed only if the digest and size match the Hub's
listing. Each part carries a CRC32 checksum the store checks on arrival.

Resume: the state lives in the bucket. Complete objects carry the source digest in their metadata
and are skipped; an in-progress multipart upload is found again with ListMultipartUploads, its
parts with ListParts; the parts already there are read again from the source only to rebuild the
hash (and checked against the part's stored checksum or MD5 ETag), never uploaded twice.
"""

from __future__ import annotations

import base64
import collections
import fnmatch
import hashlib
import json
import math
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from hedgectl.core.units import GiB, MiB
from hedgectl.errors import FindingsError, HedgeError, IntegrityError, RemoteError, UsageError

MIN_PART = 5 * MiB  # S3: every part but the last is at least 5 MiB
MAX_PART = 5 * GiB
MAX_PARTS = 10_000
DEFAULT_PART = 32 * MiB  # 8 in flight = 256 MiB of buffers; 16 GB shards = 500 parts
MANIFEST_SCHEMA = "hedgectl.mirror-manifest/v1"
META_PREFIX = "hf-"
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


# ---------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class RepoFile:
    """One file of a repo at a commit, as the Hub's tree lists it."""

    path: str
    size: int
    git_oid: str  # git blob SHA-1 (of the LFS pointer for LFS files)
    sha256: str | None = None  # LFS files: SHA-256 of the content

    @property
    def algorithm(self) -> str:
        return "sha256" if self.sha256 else "git-sha1"

    @property
    def digest(self) -> str:
        return self.sha256 or self.git_oid


@dataclass(frozen=True)
class Snapshot:
    repo_id: str
    revision: str
    commit: str
    license: str | None
    files: tuple[RepoFile, ...]


@dataclass(frozen=True)
class Source:
    repo_id: str
    revision: str
    preset: str | None = None


@dataclass(frozen=True)
class Target:
    """s3://bucket/prefix and the key layout below it."""

    bucket: str
    prefix: str = ""

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def repo_root(self, repo_id: str) -> str:
        return f"{self.prefix}/{repo_id}" if self.prefix else repo_id

    def commit_prefix(self, repo_id: str, commit: str) -> str:
        return f"{self.repo_root(repo_id)}/{commit}/"

    def file_key(self, repo_id: str, commit: str, path: str) -> str:
        return self.commit_prefix(repo_id, commit) + path

    def manifest_key(self, repo_id: str, commit: str) -> str:
        return f"{self.repo_root(repo_id)}/{commit}.manifest.json"

    def ref_key(self, repo_id: str, revision: str) -> str:
        return f"{self.repo_root(repo_id)}/refs/{revision}"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Part:
    number: int
    size: int
    etag: str
    crc32: str | None = None  # base64 of the big-endian CRC32, as S3 spells it


@dataclass(frozen=True, slots=True)
class Upload:
    key: str
    upload_id: str
    initiated: str = ""


# ---------------------------------------------------------------- ports


class HubSource(Protocol):
    def snapshot(self, repo_id: str, revision: str) -> Snapshot:
        """Resolve the revision to a commit and list every file at that commit."""
        ...

    def read(
        self, repo_id: str, commit: str, file: RepoFile, start: int, end: int
    ) -> bytes | bytearray:
        """Exactly the bytes [start, end) of one file at the commit (retries are the adapter's job)."""
        ...


class ObjectStore(Protocol):
    def head(self, key: str) -> ObjectInfo | None: ...

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]: ...

    def put(
        self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
    ) -> str: ...

    def create_upload(self, key: str, metadata: Mapping[str, str]) -> str: ...

    def list_uploads(self, prefix: str) -> list[Upload]: ...

    def list_parts(self, key: str, upload_id: str) -> list[Part]: ...

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str: ...

    def complete(self, key: str, upload_id: str, parts: Sequence[Part]) -> str: ...

    def abort(self, key: str, upload_id: str) -> None: ...

    def read(self, key: str, start: int, end: int) -> bytes: ...

    def get_text(self, key: str) -> str | None: ...


class Progress(Protocol):
    def begin(self, total_bytes: int, total_files: int) -> None: ...

    def file_begin(self, path: str, size: int) -> None: ...

    def advance(self, path: str, nbytes: int) -> None: ...

    def file_end(self, path: str, status: str) -> None: ...

    def log(self, message: str) -> None: ...


class NullProgress:
    def begin(self, total_bytes: int, total_files: int) -> None:
        pass

    def file_begin(self, path: str, size: int) -> None:
        pass

    def advance(self, path: str, nbytes: int) -> None:
        pass

    def file_end(self, path: str, status: str) -> None:
        pass

    def log(self, message: str) -> None:
        pass


# ---------------------------------------------------------------- parsing


def parse_source(
    text: str, presets: Mapping[str, Mapping[str, Any]], revision: str | None
) -> Source:
    """A preset name or org/name, optionally @revision; --revision wins over both."""
    name, _, rev = text.partition("@")
    if not name:
        raise UsageError(f"bad SOURCE '{text}': expected a preset, org/name or org/name@revision")
    preset = presets.get(name)
    if preset is not None:
        repo_id = str(preset["repo"])
        rev = rev or str(preset.get("revision", "main"))
        return Source(repo_id=repo_id, revision=revision or rev, preset=name)
    if not REPO_RE.match(name):
        hint = "run 'hedgectl mirror presets' to list presets"
        raise UsageError(
            f"bad SOURCE '{text}': not a preset and not a Hub repo id org/name", hint=hint
        )
    return Source(repo_id=name, revision=revision or rev or "main")


def parse_dest(text: str) -> Target:
    if not text.startswith("s3://"):
        raise UsageError(f"bad DEST '{text}': expected s3://bucket or s3://bucket/prefix")
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
        raise UsageError(f"bad DEST '{text}': '{bucket}' is not a valid bucket name")
    return Target(bucket=bucket, prefix=prefix.strip("/"))


def parse_shard(text: str) -> tuple[int, int]:
    """'I/N' with 0 <= I < N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise UsageError(f"bad --shard '{text}': expected I/N, e.g. 0/4")
    index, count = int(match[1]), int(match[2])
    if count < 1 or index >= count:
        raise UsageError(f"bad --shard '{text}': need 0 <= I < N")
    return index, count


def select_files(
    files: Iterable[RepoFile], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[RepoFile]:
    """--include keeps paths matching any glob (all when empty); --exclude then drops matches."""
    chosen = []
    for f in files:
        if include and not any(fnmatch.fnmatchcase(f.path, g) for g in include):
            continue
        if any(fnmatch.fnmatchcase(f.path, g) for g in exclude):
            continue
        chosen.append(f)
    return sorted(chosen, key=lambda f: f.path)


def shard_files(files: Sequence[RepoFile], index: int, count: int) -> list[RepoFile]:
    """Deterministic, byte-balanced split: largest first to the least-loaded shard."""
    if count == 1:
        return list(files)
    loads = [0] * count
    owner: dict[str, int] = {}
    for f in sorted(files, key=lambda f: (-f.size, f.path)):
        target = min(range(count), key=lambda i: (loads[i], i))
        loads[target] += f.size
        owner[f.path] = target
    return [f for f in files if owner[f.path] == index]


def part_size_for(size: int, requested: int) -> int:
    """The part size for one file: the requested size, raised so the file fits in 10,000 parts."""
    if requested < MIN_PART or requested > MAX_PART:
        raise UsageError(f"part size must be between 5 MiB and 5 GiB, not {requested} bytes")
    needed = math.ceil(size / MAX_PARTS)
    part = max(requested, math.ceil(needed / MiB) * MiB)
    if part > MAX_PART:
        raise UsageError(f"a file of {size} bytes does not fit in 10,000 parts of at most 5 GiB")
    return part


def part_ranges(size: int, part: int) -> list[tuple[int, int, int]]:
    """(number, start, end) for each part; a file smaller than one part has exactly one."""
    count = max(1, math.ceil(size / part))
    return [(n + 1, n * part, min(size, (n + 1) * part)) for n in range(count)]


# ---------------------------------------------------------------- hashing


def new_hasher(file: RepoFile) -> Any:
    """SHA-256 for LFS files; git's blob SHA-1 ('blob <size>\\0' + content) otherwise."""
    if file.sha256:
        return hashlib.sha256()
    hasher = hashlib.sha1(usedforsecurity=False)
    hasher.update(b"blob %d\0" % file.size)
    return hasher


def crc32_b64(data: bytes | bytearray) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode("ascii")


def _part_matches(existing: Part, data: bytes | bytearray, crc: str) -> bool:
    """Is the part already in the store the same bytes as the source's? CRC32 if the store kept
    it, else the MD5 ETag (plain S3 parts); an opaque ETag (SSE-KMS) is trusted on size alone."""
    if existing.size != len(data):
        return False
    if existing.crc32:
        return existing.crc32 == crc
    etag = existing.etag.strip('"').lower()
    if re.fullmatch(r"[0-9a-f]{32}", etag):
        return hashlib.md5(data, usedforsecurity=False).hexdigest() == etag
    return True


def object_metadata(repo_id: str, commit: str, file: RepoFile, part: int) -> dict[str, str]:
    """x-amz-meta-* recorded on every object: what it is a copy of, and its hash (ASCII only)."""
    return {
        f"{META_PREFIX}repo": repo_id,
        f"{META_PREFIX}commit": commit,
        f"{META_PREFIX}path": quote(file.path, safe="/"),
        f"{META_PREFIX}size": str(file.size),
        f"{META_PREFIX}{file.algorithm}": file.digest,
        "hedgectl-part-size": str(part),
    }


def is_complete(info: ObjectInfo | None, file: RepoFile) -> bool:
    return (
        info is not None
        and info.size == file.size
        and info.metadata.get(f"{META_PREFIX}{file.algorithm}") == file.digest
    )


# ---------------------------------------------------------------- plan


@dataclass(frozen=True)
class PlannedFile:
    file: RepoFile
    key: str
    part_size: int
    state: str  # "complete" | "partial" | "missing"
    bytes_present: int = 0


@dataclass(frozen=True)
class Plan:
    snapshot: Snapshot
    target: Target
    selection: tuple[RepoFile, ...]  # all files after include/exclude (every shard)
    files: tuple[PlannedFile, ...]  # this shard's files
    shard: tuple[int, int]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def total_bytes(self) -> int:
        return sum(p.file.size for p in self.files)

    @property
    def present_bytes(self) -> int:
        return sum(p.file.size if p.state == "complete" else p.bytes_present for p in self.files)

    def count(self, state: str) -> int:
        return sum(1 for p in self.files if p.state == state)


def make_plan(
    snapshot: Snapshot,
    target: Target,
    store: ObjectStore,
    *,
    part_size: int = DEFAULT_PART,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    shard: tuple[int, int] = (0, 1),
) -> Plan:
    """What this run has to do: which files, and what the bucket already holds of them."""
    selection = select_files(snapshot.files, include, exclude)
    if not selection:
        raise UsageError(
            f"no files of {snapshot.repo_id}@{snapshot.commit[:12]} match the include/exclude globs"
        )
    mine = shard_files(selection, *shard)
    prefix = target.commit_prefix(snapshot.repo_id, snapshot.commit)
    listed = {o.key: o for o in store.list_objects(prefix)}
    uploads: dict[str, list[Upload]] = collections.defaultdict(list)
    for up in store.list_uploads(prefix):
        uploads[up.key].append(up)
    planned = []
    for f in mine:
        key = target.file_key(snapshot.repo_id, snapshot.commit, f.path)
        part = part_size_for(f.size, part_size)
        seen = listed.get(key)
        if seen is not None and seen.size == f.size and is_complete(store.head(key), f):
            planned.append(PlannedFile(f, key, part, "complete"))
        elif uploads.get(key):
            done = max(
                sum(p.size for p in store.list_parts(key, u.upload_id)) for u in uploads[key]
            )
            planned.append(PlannedFile(f, key, part, "partial", min(done, f.size)))
        else:
            planned.append(PlannedFile(f, key, part, "missing"))
    return Plan(
        snapshot, target, tuple(selection), tuple(planned), shard, tuple(include), tuple(exclude)
    )


# ---------------------------------------------------------------- copy


@dataclass
class FileResult:
    path: str
    size: int
    status: str  # "copied" | "resumed" | "skipped" | "failed"
    bytes_sent: int = 0  # uploaded to the store by this run
    bytes_reread: int = 0  # read again from the source to rebuild the hash of parts already there
    parts_reused: int = 0
    error: str = ""


@dataclass
class CopyResult:
    plan: Plan
    files: list[FileResult]
    seconds: float
    manifest_key: str | None = None
    ref_key: str | None = None

    @property
    def bytes_sent(self) -> int:
        return sum(r.bytes_sent for r in self.files)

    @property
    def bytes_reread(self) -> int:
        return sum(r.bytes_reread for r in self.files)

    def count(self, status: str) -> int:
        return sum(1 for r in self.files if r.status == status)


class _Cancelled(Exception):
    """Another file failed: stop submitting work."""


class Copier:
    """Streams a plan's files from the source to the store with bounded memory.

    `concurrency` parts (each at most one part size of bytes) are in flight in total across all
    files, so memory stays near concurrency x part size whatever the file sizes are; at most half
    of them download at once so downloads and uploads overlap.
    """

    def __init__(
        self,
        source: HubSource,
        store: ObjectStore,
        progress: Progress | None = None,
        *,
        concurrency: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        self.source = source
        self.store = store
        self.progress = progress or NullProgress()
        self.concurrency = concurrency
        self.clock = clock
        self._slots = threading.BoundedSemaphore(concurrency)
        # Half the parts in flight may be downloading, the rest uploading or waiting to be hashed:
        # without this split all parts download together, then all upload together (waves), and
        # neither side is ever busy while the other works.
        self._downloads = threading.BoundedSemaphore(max(1, (concurrency + 1) // 2))
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self, plan: Plan) -> CopyResult:
        started = self.clock()
        snap = plan.snapshot
        todo = [p for p in plan.files if p.state != "complete"]
        self.progress.begin(plan.total_bytes, len(plan.files))
        results: dict[str, FileResult] = {}
        for p in plan.files:
            if p.state == "complete":
                results[p.file.path] = FileResult(p.file.path, p.file.size, "skipped")
                self.progress.advance(p.file.path, p.file.size)
                self.progress.file_end(p.file.path, "skipped")
        first_error: HedgeError | None = None
        integrity: list[IntegrityError] = []
        with (
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="part") as parts,
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="file") as files,
        ):
            # Small files first would starve nothing; large files first keeps the tail short.
            order = sorted(todo, key=lambda p: (-p.file.size, p.file.path))
            futures = {files.submit(self._copy_file, snap, p, parts): p for p in order}
            try:
                for fut, p in futures.items():
                    try:
                        results[p.file.path] = fut.result()
                    except IntegrityError as exc:
                        integrity.append(exc)
                        results[p.file.path] = FileResult(
                            p.file.path, p.file.size, "failed", error=str(exc)
                        )
                    except _Cancelled:
                        results[p.file.path] = FileResult(
                            p.file.path, p.file.size, "failed", error="cancelled"
                        )
                    except HedgeError as exc:
                        results[p.file.path] = FileResult(
                            p.file.path, p.file.size, "failed", error=str(exc)
                        )
                        if first_error is None:
                            first_error = exc
                            self._cancel.set()
            except BaseException:
                self._cancel.set()
                raise
        ordered = [results[p.file.path] for p in plan.files]
        result = CopyResult(plan, ordered, self.clock() - started)
        if first_error is not None:
            raise RemoteError(
                f"{first_error}",
                hint=first_error.hint
                or "nothing copied so far is lost: run the same command again to resume",
            ) from first_error
        if integrity:
            names = "; ".join(str(e) for e in integrity)
            raise IntegrityError(
                f"{len(integrity)} file(s) did not match the Hub's hash: {names}",
                hint="those uploads were aborted and every other file is kept: re-run to retry them; "
                "if it repeats, the Hub serves bytes that differ from its own listing",
            )
        return result

    # -- one file

    def _acquire(
        self, pending: collections.deque[tuple[Future[Any], int]], drain: Callable[[], None]
    ) -> None:
        """Take a part slot, finishing this file's own done parts while waiting (no deadlock)."""
        while not self._slots.acquire(timeout=0.05):
            if self._cancel.is_set():
                raise _Cancelled()
            if pending and pending[0][0].done():
                drain()

    def _copy_file(
        self, snap: Snapshot, planned: PlannedFile, pool: ThreadPoolExecutor
    ) -> FileResult:
        if self._cancel.is_set():
            raise _Cancelled()
        f = planned.file
        self.progress.file_begin(f.path, f.size)
        if f.size < planned.part_size:
            result = self._copy_small(snap, planned)
        else:
            result = self._copy_multipart(snap, planned, pool)
        self.progress.file_end(f.path, result.status)
        return result

    def _check(self, f: RepoFile, hasher: Any, nbytes: int) -> None:
        got = hasher.hexdigest()
        if nbytes != f.size or got != f.digest:
            raise IntegrityError(
                f"{f.path}: {f.algorithm} of the {nbytes} bytes read is {got}, "
                f"the Hub lists {f.digest} for {f.size} bytes"
            )

    def _copy_small(self, snap: Snapshot, planned: PlannedFile) -> FileResult:
        f = planned.file
        self._acquire(collections.deque(), lambda: None)
        try:
            data = self.source.read(snap.repo_id, snap.commit, f, 0, f.size) if f.size else b""
            hasher = new_hasher(f)
            hasher.update(data)
            self._check(f, hasher, len(data))
            meta = object_metadata(snap.repo_id, snap.commit, f, planned.part_size)
            self.store.put(planned.key, data, meta, crc32_b64(data))
            self.progress.advance(f.path, f.size)
        finally:
            self._slots.release()
        return FileResult(f.path, f.size, "copied", bytes_sent=f.size)

    def _find_upload(
        self, planned: PlannedFile, ranges: list[tuple[int, int, int]]
    ) -> tuple[str, dict[int, Part]] | None:
        """An in-progress upload of this key whose parts fit this plan, or None."""
        best: tuple[int, str, dict[int, Part]] | None = None
        for up in self.store.list_uploads(planned.key):
            if up.key != planned.key:
                continue
            parts = {p.number: p for p in self.store.list_parts(planned.key, up.upload_id)}
            expected = {n: end - start for n, start, end in ranges}
            if any(expected.get(n) != p.size for n, p in parts.items()):
                # Written with another part size (or for another file): useless, and it costs storage.
                self.progress.log(
                    f"{planned.file.path}: aborting a stale upload with other part sizes"
                )
                self.store.abort(planned.key, up.upload_id)
                continue
            done = sum(p.size for p in parts.values())
            if best is None or done > best[0]:
                best = (done, up.upload_id, parts)
        return None if best is None else (best[1], best[2])

    def _copy_multipart(
        self, snap: Snapshot, planned: PlannedFile, pool: ThreadPoolExecutor
    ) -> FileResult:
        f = planned.file
        ranges = part_ranges(f.size, planned.part_size)
        found = self._find_upload(planned, ranges)
        if found is None:
            meta = object_metadata(snap.repo_id, snap.commit, f, planned.part_size)
            upload_id = self.store.create_upload(planned.key, meta)
            existing: dict[int, Part] = {}
            status = "copied"
        else:
            upload_id, existing = found
            status = "resumed" if existing else "copied"
            if existing:
                self.progress.log(
                    f"{f.path}: resuming upload with {len(existing)} of {len(ranges)} parts already stored"
                )
        result = FileResult(f.path, f.size, status)
        hasher = new_hasher(f)
        done_parts: list[Part] = []
        hashed = 0
        pending: collections.deque[tuple[Future[Any], int]] = collections.deque()

        def drain_one() -> None:
            nonlocal hashed
            fut, _ = pending.popleft()
            try:
                data, part, reused = fut.result()
                hasher.update(data)  # in file order: the futures are consumed in submission order
            finally:
                # Only now is the part's buffer free: the slot bounds memory, not just requests.
                self._slots.release()
            hashed += len(data)
            done_parts.append(part)
            if reused:
                result.parts_reused += 1
                result.bytes_reread += len(data)
            else:
                result.bytes_sent += len(data)

        def part_task(number: int, start: int, end: int) -> tuple[bytes | bytearray, Part, bool]:
            if self._cancel.is_set():
                raise _Cancelled()
            with self._downloads:
                data = self.source.read(snap.repo_id, snap.commit, f, start, end)
            crc = crc32_b64(data)
            old = existing.get(number)
            if old is not None and _part_matches(old, data, crc):
                self.progress.advance(f.path, len(data))
                return data, Part(number, len(data), old.etag, crc), True
            if old is not None:
                self.progress.log(
                    f"{f.path}: stored part {number} differs from the source; uploading it again"
                )
            etag = self.store.upload_part(planned.key, upload_id, number, data, crc)
            self.progress.advance(f.path, len(data))
            return data, Part(number, len(data), etag, crc), False

        try:
            for number, start, end in ranges:
                self._acquire(pending, drain_one)
                try:
                    fut = pool.submit(part_task, number, start, end)
                except BaseException:
                    self._slots.release()
                    raise
                pending.append((fut, number))
                while pending and pending[0][0].done():
                    drain_one()
            while pending:
                drain_one()
        except BaseException:
            # Let in-flight parts finish so their slots come back; the upload stays resumable.
            while pending:
                fut, _ = pending.popleft()
                try:
                    fut.result()
                except (HedgeError, _Cancelled):
                    pass
                finally:
                    self._slots.release()
            raise
        try:
            self._check(f, hasher, hashed)
        except IntegrityError:
            self.store.abort(planned.key, upload_id)
            raise
        self.store.complete(planned.key, upload_id, done_parts)
        return result


# ---------------------------------------------------------------- manifest and ref


def finalize(
    plan: Plan, store: ObjectStore, *, tool_version: str, started_at: str, finished_at: str
) -> tuple[str, str] | None:
    """Write the manifest and then the ref, if every selected file (all shards) is complete.

    Returns (manifest_key, ref_key), or None when other shards still have work to do.
    """
    snap, target = plan.snapshot, plan.target
    entries = []
    for f in plan.selection:
        key = target.file_key(snap.repo_id, snap.commit, f.path)
        info = store.head(key)
        if not is_complete(info, f):
            return None
        assert info is not None
        entries.append(
            {
                "path": f.path,
                "size": f.size,
                "sha256": f.sha256,
                "git_oid": f.git_oid,
                "etag": info.etag.strip('"'),
            }
        )
    manifest_key = target.manifest_key(snap.repo_id, snap.commit)
    ref_key = target.ref_key(snap.repo_id, snap.revision)
    if _already_published(store, manifest_key, ref_key, snap.commit, entries):
        return manifest_key, ref_key  # a re-run writes nothing
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "repo": snap.repo_id,
        "revision": snap.revision,
        "commit": snap.commit,
        "license": snap.license,
        "include": list(plan.include),
        "exclude": list(plan.exclude),
        "files": entries,
        "total_bytes": sum(f.size for f in plan.selection),
        "tool": "hedgectl",
        "tool_version": tool_version,
        "started_at": started_at,
        "finished_at": finished_at,
    }
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    store.put(manifest_key, body, {}, crc32_b64(body))
    ref = snap.commit.encode()
    # The ref is the "published" signal: written last, only after the manifest.
    store.put(ref_key, ref, {}, crc32_b64(ref))
    return manifest_key, ref_key


def _already_published(
    store: ObjectStore, manifest_key: str, ref_key: str, commit: str, entries: list[dict[str, Any]]
) -> bool:
    ref = store.get_text(ref_key)
    if ref is None or ref.strip() != commit:
        return False
    text = store.get_text(manifest_key)
    try:
        old = json.loads(text) if text is not None else None
    except json.JSONDecodeError:
        return False
    return isinstance(old, dict) and old.get("files") == entries


# ---------------------------------------------------------------- verify


@dataclass(frozen=True)
class Difference:
    path: str
    problem: str  # "missing" | "size" | "hash" | "extra" | "unreadable"
    detail: str


@dataclass
class VerifyResult:
    repo_id: str
    commit: str
    target: Target
    files: int
    bytes_read: int
    differences: list[Difference]
    seconds: float
    manifest_key: str

    @property
    def ok(self) -> bool:
        return not self.differences


def resolve_commit(store: ObjectStore, target: Target, repo_id: str, revision: str) -> str:
    """A 40-hex commit as is; otherwise the mirror's refs/<revision> (the Hub is not needed)."""
    if COMMIT_RE.match(revision):
        return revision
    text = store.get_text(target.ref_key(repo_id, revision))
    if text is None:
        raise FindingsError(
            f"no finished mirror of {repo_id}@{revision} under {target.url} "
            f"({target.ref_key(repo_id, revision)} is missing)",
            hint="run 'hedgectl mirror' first, or pass the commit as @<sha>",
        )
    commit = text.strip()
    if not COMMIT_RE.match(commit):
        raise FindingsError(
            f"{target.ref_key(repo_id, revision)} does not hold a commit: {commit[:60]!r}"
        )
    return commit


def load_manifest(store: ObjectStore, target: Target, repo_id: str, commit: str) -> dict[str, Any]:
    key = target.manifest_key(repo_id, commit)
    text = store.get_text(key)
    if text is None:
        raise FindingsError(
            f"no manifest at s3://{target.bucket}/{key}: the mirror of {repo_id}@{commit[:12]} is not finished",
            hint="run the same 'hedgectl mirror' command again to finish it",
        )
    try:
        manifest: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FindingsError(f"manifest s3://{target.bucket}/{key} is not JSON: {exc}") from None
    if manifest.get("schema") != MANIFEST_SCHEMA or not isinstance(manifest.get("files"), list):
        raise FindingsError(
            f"manifest s3://{target.bucket}/{key} is not a {MANIFEST_SCHEMA} manifest"
        )
    return manifest


def verify(
    store: ObjectStore,
    target: Target,
    repo_id: str,
    revision: str,
    *,
    concurrency: int = 8,
    chunk: int = 16 * MiB,
    shard: tuple[int, int] = (0, 1),
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> VerifyResult:
    """Read every object of a mirror back and check size and hash against its manifest."""
    progress = progress or NullProgress()
    started = clock()
    commit = resolve_commit(store, target, repo_id, revision)
    manifest = load_manifest(store, target, repo_id, commit)
    files = [
        RepoFile(str(e["path"]), int(e["size"]), str(e.get("git_oid") or ""), e.get("sha256"))
        for e in manifest["files"]
    ]
    mine = shard_files(sorted(files, key=lambda f: f.path), *shard)
    prefix = target.commit_prefix(repo_id, commit)
    listed = {o.key: o for o in store.list_objects(prefix)}
    differences: list[Difference] = []
    if shard == (0, 1):
        known = {target.file_key(repo_id, commit, f.path) for f in files}
        differences += [
            Difference(k[len(prefix) :], "extra", "object is not in the manifest")
            for k in sorted(listed)
            if k not in known
        ]
    progress.begin(sum(f.size for f in mine), len(mine))
    read = [0]
    lock = threading.Lock()

    def check(f: RepoFile) -> Difference | None:
        key = target.file_key(repo_id, commit, f.path)
        info = listed.get(key)
        progress.file_begin(f.path, f.size)
        if info is None:
            progress.file_end(f.path, "missing")
            return Difference(f.path, "missing", f"s3://{target.bucket}/{key} does not exist")
        if info.size != f.size:
            progress.file_end(f.path, "size")
            return Difference(
                f.path, "size", f"{info.size} bytes in the store, {f.size} in the manifest"
            )
        hasher = new_hasher(f)
        for start in range(0, f.size, chunk):
            data = store.read(key, start, min(f.size, start + chunk))
            hasher.update(data)
            progress.advance(f.path, len(data))
            with lock:
                read[0] += len(data)
        got = hasher.hexdigest()
        if got != f.digest:
            progress.file_end(f.path, "hash")
            return Difference(
                f.path, "hash", f"{f.algorithm} is {got}, the manifest says {f.digest}"
            )
        progress.file_end(f.path, "ok")
        return None

    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        for diff in pool.map(check, sorted(mine, key=lambda f: (-f.size, f.path))):
            if diff is not None:
                differences.append(diff)
    differences.sort(key=lambda d: (d.path, d.problem))
    return VerifyResult(
        repo_id,
        commit,
        target,
        len(mine),
        read[0],
        differences,
        clock() - started,
        target.manifest_key(repo_id, commit),
    )


# ---------------------------------------------------------------- estimates


def estimate(
    total_bytes: int, bandwidth_gbps: float, price_per_gb_month: float
) -> dict[str, float]:
    """Seconds at a given line rate and monthly storage cost (decimal GB, as clouds bill)."""
    seconds = total_bytes * 8 / (bandwidth_gbps * 1e9) if bandwidth_gbps > 0 else 0.0
    return {
        "seconds": round(seconds, 1),
        "bandwidth_gbps": bandwidth_gbps,
        "storage_usd_month": round(total_bytes / 1e9 * price_per_gb_month, 2),
        "price_per_gb_month": price_per_gb_month,
    }
