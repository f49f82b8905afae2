"""The audit inventory (grouped view) and the SARIF selection that keeps within GitHub's limits."""

from __future__ import annotations

import json

from hedgectl.core import inventory
from hedgectl.core.audit import AuditResult
from hedgectl.core.models import Finding, Kind, Location
from hedgectl.report import Format, render
from hedgectl.report import audit as report

VENDORS = {
    "deepseek": ("DeepSeek", "CN", "named", "deepseek"),
    "openai": ("OpenAI", "US", "standard", "gpt"),
    "zhipu": ("Zhipu AI", "CN", "elevated", "glm"),
}


def finding(
    path: str,
    line: int,
    model_id: str,
    vendor: str = "deepseek",
    location: Location = Location.CODE,
    kind: Kind = Kind.MODEL,
) -> Finding:
    name, hq, tier, family = VENDORS[vendor]
    return Finding(
        path=path, line=line, column=1, text=model_id, model_id=model_id, kind=kind,
        family=family, vendor=vendor, vendor_name=name, hq=hq, tier=tier, tier_source="test",
        open_weights=False, location=location, platform="", context="",
        fingerprint=f"{path}:{line}:{model_id}",
    )  # fmt: skip


def test_versioned_doc_folders_are_one_document_but_code_versions_are_not() -> None:
    canon = inventory.canonical_path
    assert canon("docs/v1/guide.md") == canon("docs/v2.3/guide.md") == "docs/*/guide.md"
    assert canon("website/versioned_docs/version-2.1/a.md") == "website/versioned_docs/*/a.md"
    assert canon("versions/next/a.md") == canon("versions/stable/a.md")
    assert canon("src/v1/client.py") != canon("src/v2/client.py")  # two API clients
    assert canon("docs/v1.md") == "docs/v1.md"  # a file name is never a version folder


def test_model_rows_count_findings_files_and_versioned_copies_once() -> None:
    findings = [
        finding("src/app.py", 1, "deepseek-chat"),
        finding("src/app.py", 9, "deepseek-chat"),
        finding("src/cfg.yaml", 2, "deepseek-chat", location=Location.CONFIG),
        *(finding(f"docs/v{n}/setup.md", 3, "deepseek-chat", location=Location.DOCS) for n in (1, 2, 3)),
        finding("docs/v3/setup.md", 8, "deepseek-chat", location=Location.DOCS),
        finding("src/app.py", 4, "gpt-4o", vendor="openai"),
        finding("hedge.toml", 2, "glm-4.6", vendor="zhipu", location=Location.EXTERNALISED),
        finding("src/app.py", 5, "api.deepseek.com", kind=Kind.ENDPOINT),
    ]  # fmt: skip
    inv = inventory.build(findings)
    rows = {(r.kind, r.model_id): r for r in inv.models}
    chat = rows[("model", "deepseek-chat")]
    # docs/v1..v3 are one document: its copy with the most occurrences (v3: 2) counts.
    assert (chat.findings, chat.files, chat.in_code, chat.in_docs) == (5, 3, 3, 2)
    assert chat.top_files[:2] == [("docs/*/setup.md", 2), ("src/app.py", 2)]  # ties by path
    assert inv.versioned_copies == 2
    assert rows[("model", "glm-4.6")].in_code == 0  # hedge.toml is where IDs belong
    assert [r.tier for r in inv.models][:2] == ["named", "named"]  # worst tier first
    vendors = {v.vendor: v for v in inv.vendors}
    assert (vendors["deepseek"].models, vendors["deepseek"].findings) == (2, 6)
    files = {f.path: f for f in inv.files}
    assert files["docs/*/setup.md"].copies == 3
    assert files["src/app.py"].worst_tier == "named"
    assert json.loads(json.dumps(inv.as_dict()))["models"][0]["model_id"] == "deepseek-chat"


def many(n: int, vendor: str = "deepseek", location: Location = Location.CODE) -> list[Finding]:
    return [
        finding(f"f{i // 50}.py", i % 50 + 1, f"{vendor}-m{i}", vendor, location) for i in range(n)
    ]


def test_sarif_caps_results_per_rule_and_per_run_with_a_note() -> None:
    result = AuditResult(
        root="/x",
        findings=[*many(30), *many(5, "openai"), *many(3, "zhipu", Location.DOCS)],
    )
    kept, notes = report.sarif_selection(result, max_results=12, per_rule=10)
    assert len(kept) == 12
    rules = [report.rule_id(f) for f in kept]
    assert rules.count("hedgectl/named/deepseek") == 10  # capped
    # the run cap keeps the most severe: named (gating), then elevated, before standard
    assert "hedgectl/elevated/glm" in rules and "hedgectl/standard/gpt" not in rules
    assert any("hedgectl/named/deepseek: 30 results, only the first 10" in n for n in notes)
    assert any("only the 12 most severe" in n for n in notes)


def test_sarif_never_alerts_on_hedge_toml_and_writes_the_notes_into_the_run() -> None:
    result = AuditResult(
        root="/x",
        findings=[
            finding("hedge.toml", 2, "deepseek-chat", location=Location.EXTERNALISED),
            finding("app.py", 1, "deepseek-chat"),
        ],
        repo_prefix="services/api",
    )
    doc = json.loads(render("audit", Format.SARIF, result))
    run = doc["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert uris == [{"uri": "services/api/app.py", "uriBaseId": "%SRCROOT%"}]
    note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert "hedge.toml" in note


def test_real_github_limits_hold_for_a_huge_run() -> None:
    result = AuditResult(root="/x", findings=many(30_000) + many(2_000, "openai"))
    kept, _ = report.sarif_selection(result)
    assert len(kept) == 2_000  # 1,000 per rule (two rules), far below 25,000
    assert (
        max(
            sum(1 for f in kept if report.rule_id(f) == r)
            for r in {report.rule_id(f) for f in kept}
        )
        == report.SARIF_PER_RULE
    )
