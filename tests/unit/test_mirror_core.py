"""core/mirror/ against in-memory ports: parsing, planning, sharding, copy, resume, verify."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from hedgectl.config import Where
from hedgectl.core import mirror as core
from hedgectl.core.mirror import ObjectInfo, Part, RepoFile, Snapshot, Target, Upload, hashstate
from hedgectl.core.mirror.config import MirrorSettings, parse_mirror
from hedgectl.core.units import MiB, parse_size
from hedgectl.errors import ConfigError, FindingsError, IntegrityError, RemoteError, UsageError

COMMIT = "a" * 40


def content(path: str, size: int) -> bytes:
    seed = hashlib.sha256(path.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def repo_file(path: str, size: int, lfs: bool = True) -> RepoFile:
    data = content(path, size)
    oid = hashlib.sha1(b"blob %d\0" % size + data).hexdigest()
    return RepoFile(path, size, oid, hashlib.sha256(data).hexdigest() if lfs else None)


@dataclass
class FakeHub:
    files: tuple[RepoFile, ...]
    reads: list[tuple[str, int, int]] = field(default_factory=list)
    corrupt: set[str] = field(default_factory=set)
    fail_at: tuple[str, int] | None = None  # (path, start) raises RemoteError

    def snapshot(self, repo_id: str, revision: str) -> Snapshot:
        return Snapshot(repo_id, revision, COMMIT, "mit", self.files)

    def read(self, repo_id: str, commit: str, file: RepoFile, start: int, end: int) -> bytes:
        self.reads.append((file.path, start, end))
        if self.fail_at == (file.path, start):
            raise RemoteError(f"{file.path}: HTTP 503 after 8 attempts")
        data = bytearray(content(file.path, file.size)[start:end])
        if file.path in self.corrupt and data:
            data[0] ^= 1
        return bytes(data)


@dataclass
class FakeStore:
    objects: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)
    uploads: dict[str, tuple[str, dict[str, str], dict[int, tuple[bytes, str]]]] = field(
        default_factory=dict
    )
    part_puts: list[tuple[str, int]] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _n: int = 0

    def head(self, key: str) -> ObjectInfo | None:
        if key not in self.objects:
            return None
        data, meta = self.objects[key]
        return ObjectInfo(key, len(data), hashlib.md5(data).hexdigest(), meta)

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]:
        for key in sorted(self.objects):
            if key.startswith(prefix):
                info = self.head(key)
                assert info is not None
                yield info

    def put(
        self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
    ) -> str:
        assert crc32 == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        self.objects[key] = (bytes(data), dict(metadata))
        return hashlib.md5(data).hexdigest()

    def create_upload(self, key: str, metadata: Mapping[str, str]) -> str:
        with self.lock:
            self._n += 1
            uid = f"u{self._n}"
            self.uploads[uid] = (key, dict(metadata), {})
        return uid

    def list_uploads(self, prefix: str) -> list[Upload]:
        return [Upload(k, uid) for uid, (k, _, _) in self.uploads.items() if k.startswith(prefix)]

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        parts = self.uploads[upload_id][2]
        return [
            Part(n, len(d), f'"{hashlib.md5(d).hexdigest()}"')
            for n, (d, _) in sorted(parts.items())
        ]

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str:
        with self.lock:
            self.part_puts.append((key, number))
            self.uploads[upload_id][2][number] = (bytes(data), crc32)
        return f'"{hashlib.md5(data).hexdigest()}"'

    def complete(self, key: str, upload_id: str, parts: Sequence[Part]) -> str:
        k, meta, stored = self.uploads.pop(upload_id)
        numbers = [p.number for p in parts]
        assert numbers == sorted(stored) == list(range(1, len(parts) + 1))
        assert all(stored[p.number][1] == p.crc32 for p in parts)
        self.objects[k] = (b"".join(stored[n][0] for n in numbers), meta)
        return "etag-mp"

    def abort(self, key: str, upload_id: str) -> None:
        self.aborted.append(key)
        self.uploads.pop(upload_id, None)

    def read(self, key: str, start: int, end: int) -> bytes:
        return self.objects[key][0][start:end]

    def get_text(self, key: str) -> str | None:
        return self.objects[key][0].decode() if key in self.objects else None

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def copy(self, source: str, key: str, metadata: Mapping[str, str], size: int) -> None:
        self.objects[key] = (self.objects[source][0], dict(metadata))


FILES = (
    repo_file("config.json", 120, lfs=False),
    repo_file("empty.txt", 0, lfs=False),
    repo_file("model-1-of-2.safetensors", 23 * MiB + 7),
    repo_file("model-2-of-2.safetensors", 10 * MiB),
    repo_file("sub/tokenizer.model", 2 * MiB + 3),
)
TARGET = Target("bucket", "mirrors")


def mirror(hub: FakeHub, store: FakeStore, **kw: object) -> core.CopyResult:
    snap = hub.snapshot("org/model", "main")
    plan = core.make_plan(snap, TARGET, store, part_size=5 * MiB, **kw)  # type: ignore[arg-type]
    result = core.Copier(hub, store, concurrency=3).run(plan)
    keys = core.finalize(plan, store, tool_version="t", started_at="s", finished_at="f")
    if keys:
        result.manifest_key, result.ref_key = keys
    return result


def test_parse_source_dest_shard_size() -> None:
    presets = {"kimi-k2-instruct": {"repo": "moonshotai/Kimi-K2-Instruct"}}
    assert (
        core.parse_source("kimi-k2-instruct", presets, None).repo_id
        == "moonshotai/Kimi-K2-Instruct"
    )
    assert core.parse_source("org/name@v2", presets, None).revision == "v2"
    assert core.parse_source("org/name@v2", presets, "v3").revision == "v3"
    assert core.parse_source("org/name", presets, None).revision == "main"
    for bad in ("nope", "a/b/c", "@main", "org/"):
        with pytest.raises(UsageError):
            core.parse_source(bad, presets, None)
    assert core.parse_dest("s3://my-bucket/a/b/") == Target("my-bucket", "a/b")
    assert core.parse_dest("s3://my-bucket").prefix == ""
    for bad in ("my-bucket/x", "s3://B", "gs://bucket"):
        with pytest.raises(UsageError):
            core.parse_dest(bad)
    assert core.parse_shard("2/4") == (2, 4)
    for bad in ("4/4", "1", "-1/2", "0/0", "a/b"):
        with pytest.raises(UsageError):
            core.parse_shard(bad)
    assert parse_size("64MiB") == 64 * MiB == parse_size("64M")
    assert parse_size("1GiB") == 1024 * MiB and parse_size("5242880") == 5 * MiB
    with pytest.raises(UsageError):
        parse_size("lots")


def test_layout_keeps_manifest_beside_the_commit_folder() -> None:
    assert TARGET.file_key("org/m", COMMIT, "a/b.json") == f"mirrors/org/m/{COMMIT}/a/b.json"
    assert TARGET.manifest_key("org/m", COMMIT) == f"mirrors/org/m/{COMMIT}.manifest.json"
    assert not TARGET.manifest_key("org/m", COMMIT).startswith(
        TARGET.commit_prefix("org/m", COMMIT)
    )
    assert TARGET.ref_key("org/m", "main") == "mirrors/org/m/refs/main"
    assert Target("b").file_key("org/m", COMMIT, "x") == f"org/m/{COMMIT}/x"


def test_part_size_grows_to_fit_10000_parts() -> None:
    assert core.part_size_for(10 * MiB, 64 * MiB) == 64 * MiB
    big = 1700 * 1024 * MiB  # 1.7 TiB in one file
    part = core.part_size_for(big, 64 * MiB)
    assert part % MiB == 0 and part * 10_000 >= big
    with pytest.raises(UsageError):
        core.part_size_for(1, 1 * MiB)
    ranges = core.part_ranges(11 * MiB, 5 * MiB)
    assert ranges == [(1, 0, 5 * MiB), (2, 5 * MiB, 10 * MiB), (3, 10 * MiB, 11 * MiB)]
    assert core.part_ranges(0, 5 * MiB) == [(1, 0, 0)]


def test_shards_partition_the_files_deterministically() -> None:
    files = [repo_file(f"f{i}", (i * 7919) % 1000 + 1) for i in range(50)]
    for count in (1, 2, 3, 7):
        shards = [core.shard_files(files, i, count) for i in range(count)]
        paths = [f.path for s in shards for f in s]
        assert sorted(paths) == sorted(f.path for f in files)  # each file in exactly one shard
        # Same membership whatever order the listing came in: workers agree without talking.
        again = [core.shard_files(list(reversed(files)), i, count) for i in range(count)]
        assert [sorted(f.path for f in s) for s in shards] == [
            sorted(f.path for f in s) for s in again
        ]
        loads = [sum(f.size for f in s) for s in shards]
        assert max(loads) - min(loads) <= max(f.size for f in files)  # balanced by bytes


def test_select_files_globs() -> None:
    chosen = core.select_files(FILES, include=["*.safetensors", "*.json"], exclude=["model-2*"])
    assert [f.path for f in chosen] == ["config.json", "model-1-of-2.safetensors"]


def test_copy_streams_every_file_and_publishes_manifest_then_ref() -> None:
    hub, store = FakeHub(FILES), FakeStore()
    result = mirror(hub, store)
    assert result.count("copied") == len(FILES)
    for f in FILES:
        data, meta = store.objects[TARGET.file_key("org/model", COMMIT, f.path)]
        assert data == content(f.path, f.size)
        assert meta[f"hf-{f.algorithm}"] == f.digest and meta["hf-size"] == str(f.size)
    manifest = json.loads(store.objects[TARGET.manifest_key("org/model", COMMIT)][0])
    assert manifest["schema"] == core.MANIFEST_SCHEMA and manifest["license"] == "mit"
    assert [e["path"] for e in manifest["files"]] == sorted(f.path for f in FILES)
    assert store.get_text(TARGET.ref_key("org/model", "main")) == COMMIT
    # Ranged reads within one part each, in slices of at least 1 MiB over the read connections,
    # covering the file exactly once.
    last = sorted((a, b) for path, a, b in hub.reads if path == FILES[2].path and a >= 20 * MiB)
    assert last[0][0] == 20 * MiB and last[-1][1] == 23 * MiB + 7
    assert all(a2 == b1 for (_, b1), (a2, _) in itertools.pairwise(last))
    assert len(last) == 2 and last[0][1] - last[0][0] >= 1 * MiB  # -j 3: two read connections
    assert not store.uploads  # nothing left in progress


def test_rerun_skips_complete_files_and_reads_nothing() -> None:
    hub, store = FakeHub(FILES), FakeStore()
    mirror(hub, store)
    hub.reads.clear()
    before = dict(store.objects)
    result = mirror(hub, store)
    assert result.count("skipped") == len(FILES) and result.bytes_sent == 0
    assert hub.reads == [] and store.objects == before


def test_resume_reuses_stored_parts_and_rebuilds_the_hash() -> None:
    hub, store = FakeHub(FILES), FakeStore()
    big = FILES[2]  # 5 parts
    key = TARGET.file_key("org/model", COMMIT, big.path)
    uid = store.create_upload(key, {})
    data = content(big.path, big.size)
    for n in (1, 2, 4):  # an earlier run stored parts 1, 2 and 4, then died
        store.upload_part(
            key,
            uid,
            n,
            data[(n - 1) * 5 * MiB : n * 5 * MiB],
            core.crc32_b64(data[(n - 1) * 5 * MiB : n * 5 * MiB]),
        )
    store.part_puts.clear()
    result = mirror(hub, store)
    res = next(r for r in result.files if r.path == big.path)
    assert res.status == "resumed" and res.parts_reused == 3
    assert sorted(n for k, n in store.part_puts if k == key) == [3, 5]
    assert store.objects[key][0] == data


def test_resume_reuploads_a_stored_part_that_differs_from_the_source() -> None:
    hub, store = FakeHub(FILES), FakeStore()
    big = FILES[3]  # 2 parts
    key = TARGET.file_key("org/model", COMMIT, big.path)
    uid = store.create_upload(key, {})
    junk = b"\0" * (5 * MiB)
    store.upload_part(key, uid, 1, junk, core.crc32_b64(junk))
    store.part_puts.clear()
    mirror(hub, store)
    assert sorted(n for k, n in store.part_puts if k == key) == [1, 2]
    assert store.objects[key][0] == content(big.path, big.size)


def test_stale_upload_with_other_part_size_is_aborted() -> None:
    hub, store = FakeHub(FILES), FakeStore()
    big = FILES[2]
    key = TARGET.file_key("org/model", COMMIT, big.path)
    uid = store.create_upload(key, {})
    store.upload_part(key, uid, 1, b"x" * (8 * MiB), "AAAAAA==")
    mirror(hub, store)
    assert key in store.aborted and store.objects[key][0] == content(big.path, big.size)


def test_corrupted_source_aborts_that_upload_and_keeps_the_others() -> None:
    hub, store = FakeHub(FILES, corrupt={FILES[3].path}), FakeStore()
    with pytest.raises(IntegrityError) as info:
        mirror(hub, store)
    msg = str(info.value)
    assert FILES[3].path in msg and FILES[3].digest in msg
    bad_key = TARGET.file_key("org/model", COMMIT, FILES[3].path)
    assert bad_key not in store.objects and bad_key in store.aborted and not store.uploads
    assert TARGET.file_key("org/model", COMMIT, FILES[2].path) in store.objects
    assert TARGET.ref_key("org/model", "main") not in store.objects


def test_remote_failure_leaves_uploads_resumable() -> None:
    hub, store = FakeHub(FILES, fail_at=(FILES[2].path, 10 * MiB)), FakeStore()
    with pytest.raises(RemoteError) as info:
        mirror(hub, store)
    assert "re-run" in (info.value.hint or "") or "resum" in (info.value.hint or "")
    assert store.uploads  # kept for the next run
    hub.fail_at = None
    result = mirror(hub, store)
    assert all(r.status in ("copied", "resumed", "skipped") for r in result.files)
    assert store.get_text(TARGET.ref_key("org/model", "main")) == COMMIT


class SlowFirstPartStore(FakeStore):
    """A store whose upload of part 1 waits until `release` is set (at most 10 s)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.states: list[str] = []  # checkpoints written while part 1 was held

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str:
        if number == 1:
            assert self.release.wait(10), "part 1 was never released"
        return super().upload_part(key, upload_id, number, data, crc32)

    def put(
        self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
    ) -> str:
        if ".uploads/" in key:
            self.states.append(bytes(data).decode())
        return super().put(key, data, metadata, crc32)


