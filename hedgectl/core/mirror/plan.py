"""Planning: parse SOURCE and DEST, select and shard files, size parts, decide what to copy."""

from __future__ import annotations

import collections
import fnmatch
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hedgectl.core.mirror.integrity import is_complete
from hedgectl.core.mirror.model import (
    DEFAULT_PART,
    MAX_PART,
    MAX_PARTS,
    MIN_PART,
    REPO_RE,
    RepoFile,
    Snapshot,
    Source,
    Target,
    Upload,
)
from hedgectl.core.mirror.ports import ObjectStore
from hedgectl.core.units import MiB
from hedgectl.errors import UsageError


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


@dataclass(frozen=True)
class PlanView:
    """A dry run's answer: the plan and its estimates (for the bytes still to copy)."""

    plan: Plan
    estimate: dict[str, float]


@dataclass(frozen=True)
class PresetsView:
    """The mirror presets (catalog/presets.toml), by name."""

    presets: dict[str, dict[str, Any]]


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
