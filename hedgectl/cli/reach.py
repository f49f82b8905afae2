"""`hedgectl reach`: probe every provider from every region and say why it fails; `reach history`."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    OutputOpt,
    QuietOpt,
    emit,
    emit_rich,
    err,
    reports_errors,
    warn,
)
from hedgectl.cli._extras import require
from hedgectl.errors import ExitCode, UsageError


class ReachFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    PROMETHEUS = "prometheus"
    HTML = "html"  # the status page, one self-contained file


class HistoryFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


ProviderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--provider",
        "-p",
        metavar="NAME",
        help="Only this provider (repeatable).",
        show_default=False,
    ),
]
RegionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--region", "-r", metavar="NAME", help="Only this region (repeatable).", show_default=False
    ),
]
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="SQLite history file [env: HEDGECTL_REACH_HISTORY; default: [reach] history, or "
        "$XDG_STATE_HOME/hedgectl/reach.sqlite3].",
        show_default=False,
    ),
]

TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=0.1,
        help="Seconds per probe [env: HEDGECTL_REACH_TIMEOUT; default: [reach] timeout or 10].",
        show_default=False,
    ),
]
CaBundleOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-bundle",
        help="PEM file of CAs to trust instead of the system store (SSL_CERT_FILE is honoured too).",
        show_default=False,
    ),
]
NoHistoryOpt = Annotated[bool, typer.Option("--no-history", help="Do not record the probes.")]
NotifyOpt = Annotated[
    str | None,
    typer.Option(
        "--notify",
        metavar="URL",
        help='Slack-compatible webhook URL: POST {"text": ...} when a state changes '
        "[env: HEDGECTL_REACH_NOTIFY; default: [reach] notify].",
        show_default=False,
    ),
]

FAIL_ON_HELP = (
    "Exit 1 when a verdict is worse than this level. Levels, in order: ok < degraded "
    "(rate_limited, auth_error, auth_region_mismatch) < unreachable (blocked_*, down, timeout, "
    "dns_error, tls_error, vantage_down). 'ok' fails on anything else; 'degraded' (default) "
    "fails on unreachable; 'never' never fails; a verdict name means its level."
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    group = typer.Typer(
        name="reach",
        help="Check each provider's reachability per region and say why it fails. "
        "Runs the probes unless a subcommand is given. Exit codes: 0 every verdict at or below "
        "--fail-on, 1 otherwise, 2 usage, 3 config, 5 results reported but the history could "
        "not be written.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    group.callback(invoke_without_command=True)(reach)
    group.command("history")(history)
    group.command("serve")(serve)
    app.add_typer(group, name="reach")


@reports_errors
def reach(
    ctx: typer.Context,
    provider: ProviderOpt = None,
    region: RegionOpt = None,
    fmt: Annotated[
        ReachFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReachFormat.TABLE,
    output: OutputOpt = None,
    timeout: TimeoutOpt = None,
    ca_bundle: CaBundleOpt = None,
    history_path: HistoryOpt = None,
    no_history: NoHistoryOpt = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", help=FAIL_ON_HELP + " [env: HEDGECTL_REACH_FAIL_ON]", show_default=False
        ),
    ] = None,
    notify: NotifyOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Probe every provider from every region (all at once) and classify each answer.

    Exit codes: 0 every verdict at or below --fail-on, 1 otherwise, 2 usage, 3 config,
    5 results reported but the history could not be written (locked, damaged, read-only).
    """
    if ctx.invoked_subcommand is not None:
        return
    require("reach", "reach")
    from hedgectl.services.reach import ReachRequest
    from hedgectl.services.reach import reach as run_reach

    request = ReachRequest(
        providers=provider or (),
        regions=region or (),
        timeout=timeout,
        ca_bundle=ca_bundle,
        history=history_path,
        record=not no_history,
        fail_on=fail_on,
        notify=notify,
        config=config,
    )
    status = _Status() if not quiet and err.is_terminal else None
    try:
        report = run_reach(
            request,
            on_progress=status.update if status is not None else None,
            on_warning=None if quiet else warn,
            on_notify_error=warn,
            changes=20 if fmt == ReachFormat.HTML else 0,
        )
    finally:
        if status is not None:
            status.stop()
    _show(_render("reach", fmt.value, report), fmt.value, output, quiet=quiet)
    if report.history_error:  # even with --quiet: the next run will not know what changed
        warn(f"{report.history_error} (exit {int(ExitCode.PARTIAL)})")
        raise typer.Exit(int(ExitCode.PARTIAL))
    if report.failed:
        raise typer.Exit(int(ExitCode.FINDINGS))


