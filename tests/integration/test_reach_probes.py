"""hedgectl reach end to end on loopback: fake TLS providers, real tinyproxy/microsocks regions.

Regions: us = tinyproxy bound to 127.0.0.2, cn = tinyproxy bound to 127.0.0.3, eu = microsocks
bound to 127.0.0.4, here = direct from 127.0.0.1, dead = a proxy port nobody listens on.
The fake providers answer by caller address, so the same provider is blocked from cn only.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hedgectl.adapters import http
from hedgectl.cli.app import app
from tests.servers.providers import MOONSHOT_CN_KEY, FakeProviders, resolve
from tests.servers.proxies import RunningProxy, require, start_microsocks, start_tinyproxy

pytestmark = pytest.mark.xdist_group("reach")


@dataclass
class World:
    providers: FakeProviders
    proxies: dict[str, RunningProxy]
    folder: Path

    def config(self, extra: str = "", *, timeout: float = 2.0) -> Path:
        fp, m = self.providers, self.providers.main
        text = f"""
[reach]
timeout = {timeout}
[regions.us]
proxy = "{self.proxies["us"].url}"
[regions.cn]
proxy = "{self.proxies["cn"].url}"
[regions.eu]
proxy = "{self.proxies["eu"].url}"
[regions.here]
[regions.dead]
proxy = "http://127.0.0.1:{fp.refused_port}"

