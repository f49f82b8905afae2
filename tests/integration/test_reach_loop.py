"""The prober's event loop on loopback: every probe in flight at once, each cut at its own
deadline, a blocking resolver that cannot hold up the run, results in order.

Real sockets on 127.0.0.1 and real TLS (trustme); the resolvers are injected (no name is ever
sent to the machine's resolver).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hedgectl.adapters import http
from hedgectl.core.reach import Failure, Observation, ProbeKind, Target
from tests.servers.providers import FakeProviders, free_port


class _Holder:
    """Accepts connections and never answers; notes the order of accepts and hang-ups."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = int(self.sock.getsockname()[1])
        self.events: list[str] = []  # "accept" / "closed", in the order the server saw them
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        while not self.stopping.is_set():
            for key, _ in sel.select(0.1):
                if key.fileobj is self.sock:
                    conn, _ = self.sock.accept()
                    self.conns.append(conn)
                    sel.register(conn, selectors.EVENT_READ)
                    with self.lock:
                        self.events.append("accept")
                    continue
                conn = key.fileobj
                assert isinstance(conn, socket.socket)
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                if not data:  # the prober hung up: its deadline came
                    sel.unregister(conn)
                    with self.lock:
                        self.events.append("closed")
        sel.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def holder() -> Iterator[_Holder]:
    server = _Holder()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeProviders]:
    fp = FakeProviders(tmp_path_factory.mktemp("loop"))
    try:
        yield fp
    finally:
        fp.close()


@contextmanager
def _resolver(resolver: http.Resolver) -> Iterator[None]:
    http.set_resolver(resolver)
    try:
        yield
    finally:
        http.set_resolver(None)


def _target(name: str, port: int, *, timeout: float, overridden: bool = True) -> Target:
    return Target(
        provider=name,
        family="",
        region="here",
        kind=ProbeKind.UNAUTHENTICATED,
        url="https://api.openai.com/v1/models",
        host="api.openai.com",
        port=443,
        path="/v1/models",
        tls=True,
        connect_host="127.0.0.1" if overridden else "api.openai.com",
        connect_port=port,
        overridden=overridden,
        timeout=timeout,
    )


def test_every_probe_is_in_flight_before_the_first_one_is_cut(holder: _Holder) -> None:
    n = 300
    targets = [_target(f"p{i}", holder.port, timeout=1.0) for i in range(n)]
    done: list[str] = []
    caller = threading.get_ident()

    def on_done(target: Target, obs: Observation) -> None:
        assert threading.get_ident() == caller  # one call at a time, from the caller's thread
        done.append(target.provider)

    results = http.probe_all(targets, http.make_ssl_context(None), on_done=on_done)
    assert [r.failure for r in results] == [Failure.TLS_TIMEOUT] * n
    assert all(r.timings.total >= 1.0 for r in results)  # each ran to its own deadline
    assert sorted(done) == sorted(t.provider for t in targets)
    for _ in range(50):  # the server may not have read the last hang-ups yet
        with holder.lock:
            if holder.events.count("closed") == n:
                break
        threading.Event().wait(0.1)
    with holder.lock:
        events = list(holder.events)
    # all n connections were accepted before the first probe hung up at its deadline
    assert events[:n] == ["accept"] * n, events[: n + 5]
    assert events.count("closed") == n


def test_results_keep_the_order_of_the_targets(providers: FakeProviders) -> None:
    ctx = http.make_ssl_context(str(providers.ca_file))
    ports = [providers.main, free_port(), providers.stall, providers.reset_in_tls] * 5
    targets = [_target(f"p{i}", port, timeout=1.0) for i, port in enumerate(ports)]
    results = http.probe_all(targets, ctx)
    expected = [None, Failure.CONNECT_REFUSED, Failure.TLS_TIMEOUT, Failure.TLS_RESET] * 5
    assert [r.failure for r in results] == expected
    assert all(r.status == 401 for r in results[::4])


