"""Reachability decisions: which probes to run, what an observation means, when state changes.

Pure data in, data out. The prober (adapters/http.py) turns a Target into an Observation by doing
the network steps; this module plans Targets from hedge.toml plus the catalog, classifies each
Observation into one Verdict from a bounded set, and debounces verdicts into up/down states.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from hedgectl.core.reach_config import (
    ProviderSettings,
    ReachSettings,
    RegionSettings,
    Signature,
    parse_resolve,
)
from hedgectl.core.retry import retry_after
from hedgectl.errors import ConfigError, UsageError

SCHEMA = "hedgectl.reach/v1"


class Verdict(enum.StrEnum):
    OK = "ok"
    AUTH_ERROR = "auth_error"
    AUTH_REGION_MISMATCH = "auth_region_mismatch"
    RATE_LIMITED = "rate_limited"
    BLOCKED_GEO = "blocked_geo"
    BLOCKED_LEGAL = "blocked_legal"
    BLOCKED_FIREWALL = "blocked_firewall"
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
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "socks5", "socks5h"):
        raise ValueError("proxy must be http://HOST:PORT (CONNECT) or socks5://HOST:PORT")
    if not parts.hostname:
        raise ValueError("proxy URL has no host")
    try:
        port = parts.port or (1080 if scheme.startswith("socks") else 3128)
    except ValueError:
        raise ValueError("proxy URL has an invalid port") from None
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


# --------------------------------------------------------------------------------------------
# Planning


@dataclass(frozen=True)
class ProviderDef:
    """A catalog entry merged with the user's [providers.<name>] table."""

    name: str
    family: str
    base_url: str
    probe_path: str
    auth: str
    headers: tuple[tuple[str, str], ...]
    reachable_status: tuple[int, ...]
    region_bound_keys: bool
    api: str
    paid_model: str
    api_key_env: str
    paid_probe: bool
    paid_interval: float  # minutes between paid probes per region (0: every run)
    max_tokens: int
    resolve: str
    regions: tuple[str, ...]
    timeout: float | None


@dataclass(frozen=True)
class Plan:
    targets: tuple[Target, ...]
    controls: tuple[Target, ...]  # one per region that egresses through a proxy
    notes: tuple[str, ...] = ()  # warnings for stderr (a key variable that is not set, ...)


def _catalog_providers(catalog: Mapping[str, Any]) -> Mapping[str, Any]:
    providers = catalog.get("providers", {})
    assert isinstance(providers, dict)
    return providers


_BEDROCK_NAME = re.compile(r"bedrock-([a-z]{2}(?:-gov)?-[a-z]+-\d)")


def provider_defs(
    catalog: Mapping[str, Any],
    configured: Mapping[str, ProviderSettings] | None,
) -> list[ProviderDef]:
    """The providers to probe: the user's [providers] if any, else the catalog defaults."""
    shipped = _catalog_providers(catalog)
    defaults = catalog.get("defaults", {})
    default_region = str(defaults.get("aws_region", "us-east-1"))
    if not configured:
        names = [str(n) for n in defaults.get("providers", [])]
        configured = {n: ProviderSettings() for n in names}
    out: list[ProviderDef] = []
    for name, user in sorted(configured.items()):
        entry_name = user.catalog or name
        aws_region = user.aws_region
        entry = shipped.get(entry_name)
        if entry is None:
            match = _BEDROCK_NAME.fullmatch(entry_name)
            if match:  # bedrock-eu-central-1 means the bedrock entry in that AWS region
                entry = shipped["bedrock"]
                aws_region = aws_region or match.group(1)
        if entry is None and not user.base_url:
            raise ConfigError(
                f"providers.{name}: not in the catalog and no base_url given",
                hint="set base_url (and probe_path), or catalog = one of: "
                + ", ".join(sorted(shipped)),
            )
        entry = dict(entry or {})
        base_url = user.base_url or str(entry.get("base_url", ""))
        base_url = base_url.replace("{aws_region}", aws_region or default_region)
        headers = {str(k): str(v) for k, v in dict(entry.get("headers", {})).items()}
        headers.update(user.headers)
        out.append(
            ProviderDef(
                name=name,
                family=str(entry.get("family", name)) if entry else name,
                base_url=base_url.rstrip("/"),
                probe_path=user.probe_path or str(entry.get("probe_path", "/models")),
                auth=user.auth or str(entry.get("auth", "bearer")),
                headers=tuple(sorted(headers.items())),
                reachable_status=tuple(
                    user.reachable_status or entry.get("reachable_status", [401])
                ),
                region_bound_keys=bool(
                    user.region_bound_keys
                    if user.region_bound_keys is not None
                    else entry.get("region_bound_keys", False)
                ),
                api=user.api or str(entry.get("api", "openai")),
                paid_model=user.paid_model or str(entry.get("paid_model", "")),
                api_key_env=user.api_key_env,
                paid_probe=user.paid_probe,
                paid_interval=user.paid_interval,
                max_tokens=user.max_tokens,
                resolve=user.resolve,
                regions=user.regions,
                timeout=user.timeout,
            )
        )
    return out


