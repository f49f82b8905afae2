"""The reach prober: one HTTP(S) request per target, step by step, on plain sockets.

Why not httpx for probes: a verdict needs to know *which step* failed (DNS, TCP connect, TLS
handshake, before the first byte), and a timing per step. httpcore folds DNS into connect_tcp,
reports resets as one ConnectError, and its proxy tunnel takes the TLS server name from the URL
host, so "CONNECT to the overridden address, keep SNI and certificate checks on the hostname"
(curl --connect-to) cannot be expressed. Doing the steps here with socket + ssl is ~300 lines and
gives exact phases. httpx stays the client for ordinary requests (the --notify webhook).

Every blocking call gets the time left of the probe's own deadline, so a probe never outlives it.
"""

from __future__ import annotations

import _thread
import ipaddress
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from hedgectl import __version__
from hedgectl.core.reach import Failure, Observation, ProbeKind, Proxy, Target, Timings

MAX_BODY = 64 * 1024  # error bodies are small; a signature never needs more
MAX_PROBE_THREADS = 1024  # probes in parallel: 1000 probes still take one timeout
PROBE_THREAD_STACK = 512 * 1024  # bytes; a probe thread only waits on sockets
USER_AGENT = f"hedgectl/{__version__} (reach)"


class ProbeFailed(Exception):
    """Internal: a step failed; carries the failure kind for the classifier."""

    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail


@dataclass
class _Clock:
    start: float
    deadline: float
    dns: float | None = None
    connect: float | None = None
    tls: float | None = None
    first_byte: float | None = None

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self) -> float:
        """Seconds left for the next blocking call (raises TimeoutError when none)."""
        left = self.left()
        if left <= 0:
            raise TimeoutError("probe deadline reached")
        return left

    def timings(self) -> Timings:
        return Timings(
            self.dns, self.connect, self.tls, self.first_byte, time.monotonic() - self.start
        )


def make_ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """A verifying context: ca_bundle, else the defaults (which honour SSL_CERT_FILE)."""
    ctx = (
        ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    )
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


Resolver = Callable[[str, int], list[tuple[int, str]]]


