"""Renderers for `hedgectl reach` (table, json hedgectl.reach/v1, prometheus) and its history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hedgectl.core.reach import SCHEMA, Result, Transition, Verdict
from hedgectl.report import Format, dump_json, reporter

HISTORY_SCHEMA = "hedgectl.reach.history/v1"
PHASES = ("dns", "connect", "tls", "first_byte", "total")


@dataclass(frozen=True)
class ReachReport:
    results: Sequence[Result]
    vantage: dict[str, str]  # region -> "" when its proxy is up, else why it is down
    run_at: float  # unix time, for the Prometheus last-run gauge only
    transitions: Sequence[Transition] = ()
    fail_on: str = "unreachable"
    failed: bool = False


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def result_dict(r: Result) -> dict[str, Any]:
    return {
        "provider": r.provider,
        "region": r.region,
        "url": r.url,
        "probe": r.kind.value,
        "verdict": r.verdict.value,
        "reason": r.reason,
        "http_status": r.http_status,
        "error_code": r.error_code or None,
        "retry_after_seconds": r.retry_after,
        "timings_seconds": r.timings.as_dict(),
        "remote_address": r.remote_address or None,
        "tls_version": r.tls_version or None,
        "cert_not_after": _iso(r.cert_not_after),
        "via": r.via,
    }


@reporter("reach", Format.JSON)
def render_json(report: ReachReport) -> str:
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.verdict.value] = counts.get(r.verdict.value, 0) + 1
    return dump_json(
        SCHEMA,
        {
            "results": [result_dict(r) for r in report.results],
            "regions": {
                name: {"up": not why, "reason": why or None}
                for name, why in sorted(report.vantage.items())
            },
            "summary": {
                "probes": len(report.results),
                "verdicts": counts,
                "fail_on": report.fail_on,
                "failed": report.failed,
            },
            "state_changes": [
                {
                    "provider": t.provider,
                    "region": t.region,
                    "from": t.old.value,
                    "to": t.new.value,
                    "verdict": t.verdict.value,
                }
                for t in report.transitions
            ],
        },
    )


_STYLE = {
    Verdict.OK: "green",
    Verdict.RATE_LIMITED: "yellow",
    Verdict.AUTH_ERROR: "yellow",
    Verdict.AUTH_REGION_MISMATCH: "yellow",
}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


@reporter("reach", Format.TABLE)
def render_table(report: ReachReport) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("provider", no_wrap=True)
    table.add_column("region", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("http", justify="right", no_wrap=True)
    table.add_column("ms", justify="right", no_wrap=True)
    table.add_column("reason", ratio=1)
    for r in report.results:
        table.add_row(
            r.provider,
            r.region,
            Text(r.verdict.value, style=_STYLE.get(r.verdict, "bold red")),
            str(r.http_status or "-"),
            _ms(r.timings.total),
            r.reason,
        )
    parts: list[Any] = [table]
    bad = sum(1 for r in report.results if r.verdict != Verdict.OK)
    summary = f"{len(report.results)} probes, {len(report.results) - bad} ok, {bad} not ok"
    dead = [f"{name} ({why})" for name, why in sorted(report.vantage.items()) if why]
    if dead:
        summary += "; vantage down: " + ", ".join(dead)
    parts.append(Text(summary, style="dim"))
    for change in report.transitions:
        parts.append(
            Text(
                f"state change: {change.provider} from {change.region}: "
                f"{change.old.value} -> {change.new.value} ({change.verdict.value})",
                style="bold",
            )
        )
    return Group(*parts)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_label(v)}"' for k, v in labels.items()) + "}"


def _num(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


@reporter("reach", Format.PROMETHEUS)
def render_prometheus(report: ReachReport) -> str:
    """Prometheus text format 0.0.4, for node_exporter's textfile collector or a scrape."""
    families: list[tuple[str, str, list[str]]] = []

    def family(name: str, help_text: str) -> list[str]:
        samples: list[str] = []
        families.append((name, help_text, samples))
        return samples

    success = family("hedge_reach_success", "1 when the last probe's verdict was ok, else 0.")
    verdict = family(
        "hedge_reach_verdict",
        "Verdict of the last probe as a state set: 1 for the current verdict.",
    )
    duration = family(
        "hedge_reach_duration_seconds",
        "Duration of the last probe by phase (dns, connect, tls, first_byte, total).",
    )
    status = family(
        "hedge_reach_http_status_code", "HTTP status of the last probe (0 when no HTTP answer)."
    )
    expiry = family(
        "hedge_reach_cert_expiry_timestamp_seconds",
        "Unix time the provider's TLS certificate expires.",
    )
    retry = family("hedge_reach_retry_after_seconds", "Retry-After the provider sent with a 429.")
    last = family("hedge_reach_last_run_timestamp_seconds", "Unix time of the last probe.")
    vantage = family(
        "hedge_reach_vantage_up", "1 when the region's proxy passed its control probe."
    )
    for r in report.results:
        key = {"provider": r.provider, "region": r.region}
        success.append(f"hedge_reach_success{_labels(**key)} {int(r.verdict == Verdict.OK)}")
        for v in Verdict:
            verdict.append(
                f"hedge_reach_verdict{_labels(**key, verdict=v.value)} {int(v == r.verdict)}"
            )
        for phase, value in r.timings.as_dict().items():
            if value is not None:
                duration.append(
                    f"hedge_reach_duration_seconds{_labels(**key, phase=phase)} {_num(value)}"
                )
        status.append(f"hedge_reach_http_status_code{_labels(**key)} {r.http_status or 0}")
        if r.cert_not_after is not None:
            name = "hedge_reach_cert_expiry_timestamp_seconds"
            expiry.append(f"{name}{_labels(**key)} {_num(r.cert_not_after)}")
        if r.retry_after is not None:
            retry.append(f"hedge_reach_retry_after_seconds{_labels(**key)} {_num(r.retry_after)}")
        name = "hedge_reach_last_run_timestamp_seconds"
        last.append(f"{name}{_labels(**key)} {_num(round(report.run_at, 3))}")
    for name, why in sorted(report.vantage.items()):
        vantage.append(f"hedge_reach_vantage_up{_labels(region=name)} {int(not why)}")
    lines: list[str] = []
    for name, help_text, samples in families:
        if not samples:
            continue
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(samples)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# history


