"""The reach templates users copy: valid config, valid rules, and flags that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import yaml
from typer.testing import CliRunner

from hedgectl import config
from hedgectl.cli.app import app
from hedgectl.core import reach as core
from hedgectl.core.reach.config import ReachSettings, load_providers_catalog
from hedgectl.report.reach import ReachReport, render_prometheus
from tests.conftest import ROOT
from tests.servers.proxies import require

TEMPLATES = ROOT / "templates" / "reach"


def test_starter_config_loads_and_plans_without_network() -> None:
    settings = config.load(TEMPLATES / "hedge.toml")
    providers = core.provider_defs(load_providers_catalog(), settings.section("providers"))
    plan = core.build_plan(
        providers, settings.section("regions"), settings.section("reach") or ReachSettings(), {}
    )
    assert {t.region for t in plan.targets} == {"here", "eu", "cn"}
    assert [c.region for c in plan.controls] == ["cn", "eu"]
    hosts = {t.host for t in plan.targets}
    assert "bedrock-runtime.eu-central-1.amazonaws.com" in hosts


def _reach_flags() -> set[str]:
    help_text = CliRunner().invoke(app, ["reach", "--help"]).stdout
    return set(re.findall(r"--[a-z][a-z-]+", help_text))


def _flags(command: str) -> set[str]:
    return {arg.split("=")[0] for arg in shlex.split(command) if arg.startswith("--")}


def test_crontab_and_systemd_use_existing_flags() -> None:
    known = _reach_flags()
    cron = [
        line for line in (TEMPLATES / "crontab").read_text().splitlines() if line.startswith("*/")
    ]
    assert len(cron) == 1
    assert _flags(cron[0]) <= known
    service = (TEMPLATES / "hedgectl-reach.service").read_text().replace("\\\n", " ")
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert _flags(exec_start) <= known
    timer = (TEMPLATES / "hedgectl-reach.timer").read_text()
    assert "OnCalendar=" in timer


def test_cronjob_manifest_is_valid_yaml_with_known_flags() -> None:
    docs = list(yaml.safe_load_all((TEMPLATES / "cronjob.yaml").read_text()))
    kinds = [d["kind"] for d in docs]
    assert kinds == ["ConfigMap", "PersistentVolumeClaim", "CronJob"]
    job = docs[2]["spec"]
    assert job["concurrencyPolicy"] == "Forbid"
    container = job["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == "reach"
    assert _flags(" ".join(container["args"])) <= _reach_flags()


def test_cronjob_embedded_config_is_valid(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all((TEMPLATES / "cronjob.yaml").read_text()))
    path = tmp_path / "hedge.toml"
    path.write_text(docs[0]["data"]["hedge.toml"])
    assert set(config.load(path).section("providers")) == {"openai", "anthropic", "deepseek"}


def test_alert_rules_pass_promtool_and_use_emitted_metrics() -> None:
    promtool = require("promtool", "prometheus")
    check = subprocess.run(
        [promtool, "check", "rules", str(TEMPLATES / "alerts.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    rules = yaml.safe_load((TEMPLATES / "alerts.yml").read_text())["groups"][0]["rules"]
    used = {name for rule in rules for name in re.findall(r"hedge_reach_[a-z_]+", rule["expr"])}
    result = core.Result(
        "p",
        "r",
        "u",
        core.ProbeKind.UNAUTHENTICATED,
        core.Verdict.RATE_LIMITED,
        "x",
        429,
        "",
        core.Timings(0.1, 0.1, 0.1, 0.1, 0.4),
        "",
        "TLSv1.3",
        2e9,
        "proxy",
        retry_after=3,
    )
    emitted = set(
        re.findall(
            r"^# TYPE (\S+)", render_prometheus(ReachReport([result], {"r": ""}, 1e9)), re.MULTILINE
        )
    )
    assert used <= emitted
    verdicts = {
        v
        for rule in rules
        for v in re.findall(r"[a-z_]+", " ".join(re.findall(r'verdict=~?"([^"]+)"', rule["expr"])))
    }
    assert verdicts <= {v.value for v in core.Verdict}