def _auth_headers(auth: str, key: str) -> tuple[tuple[str, str], ...]:
    if auth == "x-api-key":
        return (("x-api-key", key),)
    if auth == "x-goog-api-key":
        return (("x-goog-api-key", key),)
    return (("authorization", f"Bearer {key}"),)


def _paid_request(p: ProviderDef) -> tuple[str, bytes]:
    """Path and JSON body of the smallest completion each API style accepts."""
    n = p.max_tokens
    if p.api == "anthropic":
        body: dict[str, Any] = {
            "model": p.paid_model,
            "max_tokens": n,
            "messages": [{"role": "user", "content": "ping"}],
        }
        return "/messages", json.dumps(body).encode()
    if p.api == "gemini":
        body = {
            "contents": [{"parts": [{"text": "ping"}]}],
            "generationConfig": {"maxOutputTokens": n},
        }
        return f"/models/{p.paid_model}:generateContent", json.dumps(body).encode()
    if p.api == "bedrock":
        body = {
            "messages": [{"role": "user", "content": [{"text": "ping"}]}],
            "inferenceConfig": {"maxTokens": n},
        }
        return f"/model/{p.paid_model}/converse", json.dumps(body).encode()
    body = {
        "model": p.paid_model,
        "max_tokens": n,
        "messages": [{"role": "user", "content": "ping"}],
    }
    return "/chat/completions", json.dumps(body).encode()


def _split_url(url: str, where: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}: '{url}' is not an http(s) URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigError(f"{where}: '{url}' has an invalid port") from None
    return parts.scheme, parts.hostname, port, parts.path or "/"


def build_plan(
    providers: Sequence[ProviderDef],
    regions: Mapping[str, RegionSettings],
    settings: ReachSettings,
    env: Mapping[str, str],
    *,
    only_providers: Sequence[str] = (),
    only_regions: Sequence[str] = (),
    timeout: float | None = None,
    paid_recent: Mapping[tuple[str, str], float] | None = None,
    now: float = 0.0,
) -> Plan:
    """Every (provider, region) probe to run, plus a control probe per proxied region."""
    regions = dict(regions) or {"local": RegionSettings()}
    for name in only_regions:
        if name not in regions:
            raise UsageError(
                f"--region {name}: no such region",
                hint=f"configured regions: {', '.join(sorted(regions))}",
            )
    known = {p.name for p in providers}
    for name in only_providers:
        if name not in known:
            raise UsageError(
                f"--provider {name}: no such provider",
                hint=f"configured providers: {', '.join(sorted(known))}",
            )
    notes: list[str] = []
    targets: list[Target] = []
    controls: list[Target] = []
    chosen_regions = [r for r in sorted(regions) if not only_regions or r in only_regions]
    for rname in chosen_regions:
        region = regions[rname]
        proxy = parse_proxy(region.proxy) if region.proxy else None
        if proxy is not None:
            control_url = region.control_url
            if control_url:
                scheme, host, port, path = _split_url(control_url, f"regions.{rname}.control_url")
            else:
                scheme, host, port, path = "", proxy.host, proxy.port, ""
            controls.append(
                Target(
                    provider="",
                    family="",
                    region=rname,
                    kind=ProbeKind.CONTROL,
                    url=control_url or proxy.display,
                    host=host,
                    port=port,
                    path=path,
                    tls=scheme == "https",
                    connect_host=host,
                    connect_port=port,
                    overridden=False,
                    proxy=proxy,
                    source_address=region.source_address,
                    timeout=_first((timeout, region.timeout, settings.timeout)),
                )
            )
        for p in providers:
            if only_providers and p.name not in only_providers:
                continue
            if p.regions and rname not in p.regions:
                continue
            timeouts = (timeout, p.timeout, region.timeout, settings.timeout)
            last_paid = (paid_recent or {}).get((p.name, rname))
            due = last_paid is None or now - last_paid >= p.paid_interval * 60
            targets.append(
                _target(p, rname, region, proxy, env, _first(timeouts), notes, paid_due=due)
            )
    if not targets:
        raise UsageError("nothing to probe: no provider matches the --provider/--region filters")
    return Plan(tuple(targets), tuple(controls), tuple(dict.fromkeys(notes)))


