"""Verification: read every object of a finished mirror back and check it against its manifest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from hedgectl.core.mirror.integrity import new_hasher
from hedgectl.core.mirror.manifest import load_manifest, resolve_commit
from hedgectl.core.mirror.model import RepoFile, Target
from hedgectl.core.mirror.plan import shard_files
from hedgectl.core.mirror.ports import NullProgress, ObjectStore, Progress
from hedgectl.core.units import MiB


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
