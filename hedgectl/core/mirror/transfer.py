"""The transfer engine: streams a plan's files from the Hub source into the store.

Bounded memory (parts in flight), resumable multipart uploads, hashes checked before completing.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from hedgectl.core.mirror.hashstate import (
    LIBRARY,
    Checkpoint,
    FileHasher,
    Ledger,
    ResumePoint,
    new_file_hasher,
    open_local,
    restore_file_hasher,
    resume_point,
    seal_local,
)
from hedgectl.core.mirror.integrity import (
    crc32_b64,
    is_complete,
    new_hasher,
    object_metadata,
    part_matches,
)
from hedgectl.core.mirror.model import Part, RepoFile, Snapshot, Target
from hedgectl.core.mirror.plan import Plan, PlannedFile, part_ranges
from hedgectl.core.mirror.ports import (
    HubSource,
    LocalStates,
    NullProgress,
    ObjectStore,
    Progress,
    UploadGone,
)
from hedgectl.errors import HedgeError, IntegrityError, RemoteError, UsageError


@dataclass
class FileResult:
    path: str
    size: int
    status: str  # "copied" | "resumed" | "skipped" | "failed"
    bytes_sent: int = 0  # uploaded to the store by this run
    bytes_reread: int = 0  # read again from the source to rebuild the hash of parts already there
    bytes_resumed: int = 0  # stored parts not read again: the hash continued from a checkpoint
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

    @property
    def bytes_resumed(self) -> int:
        return sum(r.bytes_resumed for r in self.files)

    def count(self, status: str) -> int:
        return sum(1 for r in self.files if r.status == status)


class _Cancelled(Exception):
    """Another file failed: stop submitting work."""


MIN_SLICE = 1 << 20  # a part is read in slices of at least 1 MiB, one connection each
MAX_RANGELESS_PARTS = 8  # a source that ignores Range is tolerated for files of this many parts
# A file's hash checkpoint is saved as soon as a part is stored: to a local state file after every
# part, and to the store (a PUT of a few hundred bytes, about 7 ms of CPU of client and store
# together on loopback, on a fast link many times a second) at most this often. A resume on this
# machine goes on from the local file; one elsewhere reads again the parts stored since the
# store's last save. Without a local state folder the store is written as often as it was alone.
STORE_CHECKPOINT_SECONDS = 1.0
CHECKPOINT_SECONDS = 0.05  # the store's interval when there is no local state folder


class _ReadPool:
    """The read connections' threads. Slices are taken by part priority (the order in which parts
    got their slots), not by arrival: part threads that start together would otherwise interleave
    their slices, so later parts finish first and wait for the hash, and a kill loses pieces of
    every part in flight instead of about one part's."""

    def __init__(self, workers: int) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, Callable[[], None], Future[None]]] = []
        self._seq = itertools.count()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"read-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def submit(self, priority: int, fn: Callable[[], None]) -> Future[None]:
        fut: Future[None] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("read pool closed")
            heapq.heappush(self._heap, (priority, next(self._seq), fn, fut))
            self._cond.notify()
        return fut

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._cond.wait()
                if not self._heap:
                    return
                _, _, fn, fut = heapq.heappop(self._heap)
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the part waiting for it
                fut.set_exception(exc)
            else:
                fut.set_result(None)

    def __enter__(self) -> _ReadPool:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for t in self._threads:
            t.join()