def _target(
    p: ProviderDef,
    rname: str,
    region: RegionSettings,
    proxy: Proxy | None,
    env: Mapping[str, str],
    probe_timeout: float,
    notes: list[str],
    *,
    paid_due: bool = True,
) -> Target:
    where = f"providers.{p.name}"
    key = env.get(p.api_key_env, "") if p.api_key_env else ""
    if p.api_key_env and not key:
        notes.append(f"{p.api_key_env} is not set: {p.name} gets the unauthenticated probe only")
    deferred = bool(p.paid_probe and key and p.paid_model and not paid_due)
    if p.paid_probe and key and p.paid_model and paid_due:
        kind = ProbeKind.PAID
        path, body = _paid_request(p)
        method = "POST"
        headers = (*p.headers, ("content-type", "application/json"), *_auth_headers(p.auth, key))
    elif key:
        kind, path, body, method = ProbeKind.AUTHENTICATED, p.probe_path, b"", "GET"
        headers = (*p.headers, *_auth_headers(p.auth, key))
    else:
        kind, path, body, method = ProbeKind.UNAUTHENTICATED, p.probe_path, b"", "GET"
        headers = p.headers
    if not path.startswith("/"):
        path = "/" + path
    url = p.base_url + path if path != "/" else p.base_url + "/"
    scheme, host, port, full_path = _split_url(url, where)
    connect_host, connect_port, overridden = host, port, False
    if p.resolve:
        r_host, r_port, address, to_port = parse_resolve(p.resolve)
        if r_host.lower() != host.lower() or r_port != port:
            raise ConfigError(
                f"{where}.resolve: '{p.resolve}' does not match {host}:{port}",
                hint=f'use resolve = "{host}:{port}:ADDRESS"',
            )
        connect_host, connect_port, overridden = address, to_port, True
    query = urlsplit(url).query
    return Target(
        provider=p.name,
        family=p.family,
        region=rname,
        kind=kind,
        url=url,
        host=host,
        port=port,
        path=full_path + (f"?{query}" if query else ""),
        tls=scheme == "https",
        connect_host=connect_host,
        connect_port=connect_port,
        overridden=overridden,
        method=method,
        headers=headers,
        body=body,
        proxy=proxy,
        source_address=region.source_address,
        timeout=probe_timeout,
        reachable_status=p.reachable_status,
        region_bound_keys=p.region_bound_keys,
        api_key_env=p.api_key_env,
        paid_deferred=deferred,
    )


def _first(values: Iterable[float | None]) -> float:
    """Timeout precedence: --timeout > provider > region > [reach] (always set)."""
    for value in values:
        if value is not None:
            return value
    return 10.0


# --------------------------------------------------------------------------------------------
# Classification

