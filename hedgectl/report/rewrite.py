"""Renderers for `hedgectl rewrite`: the unified diff (the default) and the plan as JSON."""

from __future__ import annotations

from typing import Any

from hedgectl.report import Format, dump_json, reporter


@reporter("rewrite", Format.JSON)
def as_json(outcome: Any) -> str:
    planner = outcome.planner
    return dump_json(
        "hedgectl.rewrite/v1",
        {
            "changes": [
                {"path": c.display, "kind": c.kind, "new_file": c.old is None}
                for c in sorted(outcome.changes, key=lambda c: c.display)
            ],
            "rewrites": [
                {
                    "path": r.path,
                    "line": r.site.line,
                    "column": r.site.column,
                    "model_id": r.model_id,
                    "alias": r.alias,
                    "context": r.site.context,
                    "vendor": r.vendor,
                    "tier": r.tier,
                }
                for r in sorted(
                    planner.rewrites, key=lambda r: (r.path, r.site.line, r.site.column)
                )
            ],
            "aliases": [
                {
                    "alias": a.name,
                    "id": a.id,
                    "provider": a.provider,
                    "fallbacks": list(a.fallbacks),
                    "found": a.found,
                }
                for a in sorted(planner.new_aliases.values(), key=lambda a: a.name)
            ],
            "skipped": [
                {"path": s.path, "line": s.line, "text": s.text, "reason": s.reason}
                for s in sorted(planner.skipped, key=lambda s: (s.path, s.line, s.text))
            ],
            "config_ids": sorted(outcome.listed, key=lambda r: (r["path"], r["line"])),
            "unparsable": [{"path": p, "message": m} for p, m in sorted(outcome.unparsable)],
            "notes": list(outcome.notes),
        },
    )


def as_diff(outcome: Any) -> str:
    """Every change as one unified diff, in the order planned ('' when nothing changes)."""
    from hedgectl.core.rewrite import unified_diff

    # File names quoted as git quotes them (no control character reaches the terminal, and
    # `git apply` reads them back); contents as they are.
    return "".join(unified_diff(c.display, c.old, c.new) for c in outcome.changes)
