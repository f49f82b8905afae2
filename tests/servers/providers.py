"""Fake model providers on loopback for `hedgectl reach` tests and the benchmark.

One TLS server holds a trustme certificate for the real API hostnames and answers by Host header
and by the caller's source address, so a request that egresses through the "cn" proxy (bound to
127.0.0.3) gets a geo-block while the same request through "us" (127.0.0.2) gets the provider's
own 401. Extra servers cover what a single server cannot: a certificate from an untrusted CA, a
certificate that expires in 5 days, an expired one, a port whose accept queue is full (connect timeout), a reset during the TLS handshake, a reset right after it, a
server that accepts and never answers, one that sends a status line and then stalls its
headers, and a port that refuses connections.

Everything listens on 127.0.0.1 only; every server is stopped by FakeProviders.close().
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

US = "127.0.0.2"  # source address of the "us" region proxy
CN = "127.0.0.3"  # source address of the "cn" region proxy
EU = "127.0.0.4"  # source address of the "eu" (SOCKS) region proxy


@dataclass
class Answer:
    status: int
    body: Any = None  # dict -> JSON, str -> text
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json"
        return (self.body or "").encode(), "text/html; charset=utf-8"


# What the real providers send (bodies from the reference notes, see catalog/signatures.toml).
OPENAI_401 = Answer(
    401,
    {
        "error": {
            "message": "You didn't provide an API key.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    },
)
OPENAI_GEO = Answer(
    403,
    {
        "error": {
            "code": "unsupported_country_region_territory",
            "message": "Country, region, or territory not supported",
            "param": None,
            "type": "request_forbidden",
        }
    },
)
ANTHROPIC_401 = Answer(
    401,
    {
        "type": "error",
        "error": {"type": "authentication_error", "message": "x-api-key header is required"},
    },
)
ANTHROPIC_GEO = Answer(
    403,
    {"error": {"type": "forbidden", "message": "Request not allowed"}},
    {"server": "cloudflare", "cf-ray": "8f0000000000-SIN"},
)
GEMINI_403 = Answer(
    403,
    {
        "error": {
            "code": 403,
            "message": "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            "status": "PERMISSION_DENIED",
        }
    },
)
GEMINI_GEO = Answer(
    400,
    {
        "error": {
            "code": 400,
            "message": "User location is not supported for the API use.",
            "status": "FAILED_PRECONDITION",
        }
    },
)
OPENROUTER_401 = Answer(401, {"error": {"message": "No auth credentials found", "code": 401}})
OPENROUTER_GEO = Answer(
    403, {"error": {"message": "This model is not available in your region.", "code": 403}}
)
BEDROCK_OK = Answer(
    200,
    {
        "output": {"message": {"role": "assistant", "content": [{"text": "pong"}]}},
        "stopReason": "end_turn",
    },
)
BEDROCK_GEO = Answer(
    400,
    {
        "message": "Access to Anthropic models is not allowed from unsupported countries, regions, or territories. Please refer to https://www.anthropic.com/supported-countries for more information on the countries and regions Anthropic currently supports."
    },
    {
        "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    },
)
BEDROCK_401 = Answer(
    403,
    {"Message": "Authorization header is missing"},
    {"x-amzn-errortype": "AccessDeniedException"},
)
DEEPSEEK_401 = Answer(
    401,
    {
        "error": {
            "message": "Authentication Fails (auth header format should be Bearer sk-...)",
            "type": "authentication_error",
            "param": None,
            "code": "invalid_request_error",
        }
    },
)
MOONSHOT_401 = Answer(
    401, {"error": {"message": "Invalid Authentication", "type": "invalid_authentication_error"}}
)
MOONSHOT_OK = Answer(200, {"object": "list", "data": [{"id": "kimi-k2", "object": "model"}]})
LEGAL_451 = Answer(
    451,
    {"error": {"message": "Access is not available in your region for legal reasons", "code": 451}},
)
RATE_429 = Answer(
    429,
    {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
    {"retry-after": "7"},
)
DOWN_503 = Answer(503, {"error": {"message": "Server Overloaded", "type": "server_error"}})
OVERLOADED_529 = Answer(
    529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
)
TOGETHER_401 = Answer(
    401,
    {
        "error": {
            "message": "Invalid API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    },
)

MOONSHOT_CN_KEY = "sk-moonshot-cn-key"

Behaviour = Callable[[str, str, str, dict[str, str]], Answer]  # (client ip, method, path, headers)


def _geo(blocked_from: tuple[str, ...], block: Answer, otherwise: Answer) -> Behaviour:
    return lambda ip, method, path, headers: block if ip in blocked_from else otherwise


def _moonshot(accepts_cn_key: bool) -> Behaviour:
    def answer(ip: str, method: str, path: str, headers: dict[str, str]) -> Answer:
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if key and (key == MOONSHOT_CN_KEY) == accepts_cn_key:
            return MOONSHOT_OK
        return MOONSHOT_401

    return answer


def _bedrock(ip: str, method: str, path: str, headers: dict[str, str]) -> Answer:
    if not headers.get("authorization"):
        return BEDROCK_401
    if method != "POST":  # Bedrock checks the caller's location on inference only
        return Answer(404, {"message": "UnknownOperationException"})
    return BEDROCK_GEO if ip == CN else BEDROCK_OK


EDGE_DENIED_403 = Answer(
    403,
    "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
    "You don't have permission to access this server.</body></html>",
)
PORTAL_302 = Answer(302, "", {"location": "https://portal.example.net/login"})

# Host -> behaviour on the main server. Geo-blocks fire for the "cn" egress address.
BEHAVIOURS: dict[str, Behaviour] = {
    "api.openai.com": _geo((CN,), OPENAI_GEO, OPENAI_401),
    "api.anthropic.com": _geo((CN,), ANTHROPIC_GEO, ANTHROPIC_401),
    "generativelanguage.googleapis.com": _geo((CN,), GEMINI_GEO, GEMINI_403),
    "openrouter.ai": _geo((CN,), OPENROUTER_GEO, OPENROUTER_401),
    "bedrock-runtime.us-east-1.amazonaws.com": _bedrock,
    "api.deepseek.com": _geo((US,), LEGAL_451, DEEPSEEK_401),
    "api.moonshot.ai": _moonshot(accepts_cn_key=False),
    "api.moonshot.cn": _moonshot(accepts_cn_key=True),
    "api.together.xyz": lambda *_: RATE_429,
    "api.mistral.ai": lambda *_: DOWN_503,
    "api.minimax.io": lambda *_: OVERLOADED_529,
    "api.z.ai": lambda *_: LEGAL_451,
    "open.bigmodel.cn": lambda *_: MOONSHOT_401,
    "edge-denied.example.test": lambda *_: EDGE_DENIED_403,  # an unknown WAF or edge block
    "portal.example.test": lambda *_: PORTAL_302,  # a captive portal's redirect
}
HOSTNAMES = sorted(BEHAVIOURS)


class _Handler(BaseHTTPRequestHandler):
    server: _TLSServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(10)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        host = (
            (self.headers.get("host") or "").rsplit(":", 1)[0]
            if not (self.headers.get("host") or "").startswith("[")
            else ""
        )
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append((self.client_address[0], host, self.command, self.path))
        behaviour = self.server.behaviours.get(host)
        answer = (
            behaviour(self.client_address[0], self.command, self.path, headers)
            if behaviour
            else Answer(404, {"error": "unknown host"})
        )
        body, ctype = answer.encode()
        self.send_response(answer.status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.send_header("connection", "close")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    do_GET = _answer
    do_POST = _answer


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, ctx: ssl.SSLContext | None, behaviours: dict[str, Behaviour]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ctx = ctx
        self.behaviours = behaviours
        self.seen: list[tuple[str, str, str, str]] = []

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        if self.ctx is not None:
            sock = self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-handshake (untrusted-cert tests) are expected


class _RawServer:
    """A listening socket with a scripted per-connection behaviour, in a thread."""

    def __init__(self, mode: str, ctx: ssl.SSLContext | None = None) -> None:
        self.mode = mode
        self.ctx = ctx
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self.mode == "stall":
                self.held.append(conn)  # accept and never answer; closed by stop()
                return
            if self.mode == "reset_in_tls":
                conn.recv(4096)  # the ClientHello
                _reset(conn)
                return
            if self.mode == "stall_after_tls":  # handshake, read the request, never answer
                assert self.ctx is not None
                tls = self.ctx.wrap_socket(conn, server_side=True)
                self.held.append(tls)
                return
            if self.mode == "headers_stall":  # a status line, then nothing more
                assert self.ctx is not None
                tls = self.ctx.wrap_socket(conn, server_side=True)
                tls.recv(4096)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
                self.held.append(tls)
                return
            if self.mode == "reset_after_tls":
                assert self.ctx is not None
                tls = self.ctx.wrap_socket(conn, server_side=True)
                tls.recv(4096)  # the request
                _reset(tls)
                return
        except OSError:
            pass
        with contextlib.suppress(OSError):
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()
        self.thread.join(2)


def _reset(conn: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST, like a firewall's injected reset."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _full_backlog() -> tuple[list[socket.socket], int]:
    """A loopback port whose accept queue is full: new SYNs are dropped, so connect times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)  # never accepted
    port = int(server.getsockname()[1])
    held = [server]
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        held.append(filler)
    return held, port


