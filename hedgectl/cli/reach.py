"""`hedgectl reach`: probe every provider from every region and say why it fails; `reach history`."""

from __future__ import annotations

import enum
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedgectl.cli._common import (
    ConfigOpt,
    OutputOpt,
    emit,
    emit_rich,
    err,
    load_settings,
    reports_errors,
    warn,
)
from hedgectl.errors import ExitCode, UsageError

if TYPE_CHECKING:
    import ssl

    from hedgectl.adapters.history import History
    from hedgectl.core.reach import Level, Observation, ProviderDef, Target, Transition
    from hedgectl.core.reach.config import ReachSettings, RegionSettings


class ReachFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    PROMETHEUS = "prometheus"


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
        envvar="HEDGECTL_REACH_HISTORY",
        help="SQLite history file (default: $XDG_STATE_HOME/hedgectl/reach.sqlite3).",
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
        "--fail-on, 1 otherwise, 2 usage, 3 config.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    group.callback(invoke_without_command=True)(reach)
    group.command("history")(history)
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
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            envvar="HEDGECTL_REACH_TIMEOUT",
            min=0.1,
            help="Seconds per probe (default: [reach] timeout or 10).",
            show_default=False,
        ),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle",
            help="PEM file of CAs to trust instead of the system store (SSL_CERT_FILE is honoured too).",
            show_default=False,
        ),
    ] = None,
    history_path: HistoryOpt = None,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Do not record this run.")
    ] = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", envvar="HEDGECTL_REACH_FAIL_ON", help=FAIL_ON_HELP, show_default=False
        ),
    ] = None,
    notify: Annotated[
        str | None,
        typer.Option(
            "--notify",
            metavar="URL",
            envvar="HEDGECTL_REACH_NOTIFY",
            help='Slack-compatible webhook URL: POST {"text": ...} when a state changes.',
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Probe every provider from every region (all at once) and classify each answer.

    Exit codes: 0 every verdict at or below --fail-on, 1 otherwise, 2 usage, 3 config.
    """
    if ctx.invoked_subcommand is not None:
        return
    from hedgectl.core import reach as core
    from hedgectl.core.reach.config import ReachSettings, load_providers_catalog

    settings = load_settings(config)
    reach_settings = settings.section("reach") or ReachSettings()
    threshold_name = fail_on or reach_settings.fail_on
    threshold = core.fail_threshold(threshold_name)
    providers = core.provider_defs(load_providers_catalog(), settings.section("providers"))
    # Usage errors (unknown --provider/--region) before touching the history file.
    core.build_plan(
        providers,
        settings.section("regions") or {},
        reach_settings,
        {},
        only_providers=provider or (),
        only_regions=region or (),
    )
    bundle = _ca_bundle(ca_bundle, reach_settings.ca_bundle, settings.root)
    store: History | None = None
    if not no_history:
        from hedgectl.adapters.history import History

        store = History(_history_file(history_path, reach_settings, settings.root))
    try:
        failed = _probe_and_report(
            settings.section("regions") or {},
            reach_settings,
            providers,
            store,
            threshold_name=threshold_name,
            threshold=threshold,
            provider=provider or [],
            region=region or [],
            fmt=fmt,
            output=output,
            timeout=timeout,
            bundle=bundle,
            notify=notify,
            quiet=quiet,
        )
    finally:
        if store is not None:
            store.close()
    if failed:
        raise typer.Exit(int(ExitCode.FINDINGS))


def _probe_and_report(
    regions: dict[str, RegionSettings],
    reach_settings: ReachSettings,
    providers: list[ProviderDef],
    store: History | None,
    *,
    threshold_name: str,
    threshold: Level | None,
    provider: list[str],
    region: list[str],
    fmt: ReachFormat,
    output: Path | None,
    timeout: float | None,
    bundle: str | None,
    notify: str | None,
    quiet: bool,
) -> bool:
    """Plan, probe, classify, record, notify, render; True when the run fails --fail-on."""
    from hedgectl.adapters import http
    from hedgectl.core import reach as core
    from hedgectl.core.reach.config import load_signatures
    from hedgectl.report import Format, render
    from hedgectl.report.reach import ReachReport

    started = time.time()
    last_paid = (
        store.last_paid() if store is not None and any(p.paid_probe for p in providers) else {}
    )
    plan = core.build_plan(
        providers,
        regions,
        reach_settings,
        os.environ,
        only_providers=provider,
        only_regions=region,
        timeout=timeout,
        paid_recent={key: record.at for key, record in last_paid.items()},
        now=started,
    )
    ssl_ctx = http.make_ssl_context(bundle)
    if not quiet:
        for note in plan.notes:
            warn(note)
    observations = _run([*plan.controls, *plan.targets], ssl_ctx, quiet=quiet)
    n = len(plan.controls)
    controls = {t.region: obs for t, obs in zip(plan.controls, observations[:n], strict=True)}
    signatures = load_signatures(reach_settings.signatures)
    now = time.time()
    results = [
        core.classify(t, obs, signatures, now=now, cert_warn_days=reach_settings.cert_warn_days)
        for t, obs in zip(plan.targets, observations[n:], strict=True)
    ]
    results = core.refine_region_keys(results, plan.targets)
    results = core.carry_paid(results, plan.targets, last_paid, now)
    results, dead = core.apply_controls(results, controls)
    results = core.sort_results(results)
    transitions: list[Transition] = []
    if store is not None:
        transitions = store.record(
            results,
            failures_before_down=reach_settings.failures_before_down,
            successes_before_up=reach_settings.successes_before_up,
            keep_days=reach_settings.keep_days,
            now=started,
        )
    webhook = notify or reach_settings.notify
    worthy = [t for t in transitions if core.notify_worthy(t)]
    if webhook and store is None and not quiet:
        warn("--notify needs the history to know what changed; nothing is sent with --no-history")
    elif webhook and worthy:
        from hedgectl.errors import RemoteError

        try:
            http.post_json(webhook, {"text": core.notify_text(worthy)})
        except RemoteError as exc:
            warn(f"{exc} (the run itself is recorded)")
    failed = core.exit_level(results, threshold)
    report = ReachReport(
        results=results,
        vantage={name: dead.get(name, "") for name in controls},
        run_at=started,
        transitions=transitions,
        fail_on=threshold_name,
        failed=failed,
    )
    _show(render("reach", Format(fmt.value), report), output)
    return failed


def _run(targets: list[Target], ssl_ctx: ssl.SSLContext, *, quiet: bool) -> list[Observation]:
    """Run the probes with a live count on stderr (only on a terminal)."""
    from hedgectl.adapters import http as prober

    if quiet or not err.is_terminal:
        return prober.probe_all(targets, ssl_ctx)
    done = 0
    with err.status(f"probing {len(targets)} endpoints…") as status:

        def tick(_target: Target, _obs: Observation) -> None:
            nonlocal done
            done += 1
            status.update(f"probing: {done}/{len(targets)} done")

        return prober.probe_all(targets, ssl_ctx, on_done=tick)


def _in_root(value: str, root: Path) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else root / path


def _ca_bundle(flag: Path | None, configured: str, root: Path) -> str | None:
    candidates = [
        (str(flag), "--ca-bundle") if flag else None,
        (str(_in_root(configured, root)), "[reach] ca_bundle") if configured else None,
        (os.environ["SSL_CERT_FILE"], "SSL_CERT_FILE") if os.environ.get("SSL_CERT_FILE") else None,
    ]
    for candidate in candidates:
        if candidate is None:
            continue
        path, origin = candidate
        if not Path(path).is_file():
            raise UsageError(f"{origin}: CA bundle {path} is not a file")
        return path
    return None


def _show(rendered: object, output: Path | None) -> None:
    """Machine formats as text; the table through rich (plain text in --output)."""
    if isinstance(rendered, str):
        emit(rendered, output)
    else:
        emit_rich(rendered, output)


def _history_file(flag: Path | None, reach_settings: ReachSettings, root: Path) -> Path:
    """--history (or HEDGECTL_REACH_HISTORY) > [reach] history > the XDG state default."""
    from hedgectl.adapters.history import default_path

    if flag is not None:
        return flag
    return _in_root(reach_settings.history, root) if reach_settings.history else default_path()


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
    from hedgectl.adapters.history import History
    from hedgectl.core.reach.config import ReachSettings
    from hedgectl.report import Format, render
    from hedgectl.report.reach import HistoryReport

    settings = load_settings(config)
    reach_settings = settings.section("reach") or ReachSettings()
    path = _history_file(history_path, reach_settings, settings.root)
    with History(path, create=False) as store:
        report = HistoryReport(
            path=str(path),
            runs=store.runs(),
            events=store.events(provider or (), region or (), limit),
            tracks=store.tracks(provider or (), region or ()),
        )
    _show(render("reach-history", Format(fmt.value), report), output)