def system_resolver(host: str, port: int) -> list[tuple[int, str]]:
    """The machine's resolver (getaddrinfo): [(address family, address), ...]."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [(int(family), str(addr[0])) for family, _, _, _, addr in infos]


_resolver: Resolver = system_resolver


def set_resolver(resolver: Resolver | None) -> None:
    """Use another resolver for provider and proxy names (None: the system's again).

    For tests and benchmarks, which must never ask the machine's resolver, and for embedding
    hedgectl where names resolve differently. A resolver raises OSError (socket.gaierror) when a
    name does not resolve.
    """
    global _resolver
    _resolver = resolver or system_resolver


def _resolve(host: str, port: int, clock: _Clock) -> list[tuple[int, str]]:
    """The resolver's answer, bounded by the deadline (getaddrinfo has no timeout of its own)."""
    box: dict[str, object] = {}
    resolver = _resolver

    def run() -> None:
        try:
            box["ok"] = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            box["err"] = exc

    worker = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(clock.budget())
    clock.dns = time.monotonic() - started
    if worker.is_alive():
        raise ProbeFailed(Failure.DNS, f"lookup of {host} timed out")
    if "err" in box:
        exc = box["err"]
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProbeFailed(Failure.DNS, f"{host}: {text}")
    addresses = box["ok"]
    assert isinstance(addresses, list)
    return addresses


def _connect(
    address: str, port: int, source: str, clock: _Clock, *, to_proxy: bool
) -> socket.socket:
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if source:
            sock.bind((source, 0))
        sock.settimeout(clock.budget())
        sock.connect((address, port))
    except TimeoutError:
        sock.close()
        if to_proxy:
            raise ProbeFailed(
                Failure.PROXY_DOWN, f"proxy {address}:{port} did not accept in time"
            ) from None
        raise ProbeFailed(Failure.CONNECT_TIMEOUT, f"{address}:{port}") from None
    except ConnectionRefusedError:
        sock.close()
        if to_proxy:
            raise ProbeFailed(
                Failure.PROXY_DOWN, f"proxy {address}:{port} refused the connection"
            ) from None
        raise ProbeFailed(Failure.CONNECT_REFUSED, f"{address}:{port}") from None
    except OSError as exc:
        sock.close()
        kind = Failure.PROXY_DOWN if to_proxy else Failure.CONNECT_ERROR
        raise ProbeFailed(kind, f"{address}:{port}: {exc.strerror or exc}") from None
    return sock


def _recv_head(sock: socket.socket, clock: _Clock, limit: int = 16384) -> bytes:
    """Read until the end of an HTTP header block (used for a proxy's CONNECT answer)."""
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(clock.budget())
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            break
    return data


def _recv_exact(sock: socket.socket, n: int, clock: _Clock) -> bytes:
    data = b""
    while len(data) < n:
        sock.settimeout(clock.budget())
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ProbeFailed(Failure.PROXY_DOWN, "SOCKS proxy closed the connection")
        data += chunk
    return data


def _http_tunnel(sock: socket.socket, proxy: Proxy, host: str, port: int, clock: _Clock) -> None:
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}", f"User-Agent: {USER_AGENT}"]
    if proxy.username:
        import base64

        token = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    try:
        sock.settimeout(clock.budget())
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = _recv_head(sock, clock)
    except TimeoutError:
        raise ProbeFailed(
            Failure.PROXY_UPSTREAM_TIMEOUT, "no CONNECT answer from the proxy in time"
        ) from None
    except OSError as exc:
        raise ProbeFailed(
            Failure.PROXY_DOWN, f"proxy dropped the connection: {exc.strerror or exc}"
        ) from None
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProbeFailed(Failure.PROXY_DOWN, f"not an HTTP proxy answer: {status_line[:60]!r}")
    status = int(parts[1])
    if status == 200:
        return
    said = f"proxy answered {status_line[9:].strip()}"
    text = head.decode("latin-1", "replace").lower()
    # Squid names the cause in X-Squid-Error; tinyproxy says only "Unable to connect".
    if "err_dns_fail" in text or "could not resolve" in text or "name or service not known" in text:
        raise ProbeFailed(Failure.PROXY_UPSTREAM_DNS, said)
    if "err_connect_fail" in text and "(111)" in text:
        raise ProbeFailed(Failure.PROXY_UPSTREAM_REFUSED, said)
    if status in (403, 407):  # the proxy refuses us: our vantage is broken, not the provider
        raise ProbeFailed(Failure.PROXY_DOWN, said)
    if status == 504:
        raise ProbeFailed(Failure.PROXY_UPSTREAM_TIMEOUT, said)
    raise ProbeFailed(Failure.PROXY_UPSTREAM, said)


_SOCKS_REPLIES = {
    1: (Failure.PROXY_UPSTREAM, "general SOCKS server failure (DNS or route)"),
    2: (Failure.PROXY_DOWN, "connection not allowed by the SOCKS ruleset"),
    3: (Failure.PROXY_UPSTREAM, "network unreachable"),
    4: (Failure.PROXY_UPSTREAM_DNS, "host unreachable"),
    5: (Failure.PROXY_UPSTREAM_REFUSED, "connection refused"),
    6: (Failure.PROXY_UPSTREAM_TIMEOUT, "TTL expired"),
}


