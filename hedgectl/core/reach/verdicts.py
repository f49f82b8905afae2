"""Verdict rules: what an observation means (block signatures, status codes, failures)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from hedgectl.core.reach.config import Signature
from hedgectl.core.reach.model import (
    Failure,
    Level,
    Observation,
    ProbeKind,
    Result,
    Target,
    Verdict,
)
from hedgectl.core.retry import retry_after

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
    if 300 <= status < 400:
        return _redirect(target, status, obs.headers.get("location", ""))
    if 200 <= status < 300:
        what = {
            ProbeKind.PAID: "completion answered",
            ProbeKind.AUTHENTICATED: "key accepted",
        }.get(target.kind, "answered")
        return Verdict.OK, f"HTTP {status}: {what}", None
    if status == 403 and _json(obs.body) is None:
        # Providers answer in JSON; an HTML or plain 403 comes from an edge, WAF or block page.
        return Verdict.BLOCKED_UNKNOWN, f"HTTP 403: {_refused_by_edge(obs.body)}", None
    if target.kind == ProbeKind.UNAUTHENTICATED and status in target.reachable_status:
        return Verdict.OK, f"HTTP {status}: the provider answered (unauthenticated probe)", None
    if target.kind == ProbeKind.UNAUTHENTICATED and status == 403:
        # No key was sent, so this 403 cannot mean "key rejected".
        return (
            Verdict.BLOCKED_UNKNOWN,
            "HTTP 403 to a probe that sent no key: refused before any key check "
            "(unknown geo, WAF or edge block)",
            None,
        )
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


def _refused_by_edge(body: bytes) -> str:
    title = re.search(rb"<title>\s*([^<]{1,80}?)\s*</title>", body[:4096], re.IGNORECASE)
    page = f"'{title.group(1).decode('utf-8', 'replace')}' page" if title else "non-JSON answer"
    return f"{page} (not the provider's own error: unknown geo, WAF or edge block)"


def _redirect(target: Target, status: int, location: str) -> tuple[Verdict, str, float | None]:
    """An API endpoint does not redirect: another host is a portal or block page, the same host
    a moved API (check base_url). Both mean requests from here do not reach the API."""
    where = urlsplit(location)
    if where.hostname and where.hostname.lower() != target.host.lower():
        reason = f"HTTP {status}: redirected to {location} (captive portal or block page)"
        return Verdict.BLOCKED_UNKNOWN, reason, None
    return (
        Verdict.DOWN,
        f"HTTP {status}: redirected to {location or '(no location)'} (check base_url)",
        None,
    )


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
