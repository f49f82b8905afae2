"""The mirror read back as a Hub: the answers of a read-only, Hub-compatible endpoint.

`hedgectl mirror serve` puts these behind HTTP so that `HF_ENDPOINT=http://127.0.0.1:PORT` makes
huggingface_hub (snapshot_download, hf_hub_download, `hf download`) and the tools built on it read
from the bucket. Only what those clients call is answered, from the manifests and refs the mirror
wrote (nothing else in the bucket is reachable):

    GET  /api/models/{org}/{name}[/revision/{rev}]     model info: sha, siblings (blobs=1: sizes, LFS)
    GET  /api/models/{org}/{name}/tree/{rev}[/{path}]  tree entries (recursive=1 or one level)
    HEAD/GET /{org}/{name}/resolve/{rev}/{path}        X-Repo-Commit, ETag, sizes; Range -> 206

A revision is a 40-hex commit with a manifest, or a name with a refs/<name> object. Errors carry
the Hub's X-Error-Code so the client raises its usual RepositoryNotFound / RevisionNotFound /
EntryNotFound.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from hedgectl.core.mirror.model import COMMIT_RE, MANIFEST_SCHEMA, REPO_RE, Target
from hedgectl.core.mirror.ports import ObjectStore

REF_TTL = 10.0  # seconds a refs/<name> lookup is reused: a new mirror run shows up this fast


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: tuple[str, int, int] | None = None  # (object key, start, end): bytes to send


def _error(status: int, code: str, message: str) -> Reply:
    body = json.dumps({"error": message}).encode()
    return Reply(
        status,
        {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": message},
        body,
    )


def _json(obj: Any) -> Reply:
    return Reply(200, {"Content-Type": "application/json"}, json.dumps(obj).encode())


def pointer_size(sha256: str, size: int) -> int:
    """Length of the git-lfs pointer file the Hub reports as lfs.pointerSize."""
    return len(f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n")


class MirrorIndex:
    """Refs and manifests of one mirror destination, read from the store and cached (manifests
    are immutable per commit; refs are re-read after REF_TTL seconds)."""

    def __init__(
        self,
        store: ObjectStore,
        target: Target,
        *,
        ref_ttl: float = REF_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.target = target
        self.ref_ttl = ref_ttl
        self.clock = clock
        self._refs: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._manifests: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._lock = threading.Lock()

    def manifest(self, repo_id: str, commit: str) -> dict[str, Any] | None:
        with self._lock:
            if (repo_id, commit) in self._manifests:
                return self._manifests[repo_id, commit]
        text = self.store.get_text(self.target.manifest_key(repo_id, commit))
        manifest: dict[str, Any] | None = None
        if text is not None:
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError:
                loaded = None
            if (
                isinstance(loaded, dict)
                and loaded.get("schema") == MANIFEST_SCHEMA
                and loaded.get("commit") == commit
                and isinstance(loaded.get("files"), list)
            ):
                manifest = loaded
        with self._lock:
            if manifest is not None:
                self._manifests[repo_id, commit] = manifest
        return manifest

    def commit(self, repo_id: str, revision: str) -> str | None:
        if COMMIT_RE.match(revision):
            return revision if self.manifest(repo_id, revision) is not None else None
        now = self.clock()
        with self._lock:
            cached = self._refs.get((repo_id, revision))
        if cached is not None and now - cached[0] < self.ref_ttl:
            return cached[1]
        text = self.store.get_text(self.target.ref_key(repo_id, revision))
        commit = text.strip() if text is not None else None
        if commit is not None and not COMMIT_RE.match(commit):
            commit = None
        with self._lock:
            self._refs[repo_id, revision] = (now, commit)
        return commit


def _hub_time(value: object) -> str | None:
    """The Hub's timestamp shape (huggingface_hub parses only '...T..:..:...ffffffZ')."""
    try:
        when = datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _split(raw: str) -> list[str]:
    return [unquote(p) for p in raw.split("/")]


def route(index: MirrorIndex, method: str, raw_target: str, headers: Mapping[str, str]) -> Reply:
    """The reply to one request (method, request target as sent, request headers)."""
    if method not in ("GET", "HEAD"):
        return _error(405, "MethodNotAllowed", "this mirror is read-only")
    url = urlsplit(raw_target)
    query = parse_qs(url.query)
    parts = url.path.split("/")
    # /api/models/{org}/{name}/...
    if len(parts) >= 5 and parts[1:3] == ["api", "models"]:
        repo_id = f"{unquote(parts[3])}/{unquote(parts[4])}"
        return _api(index, repo_id, parts[5:], query)
    # /{org}/{name}/resolve/{rev}/{path...}
    if len(parts) >= 6 and parts[3] == "resolve":
        repo_id = f"{unquote(parts[1])}/{unquote(parts[2])}"
        path = "/".join(_split("/".join(parts[5:])))
        return _resolve(index, repo_id, unquote(parts[4]), path, headers, method == "HEAD")
    return _error(404, "EntryNotFound", "not a Hub API route this mirror serves")