_FAILURE_VERDICT: dict[Failure, tuple[Verdict, str]] = {
    Failure.DNS: (Verdict.DNS_ERROR, "DNS lookup failed"),
    Failure.CONNECT_REFUSED: (Verdict.DOWN, "connection refused"),
    Failure.CONNECT_TIMEOUT: (Verdict.TIMEOUT, "TCP connect timed out"),
    Failure.CONNECT_ERROR: (Verdict.DOWN, "TCP connect failed"),
    Failure.TLS_RESET: (Verdict.BLOCKED_FIREWALL, "connection reset during the TLS handshake"),
    Failure.TLS_TIMEOUT: (Verdict.TIMEOUT, "TLS handshake timed out"),
    Failure.TLS_CERT: (Verdict.TLS_ERROR, "certificate rejected"),
    Failure.TLS_ERROR: (Verdict.TLS_ERROR, "TLS handshake failed"),
    Failure.RESET_AFTER_TLS: (
        Verdict.BLOCKED_FIREWALL,
        "connection reset right after the TLS handshake",
    ),
    Failure.CLOSED: (Verdict.DOWN, "connection closed without an HTTP answer"),
    Failure.READ_TIMEOUT: (Verdict.TIMEOUT, "no answer before the timeout (read)"),
    Failure.PROTOCOL: (Verdict.DOWN, "not an HTTP answer"),
    Failure.PROXY_DOWN: (Verdict.VANTAGE_DOWN, "the region's proxy failed"),
    Failure.PROXY_UPSTREAM: (
        Verdict.DOWN,
        "the proxy could not connect to the provider (refused or DNS: the proxy does not say)",
    ),
    Failure.PROXY_UPSTREAM_DNS: (Verdict.DNS_ERROR, "the proxy could not resolve the host"),
    Failure.PROXY_UPSTREAM_REFUSED: (Verdict.DOWN, "the provider refused the proxy's connection"),
    Failure.PROXY_UPSTREAM_TIMEOUT: (
        Verdict.TIMEOUT,
        "the proxy timed out connecting to the provider",
    ),
}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return None


def error_code(status: int | None, headers: Mapping[str, str], body: bytes) -> str:
    """The provider's own error code from a JSON body, or an AWS error-type header."""
    data = _json(body)
    candidates: list[Any] = []
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            candidates += [err.get("code"), err.get("status"), err.get("type")]
        elif isinstance(err, str):
            candidates.append(err if len(err) <= 64 and " " not in err else None)
        candidates += [data.get("code"), data.get("__type"), data.get("type")]
    candidates.append(headers.get("x-amzn-errortype", "").split(":")[0])
    for value in candidates:
        if isinstance(value, bool) or value is None or value == "":
            continue
        text = str(value)
        if status is not None and text == str(status):
            continue  # Gemini/OpenRouter repeat the HTTP status as "code": keep looking
        if text == "error":
            continue
        return text[:80]
    return ""


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def match_signature(
    signatures: Sequence[Signature], family: str, status: int, code: str, body: bytes
) -> Signature | None:
    text = body[:65536].decode("utf-8", "replace")
    for sig in signatures:
        if sig.status and status not in sig.status:
            continue
        if sig.families and family not in sig.families:
            continue
        if not sig.code and not sig.body:
            return sig  # status-only signature
        if sig.code and code == sig.code:
            return sig
        if sig.body and _compile(sig.body).search(text):
            return sig
    return None


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify(
    target: Target,
    obs: Observation,
    signatures: Sequence[Signature],
    *,
    now: float | None = None,
    cert_warn_days: float = 14.0,
) -> Result:
    """One observation -> one verdict with a short reason (first matching rule wins)."""
    code = ""
    after: float | None = None
    if obs.failure is not None:
        verdict, reason = _FAILURE_VERDICT[obs.failure]
        if obs.detail:
            reason = f"{reason}: {_short(obs.detail, 120)}"
    else:
        status = obs.status or 0
        code = error_code(status, obs.headers, obs.body)
        verdict, reason, after = _classify_status(target, status, code, obs, signatures, now)
    if verdict == Verdict.OK and obs.cert_not_after is not None and now is not None:
        days = (obs.cert_not_after - now) / 86400
        if days < cert_warn_days:
            reason = f"{reason}; certificate expires in {max(days, 0):.0f} days"
    return Result(
        provider=target.provider,
        region=target.region,
        url=target.url,
        kind=target.kind,
        verdict=verdict,
        reason=reason,
        http_status=obs.status,
        error_code=code,
        timings=obs.timings,
        remote_address=obs.remote_address,
        tls_version=obs.tls_version,
        cert_not_after=obs.cert_not_after,
        via=obs.via,
        retry_after=after,
        family=target.family,
    )


