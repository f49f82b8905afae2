"""hedge.toml sections of `hedgectl reach`: [providers.*], [regions.*] and [reach].

[providers.deepseek]                 # a catalog name, or any name with base_url
api_key_env = "DEEPSEEK_API_KEY"     # optional: authenticated probe (tells a wrong-region key)
resolve = "api.deepseek.com:443:203.0.113.7"   # like curl --resolve
paid_probe = true                    # opt-in: a tiny completion (max_tokens), at most
paid_interval = 60                   # once an hour per region (minutes; 0: every run)

[regions.eu]
proxy = "http://proxy-eu.internal:3128"        # CONNECT proxy, or socks5://
[regions.here]                                 # no proxy: this host's own egress

[reach]
timeout = 10
fail_on = "degraded"                 # exit 1 when a verdict is worse than this
failures_before_down = 2
successes_before_up = 2
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hedgectl.config import BOOL, FLOAT, INT, STR, STR_LIST, TABLE, Spec, Where, check_table
from hedgectl.core.reach.model import FAIL_ON_CHOICES, parse_proxy

INT_LIST = ((list,), "a list of integers")

AUTH_STYLES = ("bearer", "x-api-key", "x-goog-api-key")
API_STYLES = ("openai", "anthropic", "gemini", "bedrock")
SIGNATURE_VERDICTS = (
    "blocked_geo",
    "blocked_legal",
    "auth_region_mismatch",
    "rate_limited",
    "down",
    "ok",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ProviderSettings:
    catalog: str = ""
    base_url: str = ""
    probe_path: str = ""
    auth: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    reachable_status: tuple[int, ...] = ()
    region_bound_keys: bool | None = None
    api: str = ""
    api_key_env: str = ""
    paid_probe: bool = False
    paid_interval: float = 60.0
    paid_model: str = ""
    max_tokens: int = 16
    resolve: str = ""
    aws_region: str = ""
    regions: tuple[str, ...] = ()
    timeout: float | None = None


@dataclass(frozen=True)
class RegionSettings:
    proxy: str = ""
    control_url: str = ""
    source_address: str = ""
    timeout: float | None = None


@dataclass(frozen=True)
class Signature:
    id: str
    verdict: str
    status: tuple[int, ...] = ()
    families: tuple[str, ...] = ()
    body: str = ""
    code: str = ""
    reason: str = ""
    source: str = ""
    date: str = ""


@dataclass(frozen=True)
class ReachSettings:
    timeout: float = 10.0
    fail_on: str = "degraded"
    history: str = ""
    failures_before_down: int = 2
    successes_before_up: int = 2
    cert_warn_days: float = 14.0
    keep_days: int = 90
    notify: str = ""
    ca_bundle: str = ""
    signatures: tuple[Signature, ...] = ()


def parse_resolve(value: str) -> tuple[str, int, str, int]:
    """'host:port:address[:port]' -> (host, port, address, connect port); ValueError if malformed.

    Three fields behave like curl --resolve; a fourth (like curl --connect-to) also moves the port,
    e.g. through an SSH tunnel. An IPv6 address goes in brackets: api.x.com:443:[::1].
    """
    host, sep, rest = value.partition(":")
    port_text, sep2, address = rest.partition(":")
    if not (host and sep and sep2 and address and port_text.isdigit()):
        raise ValueError(
            "must be HOST:PORT:ADDRESS (like curl --resolve) or HOST:PORT:ADDRESS:PORT"
        )
    connect_text = port_text
    if address.startswith("["):
        inside, bracket, tail = address[1:].partition("]")
        if not bracket or (tail and not (tail.startswith(":") and tail[1:].isdigit())):
            raise ValueError("IPv6 address must be written [ADDRESS] or [ADDRESS]:PORT")
        address, connect_text = inside, tail[1:] or port_text
    elif address.count(":") == 1:
        address, connect_text = address.split(":")
        if not connect_text.isdigit():
            raise ValueError("the connect port must be a number")
    ipaddress.ip_address(address)  # ValueError when not an IP address
    port, connect_port = int(port_text), int(connect_text)
    if not (0 < port < 65536 and 0 < connect_port < 65536):
        raise ValueError("port out of range")
    return host, port, address, connect_port


def _int_list(value: Any, where: Where) -> tuple[int, ...]:
    if not all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in value):
        raise where.error("must be a list of HTTP status codes (100-599)")
    return tuple(value)


def _positive(t: dict[str, Any], key: str, where: Where) -> None:
    if key in t and not (math.isfinite(t[key]) and t[key] > 0):
        raise where.child(key).error("must be a finite number greater than zero")


def webhook_problem(url: str) -> str:
    """What is wrong with a --notify / [reach] notify URL ("" when nothing is).

    The message never repeats the URL: a webhook URL is a credential (Slack's carries its token).
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises for a port that is not a number or out of range
    except ValueError:
        return "the webhook URL is not a valid URL (check its host and port)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the webhook URL is not an http(s) URL (a Slack-compatible webhook)"
    return ""


def _choice(t: dict[str, Any], key: str, choices: tuple[str, ...], where: Where) -> None:
    if key in t and t[key] not in choices:
        raise where.child(key).error(f"'{t[key]}' is not one of {', '.join(choices)}")


PROVIDER_SPEC: Spec = {
    "catalog": STR,
    "base_url": STR,
    "probe_path": STR,
    "auth": STR,
    "headers": TABLE,
    "reachable_status": INT_LIST,
    "region_bound_keys": BOOL,
    "api": STR,
    "api_key_env": STR,
    "paid_probe": BOOL,
    "paid_interval": FLOAT,
    "paid_model": STR,
    "max_tokens": INT,
    "resolve": STR,
    "aws_region": STR,
    "regions": STR_LIST,
    "timeout": FLOAT,
}


def parse_providers(table: object, where: Where) -> dict[str, ProviderSettings]:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    out: dict[str, ProviderSettings] = {}
    for name, body in table.items():
        w = where.child(name)
        if not _NAME.match(name):
            raise w.error("provider names use letters, digits, '-', '_' and '.'")
        t = check_table(body, PROVIDER_SPEC, w)
        if "base_url" in t and not re.match(r"^https?://[^/\s]+", t["base_url"]):
            raise w.child("base_url").error("must be an http:// or https:// URL")
        _choice(t, "auth", AUTH_STYLES, w)
        _choice(t, "api", API_STYLES, w)
        _positive(t, "timeout", w)
        if "max_tokens" in t and not 1 <= t["max_tokens"] <= 256:
            raise w.child("max_tokens").error("must be between 1 and 256 (the paid probe's budget)")
        if "resolve" in t:
            try:
                parse_resolve(t["resolve"])
            except ValueError as exc:
                raise w.child("resolve").error(
                    str(exc), hint='e.g. resolve = "api.openai.com:443:127.0.0.1"'
                ) from None
        if t.get("paid_probe") and "api_key_env" not in t:
            raise w.child("paid_probe").error(
                "needs api_key_env (the paid probe sends a real request)"
            )
        headers = t.get("headers", {})
        if not all(isinstance(v, str) for v in headers.values()):
            raise w.child("headers").error("values must be strings")
        for header, value in headers.items():
            problem = header_problem(header, value)
            if problem:
                raise w.child("headers").child(header).error(problem)
        if "reachable_status" in t:
            t["reachable_status"] = _int_list(t["reachable_status"], w.child("reachable_status"))
        if "regions" in t:
            t["regions"] = tuple(t["regions"])
        if t.get("paid_interval", 0) < 0:
            raise w.child("paid_interval").error("must be zero (every run) or a number of minutes")
        for key in ("timeout", "paid_interval"):
            if key in t:
                t[key] = float(t[key])
        out[name] = ProviderSettings(**t)
    return out


REGION_SPEC: Spec = {"proxy": STR, "control_url": STR, "source_address": STR, "timeout": FLOAT}


def parse_regions(table: object, where: Where) -> dict[str, RegionSettings]:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    out: dict[str, RegionSettings] = {}
    for name, body in table.items():
        w = where.child(name)
        if not _NAME.match(name):
            raise w.error("region names use letters, digits, '-', '_' and '.'")
        t = check_table(body, REGION_SPEC, w)
        proxy = t.get("proxy", "")
        problem = ""
        if proxy and not re.match(r"^(http|socks5h?)://[^/\s]+/?$", proxy):
            problem = "must be http://HOST:PORT (a CONNECT proxy) or socks5://HOST:PORT"
        elif proxy:
            try:
                parse_proxy(proxy)
            except ValueError as exc:
                problem = str(exc)
        if problem:
            raise w.child("proxy").error(
                problem, hint="omit proxy for a region that egresses from this host"
            )
        if "control_url" in t:
            if not proxy:
                raise w.child("control_url").error("only makes sense with a proxy")
            if not re.match(r"^https?://[^/\s]+", t["control_url"]):
                raise w.child("control_url").error("must be an http:// or https:// URL")
        if "source_address" in t:
            try:
                ipaddress.ip_address(t["source_address"])
            except ValueError:
                raise w.child("source_address").error(
                    "must be an IP address of this host"
                ) from None
        _positive(t, "timeout", w)
        if "timeout" in t:
            t["timeout"] = float(t["timeout"])
        out[name] = RegionSettings(**t)
    return out


SIGNATURE_SPEC: Spec = {
    "verdict": STR,
    "status": INT_LIST,
    "families": STR_LIST,
    "body": STR,
    "code": STR,
    "reason": STR,
    "source": STR,
    "date": STR,
}

REACH_SPEC: Spec = {
    "timeout": FLOAT,
    "fail_on": STR,
    "history": STR,
    "failures_before_down": INT,
    "successes_before_up": INT,
    "cert_warn_days": FLOAT,
    "keep_days": INT,
    "notify": STR,
    "ca_bundle": STR,
    "signatures": TABLE,
}


def parse_signature(sig_id: str, body: object, where: Where) -> Signature:
    t = check_table(body, SIGNATURE_SPEC, where, required=("verdict",))
    _choice(t, "verdict", SIGNATURE_VERDICTS, where)
    if "body" in t:
        try:
            re.compile(t["body"])
        except re.error as exc:
            raise where.child("body").error(f"invalid regex: {exc}") from None
    if "status" in t:
        t["status"] = _int_list(t["status"], where.child("status"))
    if "families" in t:
        t["families"] = tuple(t["families"])
    return Signature(id=sig_id, **t)


def parse_reach(table: object, where: Where) -> ReachSettings:
    t = check_table(table, REACH_SPEC, where)
    _choice(t, "fail_on", FAIL_ON_CHOICES, where)
    for key in ("timeout", "failures_before_down", "successes_before_up", "keep_days"):
        _positive(t, key, where)
    if "notify" in t and (problem := webhook_problem(t["notify"])):
        raise where.child("notify").error(problem)
    sigs = tuple(
        parse_signature(sig_id, body, where.child("signatures").child(sig_id))
        for sig_id, body in t.pop("signatures", {}).items()
    )
    for key in ("timeout", "cert_warn_days"):
        if key in t:
            t[key] = float(t[key])
    return ReachSettings(**t, signatures=sigs)


def load_signatures(extra: tuple[Signature, ...] = ()) -> list[Signature]:
    """Catalog signatures, with hedge.toml entries first (same id replaces the shipped one)."""
    from hedgectl.catalog import load_data

    shipped = load_data("signatures.toml").get("signatures", {})
    ids = {s.id for s in extra}
    out = list(extra)
    for sig_id, body in shipped.items():
        if sig_id not in ids:
            out.append(parse_signature(sig_id, body, Where(None, f"signatures.{sig_id}")))
    return out


def load_providers_catalog() -> dict[str, Any]:
    from hedgectl.catalog import load_data

    return load_data("providers.toml")


# RFC 9110 field names are tokens; values are visible Latin-1 characters, spaces and tabs.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def header_problem(name: str, value: str) -> str | None:
    """Why a header cannot be sent as given (a CR/LF would inject headers), or None."""
    if not HEADER_NAME.fullmatch(name):
        return "not a valid header name (letters, digits and !#$%&'*+.^_`|~- only)"
    if not HEADER_VALUE.fullmatch(value):
        return (
            "the value holds a line break, a control character or a character outside Latin-1, "
            "which an HTTP header cannot carry"
        )
    return None