def _socks5_greet(sock: socket.socket, proxy: Proxy, clock: _Clock) -> None:
    """SOCKS5 method negotiation (and username/password when the proxy URL has them)."""
    methods = b"\x00\x02" if proxy.username else b"\x00"
    sock.settimeout(clock.budget())
    sock.sendall(b"\x05" + bytes([len(methods)]) + methods)
    version, method = _recv_exact(sock, 2, clock)
    if version != 5 or method == 0xFF:
        raise ProbeFailed(Failure.PROXY_DOWN, "not a SOCKS5 proxy, or none of our auth methods")
    if method == 2:
        user, pwd = proxy.username.encode(), proxy.password.encode()
        sock.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(pwd)]) + pwd)
        if _recv_exact(sock, 2, clock)[1] != 0:
            raise ProbeFailed(Failure.PROXY_DOWN, "SOCKS proxy rejected the username/password")


def _socks5_tunnel(sock: socket.socket, proxy: Proxy, host: str, port: int, clock: _Clock) -> None:
    try:
        _socks5_greet(sock, proxy, clock)
        try:
            ip = ipaddress.ip_address(host)
            addr = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
        except ValueError:
            name = host.encode("idna")
            addr = b"\x03" + bytes([len(name)]) + name
        sock.sendall(b"\x05\x01\x00" + addr + struct.pack("!H", port))
        head = _recv_exact(sock, 4, clock)
        if head[1] != 0:
            failure, text = _SOCKS_REPLIES.get(
                head[1], (Failure.PROXY_UPSTREAM, f"SOCKS error {head[1]}")
            )
            raise ProbeFailed(failure, f"SOCKS proxy: {text}")
        atyp = head[3]
        size = 4 if atyp == 1 else 16 if atyp == 4 else _recv_exact(sock, 1, clock)[0]
        _recv_exact(sock, size + 2, clock)
    except TimeoutError:
        raise ProbeFailed(
            Failure.PROXY_UPSTREAM_TIMEOUT, "SOCKS proxy did not answer in time"
        ) from None
    except OSError as exc:
        raise ProbeFailed(
            Failure.PROXY_DOWN, f"SOCKS proxy dropped the connection: {exc.strerror or exc}"
        ) from None


def _proxy_address(proxy: Proxy, clock: _Clock) -> str:
    """The proxy's IP; a proxy name that does not resolve is a dead vantage, not a provider DNS error."""
    try:
        return str(ipaddress.ip_address(proxy.host))
    except ValueError:
        pass
    try:
        return _resolve(proxy.host, proxy.port, clock)[0][1]
    except (ProbeFailed, IndexError) as exc:
        detail = exc.detail if isinstance(exc, ProbeFailed) else "no addresses"
        raise ProbeFailed(Failure.PROXY_DOWN, f"proxy host {proxy.host}: {detail}") from None


def _open(target: Target, clock: _Clock) -> tuple[socket.socket, str]:
    """TCP (through the region's proxy if any) to the target; returns the socket and peer."""
    proxy = target.proxy
    if proxy is not None:
        proxy_addr = _proxy_address(proxy, clock)
        started = time.monotonic()
        sock = _connect(proxy_addr, proxy.port, target.source_address, clock, to_proxy=True)
        try:
            if proxy.scheme == "http":
                _http_tunnel(sock, proxy, target.connect_host, target.connect_port, clock)
            else:
                _socks5_tunnel(sock, proxy, target.connect_host, target.connect_port, clock)
        except BaseException:
            sock.close()
            raise
        clock.connect = time.monotonic() - started
        return sock, f"{proxy_addr}:{proxy.port}"
    if target.overridden:
        addresses = [(0, target.connect_host)]
    else:
        addresses = _resolve(target.connect_host, target.connect_port, clock)
        if not addresses:
            raise ProbeFailed(Failure.DNS, f"{target.connect_host}: no addresses")
    address = addresses[0][1]
    started = time.monotonic()
    sock = _connect(address, target.connect_port, target.source_address, clock, to_proxy=False)
    clock.connect = time.monotonic() - started
    peer = (
        f"[{address}]:{target.connect_port}"
        if ":" in address
        else f"{address}:{target.connect_port}"
    )
    return sock, peer


