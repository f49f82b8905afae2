"""Renderers for `hedgectl mirror`: plan (--dry-run), copy summary, verify report, presets.

JSON payloads share the schema tag hedgectl.mirror/v1 and say which `action` produced them.
rich is imported by the table renderers only: `mirror ... -q --json` never loads it.
"""

from __future__ import annotations

from typing import Any

from hedgectl.core.mirror import CopyResult, PlanView, PresetsView, VerifyResult
from hedgectl.report import Format, dump_json, reporter

SCHEMA = "hedgectl.mirror/v1"


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} TiB"


def human_seconds(s: float) -> str:
    s = round(s)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def _plan_payload(view: PlanView) -> dict[str, Any]:
    plan = view.plan
    snap = plan.snapshot
    return {
        "action": "plan",
        "repo": snap.repo_id,
        "revision": snap.revision,
        "commit": snap.commit,
        "license": snap.license,
        "dest": plan.target.url,
        "prefix": f"s3://{plan.target.bucket}/{plan.target.commit_prefix(snap.repo_id, snap.commit)}",
        "shard": f"{plan.shard[0]}/{plan.shard[1]}",
        "files": [
            {
                "path": p.file.path,
                "size": p.file.size,
                "state": p.state,
                "bytes_present": p.file.size if p.state == "complete" else p.bytes_present,
                "part_size": p.part_size,
                p.file.algorithm: p.file.digest,
            }
            for p in plan.files
        ],
        "total_files": len(plan.files),
        "total_bytes": plan.total_bytes,
        "present_bytes": plan.present_bytes,
        "to_copy_bytes": plan.total_bytes - plan.present_bytes,
        "complete_files": plan.count("complete"),
        "partial_files": plan.count("partial"),
        "estimate": view.estimate,
    }


@reporter("mirror-plan", Format.JSON)
def plan_json(view: PlanView) -> str:
    return dump_json(SCHEMA, _plan_payload(view))


@reporter("mirror-plan", Format.TABLE)
def plan_table(view: PlanView) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    p = _plan_payload(view)
    table = Table(title=f"{p['repo']} @ {p['revision']} -> {p['prefix']}", title_justify="left")
    for col in ("file", "size", "in bucket"):
        table.add_column(col, justify="right" if col != "file" else "left")
    for f in p["files"]:
        state = (
            f["state"]
            if f["state"] != "partial"
            else f"partial ({human_bytes(f['bytes_present'])})"
        )
        table.add_row(f["path"], human_bytes(f["size"]), state)
    est = p["estimate"]
    lines = [
        f"commit   {p['commit']}  (license: {p['license'] or 'unknown'})",
        f"files    {p['total_files']} ({human_bytes(p['total_bytes'])}), shard {p['shard']}",
        f"bucket   {p['complete_files']} complete, {p['partial_files']} partial, "
        f"{human_bytes(p['present_bytes'])} already there",
        f"to copy  {human_bytes(p['to_copy_bytes'])}: about {human_seconds(est['seconds'])} at "
        f"{est['bandwidth_gbps']:g} Gbit/s",
        f"storage  about ${est['storage_usd_month']:,.2f}/month at ${est['price_per_gb_month']:g}/GB-month",
    ]
    return Group(table, Text("\n".join(lines)))


def _copy_payload(result: CopyResult) -> dict[str, Any]:
    plan = result.plan
    snap = plan.snapshot
    seconds = max(result.seconds, 1e-9)
    return {
        "action": "copy",
        "repo": snap.repo_id,
        "revision": snap.revision,
        "commit": snap.commit,
        "dest": plan.target.url,
        "shard": f"{plan.shard[0]}/{plan.shard[1]}",
        "files": [
            {
                "path": r.path,
                "size": r.size,
                "status": r.status,
                "bytes_sent": r.bytes_sent,
                "bytes_reread": r.bytes_reread,
                "bytes_resumed": r.bytes_resumed,
                "parts_reused": r.parts_reused,
            }
            for r in result.files
        ],
        "copied": result.count("copied"),
        "resumed": result.count("resumed"),
        "skipped": result.count("skipped"),
        "bytes_sent": result.bytes_sent,
        "bytes_reread": result.bytes_reread,
        "bytes_resumed": result.bytes_resumed,
        "seconds": round(result.seconds, 3),
        "throughput_bytes_per_s": round(result.bytes_sent / seconds),
        "manifest": f"s3://{plan.target.bucket}/{result.manifest_key}"
        if result.manifest_key
        else None,
        "ref": f"s3://{plan.target.bucket}/{result.ref_key}" if result.ref_key else None,
    }


