"""Renderers for `hedgectl reach` (table, json hedgectl.reach/v1, prometheus) and its history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hedgectl.core.reach import SCHEMA, Result, Timings, Transition, Verdict
from hedgectl.report import Format, dump_json, reporter

HISTORY_SCHEMA = "hedgectl.reach.history/v1"
PHASES = ("resolve", "connect", "tls", "processing", "transfer")  # blackbox_exporter's


@dataclass(frozen=True)
class ReachReport:
    results: Sequence[Result]
    vantage: dict[str, str]  # region -> "" when its proxy is up, else why it is down
    run_at: float  # unix time, for the Prometheus last-run gauge only
    transitions: Sequence[Transition] = ()
    fail_on: str = "unreachable"
    failed: bool = False
    changes: Sequence[Any] = ()  # recent recorded state changes, newest first (status page)
    history_error: str = ""  # why this run could not be recorded ("" when it was, or not asked)


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


def phase_durations(t: Timings) -> dict[str, float]:
    """blackbox_exporter's five HTTP phases; they add up to the probe's total.

    resolve = DNS, connect = TCP (and the proxy tunnel), tls = handshake, processing = request
    sent to first response byte, transfer = the rest of the total (headers, body, close), so no
    time is counted twice and none is lost. A phase that never ran is 0.
    """
    resolve, connect, tls, processing = (v or 0.0 for v in (t.dns, t.connect, t.tls, t.first_byte))
    transfer = max(0.0, t.total - resolve - connect - tls - processing)
    return {
        "resolve": resolve,
        "connect": connect,
        "tls": tls,
        "processing": processing,
        "transfer": transfer,
    }


# Label names: `provider` and `probe_region`. A scrape job or service discovery that puts its own
# `region` on the target would rename an exported `region` to `exported_region` (the default
# honor_labels: false) and alerts would name the node's region; `probe_region` never collides.
REGION_LABEL = "probe_region"


class _Families:
    """Prometheus text families in the order they were declared; empty ones are left out."""

    def __init__(self) -> None:
        self._families: list[tuple[str, str, list[str]]] = []

    def family(self, name: str, help_text: str) -> Callable[..., None]:
        samples: list[str] = []
        self._families.append((name, help_text, samples))

        def add(value: float, **labels: str) -> None:
            samples.append(f"{name}{_labels(**labels)} {_num(value)}")

        return add

    def text(self) -> str:
        lines: list[str] = []
        for name, help_text, samples in self._families:
            if samples:
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *samples]
        return "\n".join(lines) + "\n"


@reporter("reach", Format.PROMETHEUS)
def render_prometheus(report: ReachReport) -> str:
    """Prometheus text format 0.0.4, for node_exporter's textfile collector or a scrape.

    hedge_reach_* carry the verdict and reason-level detail; the probe_* series beside them use
    blackbox_exporter's names and meanings, so a blackbox dashboard works unchanged.
    """
    f = _Families()
    success = f.family("hedge_reach_success", "1 when the last probe's verdict was ok, else 0.")
    verdict = f.family(
        "hedge_reach_verdict",
        "Verdict of the last probe as a state set: 1 for the current verdict.",
    )
    total = f.family("hedge_reach_probe_duration_seconds", "Duration of the last probe.")
    duration = f.family(
        "hedge_reach_duration_seconds",
        "Duration of the last probe by phase (resolve, connect, tls, processing, transfer; "
        "they add up to hedge_reach_probe_duration_seconds).",
    )
    status = f.family(
        "hedge_reach_http_status_code", "HTTP status of the last probe (0 when no HTTP answer)."
    )
    expiry = f.family(
        "hedge_reach_cert_expiry_timestamp_seconds",
        "Unix time the provider's TLS certificate expires.",
    )
    retry = f.family("hedge_reach_retry_after_seconds", "Retry-After the provider sent with a 429.")
    last = f.family("hedge_reach_last_run_timestamp_seconds", "Unix time of the last probe.")
    vantage = f.family(
        "hedge_reach_vantage_up", "1 when the region's proxy passed its control probe."
    )
    bb_success = f.family("probe_success", "Displays whether or not the probe was a success")
    bb_duration = f.family(
        "probe_duration_seconds", "Returns how long the probe took to complete in seconds"
    )
    bb_phase = f.family(
        "probe_http_duration_seconds",
        "Duration of http request by phase, summed over all redirects",
    )
    bb_status = f.family("probe_http_status_code", "Response HTTP status code")
    bb_expiry = f.family(
        "probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime"
    )
    bb_dns = f.family(
        "probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds"
    )
    bb_ssl = f.family("probe_http_ssl", "Indicates if SSL was used for the final redirect")
    for r in report.results:
        key = {"provider": r.provider, REGION_LABEL: r.region}
        ok = int(r.verdict == Verdict.OK)
        success(ok, **key)
        bb_success(ok, **key)
        for v in Verdict:
            verdict(int(v == r.verdict), **key, verdict=v.value)
        total(round(r.timings.total, 6), **key)
        bb_duration(round(r.timings.total, 6), **key)
        phases = phase_durations(r.timings)
        for phase, seconds in phases.items():
            duration(round(seconds, 6), **key, phase=phase)
            bb_phase(round(seconds, 6), **key, phase=phase)
        bb_dns(round(phases["resolve"], 6), **key)
        bb_ssl(int(bool(r.tls_version)), **key)
        status(r.http_status or 0, **key)
        bb_status(r.http_status or 0, **key)
        if r.cert_not_after is not None:
            expiry(r.cert_not_after, **key)
            bb_expiry(r.cert_not_after, **key)
        if r.retry_after is not None:
            retry(r.retry_after, **key)
        last(round(report.run_at, 3), **key)
    for name, why in sorted(report.vantage.items()):
        vantage(int(not why), **{REGION_LABEL: name})
    return f.text()


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
