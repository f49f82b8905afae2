"""Probe planning: the targets to probe, from hedge.toml's providers and regions plus the catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hedgectl.core.reach.config import (
    ProviderSettings,
    ReachSettings,
    RegionSettings,
    header_problem,
    parse_resolve,
)
from hedgectl.core.reach.model import ProbeKind, Proxy, Target, parse_proxy
from hedgectl.errors import ConfigError, UsageError


class UnknownName(UsageError):
    """--provider or --region names nothing configured. `kind`, `name` and `known` let a caller
    that is not the command line (reach serve's query parameters) say it in its own terms."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind, self.name, self.known = kind, name, sorted(known)
        super().__init__(
            f"--{kind} {name}: no such {kind}",
            hint=f"configured {kind}s: {', '.join(self.known)}",
        )


class NothingToProbe(UsageError):
    """Every name is known, but no provider is probed from the chosen regions."""

    def __init__(self) -> None:
        super().__init__("nothing to probe: no provider matches the --provider/--region filters")


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
            raise UnknownName("region", name, regions)
    known = {p.name for p in providers}
    for name in only_providers:
        if name not in known:
            raise UnknownName("provider", name, known)
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
        raise NothingToProbe()
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
    # Surrounding whitespace is never part of a key (a trailing newline from a file or a secret
    # store would otherwise reach the Authorization header).
    key = env.get(p.api_key_env, "").strip() if p.api_key_env else ""
    if p.api_key_env and not key:
        notes.append(f"{p.api_key_env} is not set: {p.name} gets the unauthenticated probe only")
    elif key and header_problem("authorization", key):
        notes.append(
            f"{p.api_key_env} holds characters an HTTP header cannot carry (control or "
            f"non-Latin-1): {p.name} gets the unauthenticated probe only"
        )
        key = ""
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
