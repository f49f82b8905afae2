"""The reach vocabulary: verdicts and their levels, probe targets, observations, results."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hedgectl.errors import UsageError

SCHEMA = "hedgectl.reach/v1"


class Verdict(enum.StrEnum):
    OK = "ok"
    AUTH_ERROR = "auth_error"
    AUTH_REGION_MISMATCH = "auth_region_mismatch"
    RATE_LIMITED = "rate_limited"
    BLOCKED_GEO = "blocked_geo"
    BLOCKED_LEGAL = "blocked_legal"
    BLOCKED_FIREWALL = "blocked_firewall"
    BLOCKED_UNKNOWN = "blocked_unknown"  # refused before any key check, no known signature
    DOWN = "down"
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    VANTAGE_DOWN = "vantage_down"


class Level(enum.IntEnum):
    """Severity of a verdict, in order; --fail-on names the worst one a run may reach."""

    OK = 0
    DEGRADED = 1  # the provider answered, but this key or this rate will not get through
    UNREACHABLE = 2  # requests from this region do not reach a working provider


LEVEL: dict[Verdict, Level] = {
    Verdict.OK: Level.OK,
    Verdict.RATE_LIMITED: Level.DEGRADED,
    Verdict.AUTH_ERROR: Level.DEGRADED,
    Verdict.AUTH_REGION_MISMATCH: Level.DEGRADED,
    **dict.fromkeys(
        (
            Verdict.BLOCKED_GEO,
            Verdict.BLOCKED_LEGAL,
            Verdict.BLOCKED_FIREWALL,
            Verdict.BLOCKED_UNKNOWN,
            Verdict.DOWN,
            Verdict.TIMEOUT,
            Verdict.DNS_ERROR,
            Verdict.TLS_ERROR,
            Verdict.VANTAGE_DOWN,
        ),
        Level.UNREACHABLE,
    ),
}

FAIL_ON_CHOICES = (
    "ok",
    "degraded",
    "unreachable",
    "never",
    *(v.value for v in Verdict if v != Verdict.OK),
)


def fail_threshold(name: str) -> Level | None:
    """--fail-on value -> the worst level a run may reach and still exit 0 (None: never fails).

    `ok`: any other verdict fails; `degraded` (the default): rate limits and rejected keys pass,
    unreachable fails; `unreachable` or `never`: never fails. A verdict name means its level.
    """
    if name in ("never", "unreachable"):
        return None
    if name == "degraded":
        return Level.DEGRADED
    try:
        return LEVEL[Verdict(name)]
    except ValueError:
        raise UsageError(
            f"--fail-on: '{name}' is not a level or verdict",
            hint=f"use one of: {', '.join(FAIL_ON_CHOICES)}",
        ) from None


class ProbeKind(enum.StrEnum):
    UNAUTHENTICATED = "unauthenticated"  # free: the provider's own 401 proves reachability
    AUTHENTICATED = "authenticated"  # free: tells a wrong-region key from a block
    PAID = "paid"  # a tiny completion, opt-in: the only definitive geo test for some providers
    CONTROL = "control"  # the region's own proxy check


class Failure(enum.StrEnum):
    """How a connection attempt failed before an HTTP answer, as seen by the prober."""

    DNS = "dns"
    CONNECT_REFUSED = "connect_refused"
    CONNECT_TIMEOUT = "connect_timeout"
    CONNECT_ERROR = "connect_error"
    TLS_RESET = "tls_reset"  # reset or EOF during the handshake
    TLS_TIMEOUT = "tls_timeout"
    TLS_CERT = "tls_cert"  # certificate verification failed
    TLS_ERROR = "tls_error"
    RESET_AFTER_TLS = "reset_after_tls"  # reset before any response byte
    CLOSED = "closed"  # orderly close without a response
    READ_TIMEOUT = "read_timeout"
    PROTOCOL = "protocol"  # not an HTTP response
    PROXY_DOWN = "proxy_down"  # the region's proxy itself failed
    PROXY_UPSTREAM = "proxy_upstream"  # the proxy answered but could not reach the provider
    PROXY_UPSTREAM_DNS = "proxy_upstream_dns"
    PROXY_UPSTREAM_REFUSED = "proxy_upstream_refused"
    PROXY_UPSTREAM_TIMEOUT = "proxy_upstream_timeout"


@dataclass(frozen=True)
class Proxy:
    scheme: str  # http | socks5 | socks5h
    host: str
    port: int
    username: str = ""
    password: str = ""

    @property
    def display(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_proxy(url: str) -> Proxy:
    """http://HOST:PORT or socks5://HOST:PORT (userinfo allowed); ValueError says what is wrong."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # unclosed [IPv6, a port that is not a number or out of range
        raise ValueError(f"'{url}' is not a valid proxy URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "socks5", "socks5h"):
        raise ValueError("proxy must be http://HOST:PORT (CONNECT) or socks5://HOST:PORT")
    if not parts.hostname:
        raise ValueError(f"'{url}' has no host")
    if port == 0:
        raise ValueError(f"'{url}' has port 0")
    port = port or (1080 if scheme.startswith("socks") else 3128)
    return Proxy(scheme, parts.hostname, port, parts.username or "", parts.password or "")


@dataclass(frozen=True)
class Target:
    """One probe to run: everything the prober needs, nothing it must look up."""

    provider: str
    family: str
    region: str
    kind: ProbeKind
    url: str
    host: str  # Host header and TLS server name
    port: int
    path: str
    tls: bool
    connect_host: str  # where the TCP connection (or the proxy's CONNECT) goes
    connect_port: int
    overridden: bool  # connect_host came from `resolve`, not DNS
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    proxy: Proxy | None = None
    source_address: str = ""
    timeout: float = 10.0
    reachable_status: tuple[int, ...] = (401,)
    region_bound_keys: bool = False
    api_key_env: str = ""
    paid_deferred: bool = False  # a paid probe is configured but ran recently: reuse its verdict


@dataclass(frozen=True)
class Timings:
    dns: float | None = None
    connect: float | None = None
    tls: float | None = None
    first_byte: float | None = None
    total: float = 0.0

    def as_dict(self) -> dict[str, float | None]:
        return {
            "dns": _round(self.dns),
            "connect": _round(self.connect),
            "tls": _round(self.tls),
            "first_byte": _round(self.first_byte),
            "total": _round(self.total),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass(frozen=True)
class Observation:
    """What the prober saw: either a failure before an HTTP answer, or a status with headers."""

    failure: Failure | None = None
    detail: str = ""
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    timings: Timings = Timings()
    remote_address: str = ""
    tls_version: str = ""
    cert_not_after: float | None = None  # unix time of the leaf certificate's notAfter
    via: str = "direct"  # direct | proxy


@dataclass(frozen=True)
class Result:
    provider: str
    region: str
    url: str
    kind: ProbeKind
    verdict: Verdict
    reason: str
    http_status: int | None
    error_code: str
    timings: Timings
    remote_address: str
    tls_version: str
    cert_not_after: float | None
    via: str
    retry_after: float | None = None
    family: str = ""

    @property
    def level(self) -> Level:
        return LEVEL[self.verdict]
