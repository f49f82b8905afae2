"""`mirror sync`: keep the mirror of watched repositories at their newest commit, cheaply.

A new commit usually changes a few files: every file whose hash an earlier mirrored commit of the
same repo already holds (as a complete, verified object) is copied inside the store (CopyObject,
or UploadPartCopy above 5 GiB) under the new commit's key, with the new commit's metadata; only the
rest is read from the source. Nothing is deleted unless asked (`prune_commits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hedgectl.core.mirror.integrity import is_complete, object_metadata
from hedgectl.core.mirror.manifest import parse_manifest
from hedgectl.core.mirror.model import COMMIT_RE, RepoFile, Target
from hedgectl.core.mirror.plan import Plan
from hedgectl.core.mirror.ports import ObjectStore, Progress
from hedgectl.errors import FindingsError

MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class ServerCopy:
    path: str
    size: int
    source_key: str


def mirrored_commits(store: ObjectStore, target: Target, repo_id: str) -> list[str]:
    """Commits of this repo that have a manifest (a finished mirror) under the target."""
    root = target.repo_root(repo_id) + "/"
    commits = []
    for obj in store.list_objects(root):
        name = obj.key[len(root) :]
        if "/" not in name and name.endswith(MANIFEST_SUFFIX):
            commit = name.removesuffix(MANIFEST_SUFFIX)
            if COMMIT_RE.match(commit):
                commits.append(commit)
    return sorted(commits)


def known_objects(
    store: ObjectStore, target: Target, repo_id: str, skip_commit: str
) -> dict[tuple[str, str, int], str]:
    """(algorithm, digest, size) -> key of an object holding exactly those bytes, from the
    manifests of the repo's other mirrored commits."""
    known: dict[tuple[str, str, int], str] = {}
    for commit in mirrored_commits(store, target, repo_id):
        if commit == skip_commit:
            continue
        text = store.get_text(target.manifest_key(repo_id, commit))
        if text is None:
            continue
        try:
            manifest = parse_manifest(text, target.manifest_key(repo_id, commit))
        except FindingsError:
            continue
        for e in manifest["files"]:
            f = RepoFile(
                str(e["path"]), int(e["size"]), str(e.get("git_oid") or ""), e.get("sha256")
            )
            known.setdefault(
                (f.algorithm, f.digest, f.size), target.file_key(repo_id, commit, f.path)
            )
    return known


def copy_unchanged(plan: Plan, store: ObjectStore, progress: Progress) -> list[ServerCopy]:
    """Copy, inside the store, every missing file of the plan that an earlier commit already holds
    (checked on the source object: size and recorded hash). Returns what was copied."""
    snap = plan.snapshot
    known = known_objects(store, plan.target, snap.repo_id, snap.commit)
    done: list[ServerCopy] = []
    for planned in plan.files:
        if planned.state == "complete":
            continue
        f = planned.file
        source = known.get((f.algorithm, f.digest, f.size))
        if source is None or not is_complete(store.head(source), f):
            continue
        meta = object_metadata(snap.repo_id, snap.commit, f, planned.part_size)
        store.copy(source, planned.key, meta, f.size)
        if not is_complete(store.head(planned.key), f):
            continue  # the copy did not land as expected: the normal copy will do it
        progress.log(f"{f.path}: unchanged since an earlier commit, copied inside the store")
        done.append(ServerCopy(f.path, f.size, source))
    return done


def prune_commits(
    store: ObjectStore, target: Target, repo_id: str, keep: Sequence[str]
) -> list[str]:
    """Delete the folders and manifests of mirrored commits not in `keep`; returns those commits."""
    pruned = []
    for commit in mirrored_commits(store, target, repo_id):
        if commit in keep:
            continue
        for obj in list(store.list_objects(target.commit_prefix(repo_id, commit))):
            store.delete(obj.key)
        store.delete(target.manifest_key(repo_id, commit))
        pruned.append(commit)
    return pruned
