"""reach: probe every provider from every region and classify each answer; the recorded history."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgectl.errors import ConfigError, FileError, HedgeError, UsageError
from hedgectl.services import settings as _settings

if TYPE_CHECKING:
    import ssl

    from hedgectl.adapters.history import Event, History
    from hedgectl.core.reach import Level, Observation, Plan, ProviderDef, Target, Transition
    from hedgectl.core.reach.config import ReachSettings, RegionSettings
    from hedgectl.report.reach import HistoryReport, ReachReport

MIN_TIMEOUT = 0.1


@dataclass(frozen=True)
class ReachRequest:
    """Which probes to run and how to judge them; None means "not given" (env, hedge.toml, default)."""

    providers: Sequence[str] = ()  # only these providers (default: all configured)
    regions: Sequence[str] = ()  # only these regions
    # Seconds per probe; else HEDGECTL_REACH_TIMEOUT, the provider's, the region's, [reach], 10.
    timeout: float | None = None
    ca_bundle: Path | None = None  # CAs to trust ([reach] ca_bundle, SSL_CERT_FILE, the system)
    history: Path | None = None  # SQLite file (HEDGECTL_REACH_HISTORY, [reach] history, XDG state)
    record: bool = True  # False: do not record this run (and send no notification)
    fail_on: str | None = None  # level or verdict (HEDGECTL_REACH_FAIL_ON, [reach] fail_on)
    notify: str | None = None  # webhook URL (HEDGECTL_REACH_NOTIFY, [reach] notify)
    config: Path | None = None


@dataclass(frozen=True)
class HistoryRequest:
    """Which recorded state changes to show."""

    providers: Sequence[str] = ()
    regions: Sequence[str] = ()
    limit: int = 50  # at most this many state changes, newest first
    history: Path | None = None  # SQLite file (HEDGECTL_REACH_HISTORY, [reach] history, XDG state)
    config: Path | None = None


def reach(
    request: ReachRequest,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    on_notify_error: Callable[[str], None] | None = None,
    timeout_cap: float | None = None,
    changes: int = 0,
) -> ReachReport:
    """Plan, probe (all at once), classify, record, notify. `report.failed` is the --fail-on answer.

    timeout_cap: no probe takes longer (reach serve: the scrape's budget); changes: also read
    this many recent state changes into `report.changes` (the status page).

    on_progress(done, total) is called with done=0 before probing and after each probe;
    on_warning(message) for configuration notes (a key variable that is not set, ...);
    on_notify_error(message) when the webhook could not be reached (the run is still recorded).
    """
    p = _prepare(request)
    store: History | None = None
    history_error = ""
    if request.record:
        from hedgectl.adapters.history import History

        try:
            store = History(history_file(request.history, p.reach_settings, p.root))
        except FileError as exc:  # probe anyway: results and metrics matter more than the record
            history_error = _not_recorded(exc)
    try:
        return _probe(
            request,
            p.reach_settings,
            p.providers,
            p.regions,
            store,
            history_error=history_error,
            threshold_name=p.threshold_name,
            threshold=p.threshold,
            timeout=p.timeout,
            ssl_ctx=p.ssl_ctx,
            notify=p.notify,
            plan=p.plan,
            on_progress=on_progress,
            on_warning=on_warning or _ignore,
            on_notify_error=on_notify_error or _ignore,
            timeout_cap=timeout_cap,
            changes=changes,
        )
    finally:
        if store is not None:
            store.close()


@dataclass(frozen=True)
class _Prepared:
    """A request checked against hedge.toml, the catalog and the environment."""

    reach_settings: ReachSettings
    root: Path
    threshold_name: str
    threshold: Level | None
    timeout: float | None
    notify: str
    providers: list[ProviderDef]
    regions: dict[str, RegionSettings]
    ssl_ctx: ssl.SSLContext
    plan: Plan  # as if no paid probe had run yet (_probe replans when one has)


def check_request(request: ReachRequest) -> None:
    """Raise every usage or configuration error reach() would, without probing."""
    _prepare(request)


def _prepare(request: ReachRequest) -> _Prepared:
    from hedgectl.core import reach as core
    from hedgectl.core.reach.config import ReachSettings, load_providers_catalog, webhook_problem

    settings = _settings.load(request.config)
    reach_settings = settings.section("reach") or ReachSettings()
    threshold_name = _settings.pick(
        request.fail_on, "HEDGECTL_REACH_FAIL_ON", reach_settings.fail_on, str
    )
    threshold = core.fail_threshold(threshold_name)
    timeout = _settings.pick(
        request.timeout, "HEDGECTL_REACH_TIMEOUT", None, _settings.positive_float(MIN_TIMEOUT)
    )
    if timeout is not None and not (math.isfinite(timeout) and timeout >= MIN_TIMEOUT):
        raise UsageError(f"--timeout must be a finite number of at least {MIN_TIMEOUT} seconds")
    notify = _settings.pick(request.notify, "HEDGECTL_REACH_NOTIFY", reach_settings.notify, str)
    if notify and notify != reach_settings.notify and (problem := webhook_problem(notify)):
        raise UsageError(f"--notify: {problem}")
    providers = core.provider_defs(load_providers_catalog(), settings.section("providers"))
    regions = settings.section("regions") or {}
    # Usage errors (unknown --provider/--region) before touching the history file; the plan
    # is the run's own unless the history says a paid probe ran recently.
    plan = _plan(request, providers, regions, reach_settings, timeout)
    ssl_ctx = _trust(request.ca_bundle, reach_settings.ca_bundle, settings.root)
    return _Prepared(
        reach_settings,
        settings.root,
        threshold_name,
        threshold,
        timeout,
        notify,
        providers,
        regions,
        ssl_ctx,
        plan,
    )


def _plan(
    request: ReachRequest,
    providers: list[ProviderDef],
    regions: dict[str, RegionSettings],
    reach_settings: ReachSettings,
    timeout: float | None,
    paid_recent: dict[tuple[str, str], float] | None = None,
    now: float = 0.0,
) -> Plan:
    """The probes to run (core.build_plan with this request's filters and environment)."""
    from hedgectl.core import reach as core

    return core.build_plan(
        providers,
        regions,
        reach_settings,
        os.environ,
        only_providers=request.providers,
        only_regions=request.regions,
        timeout=timeout,
        paid_recent=paid_recent,
        now=now,
    )


def _probe(
    request: ReachRequest,
    reach_settings: ReachSettings,
    providers: list[ProviderDef],
    regions: dict[str, RegionSettings],
    store: History | None,
    *,
    history_error: str,
    threshold_name: str,
    threshold: Level | None,
    timeout: float | None,
    ssl_ctx: ssl.SSLContext,
    notify: str,
    plan: Plan,
    on_progress: Callable[[int, int], None] | None,
    on_warning: Callable[[str], None],
    on_notify_error: Callable[[str], None],
    timeout_cap: float | None,
    changes: int,
) -> ReachReport:
    from hedgectl.adapters import http
    from hedgectl.core import reach as core
    from hedgectl.core.reach.config import load_signatures
    from hedgectl.errors import RemoteError
    from hedgectl.report.reach import ReachReport

    started = time.time()
    last_paid = {}
    if store is not None and any(p.paid_probe for p in providers):
        try:
            last_paid = store.last_paid()
        except FileError as exc:
            store, history_error = None, _not_recorded(exc)
    if last_paid:  # which paid probes are due depends on when each last ran
        paid_at = {key: record.at for key, record in last_paid.items()}
        plan = _plan(request, providers, regions, reach_settings, timeout, paid_at, started)
    for note in plan.notes:
        on_warning(note)
    planned_controls, planned = list(plan.controls), list(plan.targets)
    if timeout_cap is not None:  # reach serve: never outlast the scrape
        cap = timeout_cap
        planned_controls = [replace(t, timeout=min(t.timeout, cap)) for t in planned_controls]
        planned = [replace(t, timeout=min(t.timeout, cap)) for t in planned]
    observations = _run([*planned_controls, *planned], ssl_ctx, on_progress)
    n = len(planned_controls)
    controls = {t.region: obs for t, obs in zip(planned_controls, observations[:n], strict=True)}
    signatures = load_signatures(reach_settings.signatures)
    now = time.time()
    results = [
        core.classify(t, obs, signatures, now=now, cert_warn_days=reach_settings.cert_warn_days)
        for t, obs in zip(planned, observations[n:], strict=True)
    ]
    results = core.refine_region_keys(results, planned)
    results = core.carry_paid(results, planned, last_paid, now)
    results, dead = core.apply_controls(results, controls)
    results = core.sort_results(results)
    transitions: list[Transition] = []
    recent: Sequence[Event] = ()
    if store is not None:
        try:
            transitions = store.record(
                results,
                failures_before_down=reach_settings.failures_before_down,
                successes_before_up=reach_settings.successes_before_up,
                keep_days=reach_settings.keep_days,
                now=started,
            )
            if changes:
                recent = store.events(limit=changes)
        except FileError as exc:
            history_error = _not_recorded(exc)
    worthy = [t for t in transitions if core.notify_worthy(t)]
    if notify and not request.record:
        on_warning(
            "--notify needs the history to know what changed; nothing is sent with --no-history"
        )
    elif notify and worthy:
        try:
            http.post_json(notify, {"text": core.notify_text(worthy)})
        except RemoteError as exc:
            on_notify_error(f"{exc} (the run itself is recorded)")
    failed = core.exit_level(results, threshold)
    return ReachReport(
        results=results,
        vantage={name: dead.get(name, "") for name in controls},
        run_at=started,
        transitions=transitions,
        fail_on=threshold_name,
        failed=failed,
        changes=recent,
        history_error=history_error,
    )


def _run(
    targets: list[Target], ssl_ctx: ssl.SSLContext, on_progress: Callable[[int, int], None] | None
) -> list[Observation]:
    from hedgectl.adapters import http as prober

    if on_progress is None:
        return prober.probe_all(targets, ssl_ctx)
    done = 0
    on_progress(0, len(targets))

    def tick(_target: Target, _obs: Observation) -> None:
        nonlocal done
        done += 1
        on_progress(done, len(targets))

    return prober.probe_all(targets, ssl_ctx, on_done=tick)


def reach_history(request: HistoryRequest) -> HistoryReport:
    """The recorded runs, state changes (newest first) and current states of a history file."""
    from hedgectl.adapters.history import History
    from hedgectl.core.reach.config import ReachSettings
    from hedgectl.report.reach import HistoryReport

    settings = _settings.load(request.config)
    reach_settings = settings.section("reach") or ReachSettings()
    path = history_file(request.history, reach_settings, settings.root)
    with History(path, read_only=True) as store:
        return HistoryReport(
            path=str(path),
            runs=store.runs(),
            events=store.events(request.providers, request.regions, request.limit),
            tracks=store.tracks(request.providers, request.regions),
        )


def recent_changes(request: ReachRequest, limit: int = 20) -> list[Event]:
    """The newest recorded state changes, read-only ([] when there is no history, or with
    record=False, or when it cannot be read: the status page shows what it has)."""
    from hedgectl.adapters.history import History
    from hedgectl.core.reach.config import ReachSettings

    if not request.record:
        return []
    settings = _settings.load(request.config)
    reach_settings = settings.section("reach") or ReachSettings()
    path = history_file(request.history, reach_settings, settings.root)
    if not path.exists():
        return []
    try:
        with History(path, read_only=True) as store:
            return store.events(limit=limit)
    except FileError:
        return []


def serve(
    request: ReachRequest,
    host: str,
    port: int,
    *,
    max_concurrent: int = 4,
    on_started: Callable[[str], None] | None = None,
    on_log: Callable[[str], None] | None = None,
    on_history_error: Callable[[str], None] | None = None,
) -> None:
    """`reach serve`: the exporter, until SIGTERM/SIGINT. Each scrape runs reach() narrowed to
    its provider/region and capped at its scrape budget: the same code (and history) as a cron
    run. Configuration errors are raised before the port is opened; OSError if it cannot be."""
    from hedgectl.adapters.exporter import Exporter, ProbeAnswer
    from hedgectl.report.reach import ReachReport, render_prometheus
    from hedgectl.report.reach_html import render_status_page

    check_request(request)
    log = on_log or _ignore
    history_error = on_history_error or _ignore

    def probe(
        providers: Sequence[str], regions: Sequence[str], budget: float | None
    ) -> ProbeAnswer:
        scrape = replace(request, providers=tuple(providers), regions=tuple(regions))
        report = reach(scrape, on_warning=log, on_notify_error=log, timeout_cap=budget)
        if report.history_error:
            history_error(report.history_error)
        metrics = render_prometheus(report)
        return ProbeAnswer(metrics, report.results, report.vantage, not report.history_error)

    def page(results: Sequence[Any], vantage: dict[str, str], at: float) -> str:
        report = ReachReport(results=results, vantage=vantage, run_at=at)
        return render_status_page(report, recent_changes(request))

    exporter = Exporter(host, port, probe, page, max_concurrent=max_concurrent, log=log)
    bound = exporter.httpd.server_address[1]  # the port picked when --listen asks for 0
    address = f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"
    exporter.serve(on_ready=None if on_started is None else lambda: on_started(address))


def history_file(flag: Path | None, reach_settings: ReachSettings, root: Path) -> Path:
    """--history > HEDGECTL_REACH_HISTORY > [reach] history > the XDG state default."""
    from hedgectl.adapters.history import default_path

    path = _settings.pick(flag, "HEDGECTL_REACH_HISTORY", None, Path)
    if path is not None:
        return path
    return _in_root(reach_settings.history, root) if reach_settings.history else default_path()


def _in_root(value: str, root: Path) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else root / path


def _trust(flag: Path | None, configured: str, root: Path) -> ssl.SSLContext:
    """The TLS context every probe uses, built once: the chosen CA bundle, else the system's."""
    import ssl as _ssl

    from hedgectl.adapters import http

    chosen = _ca_bundle(flag, configured, root)
    if chosen is None:
        return http.make_ssl_context(None)
    path, origin = chosen
    error = ConfigError if origin.startswith("[") else UsageError
    try:
        return http.make_ssl_context(path)
    except _ssl.SSLError:
        raise error(f"{origin}: {path} is not a PEM file of CA certificates") from None
    except OSError as exc:
        raise error(f"{origin}: {path} cannot be read: {exc.strerror or exc}") from None


def _ca_bundle(flag: Path | None, configured: str, root: Path) -> tuple[str, str] | None:
    """(path, where it was named) of the CA bundle to trust, or None for the system store."""
    candidates = [
        (str(flag), "--ca-bundle") if flag else None,
        (str(_in_root(configured, root)), "[reach] ca_bundle") if configured else None,
        (os.environ["SSL_CERT_FILE"], "SSL_CERT_FILE") if os.environ.get("SSL_CERT_FILE") else None,
    ]
    for candidate in candidates:
        if candidate is None:
            continue
        path, origin = candidate
        error = ConfigError if origin.startswith("[") else UsageError
        if not Path(path).is_file():
            raise error(f"{origin}: CA bundle {path} is not a file")
        return path, origin
    return None


def _not_recorded(exc: HedgeError) -> str:
    hint = f" ({exc.hint})" if exc.hint else ""
    return f"{exc}{hint}; the results are reported but not recorded"


def _ignore(_message: str) -> None:
    pass