[providers.openai]
resolve = "{resolve("api.openai.com", m)}"
regions = ["us", "cn", "eu", "dead"]
[providers.anthropic]
resolve = "{resolve("api.anthropic.com", m)}"
regions = ["us", "cn"]
[providers.gemini]
resolve = "{resolve("generativelanguage.googleapis.com", m)}"
regions = ["us", "cn"]
[providers.openrouter]
resolve = "{resolve("openrouter.ai", m)}"
regions = ["us", "cn"]
[providers.bedrock]
resolve = "{resolve("bedrock-runtime.us-east-1.amazonaws.com", m)}"
api_key_env = "AWS_BEARER_TOKEN_BEDROCK"
paid_probe = true
regions = ["us", "cn"]
[providers.deepseek]
resolve = "{resolve("api.deepseek.com", m)}"
regions = ["us", "cn"]
[providers.moonshot-ai]
resolve = "{resolve("api.moonshot.ai", m)}"
api_key_env = "MOONSHOT_API_KEY"
regions = ["cn"]
[providers.moonshot-cn]
resolve = "{resolve("api.moonshot.cn", m)}"
api_key_env = "MOONSHOT_API_KEY"
regions = ["cn"]
[providers.together]
resolve = "{resolve("api.together.xyz", m)}"
regions = ["here"]
[providers.mistral]
resolve = "{resolve("api.mistral.ai", m)}"
regions = ["here"]
[providers.minimax-io]
resolve = "{resolve("api.minimax.io", m)}"
regions = ["here"]
[providers.z-legal]
catalog = "zai"
resolve = "{resolve("api.z.ai", m)}"
regions = ["here"]
[providers.firewalled]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.reset_in_tls}"
regions = ["here", "us"]
[providers.reset-after-tls]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.reset_after_tls}"
regions = ["here"]
[providers.stalled]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.stall}"
regions = ["here"]
[providers.read-timeout]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.stall_after_tls}"
regions = ["here"]
[providers.connect-timeout]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.connect_timeout}"
regions = ["here"]
[providers.refused]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.refused_port}"
regions = ["here", "eu"]
[providers.untrusted]
base_url = "https://untrusted.example.test/v1"
resolve = "untrusted.example.test:443:127.0.0.1:{fp.untrusted}"
regions = ["here"]
[providers.expired]
base_url = "https://api.together.xyz/v1"
resolve = "api.together.xyz:443:127.0.0.1:{fp.expired}"
regions = ["here"]
[providers.wrong-host]
base_url = "https://api.wrong-host.test/v1"
resolve = "api.wrong-host.test:443:127.0.0.1:{m}"
regions = ["here"]
[providers.expiring]
base_url = "https://expiring.example.test/v1"
resolve = "expiring.example.test:443:127.0.0.1:{fp.expiring}"
regions = ["here"]
[providers.nxdomain]
base_url = "https://api.nothing.invalid/v1"
regions = ["here"]
{extra}
"""
        path = self.folder / "hedge.toml"
        path.write_text(text)
        return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("reach")
    require("tinyproxy", "tinyproxy")
    require("microsocks", "microsocks")
    providers = FakeProviders(folder)
    proxies: dict[str, RunningProxy] = {}
    # Names the tests do not pin with `resolve` get NXDOMAIN from this injected resolver: the
    # machine's own resolver is never asked.
    http.set_resolver(_nxdomain)
    try:
        proxies["us"] = start_tinyproxy(folder, "127.0.0.2")
        proxies["cn"] = start_tinyproxy(folder, "127.0.0.3")
        proxies["eu"] = start_microsocks(folder, "127.0.0.4")
        yield World(providers, proxies, folder)
    finally:
        http.set_resolver(None)
        for proxy in proxies.values():
            proxy.stop()
        providers.close()


def _nxdomain(host: str, port: int) -> list[tuple[int, str]]:
    RESOLVED.append(host)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (test resolver)")


RESOLVED: list[str] = []


ENV = {"MOONSHOT_API_KEY": MOONSHOT_CN_KEY, "AWS_BEARER_TOKEN_BEDROCK": "bedrock-test-key"}


def run(
    world: World, *args: str, config: Path | None = None, env: dict[str, str] | None = None
) -> Any:
    cfg = config or world.config()
    return CliRunner().invoke(
        app,
        ["reach", "-c", str(cfg), "--ca-bundle", str(world.providers.ca_file), *args],
        env={**ENV, **(env or {})},
    )


@pytest.fixture(scope="module")
def matrix(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    result = run(world, "--format", "json", "--no-history")
    assert result.exit_code == 1, result.output  # blocked and down providers are in the matrix
    doc = json.loads(result.stdout)
    assert doc["schema"] == "hedgectl.reach/v1"
    return {(r["provider"], r["region"]): r for r in doc["results"]}


EXPECTED = [
    # the provider's own 401 to an unauthenticated probe = reachable
    ("openai", "us", "ok", 401),
    ("openai", "eu", "ok", 401),
    ("anthropic", "us", "ok", 401),
    ("openrouter", "us", "ok", 401),
    ("deepseek", "cn", "ok", 401),
    ("gemini", "us", "ok", 403),  # Gemini's unauthenticated answer is 403 PERMISSION_DENIED
    # each geo-block signature, from the cn egress address only
    ("openai", "cn", "blocked_geo", 403),
    ("anthropic", "cn", "blocked_geo", 403),
    ("gemini", "cn", "blocked_geo", 400),
    ("openrouter", "cn", "blocked_geo", 403),
    ("bedrock", "cn", "blocked_geo", 400),  # fires on inference only: the paid probe
    ("bedrock", "us", "ok", 200),
    ("deepseek", "us", "blocked_legal", 451),
    ("z-legal", "here", "blocked_legal", 451),
    # a key for the other platform
    ("moonshot-ai", "cn", "auth_region_mismatch", 401),
    ("moonshot-cn", "cn", "ok", 200),
    ("together", "here", "rate_limited", 429),
    ("mistral", "here", "down", 503),
    ("minimax-io", "here", "down", 529),
    ("firewalled", "here", "blocked_firewall", None),
    ("firewalled", "us", "blocked_firewall", None),
    ("reset-after-tls", "here", "blocked_firewall", None),
    ("refused", "here", "down", None),
    ("refused", "eu", "down", None),
    ("stalled", "here", "timeout", None),
    ("connect-timeout", "here", "timeout", None),
    ("read-timeout", "here", "timeout", None),
    ("untrusted", "here", "tls_error", None),
    ("expired", "here", "tls_error", None),
    ("wrong-host", "here", "tls_error", None),
    ("expiring", "here", "ok", 401),
    ("nxdomain", "here", "dns_error", None),
    ("openai", "dead", "vantage_down", None),
]


@pytest.mark.parametrize(("provider", "region", "verdict", "status"), EXPECTED)
def test_verdict_matrix(
    matrix: dict[tuple[str, str], dict[str, Any]],
    provider: str,
    region: str,
    verdict: str,
    status: int | None,
) -> None:
    r = matrix[provider, region]
    assert (r["verdict"], r["http_status"]) == (verdict, status), r["reason"]
    assert r["via"] == ("direct" if region == "here" else "proxy")


def test_every_result_has_the_fields_an_on_call_engineer_needs(
    matrix: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert len(matrix) == len(EXPECTED)
    ok = matrix["openai", "us"]
    assert ok["url"] == "https://api.openai.com/v1/models"
    assert ok["tls_version"].startswith("TLSv1.")
    assert ok["error_code"] == "invalid_request_error"
    assert ok["cert_not_after"] and ok["remote_address"].startswith("127.0.0.1:")
    for phase in ("connect", "tls", "first_byte", "total"):
        assert ok["timings_seconds"][phase] > 0, phase
    assert (
        ok["timings_seconds"]["dns"] is None
    )  # the proxy resolves; here the address was overridden
    geo = matrix["openai", "cn"]
    assert geo["error_code"] == "unsupported_country_region_territory"
    assert "territory" in geo["reason"]
    assert matrix["together", "here"]["retry_after_seconds"] == 7
    assert "certificate expires in 5 days" in matrix["expiring", "here"]["reason"]
    assert "unknown issuer" in matrix["untrusted", "here"]["reason"]
    assert "expired" in matrix["expired", "here"]["reason"]
    assert "does not match the host name" in matrix["wrong-host", "here"]["reason"]
    assert "during the TLS handshake" in matrix["firewalled", "here"]["reason"]
    assert matrix["firewalled", "here"]["timings_seconds"]["tls"] is None
    assert "refused" in matrix["refused", "here"]["reason"]
    assert "TCP connect timed out" in matrix["connect-timeout", "here"]["reason"]
    assert "TLS handshake timed out" in matrix["stalled", "here"]["reason"]
    assert "(read)" in matrix["read-timeout", "here"]["reason"]
    assert matrix["read-timeout", "here"]["timings_seconds"]["tls"] > 0
    assert "accepted by moonshot-cn" in matrix["moonshot-ai", "cn"]["reason"]
    assert "refused" in matrix["openai", "dead"]["reason"]


def test_fake_providers_saw_each_region_from_its_own_address(
    world: World, matrix: dict[tuple[str, str], dict[str, Any]]
) -> None:
    callers = {(ip, host) for ip, host, _, _ in world.providers.seen if host == "api.openai.com"}
    assert {"127.0.0.2", "127.0.0.3", "127.0.0.4"} <= {ip for ip, _ in callers}


def test_dead_proxy_is_one_vantage_down_not_a_provider_outage(world: World) -> None:
    result = run(
        world, "--format", "json", "--no-history", "--region", "dead", "--fail-on", "never"
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["regions"] == {"dead": {"reason": doc["regions"]["dead"]["reason"], "up": False}}
    assert {r["verdict"] for r in doc["results"]} == {"vantage_down"}


def test_exit_codes_follow_fail_on(world: World) -> None:
    args = ("--no-history", "--format", "json", "--region", "here")
    assert run(world, *args, "--provider", "expiring").exit_code == 0
    assert run(world, *args, "--provider", "together").exit_code == 0  # rate limited < unreachable
    assert run(world, *args, "--provider", "together", "--fail-on", "ok").exit_code == 1
    assert run(world, *args, "--provider", "mistral").exit_code == 1
    assert run(world, *args, "--provider", "mistral", "--fail-on", "never").exit_code == 0
    bad = run(world, *args, "--provider", "nope")
    assert bad.exit_code == 2 and "no such provider" in bad.output
    assert run(world, *args, "--fail-on", "sometimes").exit_code == 2
    broken = world.folder / "broken.toml"
    broken.write_text('[providers.openai]\nresolve = "nonsense"\n')
    result = run(world, config=broken)
    assert result.exit_code == 3 and "providers.openai.resolve" in result.output


def test_ssl_cert_file_is_honoured(world: World) -> None:
    cfg = world.config()
    result = CliRunner().invoke(
        app,
        ["reach", "-c", str(cfg), "--no-history", "-f", "json", "-r", "here", "-p", "expiring"],
        env={"SSL_CERT_FILE": str(world.providers.ca_file)},
    )
    assert result.exit_code == 0, result.output
    untrusted = CliRunner().invoke(
        app, ["reach", "-c", str(cfg), "--no-history", "-f", "json", "-r", "here", "-p", "expiring"]
    )
    assert json.loads(untrusted.stdout)["results"][0]["verdict"] == "tls_error"


def test_prometheus_output_passes_promtool_and_is_written_atomically(
    world: World, tmp_path: Path
) -> None:
    promtool = require("promtool", "prometheus")
    out = tmp_path / "reach.prom"
    result = run(
        world, "--format", "prometheus", "--output", str(out), "--no-history", "--fail-on", "never"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["reach.prom"]  # no temp file left behind
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert (
        'hedge_reach_verdict{provider="openai",probe_region="cn",verdict="blocked_geo"} 1' in text
    )
    assert 'hedge_reach_verdict{provider="openai",probe_region="cn",verdict="ok"} 0' in text
    assert 'hedge_reach_success{provider="openai",probe_region="us"} 1' in text
    assert 'hedge_reach_vantage_up{probe_region="dead"} 0' in text
    assert 'hedge_reach_duration_seconds{provider="openai",probe_region="us",phase="tls"}' in text
    assert (
        'hedge_reach_cert_expiry_timestamp_seconds{provider="expiring",probe_region="here"}' in text
    )
    assert 'hedge_reach_retry_after_seconds{provider="together",probe_region="here"} 7' in text
    assert "hedge_reach_last_run_timestamp_seconds{" in text


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_history_records_state_changes_after_the_debounce_threshold(
    world: World, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    history = tmp_path / "reach.sqlite3"
    args = (
        "-f",
        "json",
        "--history",
        str(history),
        "--notify",
        url,
        "-p",
        "openai",
        "-r",
        "us",
        "-r",
        "cn",
    )
    first = run(world, *args)
    assert first.exit_code == 1
    assert json.loads(first.stdout)["state_changes"] == []  # one failure is not an outage yet
    assert received == []
    second = run(world, *args)
    changes = json.loads(second.stdout)["state_changes"]
    assert changes == [
        {
            "from": "unknown",
            "provider": "openai",
            "region": "cn",
            "to": "down",
            "verdict": "blocked_geo",
        },
        {"from": "unknown", "provider": "openai", "region": "us", "to": "up", "verdict": "ok"},
    ]
    # Slack-compatible message, only for the change worth waking someone for.
    assert len(received) == 1 and set(received[0]) == {"text"}
    assert "openai from cn: unknown -> down (blocked_geo" in received[0]["text"]
    assert "from us" not in received[0]["text"]
    third = run(world, *args)
    assert json.loads(third.stdout)["state_changes"] == []
    assert len(received) == 1  # no change, no message

    shown = CliRunner().invoke(app, ["reach", "history", "--history", str(history), "-f", "json"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert doc["schema"] == "hedgectl.reach.history/v1"
    assert doc["runs"] == 3
    # newest first; within one run, in the order the results were recorded (reverse)
    assert [(e["provider"], e["region"], e["to"]) for e in doc["events"]] == [
        ("openai", "us", "up"),
        ("openai", "cn", "down"),
    ]
    current = {(t["provider"], t["region"]): t for t in doc["current"]}
    assert (
        current["openai", "cn"]["state"] == "down"
        and current["openai", "cn"]["failures_in_a_row"] == 3
    )
    table = CliRunner().invoke(
        app, ["reach", "history", "--history", str(history), "-p", "openai", "-r", "cn"]
    )
    assert (
        table.exit_code == 0 and "unknown -> down" in table.stdout and "blocked_geo" in table.stdout
    )


def test_history_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["reach", "history", "--history", str(tmp_path / "none.sqlite3")]
    )
    assert result.exit_code == 2
    assert "no reach history" in result.output


def test_table_output_names_verdict_and_reason(world: World) -> None:
    result = run(
        world, "--no-history", "-r", "cn", "-p", "openai", "-p", "moonshot-ai", "-p", "moonshot-cn"
    )
    assert result.exit_code == 1
    assert "blocked_geo" in result.stdout and "auth_region_mismatch" in result.stdout
    assert "Country, region, or territory" in result.stdout or "territory" in result.stdout


def test_default_history_lands_in_xdg_state(world: World, tmp_path: Path) -> None:
    state = tmp_path / "state"
    result = run(
        world, "-f", "json", "-r", "here", "-p", "expiring", env={"XDG_STATE_HOME": str(state)}
    )
    assert result.exit_code == 0, result.output
    assert (state / "hedgectl" / "reach.sqlite3").is_file()


def test_direct_region_can_bind_a_source_address(world: World) -> None:
    main = world.providers.main
    extra = f"""
