"""Audit renderers: table (people), json, sarif (code scanning), csv, markdown (PR comments)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import fields
from json.encoder import encode_basestring  # the string encoder json_text uses
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from hedgectl import __version__
from hedgectl.core import inventory as inv
from hedgectl.core.audit import AuditResult, gates
from hedgectl.core.models import Finding, Kind, Location
from hedgectl.core.printable import SURROGATE, Indented, csv_cell, json_text, printable
from hedgectl.report import Format, dump_json, reporter

SCHEMA = "hedgectl.audit/v1"
TIER_ORDER = ("named", "elevated", "standard")
TIER_TITLE = {
    "named": "NAMED tier: vendors named in the April 2026 distillation statement",
    "elevated": "ELEVATED tier: other PRC-headquartered vendors",
    "standard": "STANDARD tier",
}
SARIF_LEVEL = {"named": "error", "elevated": "warning", "standard": "note"}
SECURITY_SEVERITY = {"named": "8.0", "elevated": "5.0", "standard": "2.0"}


FIELDS = tuple(f.name for f in fields(Finding) if f.name != "suppressed")


def _finding_dict(f: Finding, result: AuditResult) -> dict[str, Any]:
    # Built by hand: dataclasses.asdict deep-copies and was most of the time of large reports.
    d: dict[str, Any] = {name: getattr(f, name) for name in FIELDS}
    d["kind"] = f.kind.value
    d["location"] = f.location.value
    d["gating"] = gates(f, result.fail_on, gate_comments=result.gate_comments)
    return d


# A finding in the JSON report, as json_text writes _finding_dict(f) in the top-level
# "findings" list (keys sorted), filled in by hand: 12,000 findings take half the time of a
# dict each encoded by the json module. Any other set of fields takes the generic path.
_KEYS = (
    "column", "context", "family", "fingerprint", "gating", "hq", "kind", "line", "location",
    "model_id", "open_weights", "path", "platform", "repo", "text", "tier", "tier_source",
    "vendor", "vendor_name",
)  # fmt: skip
FAST_FINDINGS = tuple(sorted((*FIELDS, "gating"))) == _KEYS
_FINDING_JSON = "{" + ",".join(f'\n      "{k}": %s' for k in _KEYS) + "\n    }"
_BOOL = {True: "true", False: "false"}


def _finding_json(f: Finding, fail_on: str, gate_comments: bool) -> str | None:
    """The JSON text of _finding_dict(f); None when a value is not of its declared type (a
    merged report's) or holds bytes that are not UTF-8: json_text's generic path decides."""
    if type(f.line) is not int or type(f.column) is not int or type(f.open_weights) is not bool:
        return None  # bool is an int to int.__repr__; a merged report may hold anything
    try:
        text = _FINDING_JSON % (
            int.__repr__(f.column), encode_basestring(f.context), encode_basestring(f.family),
            encode_basestring(f.fingerprint),
            _BOOL[gates(f, fail_on, gate_comments=gate_comments)],
            encode_basestring(f.hq), encode_basestring(f.kind.value), int.__repr__(f.line),
            encode_basestring(f.location.value), encode_basestring(f.model_id),
            _BOOL[f.open_weights], encode_basestring(f.path), encode_basestring(f.platform),
            encode_basestring(f.repo), encode_basestring(f.text), encode_basestring(f.tier),
            encode_basestring(f.tier_source), encode_basestring(f.vendor),
            encode_basestring(f.vendor_name),
        )  # fmt: skip
    except (TypeError, AttributeError):
        return None
    if not text.isascii() and SURROGATE.search(text):
        return None  # json_text adds the exact bytes beside such a value
    return text


def _findings_json(result: AuditResult) -> Indented | list[dict[str, Any]]:
    """The report's "findings" list: text written by hand when every finding allows it."""
    texts: list[str] = []
    for f in result.findings if FAST_FINDINGS else ():
        text = _finding_json(f, result.fail_on, result.gate_comments)
        if text is None:
            break
        texts.append(text)
    else:
        if texts:
            return Indented("[\n    " + ",\n    ".join(texts) + "\n  ]", "\n  ")
    return [_finding_dict(f, result) for f in result.findings]


def summary(result: AuditResult) -> dict[str, Any]:
    failing = result.failing
    return {
        "files_scanned": result.files_scanned,
        "files_skipped": sum(result.skipped.values()),
        "skipped_by_reason": dict(sorted(result.skipped.items())),
        "findings": len(result.findings),
        "by_tier": result.counts(),
        "suppressed_inline": result.suppressed_inline,
        "suppressed_baseline": result.suppressed_baseline,
        "fail_on": result.fail_on,
        "failing": len(failing),
        "passed": not failing,
        **({"repositories": _by_repo(result)} if result.repos or result.repo_errors else {}),
    }


def _by_repo(result: AuditResult) -> dict[str, dict[str, Any]]:
    """One row a repository: its findings by tier, and why it was not scanned if it was not."""
    rows: dict[str, dict[str, Any]] = {
        label: {"findings": 0, "by_tier": {"named": 0, "elevated": 0, "standard": 0}}
        for label in result.repos
    }
    for f in result.findings:
        row = rows.setdefault(
            f.repo, {"findings": 0, "by_tier": {"named": 0, "elevated": 0, "standard": 0}}
        )
        row["findings"] += 1
        row["by_tier"][f.tier] = row["by_tier"].get(f.tier, 0) + 1
    for label, error in result.repo_errors.items():
        rows.setdefault(label, {"findings": 0, "by_tier": {}})["error"] = error
    return dict(sorted(rows.items()))


@reporter("audit", Format.JSON)
def render_json(result: AuditResult) -> str:
    return dump_json(
        SCHEMA,
        {
            "tool": {"name": "hedgectl", "version": __version__},
            "summary": summary(result),
            "findings": _findings_json(result),
            "inventory": inv.build(result.findings).as_dict(),
        },
    )


CSV_FIELDS = (
    "path", "line", "column", "kind", "text", "model_id", "family", "vendor", "vendor_name", "hq",
    "tier", "open_weights", "location", "platform", "context", "gating", "fingerprint", "repo",
)  # fmt: skip


@reporter("audit", Format.CSV)
def render_csv(result: AuditResult) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for f in result.findings:
        row = _finding_dict(f, result)
        writer.writerow(
            {k: csv_cell(printable(v)) if isinstance(v, str) else v for k, v in row.items()}
        )
    return buffer.getvalue()


def rule_id(f: Finding) -> str:
    if f.kind in (Kind.ENDPOINT, Kind.DEPENDENCY):
        return f"hedgectl/{f.tier}/{f.kind.value}/{f.vendor}"
    return f"hedgectl/{f.tier}/{f.family or f.vendor}"


def _what(f: Finding) -> str:
    """What a finding is, in words: 'model ID', 'endpoint', 'SDK package'."""
    return {Kind.ENDPOINT: "endpoint", Kind.DEPENDENCY: "SDK package"}.get(f.kind, "model ID")


def _rule(f: Finding) -> dict[str, Any]:
    what = {
        Kind.ENDPOINT: "provider endpoint",
        Kind.DEPENDENCY: "SDK dependency",
    }.get(f.kind, f"{f.family or f.vendor} model ID")
    verb = "Dependency on" if f.kind is Kind.DEPENDENCY else "Hard-coded"
    text = f"{verb} {f.vendor_name} {what} ({f.tier} tier, HQ {f.hq})"
    return {
        "id": rule_id(f),
        "name": "".join(part.capitalize() for part in rule_id(f).replace("-", "/").split("/")),
        "shortDescription": {"text": text},
        "fullDescription": {
            "text": f"{text}. Tier source: {f.tier_source}. Move the value into hedge.toml behind an alias "
            "with a fallback (hedgectl rewrite)."
        },
        "help": {
            "text": "Run `hedgectl rewrite --write` to move model IDs into hedge.toml, or suppress with an "
            "inline `hedgectl: ignore` comment.",
        },
        "defaultConfiguration": {"level": SARIF_LEVEL[f.tier]},
        "properties": {
            "tags": ["hedgectl", f.tier, f.kind.value, f.vendor],
            "security-severity": SECURITY_SEVERITY[f.tier],
        },
    }


# GitHub code scanning rejects a run of more than 25,000 results and keeps the 5,000 most severe;
# one noisy rule must not crowd out the others, so each rule keeps at most SARIF_PER_RULE.
# https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit
SARIF_MAX_RESULTS = 25_000
SARIF_PER_RULE = 1_000


def _sarif_order(f: Finding, result: AuditResult) -> tuple[int, int, int, str, int, int]:
    """Most important first: gating, then tier, then code before docs, then place."""
    gating = gates(f, result.fail_on, gate_comments=result.gate_comments)
    tier = TIER_ORDER.index(f.tier) if f.tier in TIER_ORDER else len(TIER_ORDER)
    in_docs = f.location in (Location.COMMENT, Location.DOCS)
    return (not gating, tier, in_docs, f.path, f.line, f.column)


def sarif_selection(
    result: AuditResult,
    *,
    max_results: int = SARIF_MAX_RESULTS,
    per_rule: int = SARIF_PER_RULE,
) -> tuple[list[Finding], list[str]]:
    """The findings that become SARIF results, and a note for each thing left out.

    IDs in hedge.toml are where IDs belong (the externalised location): never alerts.
    """
    notes: list[str] = []
    externalised = [f for f in result.findings if f.location is Location.EXTERNALISED]
    if externalised:
        notes.append(
            f"{len(externalised)} model ID(s) in hedge.toml or files generated from it are "
            "where IDs belong and are not reported as alerts."
        )
    candidates = sorted(
        (f for f in result.findings if f.location is not Location.EXTERNALISED),
        key=lambda f: _sarif_order(f, result),
    )
    kept: list[Finding] = []
    per: dict[str, int] = {}
    capped: dict[str, int] = {}
    for f in candidates:
        rid = rule_id(f)
        if per.get(rid, 0) >= per_rule:
            capped[rid] = capped.get(rid, 0) + 1
            continue
        per[rid] = per.get(rid, 0) + 1
        kept.append(f)
    for rid in sorted(capped):
        notes.append(
            f"Rule {rid}: {per[rid] + capped[rid]} results, only the first {per_rule} "
            "(gating and code first) are included; run `hedgectl audit -f json` for all."
        )
    if len(kept) > max_results:
        notes.append(
            f"{len(kept)} results after per-rule caps; only the {max_results} most severe are "
            "included (GitHub code scanning rejects a run of more)."
        )
        kept = kept[:max_results]
    kept.sort(key=lambda f: (f.path, f.line, f.column, f.model_id))
    return kept, notes


@reporter("audit", Format.SARIF)
def render_sarif(result: AuditResult) -> str:
    findings, notes = sarif_selection(result)
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        rules.setdefault(rule_id(f), _rule(f))
    order = sorted(rules)
    index = {rid: i for i, rid in enumerate(order)}
    results = []
    for f in findings:
        what = _what(f)
        results.append(
            {
                "ruleId": rule_id(f),
                "ruleIndex": index[rule_id(f)],
                "level": SARIF_LEVEL[f.tier]
                if gates(f, result.fail_on, gate_comments=result.gate_comments)
                else "note",
                "message": {
                    "text": f"{'Dependency on' if f.kind is Kind.DEPENDENCY else 'Hard-coded'} "
                    f"{f.vendor_name} {what} '{f.model_id}' ({f.tier} tier, HQ {f.hq}, "
                    f"in {f.location.value})"
                },
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(f.path, result.repo_prefix),
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endColumn": f.column + len(f.text),
                            },
                        }
                    }
                ],
                "partialFingerprints": {"hedgectlFingerprint/v1": f.fingerprint},
                "properties": {
                    "modelId": f.model_id,
                    "vendor": f.vendor,
                    "hq": f.hq,
                    "tier": f.tier,
                    "openWeights": f.open_weights,
                    "location": f.location.value,
                    "platform": f.platform,
                },
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "hedgectl",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://pypi.org/project/hedgectl/",
                "rules": [rules[r] for r in order],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if notes:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "note", "message": {"text": note}} for note in notes
                ],
            }
        ]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json_text(doc, sidecar=False, indent=2, sort_keys=True) + "\n"


