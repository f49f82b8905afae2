"""`hedgectl reach serve` end to end: a real Prometheus scrapes it on loopback and fires the
shipped alert rules; blackbox-shaped /probe; history written by the same code as a cron run;
bounded concurrency; graceful shutdown on SIGTERM.

The exporter and Prometheus run as real processes on 127.0.0.1 (free ports), against the fake
TLS providers of tests/servers; every process is stopped by its fixture.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.servers.providers import FakeProviders, free_port, resolve
from tests.servers.proxies import require

pytestmark = pytest.mark.xdist_group("reach-serve")

WAIT = 90.0  # seconds: the bound on every wait (the machine may be busy)


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    history: Path
    folder: Path
    log: Path


def _config(fp: FakeProviders, folder: Path, stall_timeout: float = 1.0) -> Path:
    m = fp.main
    cfg = folder / "hedge.toml"
    cfg.write_text(
        f"""
[reach]
timeout = 1
[regions.here]
[providers.openai]
resolve = "{resolve("api.openai.com", m)}"
[providers.edge]
base_url = "https://edge-denied.example.test/v1"
resolve = "{resolve("edge-denied.example.test", m)}"
[providers.refused]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.refused_port}"
[providers.stalled]
base_url = "https://api.deepseek.com"
resolve = "api.deepseek.com:443:127.0.0.1:{fp.stall_after_tls}"
timeout = {stall_timeout}
"""
    )
    return cfg


def _get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, str, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers


def _start(fp: FakeProviders, folder: Path, *extra: str, stall_timeout: float = 1.0) -> Served:
    port = free_port()
    history = folder / "reach.sqlite3"
    log = folder / "serve.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hedgectl",
            "reach",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "-c",
            str(_config(fp, folder, stall_timeout)),
            "--history",
            str(history),
            "--ca-bundle",
            str(fp.ca_file),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"reach serve exited {process.returncode}: {log.read_text()}")
        try:
            if _get(f"{url}/-/healthy", timeout=2)[0] == 200:
                return Served(url, process, history, folder, log)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"reach serve did not answer: {log.read_text()}")


def _stop(served: Served) -> int:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGTERM)
        try:
            return served.process.wait(30)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(10)
            raise
    return served.process.returncode


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeProviders]:
    fp = FakeProviders(tmp_path_factory.mktemp("providers"))
    try:
        yield fp
    finally:
        fp.close()


@pytest.fixture(scope="module")
def served(providers: FakeProviders, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = _start(providers, tmp_path_factory.mktemp("serve"))
    try:
        yield s
    finally:
        _stop(s)


def test_probe_answers_one_providers_metrics_in_blackbox_shape(served: Served) -> None:
    status, text, headers = _get(f"{served.url}/probe?provider=edge&region=here")
    assert status == 200, text
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    key = '{provider="edge",probe_region="here"}'
    assert f"probe_success{key} 0" in text
    assert f"probe_http_status_code{key} 403" in text
    assert (
        'hedge_reach_verdict{provider="edge",probe_region="here",verdict="blocked_unknown"} 1'
        in text
    )
    assert 'provider="openai"' not in text  # one probe, not all of them
    promtool = require("promtool", "prometheus")
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_bad_requests_and_the_exporters_own_metrics(served: Served) -> None:
    status, text, _ = _get(f"{served.url}/probe?provider=nope")
    assert status == 400 and "unknown provider=nope" in text
    assert "--provider" not in text  # an HTTP client gets query parameters, not CLI flags
    assert "valid values of provider=: " in text and "openai" in text
    status, text, _ = _get(f"{served.url}/probe?provider=openai&region=mars")
    assert status == 400 and "unknown region=mars" in text and "--region" not in text
    status, text, _ = _get(f"{served.url}/probe")
    assert status == 400 and "provider=" in text
    assert _get(f"{served.url}/nowhere")[0] == 404
    status, text, _ = _get(f"{served.url}/metrics")
    assert status == 200
    assert 'hedgectl_exporter_requests_total{endpoint="/probe",outcome="bad_request"}' in text
    assert "hedgectl_exporter_probes_in_flight 0" in text


def test_status_page_is_served_at_the_root(served: Served) -> None:
    _get(f"{served.url}/probes")
    status, html, headers = _get(f"{served.url}/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "<h1>LLM provider reachability</h1>" in html
    assert 'data-verdict="blocked_unknown"' in html and 'data-verdict="ok"' in html


def _prometheus(folder: Path, target: str) -> tuple[subprocess.Popen[bytes], str]:
    binary = require("prometheus", "prometheus")
    rules = yaml.safe_load((ROOT / "templates" / "reach" / "alerts.yml").read_text())
    for rule in rules["groups"][0]["rules"]:
        rule["for"] = "1s"  # the shipped rules, with their hold times shortened for the test
    (folder / "alerts.yml").write_text(yaml.safe_dump(rules))
    config = {
        "global": {"scrape_interval": "3s", "scrape_timeout": "3s", "evaluation_interval": "1s"},
        "rule_files": [str(folder / "alerts.yml")],
        "scrape_configs": [
            {
                "job_name": "hedgectl-reach",
                "metrics_path": "/probes",
                # the node's own region on the target: must not rename hedgectl's label
                "static_configs": [{"targets": [target], "labels": {"region": "eu-west-1"}}],
            }
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "prometheus.log").open("wb"),
    )
    return process, f"http://127.0.0.1:{port}"


def _until(what: str, check: Any, log: Path) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            got = check()
        except OSError:
            got = None
        if got:
            return got
        time.sleep(1)
    raise AssertionError(
        f"timed out waiting for {what}; prometheus log:\n{log.read_text()[-3000:]}"
    )


def test_real_prometheus_scrapes_serve_and_fires_the_shipped_alerts(
    served: Served, tmp_path: Path
) -> None:
    process, prom = _prometheus(tmp_path, served.url.removeprefix("http://"))
    log = tmp_path / "prometheus.log"
    try:

        def firing() -> dict[str, dict[str, Any]]:
            status, body, _ = _get(f"{prom}/api/v1/alerts", timeout=5)
            alerts = json.loads(body)["data"]["alerts"] if status == 200 else []
            found = {a["labels"]["alertname"]: a for a in alerts if a["state"] == "firing"}
            wanted = {"HedgeProviderBlocked", "HedgeProviderUnreachable"}
            return found if wanted <= set(found) else {}

        alerts = _until("the shipped alerts to fire", firing, log)
        blocked = alerts["HedgeProviderBlocked"]
        assert blocked["labels"]["provider"] == "edge"
        assert blocked["labels"]["probe_region"] == "here"  # the probe's region, not the node's
        assert blocked["labels"]["verdict"] == "blocked_unknown"
        assert blocked["annotations"]["summary"] == "edge is blocked_unknown from here"
        unreachable = alerts["HedgeProviderUnreachable"]
        assert {unreachable["labels"]["provider"], unreachable["labels"]["verdict"]} <= {
            "refused",
            "stalled",
            "down",
            "timeout",
        }
        # the target's own region label and hedgectl's probe_region live side by side
        _, body, _ = _get(f"{prom}/api/v1/query?query=probe_success", timeout=5)
        series = [r["metric"] for r in json.loads(body)["data"]["result"]]
        assert series and all(m["region"] == "eu-west-1" for m in series)
        assert {m["probe_region"] for m in series} == {"here"}
        assert not any("exported_region" in m for m in series)
        assert {m["provider"] for m in series} == {"openai", "edge", "refused", "stalled"}
    finally:
        process.terminate()
        process.wait(30)


def test_history_is_written_by_the_same_code_as_a_cron_run(served: Served) -> None:
    for _ in range(2):  # failures_before_down = 2
        assert _get(f"{served.url}/probe?provider=edge")[0] == 200
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hedgectl",
            "reach",
            "history",
            "--history",
            str(served.history),
            "-f",
            "json",
            "-p",
            "edge",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=served.folder,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["runs"] >= 2
    assert [(e["provider"], e["to"], e["verdict"]) for e in doc["events"]][:1] == [
        ("edge", "down", "blocked_unknown")
    ]


def test_bounded_concurrency_and_graceful_shutdown(
    providers: FakeProviders, tmp_path: Path
) -> None:
    served = _start(providers, tmp_path, "--max-concurrent", "1", stall_timeout=5.0)
    slow: dict[str, Any] = {}

    def long_probe() -> None:
        slow["answer"] = _get(
            f"{served.url}/probe?provider=stalled",
            {"X-Prometheus-Scrape-Timeout-Seconds": "10"},
            timeout=60,
        )

    worker = threading.Thread(target=long_probe)
    try:
        worker.start()
        deadline = time.monotonic() + WAIT
        while "hedgectl_exporter_probes_in_flight 1" not in _get(f"{served.url}/metrics")[1]:
            assert time.monotonic() < deadline, "the slow probe never started"
            time.sleep(0.1)
        # the only slot is taken: a scrape with a short timeout is turned away, not queued
        status, text, _ = _get(
            f"{served.url}/probe?provider=openai", {"X-Prometheus-Scrape-Timeout-Seconds": "1.5"}
        )
        assert status == 503, text
        assert "hedgectl_exporter_probes_in_flight 1" in _get(f"{served.url}/metrics")[1]
        # SIGTERM while the slow probe is in flight: it still gets its full answer
        served.process.send_signal(signal.SIGTERM)
        worker.join(WAIT)
        assert served.process.wait(WAIT) == 0
        status, text, _ = slow["answer"]
        assert status == 200
        assert (
            'hedge_reach_verdict{provider="stalled",probe_region="here",verdict="timeout"} 1'
            in (text)
        )
        assert "SIGTERM" in served.log.read_text()
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(10)
        worker.join(5)


def test_listen_address_errors_are_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hedgectl", "reach", "serve", "--listen", "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "HEDGECTL_CONFIG": ""},
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --listen 127.0.0.1: expected HOST:PORT")