def _pin(index: MirrorIndex, repo_id: str, revision: str) -> tuple[str, dict[str, Any]] | Reply:
    if not REPO_RE.match(repo_id):
        return _error(404, "RepoNotFound", f"Repository not found: {repo_id}")
    commit = index.commit(repo_id, revision)
    if commit is None:
        if index.commit(repo_id, "main") is None and not COMMIT_RE.match(revision):
            return _error(404, "RepoNotFound", f"Repository not found: {repo_id}")
        return _error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
    manifest = index.manifest(repo_id, commit)
    if manifest is None:
        return _error(404, "RevisionNotFound", f"no finished mirror of {repo_id}@{commit}")
    return commit, manifest


def _entry(f: Mapping[str, Any]) -> dict[str, Any]:
    e: dict[str, Any] = {
        "type": "file",
        "oid": f.get("git_oid") or "",
        "size": int(f["size"]),
        "path": f["path"],
    }
    if f.get("sha256"):
        e["lfs"] = {
            "oid": f["sha256"],
            "size": int(f["size"]),
            "pointerSize": pointer_size(f["sha256"], int(f["size"])),
        }
    return e


def _api(
    index: MirrorIndex, repo_id: str, rest: list[str], query: Mapping[str, list[str]]
) -> Reply:
    if not rest or rest == [""] or (len(rest) == 2 and rest[0] == "revision"):
        revision = unquote(rest[1]) if len(rest) == 2 else "main"
        pinned = _pin(index, repo_id, revision)
        if isinstance(pinned, Reply):
            return pinned
        commit, manifest = pinned
        blobs = query.get("blobs", ["false"])[0].lower() in ("1", "true")
        siblings = []
        for f in manifest["files"]:
            s: dict[str, Any] = {"rfilename": f["path"]}
            if blobs:
                s.update(size=int(f["size"]), blobId=f.get("git_oid") or "")
                if f.get("sha256"):
                    s["lfs"] = {
                        "sha256": f["sha256"],
                        "size": int(f["size"]),
                        "pointerSize": pointer_size(f["sha256"], int(f["size"])),
                    }
            siblings.append(s)
        license_ = manifest.get("license")
        return _json(
            {
                "_id": commit,
                "id": repo_id,
                "modelId": repo_id,
                "sha": commit,
                "private": False,
                "disabled": False,
                "gated": False,
                "lastModified": _hub_time(manifest.get("finished_at")),
                "tags": [f"license:{license_}"] if license_ else [],
                "cardData": {"license": license_} if license_ else {},
                "siblings": siblings,
            }
        )
    if rest[0] == "tree" and len(rest) >= 2:
        pinned = _pin(index, repo_id, unquote(rest[1]))
        if isinstance(pinned, Reply):
            return pinned
        _commit, manifest = pinned
        under = "/".join(p for p in _split("/".join(rest[2:])) if p)
        recursive = query.get("recursive", ["false"])[0].lower() in ("1", "true")
        return _json(_tree(manifest["files"], under, recursive))
    return _error(404, "EntryNotFound", "not a Hub API route this mirror serves")


def _tree(files: list[Mapping[str, Any]], under: str, recursive: bool) -> list[dict[str, Any]]:
    prefix = f"{under}/" if under else ""
    depth = prefix.count("/")
    dirs: set[str] = set()
    out: list[dict[str, Any]] = []
    for f in sorted(files, key=lambda f: str(f["path"])):
        path = str(f["path"])
        if not path.startswith(prefix):
            continue
        folders = path.split("/")[:-1]
        for i in range(depth + 1, len(folders) + 1):
            d = "/".join(folders[:i])
            if d not in dirs and (recursive or i == depth + 1):
                dirs.add(d)
                out.append({"type": "directory", "oid": "", "size": 0, "path": d})
        if recursive or path.count("/") == depth:
            out.append(_entry(f))
    return out


RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _resolve(
    index: MirrorIndex,
    repo_id: str,
    revision: str,
    path: str,
    headers: Mapping[str, str],
    head: bool,
) -> Reply:
    pinned = _pin(index, repo_id, revision)
    if isinstance(pinned, Reply):
        return pinned
    commit, manifest = pinned
    f = next((f for f in manifest["files"] if f["path"] == path), None)
    if f is None:
        return _error(404, "EntryNotFound", f"{path} does not exist at {commit}")
    size = int(f["size"])
    etag = f.get("sha256") or f.get("git_oid") or ""
    out = {
        "X-Repo-Commit": commit,
        "ETag": f'"{etag}"',
        "Accept-Ranges": "bytes",
        "Content-Type": "application/octet-stream",
        "Content-Disposition": f"attachment; filename*=UTF-8''{path.rsplit('/', 1)[-1]}",
    }
    if f.get("sha256"):
        out.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(size)})
    key = index.target.file_key(repo_id, commit, path)
    start, end, status = 0, size, 200
    rng = next((v for k, v in headers.items() if k.lower() == "range"), None)
    if rng:
        match = RANGE_RE.match(rng.strip())
        if match and (match[1] or match[2]):
            if match[1]:
                start = int(match[1])
                end = min(size, int(match[2]) + 1) if match[2] else size
            else:  # suffix: the last N bytes
                start = max(0, size - int(match[2]))
            if start >= size or end <= start:
                return Reply(416, {"Content-Range": f"bytes */{size}", "Content-Length": "0"})
            status = 206
            out["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    out["Content-Length"] = str(end - start)
    return Reply(status, out, stream=None if head else (key, start, end))
