"""The manifest and the ref: write them last (publish), read them back (resolve, load)."""

from __future__ import annotations

import json
from typing import Any

from hedgectl.core.mirror.integrity import crc32_b64, is_complete
from hedgectl.core.mirror.model import COMMIT_RE, MANIFEST_SCHEMA, RepoFile, Snapshot, Target
from hedgectl.core.mirror.plan import Plan
from hedgectl.core.mirror.ports import ObjectStore
from hedgectl.errors import FindingsError


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
    return parse_manifest(text, f"s3://{target.bucket}/{key}")


def parse_manifest(text: str, where: str) -> dict[str, Any]:
    """A manifest's JSON, checked for its schema and file list (`where` names it in errors)."""
    try:
        manifest: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FindingsError(f"manifest {where} is not JSON: {exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("schema") != MANIFEST_SCHEMA
        or not isinstance(manifest.get("files"), list)
        or not COMMIT_RE.match(str(manifest.get("commit", "")))
    ):
        raise FindingsError(f"manifest {where} is not a {MANIFEST_SCHEMA} manifest")
    return manifest


def snapshot_from_manifest(manifest: dict[str, Any], revision: str) -> Snapshot:
    """The files, hashes and commit a finished mirror recorded: a reference to check another
    source's bytes against when the Hub no longer serves them."""
    files = tuple(
        RepoFile(str(e["path"]), int(e["size"]), str(e.get("git_oid") or ""), e.get("sha256"))
        for e in manifest["files"]
    )
    return Snapshot(
        str(manifest["repo"]), revision, str(manifest["commit"]), manifest.get("license"), files
    )
