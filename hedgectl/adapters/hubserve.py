"""HTTP for `hedgectl mirror serve`: core/mirror/serve.py's answers, bytes streamed from S3.

Stdlib ThreadingHTTPServer (HTTP/1.1 keep-alive, one thread per connection): the clients are a few
huggingface_hub processes on the same host or network, not the internet. Objects are streamed in
ranged reads of CHUNK bytes, so memory stays at about CHUNK per download in progress.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hedgectl.core.mirror.ports import ObjectStore
from hedgectl.core.mirror.serve import MirrorIndex, Reply, route
from hedgectl.errors import HedgeError

CHUNK = 8 * 1024 * 1024


class MirrorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        index: MirrorIndex,
        store: ObjectStore,
        log: Callable[[str], None] = lambda _msg: None,
    ) -> None:
        self.index = index
        self.store = store
        self.log = log
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start_background(self) -> threading.Thread:
        """Serve from a daemon thread (tests, embedding); stop with shutdown() + server_close()."""
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: MirrorServer
    protocol_version = "HTTP/1.1"
    server_version = "hedgectl-mirror"

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    # Everything else gets the core's 405: the mirror is read-only.
    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _serve(self, head: bool) -> None:
        try:
            reply = route(self.server.index, self.command, self.path, dict(self.headers.items()))
        except HedgeError as exc:  # the store failed: tell the client, keep serving
            reply = Reply(502, {"Content-Type": "text/plain"}, f"{exc}\n".encode())
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "Content-Length" not in reply.headers:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if head:
            return
        try:
            if reply.stream is None:
                self.wfile.write(reply.body)
                return
            key, start, end = reply.stream
            for pos in range(start, end, CHUNK):
                self.wfile.write(self.server.store.read(key, pos, min(end, pos + CHUNK)))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-body
        except HedgeError as exc:
            # Headers are gone already: cut the body short so the client sees an incomplete
            # download (and retries) rather than wrong bytes.
            self.server.log(f"{self.path}: {exc}")
            self.close_connection = True
