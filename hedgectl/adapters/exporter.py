"""`hedgectl reach serve`: a long-running exporter in blackbox_exporter's shape, on the stdlib.

Endpoints:
  /probe?provider=NAME[&region=NAME]  probe one provider (from one region or all of its regions)
                                      now and answer with its metrics, as blackbox's /probe does
  /probes                             every provider from every region (one scrape for all)
  /metrics                            the exporter's own metrics (requests, failures, in flight)
  /                                   the status page (the latest verdicts and recent changes)
  /-/healthy                          200 while serving

The probing itself (plan, probe, classify, record the history, notify) is the caller's `probe`
function, the same code a cron run uses; this module only speaks HTTP around it. Concurrency is
bounded: at most `max_concurrent` probe runs at once; a request that cannot start within its
scrape timeout gets 503 instead of piling up threads. SIGTERM/SIGINT stop accepting, let the
requests in flight finish, then return.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hedgectl import __version__
from hedgectl.core.reach.plan import NothingToProbe, UnknownName
from hedgectl.errors import HedgeError, UsageError

PROM_TEXT = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_SCRAPE_TIMEOUT = 10.0  # seconds, Prometheus' default when the header is missing
SCRAPE_TIMEOUT_OFFSET = 0.5  # seconds kept back from the scrape timeout, like blackbox's


@dataclass(frozen=True)
class ProbeAnswer:
    """What one probe run hands back: the metrics text and what the status page needs."""

    metrics: str
    results: Sequence[Any]  # core.reach.Result
    vantage: dict[str, str]
    history_ok: bool = True


# probe(providers, regions, timeout) -> ProbeAnswer; raises UsageError for unknown names.
ProbeFunc = Callable[[Sequence[str], Sequence[str], float | None], ProbeAnswer]
# page(latest results, vantage) -> HTML
PageFunc = Callable[[Sequence[Any], dict[str, str], float], str]


@dataclass
class _Stats:
    """The exporter's own counters; guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: dict[tuple[str, str], int] = field(default_factory=dict)
    in_flight: int = 0
    history_failures: int = 0
    started: float = field(default_factory=time.time)

    def count(self, endpoint: str, outcome: str) -> None:
        with self.lock:
            key = (endpoint, outcome)
            self.requests[key] = self.requests.get(key, 0) + 1

    def text(self) -> str:
        with self.lock:
            lines = [
                "# HELP hedgectl_exporter_build_info hedgectl version serving this exporter.",
                "# TYPE hedgectl_exporter_build_info gauge",
                f'hedgectl_exporter_build_info{{version="{__version__}"}} 1',
                "# HELP hedgectl_exporter_requests_total Requests by endpoint and outcome.",
                "# TYPE hedgectl_exporter_requests_total counter",
                *(
                    f'hedgectl_exporter_requests_total{{endpoint="{e}",outcome="{o}"}} {n}'
                    for (e, o), n in sorted(self.requests.items())
                ),
                "# HELP hedgectl_exporter_probes_in_flight Probe runs in progress.",
                "# TYPE hedgectl_exporter_probes_in_flight gauge",
                f"hedgectl_exporter_probes_in_flight {self.in_flight}",
                "# HELP hedgectl_exporter_history_write_failures_total Probe runs whose results "
                "could not be recorded in the history.",
                "# TYPE hedgectl_exporter_history_write_failures_total counter",
                f"hedgectl_exporter_history_write_failures_total {self.history_failures}",
                "# HELP process_start_time_seconds Start time of the process since unix epoch.",
                "# TYPE process_start_time_seconds gauge",
                f"process_start_time_seconds {self.started:.3f}",
            ]
        return "\n".join(lines) + "\n"


