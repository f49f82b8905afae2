"""A ModelScope-compatible test server on loopback, modelled on its public model-hub API
(the endpoints the `modelscope` client's HubApi calls):

  GET /api/v1/models/{org}/{name}/repo/files?Revision=&Recursive=true
      {"Code": 200, "Success": true, "Data": {"Files": [{"Name", "Path", "Type": "blob"|"tree",
       "Size", "Sha256", "Revision", "IsLFS"}]}}
  GET /api/v1/models/{org}/{name}/repo?Revision=&FilePath=     the file's bytes; Range -> 206

Repos reuse the test Hub's generated files (tests/servers/hub.py), so the same weights can be
served by both. `corrupt` flips one byte of a path on the way out (a source that lies).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers.hub import HubRepo


class ModelScopeServer:
    def __init__(self, repos: list[HubRepo], *, branch: str = "master") -> None:
        self.repos = {r.repo_id: r for r in repos}
        self.branch = branch
        self.corrupt: set[str] = set()
        self.log: list[dict[str, Any]] = []
        self.bytes_served = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ModelScopeServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], ms: ModelScopeServer) -> None:
        self.ms = ms
        super().__init__(addr, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:
        ms = self.server.ms
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with ms._lock:
            ms.log.append({"path": url.path, "query": query, "range": self.headers.get("Range")})
        # /api/v1/models/{org}/{name}/repo[/files]
        if len(parts) < 7 or parts[1:4] != ["api", "v1", "models"] or parts[6] != "repo":
            return self._json(404, {"Code": 404, "Success": False, "Message": "no route"})
        repo = ms.repos.get(f"{parts[4]}/{parts[5]}")
        if repo is None:
            return self._json(
                404, {"Code": 10010205001, "Success": False, "Message": "model not found"}
            )
        revision = query.get("Revision", ms.branch)
        if revision not in (ms.branch, repo.commit):
            return self._json(
                404, {"Code": 10010205001, "Success": False, "Message": "revision not found"}
            )
        if len(parts) == 8 and parts[7] == "files":
            files = [
                {
                    "Name": f.path.rsplit("/", 1)[-1],
                    "Path": f.path,
                    "Type": "blob",
                    "Size": f.size,
                    "Sha256": f.sha256,
                    "Revision": repo.commit,
                    "IsLFS": f.lfs,
                }
                for f in repo.files
            ]
            return self._json(200, {"Code": 200, "Success": True, "Data": {"Files": files}})
        f = repo.file(query.get("FilePath", ""))
        if f is None:
            return self._json(404, {"Code": 404, "Success": False, "Message": "file not found"})
        start, end, status = 0, f.size, 200
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            first, _, last = rng[len("bytes=") :].partition("-")
            start = int(first)
            end = min(f.size, int(last) + 1) if last else f.size
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{f.size}"
        data = bytearray(f.read(start, end))
        if f.path in ms.corrupt and start <= f.size // 2 < end:
            data[f.size // 2 - start] ^= 0xFF
        with ms._lock:
            ms.bytes_served += len(data)
        self._send(status, bytes(data), headers)