def test_a_slow_upload_does_not_hold_the_slots_of_the_parts_after_it() -> None:
    """Parts are hashed (in order) as soon as they are read, so a part whose upload is slow keeps
    only its own slot: the parts after it are read, hashed and stored meanwhile. The checkpoints
    say so: no stored prefix, part 1 hashed but not stored, the parts after it stored."""
    big = repo_file("model.safetensors", 60 * MiB + 5)  # 13 parts of 5 MiB
    hub, store = FakeHub((big,)), SlowFirstPartStore()
    snap = hub.snapshot("org/model", "main")
    plan = core.make_plan(snap, TARGET, store, part_size=5 * MiB)
    copier = core.Copier(hub, store, concurrency=3)
    key = TARGET.file_key("org/model", COMMIT, big.path)
    box: dict[str, object] = {}
    worker = threading.Thread(target=lambda: box.update(result=copier.run(plan)))
    worker.start()
    try:
        for _ in range(200):  # up to 10 s
            if len(store.part_puts) >= 12:
                break
            threading.Event().wait(0.05)
        # With 3 slots, waiting for part 1 used to stop the copy after parts 2 and 3.
        assert sorted(n for _, n in store.part_puts) == list(range(2, 14))
        saved = [json.loads(s) for s in store.states]
        assert saved and all(s["prefix"] == 0 for s in saved)
        marks = {n: etag for n, _size, _crc, etag, _state in saved[-1]["marks"]}
        assert marks[1] is None and any(marks.get(n) for n in range(2, 14))
    finally:
        store.release.set()
        worker.join(15)
    assert not worker.is_alive()
    assert store.objects[key][0] == content(big.path, big.size)


