"""`hedgectl catalog` end to end: the table and the JSON, with hedge.toml overrides applied."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from hedgectl.cli.app import app


def run(*args: str, cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


def test_catalog_table_and_json_with_overrides(tmp_path: Path) -> None:
    code, table = run("catalog", cwd=tmp_path)
    assert code == 0
    assert "Vendors" in table and "Model-ID families" in table and "Tier sources:" in table
    (tmp_path / "hedge.toml").write_text('[catalog.tiers]\nopenai = "elevated"\n')
    code, out = run("catalog", "-f", "json", cwd=tmp_path)
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == "hedgectl.catalog/v1"
    vendors = {v["id"]: v for v in doc["vendors"]}
    assert vendors["openai"]["tier"] == "elevated"
    assert vendors["deepseek"]["tier"] == "named" and vendors["deepseek"]["tier_source"]
    assert doc["families"] and all("positives" not in f for f in doc["families"])
