"""A Hub-compatible test server on loopback, with a CDN on a second origin and fault injection.

Serves generated model repos to the real huggingface_hub client:
  GET  /api/models/{org}/{name}[/revision/{rev}]          model_info (sha, siblings, cardData)
  GET  /api/models/{org}/{name}/tree/{rev}[/{path}]       recursive, cursor-paginated (Link: rel="next")
  POST /api/models/{org}/{name}/paths-info/{rev}          form paths=...
  HEAD/GET /{org}/{name}/resolve/{rev}/{path}             X-Repo-Commit, ETag, X-Linked-Etag/-Size;
                                                          LFS files: 302 to the CDN origin (signed, expiring)
  GET  /cdn/{org}/{name}/{commit}/{path}?exp=..&sig=..    Range -> 206 + Content-Range

File contents are generated on demand from a seed (a multi-GB file is never held in memory).
Faults are per path and consumed in order: HTTP statuses (429 with Retry-After, 5xx), bodies that
drop after N bytes, an expired CDN signature, a corrupted byte, a changed ETag, a rate limit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

BLOCK = 1 << 20


@cache
def _base(seed: int) -> bytes:
    return random.Random(seed).randbytes(BLOCK)


@cache
def _doubled(seed: int) -> memoryview:
    """The random block twice in a row: any rotation of it is one contiguous slice."""
    base = _base(seed)
    return memoryview(base + base)


def pieces(seed: int, start: int, end: int, chunk: int = BLOCK) -> Iterator[memoryview]:
    """Bytes [start, end) of the deterministic stream for `seed`, as slices (no copies) of at most
    `chunk` bytes: 1 MiB blocks, each a different rotation of one random block, so misplaced or
    reordered bytes change the hash. Served without copying, so the test Hub costs the benchmarks
    little CPU (a real Hub is not on the machine it measures)."""
    doubled = _doubled(seed)
    pos = start
    while pos < end:
        block, offset = divmod(pos, BLOCK)
        rot = (block * 7919 + seed) % BLOCK
        take = min(end - pos, BLOCK - offset, chunk)
        i = (offset + rot) % BLOCK
        yield doubled[i : i + take]
        pos += take


def generate(seed: int, start: int, end: int) -> bytes:
    """Bytes [start, end) of the deterministic stream for `seed` (see `pieces`)."""
    return b"".join(pieces(seed, start, end))


@cache
def _lazy_sha256(seed: int, size: int) -> str:
    h = hashlib.sha256()
    for start in range(0, size, 16 * BLOCK):
        h.update(generate(seed, start, min(size, start + 16 * BLOCK)))
    return h.hexdigest()


def git_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class HubFile:
    path: str
    size: int
    lfs: bool = True
    seed: int = 0
    content: bytes | None = None  # small files: literal content

    def read(self, start: int, end: int) -> bytes:
        if self.content is not None:
            return self.content[start:end]
        return generate(self.seed, start, end)

    def pieces(self, start: int, end: int, chunk: int) -> Iterator[memoryview]:
        """Bytes [start, end) as slices of at most `chunk` bytes, without copying them."""
        if self.content is None:
            yield from pieces(self.seed, start, end, chunk)
            return
        view = memoryview(self.content)
        for pos in range(start, end, chunk):
            yield view[pos : min(end, pos + chunk)]

    @property
    def sha256(self) -> str:
        if self.content is not None:
            return hashlib.sha256(self.content).hexdigest()
        return _lazy_sha256(self.seed, self.size)

    @property
    def pointer(self) -> bytes:
        return f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {self.size}\n".encode()

    @property
    def oid(self) -> str:
        """git blob SHA-1: of the LFS pointer for LFS files, of the content otherwise."""
        return git_oid(self.pointer if self.lfs else self.read(0, self.size))


@dataclass
class HubRepo:
    repo_id: str
    files: list[HubFile]
    commit: str = ""
    refs: dict[str, str] = field(default_factory=dict)
    license: str = "mit"

    def __post_init__(self) -> None:
        if not self.commit:
            self.commit = hashlib.sha1(self.repo_id.encode() + b"@1").hexdigest()
        self.refs.setdefault("main", self.commit)

    def file(self, path: str) -> HubFile | None:
        return next((f for f in self.files if f.path == path), None)

    def tree_entries(self, under: str = "") -> list[dict[str, Any]]:
        dirs: set[str] = set()
        entries: list[dict[str, Any]] = []
        for f in sorted(self.files, key=lambda f: f.path):
            if under and not f.path.startswith(under.rstrip("/") + "/"):
                continue
            parts = f.path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs and (not under or d.startswith(under.rstrip("/") + "/")):
                    dirs.add(d)
                    entries.append(
                        {
                            "type": "directory",
                            "oid": hashlib.sha1(d.encode()).hexdigest(),
                            "size": 0,
                            "path": d,
                        }
                    )
            entries.append(self.entry(f))
        return entries

    def entry(self, f: HubFile) -> dict[str, Any]:
        e: dict[str, Any] = {"type": "file", "oid": f.oid, "size": f.size, "path": f.path}
        if f.lfs:
            e["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": len(f.pointer)}
        return e


@dataclass
class Faults:
    """Per-path fault queues, consumed by the CDN/resolve GETs of that path, in order.

    statuses[path]   e.g. [429, 503]: the next GETs answer with these (429 carries Retry-After)
    drops[path]      e.g. [1000]: the next GET sends this many body bytes, then closes the socket
    expire[path]     number of next CDN GETs that answer 403 "expired signature"
    corrupt          paths whose byte at offset size//2 is flipped in every body
    etag_changed     paths whose resolve HEAD reports another hash (file changed under the commit)
    rate[path]       bytes per second for that path's bodies (slow it so a kill lands mid-file)
    hold[path]       bodies of that path stop before the chunk holding this file offset until
                     `released` is set (at most 60 s): a copy that cannot finish before a test acts
    ignore_range     paths served whole (200) even when a Range is asked for
    api_statuses     the next API calls (model_info, tree) answer with these
    tree_statuses    the next tree-page calls only answer with these
    resolve_statuses[path]  the next resolve HEAD/GETs of that path answer with these
    """

    statuses: dict[str, deque[int]] = field(default_factory=dict)
    drops: dict[str, deque[int]] = field(default_factory=dict)
    expire: dict[str, int] = field(default_factory=dict)
    corrupt: set[str] = field(default_factory=set)
    etag_changed: set[str] = field(default_factory=set)
    rate: dict[str, float] = field(default_factory=dict)
    hold: dict[str, int] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)
    api_statuses: deque[int] = field(default_factory=deque)
    tree_statuses: deque[int] = field(default_factory=deque)
    resolve_statuses: dict[str, deque[int]] = field(default_factory=dict)
    retry_after: int = 1
    total_rate: float | None = None  # bytes/s shared by every body: a WAN-like source (benchmarks)
    ignore_range: set[str] = field(
        default_factory=set
    )  # answer 200 + the whole file, like some proxies


class HubServer:
    """The Hub API on one loopback port, the CDN on another (a different origin)."""

    def __init__(
        self, repos: list[HubRepo], *, page_size: int = 3, url_ttl: float = 3600.0
    ) -> None:
        self.repos = {r.repo_id: r for r in repos}
        self.page_size = page_size
        self.url_ttl = url_ttl
        self.faults = Faults()
        self.log: list[dict[str, Any]] = []
        self.bytes_served: dict[str, int] = {}  # body bytes written per file path (both origins)
        self._lock = threading.Lock()
        self._key = b"test-signing-key"
        self._hub = _Server(("127.0.0.1", 0), self, "hub")
        self._cdn = _Server(("127.0.0.1", 0), self, "cdn")
        self._threads: list[threading.Thread] = []
        self._paced_until = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._hub.server_address[1]}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self._cdn.server_address[1]}"

    def start(self) -> HubServer:
        for srv in (self._hub, self._cdn):
            t = threading.Thread(
                target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        for srv in (self._hub, self._cdn):
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, **entry: Any) -> None:
        with self._lock:
            self.log.append(entry)

    def requests(self, origin: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                e
                for e in self.log
                if (origin is None or e["origin"] == origin)
                and (path is None or e.get("file") == path)
            ]

    def served(self, path: str, nbytes: int) -> None:
        with self._lock:
            self.bytes_served[path] = self.bytes_served.get(path, 0) + nbytes

    def sign(self, path: str) -> str:
        exp = int(time.time() + self.url_ttl)
        sig = hmac.new(self._key, f"{path}:{exp}".encode(), hashlib.sha256).hexdigest()[:32]
        return f"exp={exp}&sig={sig}"

    def signature_ok(self, path: str, query: dict[str, list[str]]) -> bool:
        try:
            exp = int(query["exp"][0])
            sig = query["sig"][0]
        except (KeyError, ValueError, IndexError):
            return False
        good = hmac.new(self._key, f"{path}:{exp}".encode(), hashlib.sha256).hexdigest()[:32]
        return hmac.compare_digest(sig, good) and exp >= time.time()

    def pace(self, nbytes: int) -> None:
        """Hold a body so that all bodies together stay under faults.total_rate."""
        rate = self.faults.total_rate
        if not rate:
            return
        with self._lock:
            now = time.monotonic()
            self._paced_until = max(self._paced_until, now) + nbytes / rate
            wait = self._paced_until - now
        time.sleep(wait)

    def pop(self, table: dict[str, Any], path: str) -> Any:
        with self._lock:
            queue = table.get(path)
            if isinstance(queue, deque) and queue:
                return queue.popleft()
            if isinstance(queue, int) and queue > 0:
                table[path] = queue - 1
                return True
            return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], hub: HubServer, origin: str) -> None:
        self.hub = hub
        self.origin = origin
        super().__init__(addr, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- helpers

    @property
    def hub(self) -> HubServer:
        return self.server.hub

    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        head: bool = False,
    ) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _json(self, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(
            200, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})}
        )

    def _error(self, status: int, code: str, message: str, head: bool = False) -> None:
        self._send(
            status,
            json.dumps({"error": message}).encode(),
            {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": message},
            head,
        )

    def _repo(self, org: str, name: str) -> HubRepo | None:
        return self.hub.repos.get(f"{org}/{name}")

    def _api_fault(self) -> bool:
        with self.hub._lock:
            status = (
                self.hub.faults.api_statuses.popleft() if self.hub.faults.api_statuses else None
            )
        if status is None:
            return False
        self._send(
            status,
            b"{}",
            {"Retry-After": str(self.hub.faults.retry_after)} if status == 429 else {},
        )
        return True

    # -- routes

    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.hub.record(origin=self.server.origin, method="POST", path=url.path, status=200)
        # /api/models/{org}/{name}/paths-info/{rev}
        if len(parts) >= 7 and parts[1:3] == ["api", "models"] and parts[5] == "paths-info":
            repo = self._repo(parts[3], parts[4])
            if repo is None or parts[6] not in (*repo.refs, repo.commit):
                return self._error(404, "RepoNotFound", "not found")
            wanted = parse_qs(body).get("paths", [])
            return self._json([repo.entry(f) for p in wanted if (f := repo.file(p))])
        return self._error(404, "NotFound", "no route")

    def _route(self, head: bool) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")]
        query = parse_qs(url.query)
        if self.server.origin == "cdn":
            return self._cdn(parts, query, head)
        if len(parts) >= 5 and parts[1:3] == ["api", "models"]:
            self.hub.record(origin="hub", method=self.command, path=url.path, status=0)
            if self._api_fault():
                return None
            return self._api(parts, query, url.query)
        if len(parts) >= 6 and parts[3] == "resolve":
            return self._resolve(parts, head)
        return self._error(404, "NotFound", "no route", head)

    def _api(self, parts: list[str], query: dict[str, list[str]], raw_query: str) -> None:
        repo = self._repo(parts[3], parts[4])
        if repo is None:
            return self._error(404, "RepoNotFound", "Repository not found")
        rest = parts[5:]
        if not rest or rest[0] == "revision":
            rev = rest[1] if len(rest) > 1 else "main"
            commit = repo.refs.get(rev, rev if rev == repo.commit else None)
            if commit is None:
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            siblings = []
            for f in repo.files:
                s: dict[str, Any] = {"rfilename": f.path}
                if "blobs" in query:
                    s.update(size=f.size, blobId=f.oid)
                    if f.lfs:
                        s["lfs"] = {
                            "sha256": f.sha256,
                            "size": f.size,
                            "pointerSize": len(f.pointer),
                        }
                siblings.append(s)
            return self._json(
                {
                    "id": repo.repo_id,
                    "modelId": repo.repo_id,
                    "sha": commit,
                    "private": False,
                    "tags": [f"license:{repo.license}"],
                    "cardData": {"license": repo.license},
                    "siblings": siblings,
                }
            )
        if rest[0] == "tree" and len(rest) >= 2:
            with self.hub._lock:
                faults = self.hub.faults.tree_statuses
                status = faults.popleft() if faults else None
            if status is not None:
                return self._send(status, b"{}")
            rev = rest[1]
            if rev not in (*repo.refs, repo.commit):
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            entries = repo.tree_entries("/".join(rest[2:]))
            if query.get("recursive", ["false"])[0] != "true":
                depth = len([p for p in rest[2:] if p])
                entries = [e for e in entries if e["path"].count("/") == depth]
            cursor = int(query.get("cursor", ["0"])[0])
            page = entries[cursor : cursor + self.hub.page_size]
            headers = {}
            if cursor + self.hub.page_size < len(entries):
                base = self.hub.url + "/".join(quote(p) for p in parts)
                nxt = f"{base}?recursive={query.get('recursive', ['false'])[0]}&expand=false&cursor={cursor + self.hub.page_size}"
                headers["Link"] = f'<{nxt}>; rel="next"'
            return self._json(page, headers)
        return self._error(404, "NotFound", "no route")

    def _resolve(self, parts: list[str], head: bool) -> None:
        repo = self._repo(parts[1], parts[2])
        if repo is None:
            return self._error(404, "RepoNotFound", "Repository not found", head)
        rev, path = parts[4], "/".join(parts[5:])
        commit = repo.refs.get(rev, rev if rev == repo.commit else None)
        if commit is None:
            return self._error(404, "RevisionNotFound", "Invalid rev id", head)
        f = repo.file(path)
        if f is None:
            return self._error(404, "EntryNotFound", f"{path} does not exist", head)
        self.hub.record(
            origin="hub",
            method=self.command,
            path=f"/{parts[1]}/{parts[2]}/resolve",
            file=path,
            status=302 if f.lfs else 200,
            range=self.headers.get("Range"),
        )
        status = self.hub.pop(self.hub.faults.resolve_statuses, path)
        if status is not None:
            return self._send(status, b"busy", {}, head)
        etag = f.sha256 if f.lfs else f.oid
        if path in self.hub.faults.etag_changed:
            etag = hashlib.sha256(b"changed" + etag.encode()).hexdigest()
        headers = {"X-Repo-Commit": commit, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
        if f.lfs:
            headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(f.size)})
            cdn_path = f"/cdn/{repo.repo_id}/{commit}/{quote(path)}"
            headers["Location"] = f"{self.hub.cdn_url}{cdn_path}?{self.hub.sign(cdn_path)}"
            return self._send(302, b"", headers, head)
        return self._body(f, headers, head)

    def _cdn(self, parts: list[str], query: dict[str, list[str]], head: bool) -> None:
        # /cdn/{org}/{name}/{commit}/{path}
        raw_path = urlsplit(self.path).path
        repo = self._repo(parts[2], parts[3]) if len(parts) >= 6 else None
        f = repo.file("/".join(parts[5:])) if repo else None
        if repo is None or f is None or parts[4] != repo.commit:
            return self._error(404, "NotFound", "no such object", head)
        expired = self.hub.pop(self.hub.faults.expire, f.path)
        if expired or not self.hub.signature_ok(raw_path, query):
            self.hub.record(
                origin="cdn",
                method=self.command,
                file=f.path,
                status=403,
                range=self.headers.get("Range"),
            )
            return self._send(
                403,
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                {"Content-Type": "application/xml"},
                head,
            )
        return self._body(f, {"ETag": f'"{f.sha256}"', "Accept-Ranges": "bytes"}, head)

    def _body(self, f: HubFile, headers: dict[str, str], head: bool) -> None:
        rng = self.headers.get("Range")
        status = self.hub.pop(self.hub.faults.statuses, f.path) if not head else None
        if status is not None:
            self.hub.record(
                origin=self.server.origin,
                method=self.command,
                file=f.path,
                status=status,
                range=rng,
            )
            extra = {"Retry-After": str(self.hub.faults.retry_after)} if status == 429 else {}
            return self._send(status, b"busy", extra)
        start, end = 0, f.size
        code = 200
        if rng and rng.startswith("bytes=") and f.path not in self.hub.faults.ignore_range:
            first, _, last = rng[len("bytes=") :].partition("-")
            start = int(first)
            end = min(f.size, int(last) + 1) if last else f.size
            if start >= f.size and f.size > 0:
                self.hub.record(
                    origin=self.server.origin,
                    method=self.command,
                    file=f.path,
                    status=416,
                    range=rng,
                )
                return self._send(416, b"", {"Content-Range": f"bytes */{f.size}"}, head)
            code = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{f.size}"
        self.hub.record(
            origin=self.server.origin,
            method=self.command,
            file=f.path,
            status=code,
            range=rng,
            start=start,
            end=end,
        )
        drop = self.hub.pop(self.hub.faults.drops, f.path) if not head else None
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(end - start))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if head:
            return None
        rate = self.hub.faults.rate.get(f.path)
        sent = 0
        chunk = 256 * 1024
        try:
            pos = start
            for data in f.pieces(start, end, chunk):
                if f.path in self.hub.faults.corrupt and pos <= f.size // 2 < pos + len(data):
                    i = f.size // 2 - pos
                    data = memoryview(
                        bytes(data[:i]) + bytes([data[i] ^ 0xFF]) + bytes(data[i + 1 :])
                    )
                held = self.hub.faults.hold.get(f.path)
                if held is not None and pos + len(data) > held:
                    self.hub.faults.released.wait(60)
                pos += len(data)
                if drop is not None and sent + len(data) >= drop:
                    self.wfile.write(data[: max(0, drop - sent)])
                    self.hub.served(f.path, max(0, drop - sent))
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return None
                self.hub.pace(len(data))
                self.wfile.write(data)
                self.hub.served(f.path, len(data))
                sent += len(data)
                if rate:
                    time.sleep(len(data) / rate)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        return None