def _handshake(
    sock: socket.socket, target: Target, ctx: ssl.SSLContext, clock: _Clock
) -> ssl.SSLSocket:
    started = time.monotonic()
    try:
        sock.settimeout(clock.budget())
        # suppress_ragged_eofs=False: an EOF without TLS close_notify (what a middlebox's RST or
        # FIN looks like) raises SSLEOFError instead of reading as an orderly end of stream.
        tls = ctx.wrap_socket(
            sock,
            server_hostname=target.host,
            do_handshake_on_connect=False,
            suppress_ragged_eofs=False,
        )
    except ValueError as exc:  # invalid server name
        sock.close()
        raise ProbeFailed(Failure.TLS_ERROR, str(exc)) from None
    try:
        tls.do_handshake()
    except ssl.SSLCertVerificationError as exc:
        tls.close()
        raise ProbeFailed(Failure.TLS_CERT, _cert_reason(exc)) from None
    except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError) as exc:
        tls.close()
        raise ProbeFailed(Failure.TLS_RESET, _cut(exc)) from None
    except TimeoutError:
        tls.close()
        raise ProbeFailed(Failure.TLS_TIMEOUT, "") from None
    except ssl.SSLError as exc:
        tls.close()
        raise ProbeFailed(Failure.TLS_ERROR, exc.reason or str(exc)) from None
    except OSError as exc:
        tls.close()
        raise ProbeFailed(Failure.TLS_RESET, exc.strerror or str(exc)) from None
    clock.tls = time.monotonic() - started
    return tls


def _cut(exc: BaseException) -> str:
    """How the connection was cut, in words (a RST and a bare EOF both look like a middlebox)."""
    if isinstance(exc, ConnectionResetError):
        return "TCP reset"
    if isinstance(exc, ssl.SSLEOFError):
        return "closed without a TLS alert"
    if isinstance(exc, BrokenPipeError):
        return "broken pipe"
    return "closed"


def _cert_reason(exc: ssl.SSLCertVerificationError) -> str:
    code = exc.verify_code
    if code == 10:
        return "certificate has expired"
    if code == 9:
        return "certificate is not yet valid"
    if code == 62:
        return "certificate does not match the host name"
    if code in (18, 19, 20, 21):
        return "certificate not trusted (unknown issuer)"
    return exc.verify_message or str(exc)


def _request_bytes(target: Target) -> bytes:
    default_port = 443 if target.tls else 80
    host = target.host if target.port == default_port else f"{target.host}:{target.port}"
    lines = [
        f"{target.method} {target.path} HTTP/1.1",
        f"Host: {host}",
        f"User-Agent: {USER_AGENT}",
        "Accept: application/json",
        "Connection: close",
    ]
    names = set()
    for name, value in target.headers:
        lines.append(f"{name}: {value}")
        names.add(name.lower())
    if target.body or target.method == "POST":
        lines.append(f"Content-Length: {len(target.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + target.body


def _exchange(
    sock: socket.socket, target: Target, clock: _Clock
) -> tuple[int, dict[str, str], bytes]:
    """Send the request, read status, headers and (a capped) body."""
    try:
        sock.settimeout(clock.budget())
        sock.sendall(_request_bytes(target))
        sent = time.monotonic()
        sock.settimeout(clock.budget())
        first = sock.recv(65536)
    except TimeoutError:
        raise ProbeFailed(Failure.READ_TIMEOUT, "") from None
    except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError) as exc:
        raise ProbeFailed(
            Failure.RESET_AFTER_TLS if target.tls else Failure.CLOSED, _cut(exc)
        ) from None
    except OSError as exc:
        raise ProbeFailed(Failure.CLOSED, exc.strerror or str(exc)) from None
    if not first:
        raise ProbeFailed(Failure.CLOSED, "")
    clock.first_byte = time.monotonic() - sent
    data = first
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            sock.settimeout(clock.budget())
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        # A status line alone is not an answer: a server (or middlebox) that stalls its
        # headers until the deadline has not answered in time.
        raise ProbeFailed(
            Failure.READ_TIMEOUT, "the status line came, the headers never did"
        ) from None
    except OSError as exc:
        raise ProbeFailed(Failure.CLOSED, f"cut while sending headers: {_cut(exc)}") from None
    if b"\r\n\r\n" not in data:
        if len(data) >= 65536:
            raise ProbeFailed(Failure.PROTOCOL, "response headers larger than 64 KiB")
        raise ProbeFailed(Failure.CLOSED, "closed before the end of the response headers")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1", "replace").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProbeFailed(Failure.PROTOCOL, repr(lines[0][:60]))
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = _read_body(sock, rest, headers, clock)
    return status, headers, body