[regions.lo5]
source_address = "127.0.0.5"
[providers.openai-lo5]
catalog = "openai"
resolve = "{resolve("api.openai.com", main)}"
regions = ["lo5"]
"""
    cfg = world.config(extra)
    result = run(world, "--no-history", "-f", "json", "-r", "lo5", config=cfg)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"][0]["verdict"] == "ok"
    assert ("127.0.0.5", "api.openai.com") in {
        (ip, host) for ip, host, _, _ in world.providers.seen
    }


def test_paid_probe_runs_once_per_interval_and_its_verdict_carries_over(
    world: World, tmp_path: Path
) -> None:
    history = tmp_path / "paid.sqlite3"
    args = ("-f", "json", "--history", str(history), "-p", "bedrock", "--fail-on", "never")

    def posts() -> int:
        return sum(
            1
            for _, host, method, _ in world.providers.seen
            if host.startswith("bedrock") and method == "POST"
        )

    before = posts()
    first = {r["region"]: r for r in json.loads(run(world, *args).stdout)["results"]}
    assert posts() == before + 2  # one completion per region
    assert (first["cn"]["probe"], first["cn"]["verdict"]) == ("paid", "blocked_geo")
    assert (first["us"]["probe"], first["us"]["verdict"]) == ("paid", "ok")
    second = {r["region"]: r for r in json.loads(run(world, *args).stdout)["results"]}
    assert posts() == before + 2  # within paid_interval (60 min): no new completion
    assert second["cn"]["probe"] == "authenticated"
    assert second["cn"]["verdict"] == "blocked_geo"
    assert "paid probe 0 min ago" in second["cn"]["reason"]
    assert second["us"]["verdict"] == "ok"
    # Two failing runs in a row: the carried verdict counts toward the debounce like a fresh one.
    shown = CliRunner().invoke(app, ["reach", "history", "--history", str(history), "-f", "json"])
    assert [(e["region"], e["to"]) for e in json.loads(shown.stdout)["events"]] == [
        ("us", "up"),
        ("cn", "down"),
    ]


def test_unreachable_webhook_is_a_warning_and_the_run_is_still_recorded(
    world: World, tmp_path: Path
) -> None:
    from tests.servers.providers import free_port

    history = tmp_path / "h.sqlite3"
    dead_hook = f"http://127.0.0.1:{free_port()}/hook"
    args = (
        "-f",
        "json",
        "--history",
        str(history),
        "--notify",
        dead_hook,
        "-p",
        "openai",
        "-r",
        "cn",
    )
    run(world, *args)
    second = run(world, *args)
    assert second.exit_code == 1  # the verdict decides the exit code, not the webhook
    assert "warning:" in second.stderr and "--notify" in second.stderr
    assert json.loads(second.stdout)["state_changes"][0]["to"] == "down"
    shown = CliRunner().invoke(app, ["reach", "history", "--history", str(history), "-f", "json"])
    assert json.loads(shown.stdout)["runs"] == 2


def _scenario(world: World, name: str, base_url: str, port: int) -> Path:
    host = base_url.split("/")[2]
    return world.config(
        f"""
