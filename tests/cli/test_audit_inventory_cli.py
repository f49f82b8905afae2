"""`hedgectl audit` inventory view (--summary, --group-by) and SARIF fit for code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.cli.test_audit_cli import SARIF_SCHEMA, git, repo, run  # noqa: F401  (repo: fixture)

MODELS = [
    "deepseek-chat",
    "deepseek-reasoner",
    "gpt-4o",
    "qwen-max",
    "glm-4.6",
    "kimi-k2-0905-preview",
]


def dense(root: Path, n: int = 60) -> Path:
    lines = [f'M{i} = "{MODELS[i % len(MODELS)]}"' for i in range(n)]
    (root / "models.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_summary_shows_the_inventory_alone(tmp_path: Path) -> None:
    code, out, _ = run("audit", "--summary", cwd=dense(tmp_path))
    assert code == 1  # the gate still answers
    assert "Inventory by model" in out and "deepseek-chat" in out
    assert "models.py:1:" not in out  # no per-finding lines
    assert "60 finding(s)" in out


def test_many_findings_put_the_inventory_first(tmp_path: Path) -> None:
    _, out, _ = run("audit", cwd=dense(tmp_path))
    assert out.index("Inventory by model") < out.index("models.py:1:")
    few = tmp_path / "few"
    few.mkdir()
    _, out, _ = run("audit", cwd=dense(few, 3))
    assert "Inventory" not in out


def test_group_by_vendor_and_file_in_markdown_and_table(tmp_path: Path) -> None:
    dense(tmp_path)
    _, md, _ = run("audit", "-f", "markdown", "--group-by", "vendor", cwd=tmp_path)
    assert "### Inventory by vendor" in md
    assert "| `DeepSeek (deepseek)` | CN | named | 2 | 20 | 20 | 1 |" in md
    _, table, _ = run("audit", "--group-by", "file", "--summary", cwd=tmp_path)
    assert "Inventory by file" in table and "models.py" in table
    code, _, err = run("audit", "--group-by", "team", cwd=tmp_path)
    assert code == 2 and "team" in err


def test_json_keeps_every_finding_and_the_inventory(tmp_path: Path) -> None:
    _, out, _ = run("audit", "-f", "json", "--summary", cwd=dense(tmp_path))
    doc = json.loads(out)
    assert len(doc["findings"]) == 60
    models = {m["model_id"]: m for m in doc["inventory"]["models"]}
    assert models["deepseek-chat"]["findings"] == 10
    assert models["deepseek-chat"]["top_files"] == [{"path": "models.py", "findings": 10}]
    assert {v["vendor"] for v in doc["inventory"]["vendors"]} >= {"deepseek", "openai", "zhipu"}


def test_versioned_doc_copies_are_one_row(tmp_path: Path) -> None:
    for version in ("v1", "v2", "v3"):
        folder = tmp_path / "docs" / version
        folder.mkdir(parents=True)
        (folder / "setup.md").write_text("Run `deepseek-chat` here.\n", encoding="utf-8")
    _, out, _ = run("audit", "-f", "json", cwd=tmp_path)
    inventory = json.loads(out)["inventory"]
    assert [(f["path"], f["copies"]) for f in inventory["files"]] == [("docs/*/setup.md", 3)]
    assert inventory["models"][0]["findings"] == 1
    _, md, _ = run("audit", "-f", "markdown", "--group-by", "file", cwd=tmp_path)
    assert "docs/*/setup.md (3 versioned copies)" in md


def test_sarif_from_a_subfolder_uses_repository_relative_uris(repo: Path) -> None:  # noqa: F811
    sub = repo / "services" / "api"
    sub.mkdir(parents=True)
    (sub / "app.py").write_text('MODEL = "qwen-max"\n', encoding="utf-8")
    git("add", ".", cwd=repo)
    _, out, _ = run("audit", "-f", "sarif", cwd=sub)
    doc = json.loads(out)
    jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in doc["runs"][0]["results"]
    ]
    assert uris == [{"uri": "services/api/app.py", "uriBaseId": "%SRCROOT%"}]


def test_sarif_never_uploads_ids_in_hedge_toml(tmp_path: Path) -> None:
    (tmp_path / "hedge.toml").write_text(
        '[models.chat]\nid = "deepseek-chat"\nprovider = "deepseek"\n', encoding="utf-8"
    )
    (tmp_path / "app.py").write_text('MODEL = "gpt-4o"\n', encoding="utf-8")
    _, out, _ = run("audit", "-f", "sarif", cwd=tmp_path)
    run0 = json.loads(out)["runs"][0]
    assert [r["properties"]["modelId"] for r in run0["results"]] == ["gpt-4o"]
    notes = run0["invocations"][0]["toolExecutionNotifications"]
    assert "hedge.toml" in notes[0]["message"]["text"]