@dataclass(frozen=True)
class HistoryReport:
    path: str
    runs: int
    events: Sequence[Any]  # adapters.history.Event
    tracks: Sequence[Any]  # adapters.history.TrackRow


@reporter("reach-history", Format.JSON)
def render_history_json(report: HistoryReport) -> str:
    return dump_json(
        HISTORY_SCHEMA,
        {
            "runs": report.runs,
            "current": [
                {
                    "provider": t.provider,
                    "region": t.region,
                    "state": t.state,
                    "last_verdict": t.verdict,
                    "failures_in_a_row": t.failures,
                    "successes_in_a_row": t.successes,
                    "updated": _iso(t.updated),
                }
                for t in report.tracks
            ],
            "events": [
                {
                    "at": _iso(e.at),
                    "provider": e.provider,
                    "region": e.region,
                    "from": e.old,
                    "to": e.new,
                    "verdict": e.verdict,
                    "reason": e.reason,
                }
                for e in report.events
            ],
        },
    )


@reporter("reach-history", Format.TABLE)
def render_history_table(report: HistoryReport) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    current = Table(
        title="current state",
        show_edge=False,
        pad_edge=False,
        header_style="bold",
        title_justify="left",
    )
    for column in ("provider", "region", "state", "last verdict", "streak", "updated"):
        current.add_column(column, no_wrap=True)
    for t in report.tracks:
        streak = f"{t.failures} failing" if t.failures else f"{t.successes} ok"
        style = "green" if t.state == "up" else "bold red" if t.state == "down" else "dim"
        current.add_row(
            t.provider,
            t.region,
            Text(t.state, style=style),
            t.verdict,
            streak,
            _iso(t.updated) or "",
        )
    events = Table(
        title="state changes (newest first)",
        show_edge=False,
        pad_edge=False,
        header_style="bold",
        title_justify="left",
    )
    for column in ("at", "provider", "region", "change"):
        events.add_column(column, no_wrap=True)
    events.add_column("verdict: reason", ratio=1)
    for e in report.events:
        at = (_iso(e.at) or "").replace("T", " ")[:16]
        events.add_row(at, e.provider, e.region, f"{e.old} -> {e.new}", f"{e.verdict}: {e.reason}")
    footer = Text(f"{report.runs} runs recorded in {report.path}", style="dim")
    if not report.events:
        return Group(current, Text("no state changes yet", style="dim"), footer)
    return Group(current, Text(""), events, footer)
