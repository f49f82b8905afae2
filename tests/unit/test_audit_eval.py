"""The accuracy benchmark's scoring (bench/audit_eval.py): what counts as right, wrong, missed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import audit_eval

Label = audit_eval.Label


def finding(
    path: str, line: int, model_id: str, vendor: str, kind: str = "model"
) -> dict[str, object]:
    return {"path": path, "line": line, "model_id": model_id, "vendor": vendor, "kind": kind}


def test_routing_prefixes_and_tags_do_not_change_the_model() -> None:
    norm = audit_eval.norm
    assert norm("openrouter/anthropic/claude-3.5-sonnet") == norm("claude-3.5-sonnet")
    assert norm("us.anthropic.claude-3-7-sonnet-20250219-v1:0") == "claude-3-7-sonnet-20250219-v1"
    assert norm("gpt-3.5-turbo@Azure") == "gpt-3.5-turbo"
    assert norm("Pro/Qwen/Qwen2-7B-Instruct") == "qwen2-7b-instruct"
    assert norm("gpt-4o") != norm("gpt-4o-mini")


def test_right_wrong_missed_and_ambiguous() -> None:
    labels = [
        Label("r", "a.py", 1, "gpt-4o", "openai", True),
        Label("r", "a.py", 2, "deepseek-chat", "deepseek", True),  # missed
        Label("r", "a.md", 3, "GPT-4o", "openai", False),  # prose: neither right nor wrong
    ]
    findings = {
        "r": [
            finding("a.py", 1, "gpt-4o", "openai"),
            finding("a.py", 1, "gpt-4o", "openai"),  # the same finding twice counts once
            finding("a.py", 1, "gpt-4", "openai"),  # wrong ID on a labelled line
            finding("a.md", 3, "gpt-4o", "openai"),
            finding("b.py", 9, "glm-4", "zhipu"),  # unlabelled line
            finding("a.py", 2, "api.deepseek.com", "deepseek", kind="endpoint"),  # not scored
        ]
    }
    s = audit_eval.score(labels, findings)
    assert (s.overall.tp, s.overall.fp, s.overall.fn, s.ignored) == (1, 2, 1, 1)
    assert s.recall_by_vendor["deepseek"].recall == 0.0
    assert s.precision_by_vendor["zhipu"].precision == 0.0
    assert s.precision_by_vendor["openai"].tp == 1 and s.precision_by_vendor["openai"].fp == 1


def test_every_label_names_a_selected_file_and_a_catalog_vendor() -> None:
    from hedgectl.catalog import load_catalog

    vendors = set(load_catalog().vendors)
    files = {(r["name"], f) for r in audit_eval.load_repos() for f in r["files"]}
    labels = audit_eval.load_labels()
    assert len(labels) > 1000
    assert all((lab.repo, lab.path) in files for lab in labels)
    assert {lab.vendor for lab in labels} <= vendors