def _read_body(sock: socket.socket, rest: bytes, headers: dict[str, str], clock: _Clock) -> bytes:
    """Up to MAX_BODY bytes of the body; a stall or reset mid-body keeps what arrived."""
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length = headers.get("content-length", "")
    want = int(length) if length.isdigit() else None
    data = rest
    try:
        while len(data) < MAX_BODY:
            if want is not None and len(data) >= want:
                break
            if chunked and data.endswith(b"0\r\n\r\n"):
                break
            sock.settimeout(max(0.001, min(clock.budget(), 2.0)))
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, OSError):
        pass
    if chunked:
        data = _dechunk(data)
    return data[:MAX_BODY]


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, sep, data = data.partition(b"\r\n")
        if not sep:
            break
        try:
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            break
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return out


def _check_proxy(target: Target, clock: _Clock) -> Observation:
    """A region's control probe without a control_url: the proxy accepts and speaks its protocol."""
    proxy = target.proxy
    assert proxy is not None
    address = _proxy_address(proxy, clock)
    started = time.monotonic()
    sock = _connect(address, proxy.port, target.source_address, clock, to_proxy=True)
    try:
        if proxy.scheme != "http":
            _socks5_greet(sock, proxy, clock)
    except TimeoutError:
        raise ProbeFailed(Failure.PROXY_DOWN, "SOCKS proxy did not answer in time") from None
    except OSError as exc:
        raise ProbeFailed(
            Failure.PROXY_DOWN, f"proxy dropped the connection: {exc.strerror or exc}"
        ) from None
    finally:
        sock.close()
    clock.connect = time.monotonic() - started
    return Observation(
        timings=clock.timings(), remote_address=f"{address}:{proxy.port}", via="proxy"
    )


def probe(target: Target, ctx: ssl.SSLContext) -> Observation:
    """Run one probe to completion or to its deadline; never raises for network trouble."""
    start = time.monotonic()
    clock = _Clock(start=start, deadline=start + target.timeout)
    via = "proxy" if target.proxy else "direct"
    sock: socket.socket | None = None
    peer = ""
    tls_version = ""
    not_after: float | None = None
    try:
        if target.kind == ProbeKind.CONTROL and not target.path:
            return _check_proxy(target, clock)
        sock, peer = _open(target, clock)
        if target.tls:
            sock = _handshake(sock, target, ctx, clock)
            assert isinstance(sock, ssl.SSLSocket)
            tls_version = sock.version() or ""
            cert = sock.getpeercert()
            if cert and isinstance(cert.get("notAfter"), str):
                not_after = float(ssl.cert_time_to_seconds(str(cert["notAfter"])))
        status, headers, body = _exchange(sock, target, clock)
    except ProbeFailed as exc:
        return Observation(
            failure=exc.failure,
            detail=exc.detail,
            timings=clock.timings(),
            remote_address=peer,
            tls_version=tls_version,
            cert_not_after=not_after,
            via=via,
        )
    except TimeoutError:  # the deadline ran out between steps
        failure = Failure.CONNECT_TIMEOUT if clock.connect is None else Failure.READ_TIMEOUT
        if clock.connect is not None and target.tls and clock.tls is None:
            failure = Failure.TLS_TIMEOUT
        return Observation(failure=failure, timings=clock.timings(), remote_address=peer, via=via)
    finally:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
    return Observation(
        status=status,
        headers=headers,
        body=body,
        timings=clock.timings(),
        remote_address=peer,
        tls_version=tls_version,
        cert_not_after=not_after,
        via=via,
    )