def test_a_failed_read_stops_the_parts_waiting_for_its_hash() -> None:
    """The parts after a part whose read failed do not wait for its hash forever."""
    big = repo_file("model.safetensors", 60 * MiB + 5)
    hub, store = FakeHub((big,), fail_at=(big.path, 0)), FakeStore()
    snap = hub.snapshot("org/model", "main")
    plan = core.make_plan(snap, TARGET, store, part_size=5 * MiB)
    box: dict[str, BaseException] = {}

    def run() -> None:
        try:
            core.Copier(hub, store, concurrency=3).run(plan)
        except RemoteError as exc:
            box["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(15)
    assert not worker.is_alive() and "HTTP 503" in str(box["error"])
    assert store.uploads  # kept for the next run


def test_verify_finds_missing_size_hash_and_extra() -> None:
    hub, store = FakeHub(FILES), FakeStore()
    mirror(hub, store)
    assert core.verify(store, TARGET, "org/model", "main").ok
    k = lambda p: TARGET.file_key("org/model", COMMIT, p)  # noqa: E731
    data, meta = store.objects[k(FILES[2].path)]
    store.objects[k(FILES[2].path)] = (data[:-1] + b"?", meta)
    store.objects[k(FILES[3].path)] = (data[:10], meta)
    del store.objects[k("config.json")]
    store.objects[k("extra.bin")] = (b"x", {})
    report = core.verify(store, TARGET, "org/model", COMMIT, concurrency=2)
    problems = {(d.path, d.problem) for d in report.differences}
    assert problems == {
        (FILES[2].path, "hash"),
        (FILES[3].path, "size"),
        ("config.json", "missing"),
        ("extra.bin", "extra"),
    }


def test_verify_without_a_finished_mirror_is_a_finding() -> None:
    with pytest.raises(FindingsError):
        core.verify(FakeStore(), TARGET, "org/model", "main")


def test_git_blob_hash_for_non_lfs_files() -> None:
    f = repo_file("config.json", 120, lfs=False)
    h = core.new_hasher(f)
    h.update(content("config.json", 120))
    assert h.hexdigest() == f.git_oid and f.algorithm == "git-sha1"


def test_estimate() -> None:
    est = core.estimate(1_000_000_000_000, 10.0, 0.023)
    assert est["seconds"] == 800.0 and est["storage_usd_month"] == 23.0


def test_mirror_config_validation() -> None:
    where = Where(None, "mirror")
    parsed = parse_mirror(
        {"part_size": "128MiB", "concurrency": 16, "addressing_style": "path"}, where
    )
    assert parsed == MirrorSettings(part_size=128 * MiB, concurrency=16, addressing_style="path")
    for bad in (
        {"concurency": 4},
        {"concurrency": "4"},
        {"concurrency": 0},
        {"part_size": "1MiB"},
        {"addressing_style": "dns"},
        {"endpoint_url": "127.0.0.1:8333"},
        {"bandwidth_gbps": -1},
    ):
        with pytest.raises(ConfigError):
            parse_mirror(bad, where)


class HeldPartStore(FakeStore):
    """The upload of part `held` never lands: it waits for `release` (at most 10 s), then fails."""

    def __init__(self, held: int) -> None:
        super().__init__()
        self.held = held
        self.release = threading.Event()

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str:
        if number == self.held:
            self.release.wait(10)
            raise RemoteError("connection reset")
        return super().upload_part(key, upload_id, number, data, crc32)


GAP_FILE = repo_file("model.safetensors", 8 * 5 * MiB + 5)  # 9 parts of 5 MiB, the last 5 bytes


@dataclass
class FakeLocal:
    """LocalStates in memory."""

    files: dict[str, bytes] = field(default_factory=dict)
    saves: int = 0

    def load(self, name: str) -> bytes | None:
        return self.files.get(name)

    def save(self, name: str, data: bytes) -> None:
        self.files[name] = data
        self.saves += 1

    def drop(self, name: str) -> None:
        self.files.pop(name, None)


def killed_with_part_2_missing(
    local: FakeLocal | None = None,
) -> tuple[FakeStore, str, str]:
    """The store as a kill -9 leaves it when part 2's upload never landed while parts 1 and 3..9
    were stored and saved in the checkpoint. Returns it, the file's key and the checkpoint's key."""
    hub, store = FakeHub((GAP_FILE,)), HeldPartStore(2)
    plan = core.make_plan(hub.snapshot("org/model", "main"), TARGET, store, part_size=5 * MiB)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            core.Copier(hub, store, concurrency=3, local=local).run(plan)
        except RemoteError as exc:  # part 2 never lands
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    frozen: FakeStore | None = None
    try:
        for _ in range(200):  # up to 10 s
            with store.lock:
                saved = {k: v for k, v in store.objects.items() if ".uploads/" in k}
                if saved:
                    (state_key, (body, _)), *_ = saved.items()
                    state = json.loads(body)
                    stored = {m[0] for m in state["marks"] if m[3]}
                    if state["prefix"] == 1 and stored == set(range(3, 10)):
                        frozen = FakeStore(
                            objects=dict(store.objects),
                            uploads={
                                u: (k, dict(m), dict(p)) for u, (k, m, p) in store.uploads.items()
                            },
                        )
                        break
            threading.Event().wait(0.05)
    finally:
        store.release.set()
        worker.join(15)
    assert frozen is not None, "no checkpoint with parts 1 and 3..9 stored"
    assert failed and not worker.is_alive()
    return frozen, TARGET.file_key("org/model", COMMIT, GAP_FILE.path), state_key


def resume(store: FakeStore, local: FakeLocal | None = None) -> tuple[FakeHub, core.CopyResult]:
    hub = FakeHub((GAP_FILE,))
    plan = core.make_plan(hub.snapshot("org/model", "main"), TARGET, store, part_size=5 * MiB)
    return hub, core.Copier(hub, store, concurrency=3, local=local).run(plan)


def test_resume_after_a_gap_reads_only_the_missing_part() -> None:
    store, key, state_key = killed_with_part_2_missing()
    hub, result = resume(store)
    assert {(a, b) for _, a, b in hub.reads} <= {
        (5 * MiB, 10 * MiB),
        (5 * MiB, 7.5 * MiB),
        (7.5 * MiB, 10 * MiB),
    }
    assert sum(b - a for _, a, b in hub.reads) == 5 * MiB
    assert store.part_puts == [(key, 2)]
    assert store.objects[key][0] == content(GAP_FILE.path, GAP_FILE.size)
    assert state_key not in store.objects
    (res,) = result.files
    assert (res.bytes_sent, res.bytes_reread, res.bytes_resumed) == (
        5 * MiB,
        0,
        GAP_FILE.size - 5 * MiB,
    )


def test_resume_resends_a_stored_part_replaced_after_the_checkpoint() -> None:
    store, key, _ = killed_with_part_2_missing()
    junk = b"\0" * (5 * MiB)
    (uid,) = store.uploads
    store.uploads[uid][2][5] = (junk, core.crc32_b64(junk))
    hub, _ = resume(store)
    assert any(a < 5 * 5 * MiB and b > 4 * 5 * MiB for _, a, b in hub.reads)  # part 5 read again
    assert sorted(n for _, n in store.part_puts) == [2, 5]
    assert store.objects[key][0] == content(GAP_FILE.path, GAP_FILE.size)


def test_resume_drops_a_checkpoint_state_the_source_does_not_reproduce() -> None:
    store, key, state_key = killed_with_part_2_missing()
    state = json.loads(store.objects[state_key][0])
    next(m for m in state["marks"] if m[0] == 2)[4] = state["state"]  # part 1's state, as part 2's
    store.objects[state_key] = (json.dumps(state).encode(), {})
    hub, result = resume(store)
    assert sum(b - a for _, a, b in hub.reads) == GAP_FILE.size + 5 * MiB  # part 2, then all
    assert store.part_puts == [(key, 2)]  # the stored parts were read and compared, not re-sent
    assert store.objects[key][0] == content(GAP_FILE.path, GAP_FILE.size)
    assert result.files[0].bytes_resumed == 0


def test_checkpoint_keeps_states_only_around_parts_not_stored() -> None:
    ledger = hashstate.Ledger(
        key="k", upload_id="u", algorithm="sha256", size=50 * MiB, part_size=5 * MiB,
        library=hashstate.LIBRARY, state="s0",
    )  # fmt: skip
    for n in range(1, 9):
        ledger.hashed(n, 5 * MiB, f"c{n}", f"s{n}")
    for n in (1, 2, 4, 5, 6):
        ledger.stored(Part(n, 5 * MiB, f"e{n}", "AAAAAA=="))
    cp = ledger.checkpoint()
    if hashstate.LIBRARY is None:
        assert cp is None
        return
    assert cp is not None and cp.prefix == 2 and cp.state == "s2"
    states = {m.number: m.state for m in cp.marks}
    # 3 not stored; 4 and 5 stored with a stored part after them; 6 stored before 7; 7, 8 not stored
    assert states == {3: "s3", 4: None, 5: None, 6: "s6", 7: "s7", 8: "s8"}
    assert ledger.checkpoint() is None  # nothing changed since


def stored_in(checkpoint: hashstate.Checkpoint) -> set[int]:
    return set(range(1, checkpoint.prefix + 1)) | {m.number for m in checkpoint.marks if m.etag}


def test_the_store_checkpoint_is_put_at_most_once_a_second_the_local_one_after_each_part() -> None:
    """With a clock that never moves, one checkpoint PUT (after the first part stored) while
    every part stored is saved locally; when the run stops on an error, one more PUT records
    every part stored so far, for a resume on another machine."""
    puts: list[str] = []

    class Counted(HeldPartStore):
        def put(
            self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
        ) -> str:
            if ".uploads/" in key:
                puts.append(key)
            return super().put(key, data, metadata, crc32)

    hub, store, local = FakeHub((GAP_FILE,)), Counted(2), FakeLocal()
    plan = core.make_plan(hub.snapshot("org/model", "main"), TARGET, store, part_size=5 * MiB)
    copier = core.Copier(hub, store, concurrency=3, local=local, clock=lambda: 0.0)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            copier.run(plan)
        except RemoteError as exc:
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        for _ in range(200):  # up to 10 s
            saved = [hashstate.Checkpoint.from_json(f.partition(b"\n")[2].decode()) for f in
                     list(local.files.values())]  # fmt: skip
            if saved and saved[0] is not None and stored_in(saved[0]) == set(range(1, 10)) - {2}:
                break
            threading.Event().wait(0.05)
        assert len(puts) == 1 and local.saves >= 8
    finally:
        store.release.set()
        worker.join(15)
    assert failed and len(puts) == 2
    last = hashstate.Checkpoint.from_json(store.objects[puts[-1]][0].decode())
    assert last is not None and stored_in(last) == set(range(1, 10)) - {2}


def test_resume_goes_on_from_the_local_checkpoint_when_the_stores_is_behind() -> None:
    local = FakeLocal()
    store, key, state_key = killed_with_part_2_missing(local)
    (name,) = local.files
    early = json.loads(store.objects[state_key][0])
    early.update(prefix=0, prefix_etags=hashlib.sha256().hexdigest(), prefix_crc32="", marks=[])
    early["state"] = hashstate.new_file_hasher("sha256", GAP_FILE.size).state()
    store.objects[state_key] = (json.dumps(early).encode(), {})  # as saved before any part
    hub, result = resume(store, local)
    assert sum(b - a for _, a, b in hub.reads) == 5 * MiB  # part 2 only: the local checkpoint
    assert store.part_puts == [(key, 2)]
    assert store.objects[key][0] == content(GAP_FILE.path, GAP_FILE.size)
    assert not local.files and state_key not in store.objects  # both deleted on completion
    assert result.files[0].bytes_resumed == GAP_FILE.size - 5 * MiB
    assert name.endswith(state_key)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-9] + bytes([data[-9] ^ 1]) + data[-8:],
        lambda data: b"0" * 64 + data[64:],
        lambda data: b"\xff\xfe\n{}",
    ],
    ids=["empty", "truncated", "edited", "other-mac", "garbage"],
)
def test_a_damaged_local_checkpoint_is_ignored_for_the_stores(damage: Any) -> None:
    """Anything but the bytes this machine wrote for this upload fails the HMAC keyed by the seal
    in the store's checkpoint, and the store's checkpoint is used."""
    local = FakeLocal()
    store, key, _ = killed_with_part_2_missing(local)
    (name,) = local.files
    local.files[name] = damage(local.files[name])
    hub, _ = resume(store, local)
    assert sum(b - a for _, a, b in hub.reads) == 5 * MiB  # the store's checkpoint: all but part 2
    assert store.objects[key][0] == content(GAP_FILE.path, GAP_FILE.size)


def test_a_local_checkpoint_needs_the_seal_of_the_stores() -> None:
    ledger = hashstate.Ledger(
        key="k", upload_id="u", algorithm="sha256", size=10 * MiB, part_size=5 * MiB,
        library="rehashes 0", state="s0",
    )  # fmt: skip
    ledger.hashed(1, 5 * MiB, "AAAAAA==", "s1")
    ledger.stored(Part(1, 5 * MiB, "e1", "AAAAAA=="))
    cp = ledger.checkpoint()
    assert cp is not None and hashstate.SEAL.fullmatch(cp.seal)
    saved = hashstate.seal_local(cp)
    assert cp.seal.encode() not in saved  # the local file cannot vouch for itself
    assert hashstate.open_local(saved, cp.seal) == cp
    assert hashstate.Checkpoint.from_json(cp.to_json()) == cp  # the store's keeps the seal
    for seal in ("", "0" * 32, "\ud800"):
        assert hashstate.open_local(saved, seal) is None
    assert hashstate.open_local(None, cp.seal) is None