def _classify_status(
    target: Target,
    status: int,
    code: str,
    obs: Observation,
    signatures: Sequence[Signature],
    now: float | None,
) -> tuple[Verdict, str, float | None]:
    sig = match_signature(signatures, target.family, status, code, obs.body)
    if sig is not None:
        after = (
            retry_after(obs.headers.get, now) if sig.verdict == Verdict.RATE_LIMITED.value else None
        )
        return Verdict(sig.verdict), f"HTTP {status}: {sig.reason or sig.id}", after
    if status == 451:
        return Verdict.BLOCKED_LEGAL, "HTTP 451: unavailable for legal reasons", None
    if status == 429:
        after = retry_after(obs.headers.get, now)
        wait = f", retry after {after:g}s" if after is not None else ""
        return Verdict.RATE_LIMITED, f"HTTP 429: rate limited{wait}", after
    if status == 529:
        return Verdict.DOWN, "HTTP 529: overloaded", None
    if status >= 500:
        return Verdict.DOWN, f"HTTP {status}: server error", None
    if 200 <= status < 400:
        what = {
            ProbeKind.PAID: "completion answered",
            ProbeKind.AUTHENTICATED: "key accepted",
        }.get(target.kind, "answered")
        return Verdict.OK, f"HTTP {status}: {what}", None
    if target.kind == ProbeKind.UNAUTHENTICATED and status in target.reachable_status:
        return Verdict.OK, f"HTTP {status}: the provider answered (unauthenticated probe)", None
    if (
        target.kind == ProbeKind.AUTHENTICATED
        and status in target.reachable_status
        and status not in (401, 403)
    ):
        # e.g. Bedrock's 404 for GET /: the key passed, the service answered
        return Verdict.OK, f"HTTP {status}: the provider answered (authenticated probe)", None
    if status in (401, 403):
        hint = ""
        if target.region_bound_keys:
            hint = f"; keys for {target.family} are bound to the platform that issued them"
        return Verdict.AUTH_ERROR, f"HTTP {status}: key rejected{hint}", None
    return Verdict.DOWN, f"HTTP {status}: unexpected answer to the probe (check probe_path)", None


def refine_region_keys(results: Sequence[Result], targets: Sequence[Target]) -> list[Result]:
    """A key rejected on one platform and accepted on its sibling is a wrong-region key.

    Moonshot .ai/.cn, MiniMax .io/.com, DashScope intl/cn/us and Z.ai/bigmodel all answer a key
    from the other platform with a plain 401; the evidence is the same key working next door.
    """
    by_key = {(t.provider, t.region): t for t in targets}
    accepted: dict[tuple[str, str, str], list[str]] = {}
    for r in results:
        t = by_key.get((r.provider, r.region))
        keyed = r.kind in (ProbeKind.AUTHENTICATED, ProbeKind.PAID)
        if t and t.region_bound_keys and t.api_key_env and r.verdict == Verdict.OK and keyed:
            accepted.setdefault((r.region, t.family, t.api_key_env), []).append(r.provider)
    out: list[Result] = []
    for r in results:
        t = by_key.get((r.provider, r.region))
        if t and r.verdict == Verdict.AUTH_ERROR and t.region_bound_keys and t.api_key_env:
            works = accepted.get((r.region, t.family, t.api_key_env))
            if works:
                reason = (
                    f"HTTP {r.http_status}: {t.api_key_env} is rejected here "
                    f"but accepted by {', '.join(works)}"
                )
                r = replace(r, verdict=Verdict.AUTH_REGION_MISMATCH, reason=reason)
        out.append(r)
    return out


@dataclass(frozen=True)
class PaidRecord:
    """The last paid probe's outcome for one provider and region (from the history)."""

    at: float
    verdict: Verdict
    reason: str
    http_status: int | None
    error_code: str


