"""reach decisions without I/O: classification, key-region refinement, debounce, config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hedgectl import config
from hedgectl.core import reach as core
from hedgectl.core.reach.config import (
    ReachSettings,
    RegionSettings,
    load_providers_catalog,
    load_signatures,
    parse_resolve,
)
from hedgectl.core.retry import retry_after
from hedgectl.errors import ConfigError, UsageError

SIGS = load_signatures()


def target(
    provider: str = "openai",
    family: str = "",
    kind: core.ProbeKind = core.ProbeKind.UNAUTHENTICATED,
    **kw: object,
) -> core.Target:
    base = {
        "provider": provider,
        "family": family or provider,
        "region": "us",
        "kind": kind,
        "url": f"https://{provider}.example/v1/models",
        "host": f"{provider}.example",
        "port": 443,
        "path": "/v1/models",
        "tls": True,
        "connect_host": "127.0.0.1",
        "connect_port": 443,
        "overridden": True,
    }
    base.update(kw)
    return core.Target(**base)  # type: ignore[arg-type]


def answer(status: int, body: object, **headers: str) -> core.Observation:
    raw = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    return core.Observation(
        status=status, body=raw, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


def verdict_of(t: core.Target, obs: core.Observation) -> core.Result:
    return core.classify(t, obs, SIGS, now=1_700_000_000.0)


@pytest.mark.parametrize(
    ("family", "status", "body", "expected", "code"),
    [
        (
            "openai",
            403,
            {
                "error": {
                    "code": "unsupported_country_region_territory",
                    "message": "Country, region, or territory not supported",
                    "param": None,
                    "type": "request_forbidden",
                }
            },
            "blocked_geo",
            "unsupported_country_region_territory",
        ),
        (
            "anthropic",
            403,
            {"error": {"type": "forbidden", "message": "Request not allowed"}},
            "blocked_geo",
            "forbidden",
        ),
        (
            "gemini",
            400,
            {
                "error": {
                    "code": 400,
                    "message": "User location is not supported for the API use.",
                    "status": "FAILED_PRECONDITION",
                }
            },
            "blocked_geo",
            "FAILED_PRECONDITION",
        ),
        (
            "openrouter",
            403,
            {"error": {"message": "This model is not available in your region.", "code": 403}},
            "blocked_geo",
            "",
        ),
        (
            "bedrock",
            400,
            {
                "message": "Access to Anthropic models is not allowed from unsupported countries, regions, or territories."
            },
            "blocked_geo",
            "",
        ),
        ("deepseek", 451, {"error": {"message": "legal"}}, "blocked_legal", ""),
        ("mistral", 503, {"error": {"message": "Server Overloaded"}}, "down", ""),
        (
            "anthropic",
            529,
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "down",
            "overloaded_error",
        ),
        (
            "openai",
            401,
            {
                "error": {
                    "message": "You didn't provide an API key.",
                    "type": "invalid_request_error",
                    "code": None,
                }
            },
            "ok",
            "invalid_request_error",
        ),
        (
            "gemini",
            403,
            {
                "error": {
                    "code": 403,
                    "message": "unregistered callers",
                    "status": "PERMISSION_DENIED",
                }
            },
            "ok",
            "PERMISSION_DENIED",
        ),
    ],
)
def test_http_answers_classify_by_signature_then_status(
    family: str, status: int, body: object, expected: str, code: str
) -> None:
    reachable = (401, 403) if family == "gemini" else (401,)
    result = verdict_of(target(family, reachable_status=reachable), answer(status, body))
    assert result.verdict.value == expected
    assert result.error_code == code
    assert result.reason.startswith(f"HTTP {status}")


def test_anthropic_geo_signature_does_not_fire_for_another_family() -> None:
    # A generic 403 "forbidden" from some other provider is a rejected request, not a geo-block.
    body = {"error": {"type": "forbidden", "message": "Request not allowed"}}
    result = verdict_of(target("together", kind=core.ProbeKind.AUTHENTICATED), answer(403, body))
    assert result.verdict == core.Verdict.AUTH_ERROR


def test_rate_limited_carries_retry_after() -> None:
    result = verdict_of(
        target(), answer(429, {"error": {"code": "rate_limit_exceeded"}}, retry_after="7")
    )
    assert result.verdict == core.Verdict.RATE_LIMITED
    assert result.retry_after == 7.0
    assert "retry after 7s" in result.reason
    assert (
        retry_after({"retry-after": "Tue, 14 Nov 2023 22:13:30 GMT"}.get, now=1_700_000_000.0)
        == 10.0
    )
    assert retry_after({"retry-after-ms": "1500"}.get) == 1.5


def test_authenticated_401_is_auth_error_and_region_mismatch_when_sibling_accepts_key() -> None:
    ai = target(
        "moonshot-ai",
        "moonshot",
        core.ProbeKind.AUTHENTICATED,
        region_bound_keys=True,
        api_key_env="MOONSHOT_API_KEY",
    )
    cn = target(
        "moonshot-cn",
        "moonshot",
        core.ProbeKind.AUTHENTICATED,
        region_bound_keys=True,
        api_key_env="MOONSHOT_API_KEY",
    )
    rejected = verdict_of(
        ai,
        answer(
            401,
            {
                "error": {
                    "message": "Invalid Authentication",
                    "type": "invalid_authentication_error",
                }
            },
        ),
    )
    accepted = verdict_of(cn, answer(200, {"data": []}))
    assert rejected.verdict == core.Verdict.AUTH_ERROR
    assert "bound to the platform" in rejected.reason
    refined = core.refine_region_keys([rejected, accepted], [ai, cn])
    assert [r.verdict for r in refined] == [core.Verdict.AUTH_REGION_MISMATCH, core.Verdict.OK]
    assert "accepted by moonshot-cn" in refined[0].reason
    # Without the sibling's evidence it stays a plain auth error.
    assert core.refine_region_keys([rejected], [ai])[0].verdict == core.Verdict.AUTH_ERROR


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (core.Failure.DNS, "dns_error"),
        (core.Failure.CONNECT_REFUSED, "down"),
        (core.Failure.CONNECT_TIMEOUT, "timeout"),
        (core.Failure.READ_TIMEOUT, "timeout"),
        (core.Failure.TLS_RESET, "blocked_firewall"),
        (core.Failure.RESET_AFTER_TLS, "blocked_firewall"),
        (core.Failure.TLS_CERT, "tls_error"),
        (core.Failure.PROXY_DOWN, "vantage_down"),
        (core.Failure.PROXY_UPSTREAM_DNS, "dns_error"),
    ],
)
def test_connection_failures_map_to_verdicts(failure: core.Failure, expected: str) -> None:
    result = verdict_of(target(), core.Observation(failure=failure, detail="x"))
    assert result.verdict.value == expected
    assert result.http_status is None


def test_certificate_expiring_soon_is_named_in_an_ok_reason() -> None:
    now = 1_700_000_000.0
    obs = core.Observation(status=401, body=b"{}", cert_not_after=now + 5 * 86400)
    result = core.classify(target(), obs, SIGS, now=now, cert_warn_days=14)
    assert result.verdict == core.Verdict.OK
    assert "certificate expires in 5 days" in result.reason


def test_user_signature_from_hedge_toml_wins(tmp_path: Path) -> None:
    cfg = tmp_path / "hedge.toml"
    cfg.write_text(
        '[reach.signatures.acme-geo]\nverdict = "blocked_geo"\nstatus = [403]\nbody = "not served in your country"\nsource = "acme status page"\n'
    )
    settings = config.load(cfg)
    sigs = load_signatures(settings.section("reach").signatures)
    result = core.classify(
        target("acme", kind=core.ProbeKind.AUTHENTICATED),
        answer(403, "<h1>Not served in your country</h1>"),
        sigs,
    )
    assert result.verdict == core.Verdict.BLOCKED_GEO
    assert "acme-geo" in result.reason


def _result(verdict: core.Verdict) -> core.Result:
    return core.Result(
        "openai",
        "cn",
        "u",
        core.ProbeKind.UNAUTHENTICATED,
        verdict,
        "r",
        None,
        "",
        core.Timings(),
        "",
        "",
        None,
        "direct",
    )


def test_debounce_needs_n_failures_then_m_successes() -> None:
    track = core.Track()
    seen: list[core.Transition | None] = []
    for verdict in [
        core.Verdict.OK,
        core.Verdict.OK,
        core.Verdict.BLOCKED_GEO,
        core.Verdict.OK,
        core.Verdict.BLOCKED_GEO,
        core.Verdict.BLOCKED_GEO,
        core.Verdict.OK,
        core.Verdict.OK,
    ]:
        track, change = core.step(
            track, _result(verdict), failures_before_down=2, successes_before_up=2
        )
        seen.append(change)
    changes = [(c.old.value, c.new.value) for c in seen if c]
    assert changes == [("unknown", "up"), ("up", "down"), ("down", "up")]
    assert [i for i, c in enumerate(seen) if c] == [1, 5, 7]
    # A rate limit proves reachability; a dead vantage says nothing about the provider.
    track2, change = core.step(track, _result(core.Verdict.RATE_LIMITED), 1, 1)
    assert change is None and track2.state == core.State.UP
    track3, change = core.step(track, _result(core.Verdict.VANTAGE_DOWN), 1, 1)
    assert change is None and track3.failures == track.failures


def test_first_sight_of_a_healthy_provider_is_not_notified() -> None:
    up = core.Transition("p", "r", core.State.UNKNOWN, core.State.UP, core.Verdict.OK, "")
    down = core.Transition(
        "p", "r", core.State.UP, core.State.DOWN, core.Verdict.BLOCKED_GEO, "403"
    )
    assert not core.notify_worthy(up)
    assert core.notify_worthy(down)
    assert "p from r: up -> down (blocked_geo: 403)" in core.notify_text([down])


def test_fail_on_is_the_worst_level_that_still_exits_0() -> None:
    degraded = [_result(core.Verdict.OK), _result(core.Verdict.RATE_LIMITED)]
    down = [_result(core.Verdict.OK), _result(core.Verdict.DOWN)]
    assert core.exit_level(degraded, core.fail_threshold("ok"))
    assert not core.exit_level(degraded, core.fail_threshold("degraded"))
    assert core.exit_level(down, core.fail_threshold("degraded"))
    assert not core.exit_level(down, core.fail_threshold("never"))
    assert not core.exit_level(down, core.fail_threshold("unreachable"))
    assert not core.exit_level([_result(core.Verdict.OK)], core.fail_threshold("ok"))
    assert core.fail_threshold("rate_limited") == core.Level.DEGRADED
    assert not core.exit_level(down, core.fail_threshold("blocked_geo"))
    with pytest.raises(UsageError):
        core.fail_threshold("sometimes")


def test_parse_resolve_forms() -> None:
    assert parse_resolve("api.openai.com:443:127.0.0.1") == (
        "api.openai.com",
        443,
        "127.0.0.1",
        443,
    )
    assert parse_resolve("api.openai.com:443:127.0.0.1:8443") == (
        "api.openai.com",
        443,
        "127.0.0.1",
        8443,
    )
    assert parse_resolve("api.openai.com:443:[::1]") == ("api.openai.com", 443, "::1", 443)
    assert parse_resolve("api.openai.com:443:[::1]:9") == ("api.openai.com", 443, "::1", 9)
    for bad in (
        "api.openai.com:443",
        "api.openai.com:x:127.0.0.1",
        "h:443:not-an-ip",
        "h:443:127.0.0.1:x",
    ):
        with pytest.raises(ValueError):
            parse_resolve(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[providers.openai]\nresolv = "x"\n', "providers.openai.resolv: unknown key"),
        ('[providers.openai]\nresolve = "api.openai.com:443"\n', "providers.openai.resolve"),
        (
            "[providers.openai]\npaid_probe = true\n",
            "providers.openai.paid_probe: needs api_key_env",
        ),
        ('[regions.cn]\nproxy = "ftp://x:1"\n', "regions.cn.proxy"),
        ('[reach]\nfail_on = "often"\n', "reach.fail_on"),
        ("[reach]\ntimeout = 0\n", "reach.timeout: must be a finite number greater than zero"),
        (
            '[reach.signatures.x]\nverdict = "blocked_geo"\nbody = "("\n',
            "reach.signatures.x.body: invalid regex",
        ),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "hedge.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        config.load(cfg)


def test_plan_defaults_and_variants(tmp_path: Path) -> None:
    cfg = tmp_path / "hedge.toml"
    cfg.write_text(
        "[providers.bedrock-eu-central-1]\n"
        '[providers.moonshot-cn]\napi_key_env = "MOONSHOT_API_KEY"\n'
        '[providers.openai]\nresolve = "api.openai.com:443:127.0.0.1:9443"\nregions = ["cn"]\n'
        '[regions.cn]\nproxy = "http://127.0.0.1:3128"\n[regions.here]\n'
    )
    settings = config.load(cfg)
    providers = core.provider_defs(load_providers_catalog(), settings.section("providers"))
    plan = core.build_plan(
        providers, settings.section("regions"), ReachSettings(), {"MOONSHOT_API_KEY": "k"}
    )
    by = {(t.provider, t.region): t for t in plan.targets}
    assert set(by) == {
        ("bedrock-eu-central-1", "cn"),
        ("bedrock-eu-central-1", "here"),
        ("moonshot-cn", "cn"),
        ("moonshot-cn", "here"),
        ("openai", "cn"),
    }
    assert by["bedrock-eu-central-1", "here"].host == "bedrock-runtime.eu-central-1.amazonaws.com"
    assert by["moonshot-cn", "here"].kind == core.ProbeKind.AUTHENTICATED
    assert ("authorization", "Bearer k") in by["moonshot-cn", "here"].headers
    assert (
        by["openai", "cn"].connect_host,
        by["openai", "cn"].connect_port,
        by["openai", "cn"].host,
    ) == ("127.0.0.1", 9443, "api.openai.com")
    assert [c.region for c in plan.controls] == ["cn"]
    with pytest.raises(UsageError, match="--region mars"):
        core.build_plan(
            providers, settings.section("regions"), ReachSettings(), {}, only_regions=["mars"]
        )
    # No [providers]: the catalog defaults; no [regions]: this host.
    default = core.build_plan(
        core.provider_defs(load_providers_catalog(), None),
        {"here": RegionSettings()},
        ReachSettings(),
        {},
    )
    assert {t.provider for t in default.targets} >= {
        "openai",
        "anthropic",
        "deepseek",
        "moonshot-ai",
    }


def test_every_catalog_entry_has_source_and_date() -> None:
    catalog = load_providers_catalog()
    for name, entry in catalog["providers"].items():
        assert entry.get("source") and entry.get("date"), name
    for sig in SIGS:
        assert sig.source and sig.date, sig.id


def test_carry_paid_keeps_the_paid_verdict_unless_the_free_probe_cannot_connect() -> None:
    t = target(
        "bedrock",
        kind=core.ProbeKind.AUTHENTICATED,
        paid_deferred=True,
        reachable_status=(401, 403, 404),
    )
    record = core.PaidRecord(
        1_000.0, core.Verdict.BLOCKED_GEO, "HTTP 400: Bedrock geo", 400, "ValidationException"
    )
    fresh_ok = verdict_of(
        t, answer(404, {"message": "x"}, x_amzn_errortype="UnknownOperationException")
    )
    carried = core.carry_paid([fresh_ok], [t], {("bedrock", "us"): record}, now=1_000.0 + 600)
    assert (carried[0].verdict, carried[0].http_status) == (core.Verdict.BLOCKED_GEO, 400)
    assert "paid probe 10 min ago" in carried[0].reason
    fresh_down = verdict_of(t, core.Observation(failure=core.Failure.CONNECT_REFUSED))
    assert (
        core.carry_paid([fresh_down], [t], {("bedrock", "us"): record}, now=2_000.0)[0].verdict
        == core.Verdict.DOWN
    )
    due = target("bedrock", kind=core.ProbeKind.PAID)
    assert (
        core.carry_paid([fresh_ok], [due], {("bedrock", "us"): record}, now=2_000.0)[0] == fresh_ok
    )


EDGE_403 = "<html><head><title>Access Denied</title></head><body>You don't have permission to access this server.</body></html>"


def test_generic_403_without_a_key_is_blocked_unknown_and_counts_as_down() -> None:
    """No key was sent, so a 403 cannot mean 'key rejected': an unknown WAF, edge or geo block."""
    r = verdict_of(target(), answer(403, EDGE_403))
    assert r.verdict == core.Verdict.BLOCKED_UNKNOWN
    assert "key" not in r.reason.split(":")[1]
    assert r.level == core.Level.UNREACHABLE
    assert core.is_failing(r.verdict)
    assert core.exit_level([r], core.fail_threshold("degraded"))
    # the same with a JSON body the signatures do not know
    r = verdict_of(target(), answer(403, {"error": {"message": "Forbidden"}}))
    assert r.verdict == core.Verdict.BLOCKED_UNKNOWN


def test_an_edge_page_is_not_the_providers_own_403() -> None:
    """Gemini answers a keyless probe with its own JSON 403; an HTML 'Access Denied' is not that."""
    gemini = target("gemini", reachable_status=(401, 403))
    own = {"error": {"code": 403, "message": "unregistered callers", "status": "PERMISSION_DENIED"}}
    assert verdict_of(gemini, answer(403, own)).verdict == core.Verdict.OK
    assert verdict_of(gemini, answer(403, EDGE_403)).verdict == core.Verdict.BLOCKED_UNKNOWN
    keyed = target(kind=core.ProbeKind.AUTHENTICATED)
    assert verdict_of(keyed, answer(403, EDGE_403)).verdict == core.Verdict.BLOCKED_UNKNOWN
    assert verdict_of(keyed, answer(401, {"error": {"code": "x"}})).verdict == "auth_error"


@pytest.mark.parametrize(
    ("location", "expected"),
    [("https://portal.example.net/login", "blocked_unknown"), ("/v2/models", "down")],
)
def test_a_redirect_from_the_models_endpoint_is_not_ok(location: str, expected: str) -> None:
    r = verdict_of(target(), answer(302, "", location=location))
    assert r.verdict == expected
    assert location in r.reason
    assert r.level == core.Level.UNREACHABLE