class _Buffers:
    """Part buffers reused from part to part: a fresh 32 MiB bytearray per part costs page
    faults and zeroing on every byte, about as much CPU as the CRC32. Only buffers of the current
    full part size are kept (the last, shorter part of a file is allocated); each kept buffer was
    in use under a part slot, so kept + in use never exceeds `concurrency` buffers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._free: list[bytearray] = []

    def take(self, size: int, full: bool) -> bytearray:
        with self._lock:
            if full and size != self._size:
                self._size, self._free = size, []
            if size == self._size and self._free:
                return self._free.pop()
        return bytearray(size)

    def give(self, buf: bytearray) -> None:
        with self._lock:
            if len(buf) == self._size:
                self._free.append(buf)


def _restored(algorithm: str, state: str) -> FileHasher:
    hasher = restore_file_hasher(algorithm, LIBRARY or "", state)
    assert hasher is not None  # resume_point checked every state it returns
    return hasher


class _Turnstile:
    """Lets the parts of one file through one at a time, in file order: the file's hash is fed in
    order by whichever part thread holds the turn. Closed when a part fails, so the parts waiting
    behind it stop instead of waiting for a hash that never comes."""

    def __init__(self, first: int) -> None:
        self._cond = threading.Condition()
        self._next = first
        self._closed = False

    def enter(self, number: int, cancel: threading.Event) -> None:
        with self._cond:
            while self._next != number:
                if self._closed or cancel.is_set():
                    raise _Cancelled()
                self._cond.wait(0.05)

    def leave(self) -> None:
        with self._cond:
            self._next += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class _CheckpointMismatch(Exception):
    """Re-read bytes did not reproduce a saved hash state: the checkpoint cannot be used."""

    def __init__(self, part: int) -> None:
        super().__init__(part)
        self.part = part


class _Chain:
    """Parts first..last of one file, hashed in order from one state: the file's own hash (from
    the start or from a checkpoint), or a window read again to store missing parts, whose end
    state must equal the saved one (`expect`). A window's parts count as stored only once that
    holds: until then they are held back from the checkpoints."""

    def __init__(self, first: int, last: int, hasher: FileHasher, expect: str | None) -> None:
        self.first, self.last, self.hasher, self.expect = first, last, hasher, expect
        self.turn = _Turnstile(first)
        self._lock = threading.Lock()
        self._ok = expect is None
        self._held: list[Part] = []

    def stored(self, part: Part, ledger: Ledger) -> None:
        with self._lock:
            if not self._ok:
                self._held.append(part)
                return
        ledger.stored(part)

    def verified(self, ledger: Ledger) -> None:
        with self._lock:
            self._ok = True
            held, self._held = self._held, []
        for part in held:
            ledger.stored(part)


class Copier:
    """Streams a plan's files from the source to the store with bounded memory.

    `concurrency` parts (each at most one part size of bytes) are in flight in total across all
    files, so memory stays near concurrency x part size whatever the file sizes are.

    Downloads: each part is read in slices over up to `streams` connections at once (default half
    the concurrency), first come first served in part order, so parts arrive one after another at
    the full speed of the link instead of `streams` parts each creeping in at a fraction of it.
    That keeps the in-order hash and the uploads fed early, and a kill loses at most about one
    part still downloading (plus the parts uploading), not `streams` half-read parts.
    """

    def __init__(
        self,
        source: HubSource,
        store: ObjectStore,
        progress: Progress | None = None,
        *,
        concurrency: int = 8,
        streams: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        local: LocalStates | None = None,
    ) -> None:
        if concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        # Half the parts in flight may be downloading, the rest uploading or waiting to be hashed:
        # without this split all parts download together, then all upload together (waves), and
        # neither side is ever busy while the other works.
        self.streams = max(1, streams or (concurrency + 1) // 2)
        self.source = source
        self.store = store
        self.progress = progress or NullProgress()
        self.concurrency = concurrency
        self.clock = clock
        self.local = local
        self.store_every = CHECKPOINT_SECONDS if local is None else STORE_CHECKPOINT_SECONDS
        self._slots = threading.BoundedSemaphore(concurrency)
        self._buffers = _Buffers()
        self._slices: _ReadPool | None = None
        self._tickets = itertools.count()  # part priority for the read pool: slot order
        self._cancel = threading.Event()
        self._target: Target | None = None

    def cancel(self) -> None:
        self._cancel.set()

    def run(self, plan: Plan) -> CopyResult:
        started = self.clock()
        self._target = plan.target
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
            _ReadPool(self.streams) as slices,
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="part") as parts,
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="file") as files,
        ):
            self._slices = slices
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

    def _acquire(self, tick: Callable[[], None]) -> None:
        """Take a part slot, handling this file's own done parts while waiting (no deadlock)."""
        while not self._slots.acquire(timeout=0.05):
            if self._cancel.is_set():
                raise _Cancelled()
            tick()

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
        self._acquire(lambda: None)
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

    def _state_key(self, snap: Snapshot, upload_id: str) -> str:
        assert self._target is not None
        return self._target.upload_state_key(snap.repo_id, snap.commit, upload_id)

    def _local_name(self, state_key: str) -> str:
        assert self._target is not None
        return f"{self._target.bucket}/{state_key}"

    def _drop_state(self, snap: Snapshot, upload_id: str) -> None:
        """Delete an upload's checkpoints: the store's and this machine's."""
        state_key = self._state_key(snap, upload_id)
        self.store.delete(state_key)
        if self.local is not None:
            self.local.drop(self._local_name(state_key))

    def _resume_point(
        self, state_key: str, planned: PlannedFile, upload_id: str, stored: dict[int, Part]
    ) -> tuple[ResumePoint | None, str]:
        """Where the hash goes on: from the store's checkpoint or this machine's (which is newer
        unless another machine went on since), whichever gets further. The local one counts only
        with the HMAC of the seal in the store's; resume_point checks either against the parts
        stored. Returns the point and where it came from."""
        text = self.store.get_text(state_key)
        remote = Checkpoint.from_json(text) if text is not None else None
        local = None
        if remote is not None and self.local is not None:
            local = open_local(self.local.load(self._local_name(state_key)), remote.seal)
        best: tuple[ResumePoint | None, str] = (None, "")
        for checkpoint, where in ((remote, "the store"), (local, "this machine")):
            point = resume_point(
                checkpoint,
                key=planned.key,
                upload_id=upload_id,
                algorithm=planned.file.algorithm,
                size=planned.file.size,
                part_size=planned.part_size,
                stored=stored,
            )
            if point is not None and (best[0] is None or point.start >= best[0].start):
                best = (point, where)
        return best

    def _find_upload(
        self, snap: Snapshot, planned: PlannedFile, ranges: list[tuple[int, int, int]]
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
                self._drop_state(snap, up.upload_id)
                continue
            done = sum(p.size for p in parts.values())
            if best is None or done > best[0]:
                best = (done, up.upload_id, parts)
        return None if best is None else (best[1], best[2])

    def _copy_multipart(
        self, snap: Snapshot, planned: PlannedFile, pool: ThreadPoolExecutor
    ) -> FileResult:
        """Copy one file in parts. Another run may complete (or abort) the same upload meanwhile:
        if the object is then complete and right, this file is done; otherwise start it over once.
        A checkpoint whose saved hash the source's bytes do not reproduce is dropped, and the file
        goes on by reading every part (the stored ones are compared, not trusted)."""
        gone = 0
        use_checkpoint = True
        while True:
            try:
                return self._copy_parts(snap, planned, pool, use_checkpoint)
            except _CheckpointMismatch as exc:
                if not use_checkpoint:
                    raise AssertionError("a window without a checkpoint") from exc
                use_checkpoint = False
                self.progress.log(
                    f"{planned.file.path}: the source's part {exc.part} does not reproduce the "
                    "saved hash state; reading every part again"
                )
            except UploadGone:
                if is_complete(self.store.head(planned.key), planned.file):
                    self.progress.log(f"{planned.file.path}: completed by another run")
                    return FileResult(planned.file.path, planned.file.size, "skipped")
                gone += 1
                if gone == 2:
                    raise
                self.progress.log(
                    f"{planned.file.path}: the upload was aborted by another run; starting over"
                )

    def _copy_parts(
        self,
        snap: Snapshot,
        planned: PlannedFile,
        pool: ThreadPoolExecutor,
        use_checkpoint: bool = True,
    ) -> FileResult:
        f = planned.file
        ranges = part_ranges(f.size, planned.part_size)
        found = self._find_upload(snap, planned, ranges)
        if found is None:
            meta = object_metadata(snap.repo_id, snap.commit, f, planned.part_size)
            upload_id = self.store.create_upload(planned.key, meta)
            existing: dict[int, Part] = {}
            status = "copied"
        else:
            upload_id, existing = found
            status = "resumed" if existing else "copied"
        state_key = self._state_key(snap, upload_id)
        local_name = self._local_name(state_key)
        result = FileResult(f.path, f.size, status)
        resumed: ResumePoint | None = None
        saved_on = ""
        if existing and use_checkpoint:
            resumed, saved_on = self._resume_point(state_key, planned, upload_id, existing)
        if resumed is not None:
            ledger = resumed.ledger
            start, trusted = resumed.start, resumed.trusted
            main = _Chain(start + 1, len(ranges), resumed.hasher, None)
            chains = [
                _Chain(
                    w.first,
                    w.last,
                    _restored(f.algorithm, w.before),
                    w.after,
                )
                for w in resumed.windows
            ]
            windowed = {n for c in chains for n in range(c.first, c.last + 1)}
            skipped = [p for n, p in trusted.items() if n not in windowed]
            result.parts_reused = len(skipped)
            result.bytes_resumed = sum(p.size for p in skipped)
            self.progress.advance(f.path, result.bytes_resumed)
        else:
            hasher = new_file_hasher(f.algorithm, f.size)
            ledger = Ledger(
                key=planned.key,
                upload_id=upload_id,
                algorithm=f.algorithm,
                size=f.size,
                part_size=planned.part_size,
                library=LIBRARY,
                state=hasher.state(),
            )
            start, trusted, windowed = 0, {}, set()
            main, chains = _Chain(1, len(ranges), hasher, None), []
            if not use_checkpoint:
                self._drop_state(snap, upload_id)  # it named bytes the source no longer gives
        if existing:
            if resumed is None:
                how = "reading them again to rebuild the hash"
            else:
                again = len(windowed) + sum(1 for n in existing if n > start)
                how = (
                    f"hash continued from part {start} (checkpoint saved by {saved_on}); "
                    f"{again} part(s) read again"
                )
            self.progress.log(
                f"{f.path}: resuming upload with {len(existing)} of {len(ranges)} parts already "
                f"stored; {how}"
            )
        chains.append(main)
        todo = [(c, n) for c in chains for n in range(c.first, c.last + 1)]
        pending: list[Future[tuple[Part, bool]]] = []
        unsent: Checkpoint | None = None  # the newest checkpoint not yet in the store
        sent_at = float("-inf")
        saving = threading.Lock()

        def save(final: bool = False) -> None:
            """Save what changed, from the thread of a part just stored or the file's own thread:
            to the local state file at once, to the store at most every `store_every` seconds
            (and once more when the run stops: `final`). One save at a time, each a snapshot
            taken under the lock, so they land in order; a change made while another thread
            saves is saved by the file's thread soon after."""
            nonlocal unsent, sent_at
            if not saving.acquire(blocking=final):
                return
            try:
                record = ledger.checkpoint()
                if record is not None:
                    unsent = record
                    if self.local is not None:
                        self.local.save(local_name, seal_local(record))
                if unsent is None or (not final and self.clock() - sent_at < self.store_every):
                    return
                sent_at = self.clock()
                body = unsent.to_json().encode()
                unsent = None
                self.store.put(state_key, body, {}, crc32_b64(body))
            finally:
                saving.release()

        def reap() -> None:
            """Count the parts done (any order; the first failure is raised) and save."""
            for fut in [p for p in pending if p.done()]:
                pending.remove(fut)
                part, reused = fut.result()
                if reused:
                    result.parts_reused += 1
                    result.bytes_reread += part.size
                else:
                    result.bytes_sent += part.size
            save()

        def close_all() -> None:
            for c in chains:
                c.turn.close()

        def part_task(chain: _Chain, number: int, ticket: int) -> tuple[Part, bool]:
            """Read, hash (in file order within its chain), store; the part's slot and buffer
            are free on return, whatever the parts before it are still doing."""
            _, start_at, end = ranges[number - 1]
            try:
                if self._cancel.is_set():
                    raise _Cancelled()
                size = end - start_at
                data = self._buffers.take(size, full=size == planned.part_size)
                try:
                    self._fetch(snap, f, start_at, data, planned.part_size, ticket)
                    crc = crc32_b64(data)
                    # The hash is fed here, as soon as the parts before this one are read, not
                    # after they are stored: a slow upload no longer holds the slots behind it.
                    chain.turn.enter(number, self._cancel)
                    try:
                        chain.hasher.update(data)
                        state = chain.hasher.state() if LIBRARY is not None else None
                        if chain.expect is None:
                            ledger.hashed(number, size, crc, state)
                        elif number == chain.last and state != chain.expect:
                            raise _CheckpointMismatch(number)
                    finally:
                        chain.turn.leave()
                    if chain.expect is not None and number == chain.last:
                        chain.verified(ledger)
                    known = trusted.get(number)
                    old = existing.get(number)
                    if known is not None:
                        part, reused = known, True  # inside a window: stored, read only to hash
                    elif old is not None and part_matches(old, data, crc):
                        part, reused = Part(number, size, old.etag, crc), True
                    else:
                        if old is not None:
                            self.progress.log(
                                f"{f.path}: stored part {number} differs from the source; "
                                "uploading it again"
                            )
                        etag = self.store.upload_part(planned.key, upload_id, number, data, crc)
                        part, reused = Part(number, size, etag, crc), False
                    self.progress.advance(f.path, size)
                    if chain.expect is None:
                        ledger.stored(part)
                    else:
                        chain.stored(part, ledger)
                finally:
                    self._buffers.give(data)
                save()  # a part stored but in no checkpoint is read again after a kill
                return part, reused
            except BaseException:
                close_all()  # the parts after this one must not wait for its hash
                raise
            finally:
                self._slots.release()  # the slot bounds memory: the buffer is back in the pool

        try:
            for chain, number in todo:
                self._acquire(reap)
                try:
                    ticket = next(self._tickets)
                    pending.append(pool.submit(part_task, chain, number, ticket))
                except BaseException:
                    self._slots.release()
                    raise
                reap()
            while pending:
                wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                reap()
        except BaseException as exc:
            # Let in-flight parts finish (each frees its own slot); the upload stays resumable.
            close_all()
            errors: list[BaseException] = []
            for fut in pending:
                try:
                    fut.result()
                except (HedgeError, _Cancelled, _CheckpointMismatch) as other:
                    errors.append(other)
            if not isinstance(exc, (UploadGone, _CheckpointMismatch)):
                with contextlib.suppress(HedgeError):  # the run's own error is the one to report
                    save(final=True)  # so that a resume elsewhere reads again as little as here
            # A part that stopped because another part of this file failed is not the cause.
            cause = next((e for e in errors if not isinstance(e, _Cancelled)), None)
            if isinstance(exc, _Cancelled) and cause is not None and not self._cancel.is_set():
                raise cause from None
            raise
        try:
            self._check(f, main.hasher, f.size)
        except IntegrityError:
            self.store.abort(planned.key, upload_id)
            self._drop_state(snap, upload_id)
            raise
        self.store.complete(planned.key, upload_id, ledger.parts())
        self._drop_state(snap, upload_id)
        self._abort_strays(snap, planned, upload_id)
        return result

    def _fetch(
        self,
        snap: Snapshot,
        f: RepoFile,
        start: int,
        buf: bytearray,
        part_size: int,
        priority: int = 0,
    ) -> None:
        """Fill `buf` with the file's bytes from `start`: in slices over the shared read pool,
        before the slices of parts with a later `priority`."""
        view = memoryview(buf)
        read_into = getattr(self.source, "read_into", None)

        def read(offset: int, end: int) -> None:
            if self._cancel.is_set():
                raise _Cancelled()
            if read_into is not None:
                read_into(snap.repo_id, snap.commit, f, start + offset, view[offset:end])
            else:
                view[offset:end] = self.source.read(
                    snap.repo_id, snap.commit, f, start + offset, start + end
                )

        size = len(buf)
        ranges = getattr(self.source, "range_support", None)

        def ignores_range() -> bool:
            return ranges is not None and ranges(snap.repo_id, snap.commit, f) is False

        def refuse() -> None:
            # Each part (each slice) would read the file again from byte 0: quadratic.
            raise RemoteError(
                f"{f.path}: the source ignores HTTP Range requests, so this {f.size}-byte file "
                "cannot be streamed in parts",
                hint="use a source that honours Range (the Hub and its CDN do), or "
                f"--part-size of at least 1/{MAX_RANGELESS_PARTS} of the file",
            )

        if ignores_range():
            if f.size > MAX_RANGELESS_PARTS * part_size:
                refuse()
            step = size  # whole parts: slices would multiply the bytes read again
        else:
            step = max(MIN_SLICE, -(-size // self.streams))
        assert self._slices is not None
        futures = [
            self._slices.submit(priority, functools.partial(read, offset, min(size, offset + step)))
            for offset in range(0, size, step)
        ]
        error: BaseException | None = None
        for fut in futures:  # wait for every slice: none may still write into a reused buffer
            try:
                fut.result()
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after every slice
                error = error or exc
        if error is not None:
            raise error
        if start > 0 and ignores_range() and f.size > MAX_RANGELESS_PARTS * part_size:
            refuse()

    def _abort_strays(self, snap: Snapshot, planned: PlannedFile, completed: str) -> None:
        """Other uploads of a key that is now complete only cost storage: abort them. A run still
        writing one finds its upload gone, sees the complete object, and counts the file done."""
        for up in self.store.list_uploads(planned.key):
            if up.key == planned.key and up.upload_id != completed:
                self.store.abort(planned.key, up.upload_id)
                self._drop_state(snap, up.upload_id)