def free_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeProviders:
    """All the fake providers; `resolve(host, server)` gives the hedge.toml resolve value."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca = trustme.CA()
        self.ca_file = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._servers: list[_TLSServer] = []
        self._raw: list[_RawServer] = []
        names = [*HOSTNAMES, "expiring.example.test", "untrusted.example.test"]
        self.main = self._tls(self.ca.issue_cert(*names), BEHAVIOURS)
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
        self.expiring = self._tls(
            self.ca.issue_cert(*names, not_after=soon),
            {"expiring.example.test": lambda *_: TOGETHER_401},
        )
        now = dt.datetime.now(dt.UTC)
        expired = self.ca.issue_cert(
            *names, not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1)
        )
        self.expired = self._tls(expired, {})
        self.untrusted_ca = trustme.CA()
        self.untrusted = self._tls(
            self.untrusted_ca.issue_cert(*names),
            {"untrusted.example.test": lambda *_: TOGETHER_401},
        )
        self.reset_in_tls = self._rawserver("reset_in_tls")
        self.reset_after_tls = self._rawserver(
            "reset_after_tls", self._server_ctx(self.ca.issue_cert(*names))
        )
        self.stall = self._rawserver("stall")
        self.stall_after_tls = self._rawserver(
            "stall_after_tls", self._server_ctx(self.ca.issue_cert(*names))
        )
        self.headers_stall = self._rawserver(
            "headers_stall", self._server_ctx(self.ca.issue_cert(*names))
        )
        self.refused_port = free_port()
        self._full, self.connect_timeout = _full_backlog()

    @staticmethod
    def _server_ctx(cert: trustme.LeafCert) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        return ctx

    def _tls(self, cert: trustme.LeafCert, behaviours: dict[str, Behaviour]) -> int:
        server = _TLSServer(self._server_ctx(cert), behaviours)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        ).start()
        self._servers.append(server)
        return int(server.server_address[1])

    def _rawserver(self, mode: str, ctx: ssl.SSLContext | None = None) -> int:
        server = _RawServer(mode, ctx)
        self._raw.append(server)
        return server.port

    @property
    def seen(self) -> list[tuple[str, str, str, str]]:
        """(client ip, host, method, path) of every request the main server answered."""
        return self._servers[0].seen

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for raw in self._raw:
            raw.stop()
        for sock in self._full:
            sock.close()


def resolve(host: str, port: int) -> str:
    """hedge.toml resolve value: keep host:443 in the URL, connect to 127.0.0.1:port."""
    return f"{host}:443:127.0.0.1:{port}"
