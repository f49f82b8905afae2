"""The reach status page: a provider x region matrix as one self-contained HTML file.

No external assets and no JavaScript: the page is one file that works from disk, from `reach serve`
at `/`, in a mail attachment, or behind a strict Content-Security-Policy. Every verdict is written
out in words (colour only repeats it); narrow screens get one card per provider instead of a wide
table. Everything that came from a server (reasons quote page titles) is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Protocol

from hedgectl.core.reach import LEVEL, Level, Result, Verdict
from hedgectl.report import Format, reporter
from hedgectl.report.reach import ReachReport


class Change(Protocol):
    """A recorded state change (adapters.history.Event has these fields)."""

    @property
    def at(self) -> float: ...
    @property
    def provider(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def old(self) -> str: ...
    @property
    def new(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def reason(self) -> str: ...


# Text and background per level: each pair has a contrast ratio above 7:1 (WCAG AAA), checked by
# the browser test from the computed styles.
LEVEL_CLASS = {Level.OK: "ok", Level.DEGRADED: "degraded", Level.UNREACHABLE: "unreachable"}
LEVEL_WORD = {Level.OK: "reachable", Level.DEGRADED: "degraded", Level.UNREACHABLE: "unreachable"}

_CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #424a53; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: #ffffff; margin: 0; padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
p.meta { color: var(--muted); margin: 0 0 1rem; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
.summary li { padding: .25rem .6rem; border-radius: .3rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: .45rem .55rem; text-align: left;
  vertical-align: top; }
thead th { background: #f6f8fa; }
th[scope=row] { white-space: nowrap; }
.verdict { font-weight: 700; display: block; }
.reason { display: block; font-size: .9rem; overflow-wrap: anywhere; }
.since, .detail { display: block; font-size: .8rem; }
.ok { background: #dafbe1; color: #0b3d1a; }
.degraded { background: #fff8c5; color: #3d2a00; }
.unreachable { background: #ffebe9; color: #6b0a10; }
.vantage { background: #eaeef2; color: #1f2328; }
.none { color: var(--muted); }
@media (max-width: 40rem) {
  body { padding: .6rem; }
  table.matrix thead { position: absolute; left: -9999px; }
  table.matrix, table.matrix tbody, table.matrix tr, table.matrix th, table.matrix td {
    display: block; width: 100%; }
  table.matrix tr { margin-bottom: 1rem; border: 1px solid var(--line); }
  table.matrix th[scope=row] { background: #f6f8fa; font-size: 1.1rem; }
  table.matrix td { border-width: 1px 0 0; }
  table.matrix td::before { content: attr(data-region); display: block; font-weight: 700;
    color: inherit; }
  table.changes thead { position: absolute; left: -9999px; }
  table.changes tr, table.changes td { display: block; width: 100%; }
  table.changes tr { margin-bottom: .75rem; border: 1px solid var(--line); }
  table.changes td { border: 0; }
}
"""


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cell(r: Result, last_change: Change | None) -> str:
    level = LEVEL[r.verdict]
    css = "vantage" if r.verdict == Verdict.VANTAGE_DOWN else LEVEL_CLASS[level]
    status = f"HTTP {r.http_status}" if r.http_status else "no HTTP answer"
    since = ""
    if last_change is not None:
        since = f'<span class="since">{escape(last_change.new)} since {_iso(last_change.at)}</span>'
    return (
        f'<td class="{css}" data-region="{escape(r.region)}" data-verdict="{r.verdict.value}">'
        f'<span class="verdict">{escape(r.verdict.value)}</span>'
        f'<span class="reason">{escape(r.reason)}</span>'
        f'<span class="detail">{status}, {r.timings.total * 1000:.0f} ms</span>'
        f"{since}</td>"
    )


def render_status_page(report: ReachReport, changes: Sequence[Change] = ()) -> str:
    """The whole page; `changes` are recorded state changes, newest first."""
    regions = sorted({r.region for r in report.results} | set(report.vantage))
    providers = sorted({r.provider for r in report.results})
    by_key = {(r.provider, r.region): r for r in report.results}
    latest: dict[tuple[str, str], Change] = {}
    for change in changes:
        latest.setdefault((change.provider, change.region), change)
    counts = dict.fromkeys(Level, 0)
    for r in report.results:
        counts[LEVEL[r.verdict]] += 1

    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>LLM provider reachability</title>",
        f"<style>{_CSS}</style></head><body>",
        "<main>",
        "<h1>LLM provider reachability</h1>",
        f'<p class="meta">Probed {_iso(report.run_at)} from {len(regions)} '
        f"region{'s' if len(regions) != 1 else ''}; {len(report.results)} probes.</p>",
        '<ul class="summary" aria-label="summary">',
    ]
    for level in Level:
        out.append(f'<li class="{LEVEL_CLASS[level]}">{counts[level]} {LEVEL_WORD[level]}</li>')
    out.append("</ul>")

    out += [
        "<h2>Providers by region</h2>",
        '<table class="matrix"><thead><tr><th scope="col">provider</th>',
        *(f'<th scope="col">{escape(region)}</th>' for region in regions),
        "</tr></thead><tbody>",
    ]
    for provider in providers:
        out.append(f'<tr><th scope="row">{escape(provider)}</th>')
        for region in regions:
            found = by_key.get((provider, region))
            if found is None:
                out.append(
                    f'<td class="none" data-region="{escape(region)}">not probed from here</td>'
                )
            else:
                out.append(_cell(found, latest.get((provider, region))))
        out.append("</tr>")
    out.append("</tbody></table>")

    proxied = sorted(report.vantage.items())
    if proxied:
        out += ["<h2>Vantage points</h2>", "<ul>"]
        for name, why in proxied:
            state = f"down: {escape(why)}" if why else "up (its proxy passed the control probe)"
            out.append(f"<li><strong>{escape(name)}</strong>: {state}</li>")
        out.append("</ul>")

    out.append("<h2>Recent state changes</h2>")
    if changes:
        out += [
            '<table class="changes"><thead><tr><th scope="col">when</th>'
            '<th scope="col">provider</th><th scope="col">region</th>'
            '<th scope="col">change</th><th scope="col">verdict and reason</th></tr></thead><tbody>'
        ]
        for c in changes:
            out.append(
                f"<tr><td>{_iso(c.at)}</td><td>{escape(c.provider)}</td>"
                f"<td>{escape(c.region)}</td><td>{escape(c.old)} → {escape(c.new)}</td>"
                f"<td>{escape(c.verdict)}: {escape(c.reason)}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No state changes recorded yet.</p>")
    out += [
        "</main>",
        '<footer><p class="meta">Made by hedgectl reach. A provider counts as down after '
        "repeated unreachable runs; see <code>hedgectl reach history</code>.</p></footer>",
        "</body></html>",
    ]
    return "\n".join(out) + "\n"


@reporter("reach", Format.HTML)
def render_html(report: ReachReport) -> str:
    return render_status_page(report, report.changes)
