"""`hedgectl mirror`: copy a Hub repo at a pinned commit into S3, list presets, verify a mirror.

    hedgectl mirror SOURCE DEST [options]        (same as `hedgectl mirror copy SOURCE DEST`)
    hedgectl mirror presets
    hedgectl mirror verify SOURCE DEST

`mirror` is a command group whose default subcommand is `copy`: an argument that is not a
subcommand name is taken as SOURCE, so the short form from the issue works and `presets` and
`verify` stay discoverable in `hedgectl mirror --help`.
"""

from __future__ import annotations

import enum
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from hedgectl import __version__
from hedgectl.cli._common import ConfigOpt, QuietOpt, emit, err, load_settings, out, reports_errors
from hedgectl.core.units import parse_size
from hedgectl.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from hedgectl.core.mirror.config import MirrorSettings


class AddressingStyle(enum.StrEnum):
    AUTO = "auto"
    PATH = "path"
    VIRTUAL = "virtual"


class _DefaultCopyGroup(TyperGroup):
    """`hedgectl mirror SOURCE DEST` means `hedgectl mirror copy SOURCE DEST`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["copy", *args]
        return list(super().parse_args(ctx, args))


mirror_app = typer.Typer(
    cls=_DefaultCopyGroup,
    no_args_is_help=True,
    help="Mirror open weights from the Hugging Face Hub into S3: pinned, resumable, verified, "
    "streamed (no local disk). 'hedgectl mirror SOURCE DEST' is short for 'hedgectl mirror copy'.",
)

SourceArg = Annotated[
    str,
    typer.Argument(
        help="A preset (see 'hedgectl mirror presets') or a Hub repo id org/name, optionally @revision.",
        show_default=False,
    ),
]
DestArg = Annotated[str, typer.Argument(help="s3://bucket[/prefix]", show_default=False)]
RevisionOpt = Annotated[
    str | None,
    typer.Option(
        "--revision", "-r", help="Branch, tag or commit (default: main).", show_default=False
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="S3-compatible endpoint (SeaweedFS, MinIO, Ceph, R2). AWS_ENDPOINT_URL is honoured too.",
        show_default=False,
    ),
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="S3 region.", show_default=False)]
AddressingOpt = Annotated[
    AddressingStyle | None,
    typer.Option(
        "--addressing-style",
        help="S3 addressing: auto = path-style with a custom endpoint, virtual-hosted on AWS.",
        show_default=False,
    ),
]
HubOpt = Annotated[
    str | None,
    typer.Option(
        "--hub-endpoint",
        envvar="HF_ENDPOINT",
        help="Hub endpoint (default https://huggingface.co; HF_ENDPOINT is honoured).",
        show_default=False,
    ),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        "-j",
        help="Parts in flight (default 8). Memory is about concurrency x part size.",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print a JSON summary (schema hedgectl.mirror/v1) on stdout.")
]
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="I/N: copy only shard I of N (files split deterministically by size). 'auto/N' takes I "
        "from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX.",
        show_default=False,
    ),
]


def _settings(config: Path | None) -> MirrorSettings:
    from hedgectl.core.mirror.config import MirrorSettings

    value = load_settings(config).section("mirror")
    return value if isinstance(value, MirrorSettings) else MirrorSettings()


def _presets() -> dict[str, dict[str, Any]]:
    from hedgectl.catalog import load_data

    presets: dict[str, dict[str, Any]] = load_data("presets.toml")["presets"]
    return presets


def _shard(text: str | None) -> tuple[int, int]:
    from hedgectl.core.mirror import parse_shard

    if text is None:
        return 0, 1
    index, _, count = text.partition("/")
    if index.strip() == "auto":
        for var in ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"):
            if os.environ.get(var, "").strip():
                return parse_shard(f"{os.environ[var].strip()}/{count}")
        raise UsageError(
            f"--shard {text}: neither JOB_COMPLETION_INDEX nor AWS_BATCH_JOB_ARRAY_INDEX is set",
            hint="pass the index explicitly, e.g. --shard 0/4",
        )
    return parse_shard(text)


def _hub(endpoint: str | None, settings: MirrorSettings, pool: int, log: Any) -> Any:
    from huggingface_hub import get_token

    from hedgectl.adapters.hub import HubAdapter

    return HubAdapter(
        endpoint or settings.hub_endpoint or "https://huggingface.co",
        token=get_token(),
        pool_size=pool,
        log=log,
    )


def _store(
    target: Any,
    endpoint_url: str | None,
    region: str | None,
    style: AddressingStyle | None,
    settings: MirrorSettings,
    pool: int,
) -> Any:
    from hedgectl.adapters.s3 import S3Adapter

    # Precedence: flag > environment (the AWS SDK's own variables) > hedge.toml.
    env_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    env_region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return S3Adapter(
        target,
        endpoint_url=endpoint_url or env_endpoint or settings.endpoint_url,
        region=region or env_region or settings.region,
        addressing_style=(style.value if style else settings.addressing_style),
        pool_size=pool,
    )


class _Reporter:
    """Progress on stderr: rich bars on a terminal, plain timestamped lines otherwise."""

    def __init__(self, quiet: bool, interval: float = 10.0) -> None:
        self.quiet = quiet
        self.tty = err.is_terminal and not quiet
        self.interval = interval
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._started = time.monotonic()
        self._last = 0.0
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def log(self, message: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            err.print(
                f"{datetime.now(UTC):%H:%M:%S} {message}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    def begin(self, total_bytes: int, total_files: int) -> None:
        self._total, self._started = total_bytes, time.monotonic()
        self._last = self._started
        if self.tty:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=False,
            )
            self._bar.start()
            self._tasks["__total__"] = self._bar.add_task(
                f"total ({total_files} files)", total=total_bytes
            )
        else:
            self.log(f"{total_files} files, {total_bytes} bytes")

    def file_begin(self, path: str, size: int) -> None:
        if self._bar is not None:
            with self._lock:
                self._tasks[path] = self._bar.add_task(f"  {path}", total=size)
        else:
            self.log(f"start {path} ({size} bytes)")

    def advance(self, path: str, nbytes: int) -> None:
        with self._lock:
            self._done += nbytes
            now = time.monotonic()
            due = now - self._last >= self.interval
            if due:
                self._last = now
        if self._bar is not None:
            self._bar.advance(self._tasks["__total__"], nbytes)
            task = self._tasks.get(path)
            if task is not None:
                self._bar.advance(task, nbytes)
        elif due and not self.quiet:
            elapsed = max(now - self._started, 1e-6)
            rate = self._done / elapsed
            eta = (self._total - self._done) / rate if rate > 0 else 0
            pct = 100 * self._done / self._total if self._total else 100
            self.log(
                f"progress {self._done}/{self._total} bytes ({pct:.1f}%), {rate / 1e6:.1f} MB/s, ETA {eta:.0f}s"
            )

    def file_end(self, path: str, status: str) -> None:
        if self._bar is not None:
            with self._lock:
                task = self._tasks.pop(path, None)
            if task is not None:
                self._bar.remove_task(task)
            if status != "skipped":
                self.log(f"{status} {path}")
        elif status != "skipped" or not self.quiet:
            self.log(f"{status} {path}")


def _render(command: str, result: Any, as_json: bool) -> None:
    from hedgectl.report import Format, render
    from hedgectl.report import mirror as _register  # noqa: F401 - registers the renderers

    if as_json:
        emit(render(command, Format.JSON, result), None)
    else:
        out.print(render(command, Format.TABLE, result))


@mirror_app.command("copy")
@reports_errors
def copy_cmd(
    source: SourceArg,
    dest: DestArg,
    revision: RevisionOpt = None,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Only paths matching this glob (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Skip paths matching this glob (repeatable)."),
    ] = None,
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    addressing_style: AddressingOpt = None,
    hub_endpoint: HubOpt = None,
    concurrency: ConcurrencyOpt = None,
    part_size: Annotated[
        str | None,
        typer.Option(
            "--part-size",
            help="S3 part size (default 32MiB; 5MiB..5GiB, raised to fit 10,000 parts).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the plan (commit, files, bytes, what is already there, estimates).",
        ),
    ] = False,
    shard: ShardOpt = None,
    bandwidth: Annotated[
        float | None,
        typer.Option("--bandwidth-gbps", help="Line rate for the --dry-run time estimate."),
    ] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Copy SOURCE (preset or org/name[@revision]) into DEST, resuming whatever an earlier run left."""
    from hedgectl.core import mirror as core
    from hedgectl.report.mirror import PlanView

    settings = _settings(config)
    target = core.parse_dest(dest)
    src = core.parse_source(source, _presets(), revision)
    shard_ix = _shard(shard)
    psize = parse_size(part_size) if part_size else settings.part_size
    core.part_size_for(0, psize)  # range check before any network call
    workers = concurrency or settings.concurrency
    if workers < 1:
        raise UsageError("--concurrency must be at least 1")
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with _Reporter(quiet) as progress:
        hub = _hub(hub_endpoint, settings, workers + 4, progress.log)
        store = _store(target, endpoint_url, region, addressing_style, settings, workers + 4)
        try:
            store.check_bucket()
            progress.log(f"resolving {src.repo_id}@{src.revision} on {hub.endpoint}")
            snap = hub.snapshot(src.repo_id, src.revision)
            progress.log(f"pinned {src.repo_id}@{src.revision} to commit {snap.commit}")
            plan = core.make_plan(
                snap,
                target,
                store,
                part_size=psize,
                include=include or (),
                exclude=exclude or (),
                shard=shard_ix,
            )
            if dry_run:
                est = core.estimate(
                    plan.total_bytes - plan.present_bytes,
                    bandwidth if bandwidth is not None else settings.bandwidth_gbps,
                    settings.price_per_gb_month,
                )
                est["storage_usd_month"] = core.estimate(
                    sum(f.size for f in plan.selection), 1.0, settings.price_per_gb_month
                )["storage_usd_month"]
                _render("mirror-plan", PlanView(plan, est), as_json)
                return
            copier = core.Copier(hub, store, progress, concurrency=workers)
            try:
                result = copier.run(plan)
            except KeyboardInterrupt:
                copier.cancel()
                raise
            finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            keys = core.finalize(
                plan,
                store,
                tool_version=__version__,
                started_at=started_at,
                finished_at=finished_at,
            )
            if keys is not None:
                result.manifest_key, result.ref_key = keys
                progress.log(
                    f"manifest s3://{target.bucket}/{keys[0]}; ref s3://{target.bucket}/{keys[1]}"
                )
            else:
                progress.log(
                    "other shards still have files to copy: the last one to finish writes the manifest"
                )
        except KeyboardInterrupt:
            err.print("interrupted: nothing is lost; run the same command again to resume")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        finally:
            hub.close()
    _render("mirror-copy", result, as_json)