@reporter("mirror-copy", Format.JSON)
def copy_json(result: CopyResult) -> str:
    return dump_json(SCHEMA, _copy_payload(result))


@reporter("mirror-copy", Format.TABLE)
def copy_table(result: CopyResult) -> Any:
    from rich.text import Text

    p = _copy_payload(result)
    lines = [
        f"{p['repo']}@{p['revision']} = {p['commit']} -> {p['dest']} (shard {p['shard']})",
        f"copied {p['copied']}, resumed {p['resumed']}, skipped {p['skipped']} (already complete)",
        f"sent {human_bytes(p['bytes_sent'])} in {human_seconds(p['seconds'])} "
        f"({human_bytes(p['throughput_bytes_per_s'])}/s); resumed from hash checkpoints "
        f"{human_bytes(p['bytes_resumed'])}, re-read to rebuild hashes "
        f"{human_bytes(p['bytes_reread'])}",
    ]
    if p["manifest"]:
        lines.append(f"manifest {p['manifest']}")
        lines.append(f"ref      {p['ref']}")
    else:
        lines.append("manifest not written yet: other shards still have files to copy")
    return Text("\n".join(lines))


def _verify_payload(result: VerifyResult) -> dict[str, Any]:
    return {
        "action": "verify",
        "repo": result.repo_id,
        "commit": result.commit,
        "dest": result.target.url,
        "manifest": f"s3://{result.target.bucket}/{result.manifest_key}",
        "files_checked": result.files,
        "bytes_read": result.bytes_read,
        "seconds": round(result.seconds, 3),
        "ok": result.ok,
        "differences": [
            {"path": d.path, "problem": d.problem, "detail": d.detail} for d in result.differences
        ],
    }


@reporter("mirror-verify", Format.JSON)
def verify_json(result: VerifyResult) -> str:
    return dump_json(SCHEMA, _verify_payload(result))


@reporter("mirror-verify", Format.TABLE)
def verify_table(result: VerifyResult) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    p = _verify_payload(result)
    head = (
        f"{p['repo']}@{p['commit']} in {p['dest']}: {p['files_checked']} files, "
        f"{human_bytes(p['bytes_read'])} read back in {human_seconds(p['seconds'])}"
    )
    if result.ok:
        return Text(f"{head}\nOK: every object matches the manifest (size and hash)")
    table = Table(title=head, title_justify="left")
    for col in ("file", "problem", "detail"):
        table.add_column(col)
    for d in p["differences"]:
        table.add_row(d["path"], d["problem"], d["detail"])
    return Group(table, Text(f"{len(p['differences'])} difference(s)"))


@reporter("mirror-presets", Format.JSON)
def presets_json(view: PresetsView) -> str:
    return dump_json(SCHEMA, {"action": "presets", "presets": view.presets})


@reporter("mirror-presets", Format.TABLE)
def presets_table(view: PresetsView) -> Any:
    from rich.table import Table

    table = Table(
        caption="sizes are approximate; the Hub's tree at the pinned commit is authoritative"
    )
    for col in ("preset", "repo", "size", "license"):
        table.add_column(col, no_wrap=col != "license")
    for name, p in sorted(view.presets.items()):
        table.add_row(name, p["repo"], p.get("approx_size", ""), p.get("license", ""))
    return table