def carry_paid(
    results: Sequence[Result],
    targets: Sequence[Target],
    last: Mapping[tuple[str, str], PaidRecord],
    now: float,
) -> list[Result]:
    """Between paid probes, keep the last paid verdict while the free probe still connects.

    The paid probe is the only geo test for some providers; re-running it every few minutes costs
    money, and swapping its verdict for the free probe's would flap the state. A fresh failure to
    connect (unreachable) still wins: that is news the paid probe cannot have.
    """
    deferred = {(t.provider, t.region) for t in targets if t.paid_deferred}
    out: list[Result] = []
    for r in results:
        record = last.get((r.provider, r.region))
        if (
            (r.provider, r.region) in deferred
            and record is not None
            and r.level < Level.UNREACHABLE
        ):
            minutes = max(0, round((now - record.at) / 60))
            r = replace(
                r,
                verdict=record.verdict,
                reason=f"{record.reason} (paid probe {minutes} min ago; free probe: {r.verdict.value})",
                http_status=record.http_status,
                error_code=record.error_code,
            )
        out.append(r)
    return out


def apply_controls(
    results: Sequence[Result], control_results: Mapping[str, Observation]
) -> tuple[list[Result], dict[str, str]]:
    """Regions whose proxy failed its control probe: every result there becomes vantage_down."""
    dead: dict[str, str] = {}
    for region, obs in control_results.items():
        if obs.failure is not None:
            reason = _FAILURE_VERDICT[obs.failure][1]
            if obs.failure != Failure.PROXY_DOWN:
                reason = f"control probe through the proxy failed: {reason}"
            dead[region] = f"{reason}: {_short(obs.detail, 100)}" if obs.detail else reason
    out = []
    for r in results:
        if r.region in dead:
            r = replace(
                r, verdict=Verdict.VANTAGE_DOWN, reason=f"region {r.region}: {dead[r.region]}"
            )
        out.append(r)
    return out, dead


def sort_results(results: Iterable[Result]) -> list[Result]:
    return sorted(results, key=lambda r: (r.provider, r.region))


def exit_level(results: Sequence[Result], threshold: Level | None) -> bool:
    """True (exit 1) when some result is above the --fail-on level."""
    return threshold is not None and any(r.level > threshold for r in results)


# --------------------------------------------------------------------------------------------
# Debounced state


class State(enum.StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Track:
    state: State = State.UNKNOWN
    failures: int = 0  # consecutive failing runs
    successes: int = 0  # consecutive passing runs
    verdict: str = ""


@dataclass(frozen=True)
class Transition:
    provider: str
    region: str
    old: State
    new: State
    verdict: Verdict
    reason: str


def is_failing(verdict: Verdict) -> bool:
    """Down means unreachable; a rejected key or a 429 still proves the provider is reachable."""
    return LEVEL[verdict] >= Level.UNREACHABLE


def step(
    track: Track, result: Result, failures_before_down: int, successes_before_up: int
) -> tuple[Track, Transition | None]:
    """Advance one provider/region track by one run; a transition only past the thresholds."""
    if result.verdict == Verdict.VANTAGE_DOWN:
        return replace(track, verdict=result.verdict.value), None  # says nothing about the provider
    if is_failing(result.verdict):
        track = Track(track.state, track.failures + 1, 0, result.verdict.value)
        target, enough = State.DOWN, track.failures >= failures_before_down
    else:
        track = Track(track.state, 0, track.successes + 1, result.verdict.value)
        target, enough = State.UP, track.successes >= successes_before_up
    if not enough or track.state == target:
        return track, None
    transition = Transition(
        result.provider, result.region, track.state, target, result.verdict, result.reason
    )
    return replace(track, state=target), transition


def notify_worthy(t: Transition) -> bool:
    """First sight of a healthy provider is not news; everything else is."""
    return not (t.old == State.UNKNOWN and t.new == State.UP)


def notify_text(transitions: Sequence[Transition]) -> str:
    lines = []
    for t in transitions:
        mark = ":red_circle:" if t.new == State.DOWN else ":large_green_circle:"
        lines.append(
            f"{mark} {t.provider} from {t.region}: {t.old.value} -> {t.new.value} "
            f"({t.verdict.value}: {t.reason})"
        )
    return (
        "hedgectl reach: "
        + ("state change" if len(lines) == 1 else f"{len(lines)} state changes")
        + "\n"
        + "\n".join(lines)
    )