def _artifact(path: str, prefix: str = "") -> dict[str, str]:
    """Relative paths resolve against the repository's root (%SRCROOT%), so a scan run from a
    subfolder still points at the right file; others become file:// URIs."""
    if path.startswith("/"):
        return {"uri": PurePosixPath(path).as_uri()}
    uri = f"{prefix.strip('/')}/{path}" if prefix.strip("/") else path
    return {"uri": quote(uri, errors="surrogateescape"), "uriBaseId": "%SRCROOT%"}


def _md_escape(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("`", "'")


# ------------------------------------------------------------------------------------ inventory

MANY = 50  # more findings than this: table and markdown show the inventory first
INVENTORY_ROWS = 50  # rows per inventory view in table and markdown; JSON keeps them all
GROUPS = ("model", "vendor", "file")
KIND_TAG = {Kind.ENDPOINT.value: " [endpoint]", Kind.DEPENDENCY.value: " [package]"}


def show_inventory(result: AuditResult) -> bool:
    return result.summary or result.group_by is not None or len(result.findings) > MANY


def _top(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name} ({n})" for name, n in items)


def inventory_view(result: AuditResult) -> tuple[str, list[str], list[list[str]], str]:
    """(title, column names, rows as text, one-line overview) for the chosen grouping."""
    group = result.group_by or "model"
    data = inv.build(result.findings)
    kinds = Counter(r.kind for r in data.models)
    overview = (
        f"{kinds[Kind.MODEL.value]} model ID(s), {kinds[Kind.ENDPOINT.value]} endpoint(s) and "
        f"{kinds[Kind.DEPENDENCY.value]} SDK package(s) from {len(data.vendors)} vendor(s) in "
        f"{len(data.files)} file(s)"
    )
    if data.versioned_copies:
        overview += f"; {data.versioned_copies} finding(s) in versioned copies of docs counted once"
    rows: list[list[str]]
    if group == "vendor":
        columns = ["Vendor", "HQ", "Tier", "Models", "Findings", "In code", "Files", "Top models"]
        rows = [
            [f"{r.vendor_name} ({r.vendor})", r.hq, r.tier, str(r.models), str(r.findings),
             str(r.in_code), str(r.files), _top(r.top_models)]
            for r in data.vendors
        ]  # fmt: skip
    elif group == "file":
        columns = ["File", "Worst tier", "Findings", "Models", "Vendors", "Top models"]
        rows = [
            [r.path + (f" ({r.copies} versioned copies)" if r.copies > 1 else ""), r.worst_tier,
             str(r.findings), str(r.models), ", ".join(r.vendors), _top(r.top_models)]
            for r in data.files
        ]  # fmt: skip
    else:
        columns = ["Model ID / endpoint", "Vendor (HQ)", "Tier", "Findings", "Code / docs", "Files",
                   "Top files"]  # fmt: skip
        rows = [
            [r.model_id + KIND_TAG.get(r.kind, ""),
             f"{r.vendor_name} ({r.hq})", r.tier, str(r.findings), f"{r.in_code} / {r.in_docs}",
             str(r.files), _top(r.top_files)]
            for r in data.models
        ]  # fmt: skip
    return f"Inventory by {group}", columns, rows, overview


def _inventory_line(columns: list[str], row: list[str]) -> str:
    """One row as one readable line: the key, then `column: value` pairs."""
    rest = "; ".join(f"{c.lower()}: {v}" for c, v in zip(columns[1:], row[1:], strict=True) if v)
    return f"{row[0]}  ({rest})"


def _markdown_inventory(result: AuditResult) -> list[str]:
    title, columns, rows, overview = inventory_view(result)
    lines = [f"### {title}", "", overview + ".", ""]
    if not rows:
        return lines
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("| " + " | ".join("---" for _ in columns) + " |")
    for row in rows[:INVENTORY_ROWS]:
        cells = [f"`{_md_escape(row[0])}`", *(_md_escape(c) for c in row[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > INVENTORY_ROWS:
        lines += ["", f"{len(rows) - INVENTORY_ROWS} more row(s): `-f json` has them all."]
    return [*lines, ""]


@reporter("audit", Format.MARKDOWN)
def render_markdown(result: AuditResult) -> str:
    s = summary(result)
    verdict = (
        "passed" if s["passed"] else f"**{s['failing']} finding(s) at or above `{result.fail_on}`**"
    )
    lines = [
        "## hedgectl audit",
        "",
        f"{s['findings']} finding(s) in {s['files_scanned']} files: "
        f"{s['by_tier']['named']} named, {s['by_tier']['elevated']} elevated, {s['by_tier']['standard']} standard. "
        f"CI gate: {verdict}.",
        "",
    ]
    if "repositories" in s:
        lines += ["| Repository | Findings | Named | Elevated | Standard | Note |"]
        lines += ["| --- | --- | --- | --- | --- | --- |"]
        for label, row in s["repositories"].items():
            tiers = row["by_tier"]
            lines.append(
                f"| `{_md_escape(label)}` | {row['findings']} | {tiers.get('named', 0)} | "
                f"{tiers.get('elevated', 0)} | {tiers.get('standard', 0)} | "
                f"{_md_escape(row.get('error', ''))} |"
            )
        lines.append("")
    if show_inventory(result):
        lines += _markdown_inventory(result)
        if not result.summary and result.findings:
            lines += ["### Findings", ""]
    if result.findings and not result.summary:
        lines += [
            "| Tier | Location | Found | Vendor (HQ) | Where | Open weights |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in result.findings:
            lines.append(
                f"| {f.tier} | `{_md_escape(f.path)}:{f.line}` | `{_md_escape(f.model_id)}`"
                f"{'' if f.kind is Kind.MODEL else f' ({_what(f)})'} | {f.vendor_name} ({f.hq}) | "
                f"{f.location.value} | {'yes' if f.open_weights else 'no'} |"
            )
    suppressed = s["suppressed_inline"] + s["suppressed_baseline"]
    if suppressed:
        lines += [
            "",
            f"{s['suppressed_inline']} suppressed inline, {s['suppressed_baseline']} by baseline.",
        ]
    return "\n".join(lines) + "\n"


WIDE = 120  # below this many columns the table would wrap paths: one line per finding instead


def _found(f: Finding) -> str:
    text = printable(f.model_id) + ("" if f.kind is Kind.MODEL else f" [{f.kind.value}]")
    return text + (f" via {f.platform}" if f.platform else "")


class _Findings:
    """Findings grouped by tier: a table on a wide terminal; elsewhere (a narrow terminal, a
    pipe, a file, a CI log) one line per finding, never wrapped, so grep and wc -l see findings."""

    def __init__(self, result: AuditResult) -> None:
        self.result = result

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table
        from rich.text import Text

        for tier in TIER_ORDER:
            rows = [f for f in self.result.findings if f.tier == tier]
            if not rows:
                continue
            if options.max_width < WIDE or not options.is_terminal:
                yield Text(TIER_TITLE[tier], style="bold")
                for f in rows:
                    weights = ", open weights" if f.open_weights else ""
                    yield Text(
                        f"  {printable(f.path)}:{f.line}:{f.column}  {_found(f)}  "
                        f"({f.vendor_name}, {f.hq}; {f.location.value}{weights})"
                    )
                continue
            table = Table(title=TIER_TITLE[tier], title_justify="left")
            for column in ("Location", "Model ID / endpoint", "Vendor (HQ)", "Where", "Weights"):
                table.add_column(column, overflow="fold")
            for f in rows:
                # Text cells: paths and IDs are data, never rich markup ("[endpoint]").
                table.add_row(
                    Text(f"{printable(f.path)}:{f.line}:{f.column}"),
                    Text(_found(f)),
                    Text(f"{f.vendor_name} ({f.hq})"),
                    Text(f.location.value),
                    Text("open" if f.open_weights else "-"),
                )
            yield table


class _Inventory:
    """The grouped view: a table on a wide terminal, one line per row on a narrow one."""

    def __init__(self, result: AuditResult) -> None:
        self.result = result

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table
        from rich.text import Text

        title, columns, rows, overview = inventory_view(self.result)
        shown = rows if self.result.summary else rows[:INVENTORY_ROWS]
        if options.max_width < WIDE:
            yield Text(f"{title}: {overview}", style="bold")
            for row in shown:
                yield Text("  " + _inventory_line(columns, row))
        else:
            table = Table(title=f"{title}: {overview}", title_justify="left")
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in shown:
                table.add_row(*(Text(cell) for cell in row))  # data, never markup
            yield table
        if len(shown) < len(rows):
            yield Text(
                f"{len(rows) - len(shown)} more row(s): --summary shows them all, -f json too."
            )
        yield Text("")


@reporter("audit", Format.TABLE)
def render_table(result: AuditResult) -> Any:
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = []
    if show_inventory(result):
        parts.append(_Inventory(result))
    if not result.summary:
        parts.append(_Findings(result))
    s = summary(result)
    line = (
        f"{s['findings']} finding(s) in {s['files_scanned']} file(s) scanned "
        f"({s['files_skipped']} skipped): {s['by_tier']['named']} named, "
        f"{s['by_tier']['elevated']} elevated, {s['by_tier']['standard']} standard"
    )
    if s["suppressed_inline"] or s["suppressed_baseline"]:
        line += (
            f"; {s['suppressed_inline']} suppressed inline, {s['suppressed_baseline']} by baseline"
        )
    parts.append(Text(line))
    if result.fail_on != "never":
        if s["passed"]:
            parts.append(Text(f"gate (--fail-on {result.fail_on}): passed", style="green"))
        else:
            parts.append(
                Text(
                    f"gate (--fail-on {result.fail_on}): FAILED by {s['failing']} finding(s) in code or config",
                    style="bold red",
                )
            )
    return Group(*parts)


# The CycloneDX renderer lives in its own module (it imports cyclonedx-python-lib lazily).
from hedgectl.report import cyclonedx as _cyclonedx  # noqa: E402, F401