[providers.{name}]
base_url = "{base_url}"
resolve = "{host}:443:127.0.0.1:{port}"
regions = ["here"]
""",
        timeout=1.5,
    )


def test_a_status_line_then_stalled_headers_is_a_timeout(world: World) -> None:
    fp = world.providers
    cfg = _scenario(world, "headers-stall", "https://api.deepseek.com", fp.headers_stall)
    result = run(world, "-f", "json", "--no-history", "-p", "headers-stall", config=cfg)
    r = json.loads(result.stdout)["results"][0]
    assert r["verdict"] == "timeout", r
    assert "header" in r["reason"]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("host", "verdict", "status"),
    [
        ("edge-denied.example.test", "blocked_unknown", 403),
        ("portal.example.test", "blocked_unknown", 302),
    ],
)
def test_an_unknown_edge_block_or_redirect_is_down_not_healthy(
    world: World, host: str, verdict: str, status: int
) -> None:
    cfg = _scenario(world, "edge", f"https://{host}/v1", world.providers.main)
    result = run(world, "-f", "json", "--no-history", "-p", "edge", config=cfg)
    r = json.loads(result.stdout)["results"][0]
    assert (r["verdict"], r["http_status"]) == (verdict, status), r
    assert result.exit_code == 1  # the default --fail-on degraded fails: this is not reachable


def test_the_dns_failure_comes_from_the_injected_resolver(
    matrix: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert matrix["nxdomain", "here"]["verdict"] == "dns_error"
    assert "test resolver" in matrix["nxdomain", "here"]["reason"]
    assert RESOLVED and set(RESOLVED) == {"api.nothing.invalid"}  # nothing else was looked up


def test_webhook_url_never_printed_only_its_host(world: World, tmp_path: Path) -> None:
    from tests.servers.providers import free_port

    hook = f"http://127.0.0.1:{free_port()}/services/T0001/B0002/s3cr3tW3bh00kT0k3n"
    args = ("-f", "json", "--history", str(tmp_path / "h.sqlite3"), "--notify", hook)
    run(world, *args, "-p", "openai", "-r", "cn")
    second = run(world, *args, "-p", "openai", "-r", "cn")
    assert "--notify" in second.stderr and "127.0.0.1" in second.stderr
    assert "s3cr3tW3bh00kT0k3n" not in second.stderr + second.stdout


def test_api_keys_are_trimmed_and_unsendable_ones_fail_one_provider(world: World) -> None:
    from tests.servers.providers import MOONSHOT_CN_KEY

    base = ("-f", "json", "--no-history", "-p", "moonshot-cn", "-p", "openai", "-r", "cn")
    plain = run(world, *base)
    trailing = run(world, *base, env={"MOONSHOT_API_KEY": MOONSHOT_CN_KEY + "\n"})
    assert trailing.exit_code == plain.exit_code
    assert trailing.stdout.replace(" ", "") != "" and _verdicts(trailing) == _verdicts(plain)
    bad = run(world, *base, env={"MOONSHOT_API_KEY": "ключ-" + MOONSHOT_CN_KEY})
    assert bad.exit_code in (0, 1), bad.output  # not 70: the run goes on
    assert "MOONSHOT_API_KEY" in bad.stderr and "ключ" not in bad.stderr + bad.stdout
    assert _verdicts(bad)[("openai", "cn")] == _verdicts(plain)[("openai", "cn")]


def _verdicts(result: Any) -> dict[tuple[str, str], str]:
    doc = json.loads(result.stdout)
    return {(r["provider"], r["region"]): r["verdict"] for r in doc["results"]}