def test_a_resolver_that_never_answers_cannot_hold_up_the_run(
    providers: FakeProviders,
) -> None:
    release = threading.Event()

    def hanging(host: str, port: int) -> list[tuple[int, str]]:
        release.wait(30)
        return [(socket.AF_INET, "127.0.0.1")]

    ctx = http.make_ssl_context(str(providers.ca_file))
    targets = [
        _target("lookup", providers.main, timeout=0.5, overridden=False),
        _target("pinned", providers.main, timeout=0.5),
    ]
    try:
        with _resolver(hanging):
            results = http.probe_all(targets, ctx)
    finally:
        release.set()
    assert results[0].failure == Failure.DNS
    assert results[0].detail == "lookup of api.openai.com timed out"
    assert results[1].status == 401  # the other probe went on meanwhile


def test_a_resolver_that_breaks_is_a_dns_failure_not_a_hang(providers: FakeProviders) -> None:
    def broken(host: str, port: int) -> list[tuple[int, str]]:
        raise RuntimeError("resolver bug")

    ctx = http.make_ssl_context(str(providers.ca_file))
    with _resolver(broken):
        [result] = http.probe_all(
            [_target("p", providers.main, timeout=5.0, overridden=False)], ctx
        )
    assert result.failure == Failure.DNS
    assert result.detail == "api.openai.com: the resolver failed"
    assert result.timings.total < 5.0  # answered when the resolver gave up, not at the deadline


def test_a_resolver_answer_is_used_for_the_connection(providers: FakeProviders) -> None:
    seen: list[str] = []

    def loopback(host: str, port: int) -> list[tuple[int, str]]:
        seen.append(host)
        return [(socket.AF_INET, "127.0.0.1")]

    ctx = http.make_ssl_context(str(providers.ca_file))
    with _resolver(loopback):
        [result] = http.probe_all(
            [_target("p", providers.main, timeout=5.0, overridden=False)], ctx
        )
    assert seen == ["api.openai.com"]
    assert (result.failure, result.status) == (None, 401)
    assert result.timings.dns is not None
    assert result.remote_address == f"127.0.0.1:{providers.main}"


def test_no_probe_is_an_empty_run() -> None:
    assert http.probe_all([], http.make_ssl_context(None)) == []


def test_one_probe_alone(providers: FakeProviders) -> None:
    ctx = http.make_ssl_context(str(providers.ca_file))
    obs = http.probe(_target("p", providers.main, timeout=5.0), ctx)
    assert obs.status == 401 and obs.tls_version.startswith("TLS")


_FEW_DESCRIPTORS = """
import resource, socket, sys, time
from hedgectl.adapters import http
from hedgectl.core.reach import ProbeKind, Target

n, port, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 60, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

def slow(host, port):  # every lookup is still running when the last one starts
    time.sleep(0.5)
    return [(socket.AF_INET, "127.0.0.1")]

http.set_resolver(slow)
targets = [
    Target(provider=f"p{i}", family="", region="here", kind=ProbeKind.UNAUTHENTICATED,
           url="https://api.openai.com/v1/models", host="api.openai.com", port=443,
           path="/v1/models", tls=True, connect_host="api.openai.com", connect_port=port,
           overridden=False, timeout=20.0)
    for i in range(n)
]
results = http.probe_all(targets, http.make_ssl_context(ca))
print(sorted({str(r.status or r.failure) for r in results}))
"""


def test_lookups_take_no_descriptor_of_their_own(providers: FakeProviders) -> None:
    # n probes in flight need n sockets; their n lookups, running at once, need none more
    # (a cron job's default limit is often 1024 descriptors for 1000 probes).
    import subprocess
    import sys

    n = 200
    code = _FEW_DESCRIPTORS
    args = [str(n), str(providers.main), str(providers.ca_file)]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['401']", done.stdout