@mirror_app.command("presets")
@reports_errors
def presets_cmd(as_json: JsonOpt = False) -> None:
    """List the mirror presets (repo, approximate size, license)."""
    from hedgectl.report.mirror import PresetsView

    _render("mirror-presets", PresetsView(_presets()), as_json)


@mirror_app.command("verify")
@reports_errors
def verify_cmd(
    source: Annotated[
        str,
        typer.Argument(
            help="Preset or org/name, optionally @revision or @commit (resolved from the mirror's refs/, "
            "not the Hub).",
            show_default=False,
        ),
    ],
    dest: DestArg,
    revision: RevisionOpt = None,
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    addressing_style: AddressingOpt = None,
    concurrency: ConcurrencyOpt = None,
    shard: ShardOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Read a mirror back from S3 and check every object's size and hash against its manifest.

    Exit 0 when everything matches, 1 when anything differs (missing, extra, size, hash).
    """
    from hedgectl.core import mirror as core

    settings = _settings(config)
    target = core.parse_dest(dest)
    src = core.parse_source(source, _presets(), revision)
    shard_ix = _shard(shard)
    workers = concurrency or settings.concurrency
    with _Reporter(quiet) as progress:
        store = _store(target, endpoint_url, region, addressing_style, settings, workers + 4)
        store.check_bucket()
        try:
            result = core.verify(
                store,
                target,
                src.repo_id,
                src.revision,
                concurrency=workers,
                shard=shard_ix,
                progress=progress,
            )
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    _render("mirror-verify", result, as_json)
    if not result.ok:
        raise typer.Exit(int(ExitCode.FINDINGS))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(mirror_app, name="mirror")