def probe_all(
    targets: Sequence[Target],
    ctx: ssl.SSLContext,
    on_done: Callable[[Target, Observation], None] | None = None,
) -> list[Observation]:
    """All probes at once, one thread each: the run takes about one probe timeout.

    Every thread is started first and held at a gate, then all are released together: a thread
    started while hundreds of others are busy with TLS handshakes waits for the GIL, and 1000
    probes used to trickle out over seconds. What remains (1000 probes: the last starts about a
    second after the first on a busy 2-core machine) is the GIL handed from thread to thread
    through the scheduler, not CPU (the process uses about 1 CPU-second). A gate per thread starts
    them all within 0.1-0.5 s, but then the 500 stalled probes time out in the same instant and
    queue for the GIL to finish, up to 1.5 s past their deadline, and overloaded handshakes turn a
    few answering providers into timeouts: a probe's timing must stay honest, so the start is
    staggered instead; only an event loop on non-blocking sockets would remove both. Up to MAX_PROBE_THREADS run in parallel (beyond
    that they queue behind one another). Probe threads mostly wait on sockets: a small stack.
    `on_done` is called from the probe threads, one call at a time.
    """
    if not targets:
        return []
    results: list[Observation | None] = [None] * len(targets)
    pending = iter(range(len(targets)))
    lock = threading.Lock()
    gate = threading.Event()

    running = [0]  # worker threads not yet finished; guarded by `lock`
    finished = threading.Event()

    def worker() -> None:
        try:
            gate.wait()
            while True:
                with lock:
                    i = next(pending, None)
                if i is None:
                    return
                obs = probe(targets[i], ctx)
                results[i] = obs
                if on_done is not None:
                    with lock:
                        on_done(targets[i], obs)
        finally:
            with lock:
                running[0] -= 1
                if running[0] == 0:
                    finished.set()

    # _thread, not threading.Thread: Thread.start() waits until the new thread has run, a round
    # trip through the GIL and the scheduler per thread (0.1-0.4 s for 1000 threads on a busy
    # machine), all spent before the first probe starts.
    previous = threading.stack_size(PROBE_THREAD_STACK)
    try:
        for _ in range(min(len(targets), MAX_PROBE_THREADS)):
            with lock:
                running[0] += 1
            try:
                _thread.start_new_thread(worker, ())
            except BaseException:
                with lock:
                    running[0] -= 1
                raise
    finally:
        threading.stack_size(previous)
        with lock:
            if running[0] == 0:
                finished.set()
        gate.set()  # also releases the threads already started if a start failed
    finished.wait()
    return [r if r is not None else Observation(failure=Failure.PROTOCOL) for r in results]


def post_json(url: str, payload: dict[str, object], timeout: float = 10.0) -> None:
    """POST a JSON document (the Slack-compatible --notify webhook); RemoteError on failure."""
    import httpx

    from hedgectl.errors import RemoteError

    # A webhook URL is a credential (Slack's carries its token in the path): name the host only.
    host = urlsplit(url).hostname or "webhook"
    try:
        response = httpx.post(url, json=payload, timeout=timeout, trust_env=True)
    except httpx.HTTPError as exc:
        reason = type(exc).__name__ if url in str(exc) else str(exc)
        raise RemoteError(
            f"--notify (host {host}): {reason}", hint="check the webhook URL and network"
        ) from None
    if response.status_code >= 300:
        raise RemoteError(f"--notify (host {host}): HTTP {response.status_code}")
