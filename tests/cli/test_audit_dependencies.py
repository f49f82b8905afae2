"""audit on vendor SDK dependencies end to end, and `-f cyclonedx`: a CycloneDX 1.6 AI BOM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "requirements.txt").write_text("dashscope==1.20\nrequests\n")
    (tmp_path / "svc" / "app.py").write_text(
        'import dashscope\nMODEL = "deepseek-chat"\nBACKUP = "deepseek-chat"\n'
        'BASE = "https://api.deepseek.com/v1"\n'
    )
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package.json").write_text(
        json.dumps({"dependencies": {"@ai-sdk/deepseek": "^1.0.0", "react": "18"}}, indent=2)
    )
    return tmp_path


def audit(root: Path, *args: str, epoch: str = "1700000000") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    return subprocess.run(
        [sys.executable, "-m", "hedgectl", "audit", str(root), "-f", "cyclonedx", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=60,
        check=False,
    )


def by_ref(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in [*doc.get("components", []), *doc.get("services", [])]}


def props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def test_bom_validates_and_names_models_sdks_and_endpoints(project: Path) -> None:
    proc = audit(project)
    assert proc.returncode == 1, proc.stderr  # named-tier findings still gate
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(proc.stdout)
    assert errors is None, errors
    doc = json.loads(proc.stdout)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    refs = by_ref(doc)

    model = refs["model:deepseek/deepseek-chat"]
    assert model["type"] == "machine-learning-model"
    assert model["supplier"]["name"] == "DeepSeek"
    assert props(model)["hedgectl:hq"] == "CN" and props(model)["hedgectl:tier"] == "named"
    occurrences = {(o["location"], o["line"]) for o in model["evidence"]["occurrences"]}
    assert occurrences == {("svc/app.py", 2), ("svc/app.py", 3)}

    sdk = refs["package:pkg:pypi/dashscope"]
    assert sdk["type"] == "library" and sdk["purl"] == "pkg:pypi/dashscope"
    assert props(sdk)["hedgectl:tier"] == "elevated"
    # The import is the same dependency the manifest declares: one occurrence, the manifest's.
    assert [(o["location"], o["line"]) for o in sdk["evidence"]["occurrences"]] == [
        ("svc/requirements.txt", 1)
    ]
    npm = refs["package:pkg:npm/@ai-sdk/deepseek"]
    assert npm["purl"] == "pkg:npm/%40ai-sdk/deepseek" and npm["group"] == "@ai-sdk"

    services = [s for s in doc["services"] if s["name"].startswith("api.deepseek.com")]
    assert services and services[0]["provider"]["name"] == "DeepSeek"
    assert services[0]["endpoints"][0].startswith("https://api.deepseek.com")
    tool = doc["metadata"]["tools"]["components"][0]
    assert tool["name"] == "hedgectl"


def test_bom_is_deterministic_given_source_date_epoch(project: Path) -> None:
    first, second = audit(project), audit(project)
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    assert doc["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    # The serial number follows the content: another finding, another serial number.
    (project / "svc" / "more.py").write_text('M = "kimi-k2-0905-preview"\n')
    third = json.loads(audit(project).stdout)
    assert third["serialNumber"] != doc["serialNumber"]
    assert third["serialNumber"].startswith("urn:uuid:")


def test_empty_inventory_is_still_a_valid_bom(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('hello')\n")
    proc = audit(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(proc.stdout) is None


def test_lock_files_are_read_for_packages_only_and_others_still_skipped(tmp_path: Path) -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"ai": "1"}},
            "node_modules/@ai-sdk/deepseek": {"version": "1.0.0", "description": "deepseek-chat"},
        },
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    (tmp_path / "Cargo.lock").write_text('[[package]]\nname = "deepseek-chat"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "hedgectl", "audit", ".", "-f", "json", "-v"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["path"], f["kind"], f["model_id"], f["context"]) for f in findings] == [
        ("package-lock.json", "dependency", "pkg:npm/@ai-sdk/deepseek", "transitive")
    ]
    assert "Cargo.lock" in proc.stderr and "lock file" in proc.stderr


def test_dependencies_in_sarif_csv_and_markdown(project: Path) -> None:
    import jsonschema

    schema = json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text()
    )

    def run(fmt: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "hedgectl", "audit", ".", "-f", fmt],
            capture_output=True, text=True, cwd=project, timeout=60, check=False,
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        return proc.stdout

    sarif = json.loads(run("sarif"))
    jsonschema.validate(sarif, schema)
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "hedgectl/elevated/dependency/alibaba" in rules
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert any(m.startswith("Dependency on Alibaba") for m in messages)
    assert "pkg:npm/@ai-sdk/deepseek" in run("csv")
    assert "`pkg:pypi/dashscope` (SDK package)" in run("markdown")
