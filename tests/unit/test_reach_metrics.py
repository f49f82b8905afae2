"""reach's Prometheus output: labels that survive a scrape, blackbox-compatible series, phases."""

from __future__ import annotations

import re
import subprocess

from hedgectl.core import reach as core
from hedgectl.report.reach import PHASES, ReachReport, phase_durations, render_prometheus
from tests.conftest import ROOT
from tests.servers.proxies import require

# Labels Prometheus or common service discovery put on every target: an exported label of the same
# name is renamed to exported_<name> (honor_labels: false, the default), and alerts lose it.
TARGET_LABELS = {"job", "instance", "region", "zone", "cluster", "namespace", "pod", "node"}


def result(
    provider: str = "openai",
    region: str = "cn",
    verdict: core.Verdict = core.Verdict.BLOCKED_GEO,
    status: int | None = 403,
    timings: core.Timings = core.Timings(0.01, 0.02, 0.03, 0.04, 0.125),
) -> core.Result:
    return core.Result(
        provider,
        region,
        f"https://{provider}.example/v1/models",
        core.ProbeKind.UNAUTHENTICATED,
        verdict,
        "HTTP 403: geo",
        status,
        "",
        timings,
        "127.0.0.1:443",
        "TLSv1.3",
        2_000_000_000.0,
        "proxy",
    )


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_no_exported_label_collides_with_common_target_labels() -> None:
    text = render_prometheus(ReachReport([result()], {"cn": ""}, 1e9))
    labels = set(re.findall(r"[{,]([a-z_]+)=", text))
    assert labels, text
    assert not labels & TARGET_LABELS
    assert 'probe_region="cn"' in text


def test_blackbox_series_sit_beside_hedge_reach() -> None:
    text = render_prometheus(
        ReachReport([result(), result("anthropic", "us", core.Verdict.OK, 401)], {}, 1e9)
    )
    got = samples(text)
    key = '{provider="openai",probe_region="cn"}'
    assert got[f"probe_success{key}"] == 0
    assert got['probe_success{provider="anthropic",probe_region="us"}'] == 1
    assert got[f"probe_http_status_code{key}"] == 403
    assert got[f"probe_ssl_earliest_cert_expiry{key}"] == 2_000_000_000
    assert got[f"probe_duration_seconds{key}"] == 0.125
    assert got[f"probe_dns_lookup_time_seconds{key}"] == 0.01
    assert got[f"probe_http_ssl{key}"] == 1
    assert got[f"hedge_reach_success{key}"] == 0
    phases = {
        m.group(1): v
        for name, v in got.items()
        if (m := re.match(r'probe_http_duration_seconds\{.*probe_region="cn",phase="(\w+)"', name))
    }
    assert set(phases) == {"resolve", "connect", "tls", "processing", "transfer"}


def test_phases_add_up_to_the_total_and_total_is_not_a_phase() -> None:
    r = result(timings=core.Timings(0.01, 0.02, 0.03, 0.04, 0.125))
    phases = phase_durations(r.timings)
    assert tuple(phases) == PHASES
    assert abs(sum(phases.values()) - 0.125) < 1e-9
    text = render_prometheus(ReachReport([r], {}, 1e9))
    assert 'phase="total"' not in text
    # a failure before any HTTP answer: the missing phases are 0, the sum is still the total
    failed = phase_durations(core.Timings(None, 2.0, None, None, 2.0))
    assert failed["connect"] == 2.0 and sum(failed.values()) == 2.0
    # clock jitter never makes transfer negative
    assert phase_durations(core.Timings(0.5, 0.5, None, None, 0.9))["transfer"] == 0


def test_prometheus_text_passes_promtool() -> None:
    promtool = require("promtool", "prometheus")
    text = render_prometheus(
        ReachReport([result(), result("x", "us", core.Verdict.OK)], {"cn": "dead"}, 1e9)
    )
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_shipped_alert_rules_pass_their_unit_tests() -> None:
    """promtool test rules: the alerts fire on hedge_reach_* series and name the probe's region
    even when the scrape job puts its own `region` label on the target."""
    promtool = require("promtool", "prometheus")
    tests = ROOT / "tests" / "data" / "reach-alerts-test.yml"
    check = subprocess.run(
        [promtool, "test", "rules", tests.name],
        cwd=tests.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_alert_rules_name_the_probe_region() -> None:
    rules = (ROOT / "templates" / "reach" / "alerts.yml").read_text()
    assert "$labels.region" not in rules
    assert "$labels.probe_region" in rules
