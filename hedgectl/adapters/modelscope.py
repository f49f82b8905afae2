"""ModelScope as a second source of the same weights, for when the Hub has taken a repository down
or is blocked from a region.

ModelScope's listing is not what the copy is checked against: the file list, sizes, SHA-256s (and
git blob ids) and the Hub commit come from a trusted reference -- an earlier mirror manifest, or
the Hub's own listing when the API still answers -- and ModelScope must serve exactly those bytes.
Its model-hub API (as the `modelscope` client calls it):

    GET {endpoint}/api/v1/models/{id}/repo/files?Revision={rev}&Recursive=true   the listing
    GET {endpoint}/api/v1/models/{id}/repo?Revision={rev}&FilePath={path}         a file (Range)

The ranged reads, retries and resume-within-a-part are the Hub adapter's; only the listing and the
file URL differ. MODELSCOPE_API_TOKEN, when set, is sent as a bearer token to the endpoint only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from hedgectl.adapters.hub import RETRY_STATUSES, HubAdapter
from hedgectl.core.mirror.model import RepoFile, Snapshot
from hedgectl.errors import IntegrityError, RemoteError

DEFAULT_ENDPOINT = "https://modelscope.cn"
DEFAULT_REVISION = "master"  # ModelScope's default branch (the Hub's is main)


class ModelScopeAdapter(HubAdapter):
    """HubSource: files and digests from `reference`, bytes from ModelScope."""

    def __init__(
        self,
        endpoint: str | None,
        reference: Callable[[str, str], Snapshot],
        *,
        repo: str | None = None,
        revision: str = DEFAULT_REVISION,
        token: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(endpoint or DEFAULT_ENDPOINT, token=token, **kwargs)
        self.reference = reference
        self.repo = repo
        self.revision = revision

    def _ms_id(self, repo_id: str) -> str:
        return self.repo or repo_id

    def snapshot(self, repo_id: str, revision: str) -> Snapshot:
        ref = self.reference(repo_id, revision)
        ms_id = self._ms_id(repo_id)
        listed = {
            str(e.get("Path") or e.get("Name")): e
            for e in self._files(ms_id)
            if e.get("Type", "blob") == "blob"
        }
        missing = [f.path for f in ref.files if f.path not in listed]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise RemoteError(
                f"{ms_id}@{self.revision} on {self.endpoint} lacks {len(missing)} file(s) of "
                f"{repo_id}@{ref.commit[:12]}: {shown}",
                hint="copy the rest with --exclude, or pick another --source-revision",
            )
        for f in ref.files:
            entry = listed[f.path]
            size = int(entry.get("Size", -1))
            sha = str(entry.get("Sha256") or "").lower()
            if size != f.size or (f.sha256 and sha and sha != f.sha256):
                raise IntegrityError(
                    f"{f.path}: ModelScope's {ms_id}@{self.revision} lists "
                    f"{size} bytes / sha256 {sha or '?'}, the reference has {f.size} bytes / "
                    f"{f.sha256 or f.git_oid}: not the same weights"
                )
        self.log(
            f"reading {len(ref.files)} files of {repo_id}@{ref.commit[:12]} from ModelScope "
            f"{ms_id}@{self.revision}, checked against the reference's hashes"
        )
        return ref

    def _files(self, ms_id: str) -> list[dict[str, Any]]:
        url = f"{self.endpoint}/api/v1/models/{quote(ms_id)}/repo/files"
        params = {"Revision": self.revision, "Recursive": "true"}
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        what = f"ModelScope listing of {ms_id}@{self.revision}"
        since, attempt = time.monotonic(), 0
        while True:
            try:
                r = self.httpx_client.get(url, params=params, headers=headers)
            except httpx.TransportError as exc:
                self._backoff(what, type(exc).__name__, attempt, None, since, url)
                attempt += 1
                continue
            if r.status_code in RETRY_STATUSES:
                self._backoff(what, f"HTTP {r.status_code}", attempt, None, since, url)
                attempt += 1
                continue
            try:
                body = r.json()
            except ValueError:
                body = {}
            if r.status_code == 404 or (isinstance(body, dict) and body.get("Success") is False):
                message = body.get("Message") if isinstance(body, dict) else None
                raise RemoteError(
                    f"{what}: {message or f'HTTP {r.status_code}'} on {self.endpoint}",
                    hint="check the repo id on ModelScope (--source-repo) and --source-revision",
                )
            if r.status_code != 200:
                raise RemoteError(f"{what}: HTTP {r.status_code} from {self.endpoint}")
            files = body.get("Data", {}).get("Files") if isinstance(body, dict) else None
            if not isinstance(files, list):
                raise RemoteError(f"{what}: unexpected answer from {self.endpoint}")
            return files

    def _resolve(self, repo_id: str, commit: str, file: RepoFile) -> str:
        query = urlencode({"Revision": self.revision, "FilePath": file.path}, quote_via=quote)
        return f"{self.endpoint}/api/v1/models/{quote(self._ms_id(repo_id))}/repo?{query}"