class _Status:
    """A live probe count on stderr (only on a terminal)."""

    def __init__(self) -> None:
        self._status: Any = None

    def update(self, done: int, total: int) -> None:
        if self._status is None:
            self._status = err.status(f"probing {total} endpoints…")
            self._status.start()
        elif done:
            self._status.update(f"probing: {done}/{total} done")

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()


def _render(command: str, fmt: str, report: object) -> object:
    from hedgectl.report import Format, render
    from hedgectl.report import reach as _register  # noqa: F401 - registers the renderers
    from hedgectl.report import reach_html as _register_html  # noqa: F401 - the status page

    return render(command, Format(fmt), report)


def _show(rendered: object, fmt: str, output: Path | None, *, quiet: bool = False) -> None:
    """Machine formats as text; the table through rich (plain text in --output)."""
    from hedgectl.report import EXACT, Format

    if isinstance(rendered, str):
        emit(rendered, output, exact=Format(fmt) in EXACT)
    else:
        emit_rich(rendered, output, quiet=quiet)


@reports_errors
def history(
    provider: ProviderOpt = None,
    region: RegionOpt = None,
    fmt: Annotated[
        HistoryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = HistoryFormat.TABLE,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Show at most this many state changes.")
    ] = 50,
    history_path: HistoryOpt = None,
    output: OutputOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show the recorded state changes per provider and region (newest first)."""
    from hedgectl.services.reach import HistoryRequest, reach_history

    report = reach_history(
        HistoryRequest(
            providers=provider or (),
            regions=region or (),
            limit=limit,
            history=history_path,
            config=config,
        )
    )
    _show(_render("reach-history", fmt.value, report), fmt.value, output)


@reports_errors
def serve(
    listen: Annotated[
        str,
        typer.Option(
            "--listen",
            "-l",
            metavar="HOST:PORT",
            help="Address to serve on: loopback by default; 0.0.0.0:9731 in a container "
            "[env: HEDGECTL_REACH_LISTEN].",
        ),
    ] = "127.0.0.1:9731",
    max_concurrent: Annotated[
        int,
        typer.Option(
            "--max-concurrent",
            min=1,
            max=64,
            help="Probe runs at once; a scrape that finds none free within its timeout gets 503.",
        ),
    ] = 4,
    timeout: TimeoutOpt = None,
    ca_bundle: CaBundleOpt = None,
    history_path: HistoryOpt = None,
    no_history: NoHistoryOpt = False,
    notify: NotifyOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No request log (errors still show).")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Serve reach as a Prometheus exporter, in blackbox_exporter's shape.

    /probe?provider=NAME[&region=NAME] probes now and answers with its metrics; /probes probes
    every provider from every region; /metrics is the exporter's own; / is the status page.
    Every probe run is recorded in the history, as a cron run is. SIGTERM or Ctrl-C stops
    accepting, finishes the requests in flight and exits 0.
    """
    require("reach", "reach serve")
    import os

    from hedgectl.services.reach import ReachRequest
    from hedgectl.services.reach import serve as run_server

    def log(message: str) -> None:
        if not quiet:
            err.print(message, markup=False, highlight=False, soft_wrap=True)

    def always(message: str) -> None:  # history failures show even with --quiet
        err.print(message, markup=False, highlight=False, soft_wrap=True)

    host, port = _listen_address(os.environ.get("HEDGECTL_REACH_LISTEN") or listen)
    request = ReachRequest(
        timeout=timeout,
        ca_bundle=ca_bundle,
        history=history_path,
        record=not no_history,
        fail_on="never",
        notify=notify,
        config=config,
    )

    def started(address: str) -> None:
        always(f"hedgectl reach serve on http://{address}/ (probe, probes, metrics); Ctrl-C stops")

    try:
        run_server(
            request,
            host,
            port,
            max_concurrent=max_concurrent,
            on_started=started,
            on_log=log,
            on_history_error=always,
        )
    except OSError as exc:
        raise UsageError(f"--listen {listen}: {exc.strerror or exc}") from None


def _listen_address(value: str) -> tuple[str, int]:
    """HOST:PORT or [IPv6]:PORT; the port is required."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"--listen {value}: {exc}") from None
    if port is None or not parts.hostname:
        raise UsageError(f"--listen {value}: expected HOST:PORT, e.g. 127.0.0.1:9731")
    return parts.hostname, port