class Exporter:
    """The server and its state; `serve()` blocks until shutdown() or SIGTERM/SIGINT."""

    def __init__(
        self,
        host: str,
        port: int,
        probe: ProbeFunc,
        page: PageFunc,
        *,
        max_concurrent: int = 4,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.probe = probe
        self.page = page
        self.slots = threading.BoundedSemaphore(max_concurrent)
        self.stats = _Stats()
        self.log = log or (lambda _msg: None)
        self._latest: dict[tuple[str, str], Any] = {}
        self._vantage: dict[str, str] = {}
        self._latest_at = 0.0
        self._state = threading.Lock()
        self.httpd = _Server((host, port), _handler_for(self))
        self.address = self.httpd.server_address

    # ---- probing -----------------------------------------------------------------------------

    def run(
        self, endpoint: str, providers: Sequence[str], regions: Sequence[str], budget: float
    ) -> ProbeAnswer:
        """One bounded probe run; RuntimeError when no slot frees up within the budget."""
        waited = time.monotonic()
        if not self.slots.acquire(timeout=max(0.0, budget - 0.5)):
            raise RuntimeError("too many probe runs in progress")
        left = max(0.5, budget - (time.monotonic() - waited))
        with self.stats.lock:
            self.stats.in_flight += 1
        try:
            answer = self.probe(providers, regions, left)
        finally:
            with self.stats.lock:
                self.stats.in_flight -= 1
            self.slots.release()
        with self._state:
            for r in answer.results:
                self._latest[(r.provider, r.region)] = r
            self._vantage.update(answer.vantage)
            self._latest_at = time.time()
        if not answer.history_ok:
            with self.stats.lock:
                self.stats.history_failures += 1
        return answer

    def status_page(self, budget: float) -> str:
        with self._state:
            known = bool(self._latest)
        if not known:  # first visit before any scrape: probe everything once
            self.run("/", (), (), budget)
        with self._state:
            results = sorted(self._latest.values(), key=lambda r: (r.provider, r.region))
            vantage = dict(self._vantage)
            at = self._latest_at
        return self.page(results, vantage, at)

    # ---- lifecycle ---------------------------------------------------------------------------

    def serve(
        self, *, handle_signals: bool = True, on_ready: Callable[[], None] | None = None
    ) -> None:
        """Serve until shutdown(); SIGTERM and SIGINT shut down gracefully (main thread only).

        on_ready runs once the signals are handled, so a supervisor that stops the server as
        soon as it says it is listening still gets a graceful exit 0."""
        previous: dict[signal.Signals, Any] = {}
        if handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            if on_ready is not None:
                on_ready()
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.httpd.server_close()  # joins the request threads still answering
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.log(f"received {signal.Signals(signum).name}: finishing requests in flight")
        self.shutdown()

    def shutdown(self) -> None:
        # shutdown() waits for serve_forever to return: never call it on the serving thread.
        threading.Thread(target=self.httpd.shutdown, daemon=True).start()


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() waits for answers in flight
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        import socket

        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


def scrape_budget(header: str | None, configured: float | None) -> float:
    """Seconds a probe may take: the scrape timeout Prometheus sends, less a margin."""
    try:
        scrape = float(header) if header else DEFAULT_SCRAPE_TIMEOUT
    except ValueError:
        scrape = DEFAULT_SCRAPE_TIMEOUT
    if not math.isfinite(scrape) or scrape <= 0:
        scrape = DEFAULT_SCRAPE_TIMEOUT
    budget = max(0.5, scrape - SCRAPE_TIMEOUT_OFFSET)
    return min(budget, configured) if configured else budget


def _handler_for(exporter: Exporter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"hedgectl/{__version__}"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            exporter.log(f"{self.address_string()} {format % args}")

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            budget = scrape_budget(self.headers.get("X-Prometheus-Scrape-Timeout-Seconds"), None)
            endpoint = url.path
            try:
                if endpoint == "/probe":
                    providers = query.get("provider", [])
                    if not providers:
                        raise UsageError(
                            "missing provider= (e.g. /probe?provider=openai&region=us)"
                        )
                    answer = exporter.run(endpoint, providers, query.get("region", []), budget)
                    self._send(200, answer.metrics, PROM_TEXT)
                elif endpoint == "/probes":
                    answer = exporter.run(endpoint, (), (), budget)
                    self._send(200, answer.metrics, PROM_TEXT)
                elif endpoint == "/metrics":
                    self._send(200, exporter.stats.text(), PROM_TEXT)
                elif endpoint == "/":
                    self._send(200, exporter.status_page(budget), "text/html; charset=utf-8")
                elif endpoint == "/-/healthy":
                    self._send(200, "OK\n", "text/plain; charset=utf-8")
                else:
                    self._send(404, "not found: try /probe, /probes, /metrics or /\n")
                    endpoint = "other"
                exporter.stats.count(endpoint, "ok")
            except UnknownName as exc:
                exporter.stats.count(endpoint, "bad_request")
                self._send(
                    400,
                    f"unknown {exc.kind}={exc.name}: no such {exc.kind} is configured\n"
                    f"valid values of {exc.kind}=: {', '.join(exc.known)}\n",
                )
            except NothingToProbe:
                exporter.stats.count(endpoint, "bad_request")
                self._send(
                    400, "nothing to probe: none of these providers is probed from these regions\n"
                )
            except UsageError as exc:
                exporter.stats.count(endpoint, "bad_request")
                self._send(400, f"{exc}\n{exc.hint or ''}".rstrip() + "\n")
            except RuntimeError as exc:
                exporter.stats.count(endpoint, "busy")
                self._send(503, f"{exc}; retry later\n")
            except HedgeError as exc:
                exporter.stats.count(endpoint, "error")
                self._send(500, f"{exc}\n")

        def _send(self, status: int, body: str, ctype: str = "text/plain; charset=utf-8") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if ctype.startswith("text/html"):
                # The page is self-contained: forbid every external load and all scripts.
                self.send_header(
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'",
                )
                self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(data)

    return Handler
