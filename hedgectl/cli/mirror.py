"""`hedgectl mirror`: copy a Hub repo at a pinned commit into S3, list presets, verify a mirror.

    hedgectl mirror SOURCE DEST [options]        (same as `hedgectl mirror copy SOURCE DEST`)
    hedgectl mirror presets
    hedgectl mirror verify SOURCE DEST
    hedgectl mirror serve DEST
    hedgectl mirror sync [DEST]

`mirror` is a command group whose default subcommand is `copy`: an argument that is not a
subcommand name is taken as SOURCE, so the short form from the issue works and `presets` and
`verify` stay discoverable in `hedgectl mirror --help`.
"""

from __future__ import annotations

import enum
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hedgectl.cli._common import (
    ConfigOpt,
    QuietOpt,
    emit,
    emit_rich,
    err,
    out,
    real,
    reports_errors,
)
from hedgectl.cli._extras import require
from hedgectl.cli._params import install as direct_checks
from hedgectl.errors import ExitCode
from hedgectl.report import printable


class AddressingStyle(enum.StrEnum):
    AUTO = "auto"
    PATH = "path"
    VIRTUAL = "virtual"


class SourceKind(enum.StrEnum):
    HUB = "hub"
    MODELSCOPE = "modelscope"


class _DefaultCopyGroup(TyperGroup):
    """`hedgectl mirror SOURCE DEST` means `hedgectl mirror copy SOURCE DEST`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["copy", *args]
        return list(super().parse_args(ctx, args))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # The root group gives the `mirror` group's own parameters typer's checks without
        # pydantic (cli/_params.py); the subcommand that runs gets them here.
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            direct_checks(command.get_params(ctx))
        return name, command, rest


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
RetriesOpt = Annotated[
    int | None,
    typer.Option(
        "--retries",
        help="Tries per request before giving up, for the Hub and S3 alike (default 8).",
        show_default=False,
    ),
]
RetrySecondsOpt = Annotated[
    float | None,
    typer.Option(
        "--retry-seconds",
        help="Give up on a request this long after its first failure (default 300).",
        show_default=False,
    ),
]


class MirrorFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOpt = Annotated[
    MirrorFormat,
    typer.Option(
        "--format", "-f", help="Output format (json: schema hedgectl.mirror/v1 on stdout)."
    ),
]
# Before -f json existed; kept so scripts that pass it keep working.
JsonOpt = Annotated[bool, typer.Option("--json", hidden=True, help="Deprecated: use -f json.")]
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="I/N: copy only shard I of N (files split deterministically by size). 'auto/N' takes I "
        "from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX.",
        show_default=False,
    ),
]


class _Reporter:
    """Progress on stderr: rich bars on a terminal, plain timestamped lines otherwise."""

    def __init__(self, quiet: bool, interval: float = 10.0) -> None:
        self.quiet = quiet
        self.tty = not quiet and err.is_terminal  # -q: rich is never loaded
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
        message = printable(message)  # one line: a file name from the Hub is not trusted
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
                console=real(err),
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
                self._tasks[path] = self._bar.add_task(f"  {printable(path)}", total=size)
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


def _render(
    command: str, result: Any, fmt: MirrorFormat, as_json: bool = False, quiet: bool = False
) -> None:
    from hedgectl.report import Format, render
    from hedgectl.report import mirror as _register  # noqa: F401 - registers the renderers

    if as_json or fmt is MirrorFormat.JSON:
        emit(render(command, Format.JSON, result), None, exact=True)
    else:
        emit_rich(render(command, Format.TABLE, result), None, quiet=quiet)


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
            help="S3 part size (default 8MiB; 5MiB..5GiB, raised to fit 10,000 parts).",
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
    retries: RetriesOpt = None,
    retry_seconds: RetrySecondsOpt = None,
    source_kind: Annotated[
        SourceKind,
        typer.Option(
            "--source",
            help="Where the bytes come from: hub, or modelscope when the Hub has taken the repo "
            "down or is blocked (checked against --manifest, this mirror's manifest, or the Hub listing).",
        ),
    ] = SourceKind.HUB,
    source_endpoint: Annotated[
        str | None,
        typer.Option(
            "--source-endpoint",
            help="ModelScope endpoint (default https://modelscope.cn; MODELSCOPE_ENDPOINT works too).",
            show_default=False,
        ),
    ] = None,
    source_repo: Annotated[
        str | None,
        typer.Option(
            "--source-repo", help="Repo id on ModelScope, if not the Hub's.", show_default=False
        ),
    ] = None,
    source_revision: Annotated[
        str | None,
        typer.Option(
            "--source-revision",
            help="ModelScope branch or tag (default master).",
            show_default=False,
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="A manifest of an earlier mirror of this repo: the hashes --source modelscope is checked against.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = MirrorFormat.TABLE,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Copy SOURCE (preset or org/name[@revision]) into DEST, resuming whatever an earlier run left."""
    require("mirror", "mirror")
    from hedgectl.services.mirror import MirrorRequest, mirror, plan_mirror

    request = MirrorRequest(
        source=source,
        dest=dest,
        revision=revision,
        include=include or (),
        exclude=exclude or (),
        endpoint_url=endpoint_url,
        region=region,
        addressing_style=addressing_style.value if addressing_style else None,
        hub_endpoint=hub_endpoint,
        concurrency=concurrency,
        part_size=part_size,
        shard=shard,
        bandwidth_gbps=bandwidth,
        retries=retries,
        retry_seconds=retry_seconds,
        source_kind=source_kind.value,
        source_endpoint=source_endpoint,
        source_repo=source_repo,
        source_revision=source_revision,
        manifest=manifest,
        config=config,
    )
    with _Reporter(quiet) as progress:
        try:
            if dry_run:
                _render("mirror-plan", plan_mirror(request, progress=progress), fmt, as_json, quiet)
                return
            result = mirror(request, progress=progress)
        except KeyboardInterrupt:
            err.print("interrupted: nothing is lost; run the same command again to resume")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    _render("mirror-copy", result, fmt, as_json, quiet)


@mirror_app.command("presets")
@reports_errors
def presets_cmd(fmt: FormatOpt = MirrorFormat.TABLE, as_json: JsonOpt = False) -> None:
    """List the mirror presets (repo, approximate size, license)."""
    from hedgectl.services.mirror import presets

    _render("mirror-presets", presets(), fmt, as_json)


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
    fmt: FormatOpt = MirrorFormat.TABLE,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Read a mirror back from S3 and check every object's size and hash against its manifest.

    Exit 0 when everything matches, 1 when anything differs (missing, extra, size, hash).
    """
    require("mirror", "mirror verify")
    from hedgectl.services.mirror import VerifyRequest, verify_mirror

    request = VerifyRequest(
        source=source,
        dest=dest,
        revision=revision,
        endpoint_url=endpoint_url,
        region=region,
        addressing_style=addressing_style.value if addressing_style else None,
        concurrency=concurrency,
        shard=shard,
        config=config,
    )
    with _Reporter(quiet) as progress:
        try:
            result = verify_mirror(request, progress=progress)
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    _render("mirror-verify", result, fmt, as_json, quiet)
    if not result.ok:
        raise typer.Exit(int(ExitCode.FINDINGS))


@mirror_app.command("serve")
@reports_errors
def serve_cmd(
    dest: DestArg,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default loopback only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0 picks a free one).")] = 8080,
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    addressing_style: AddressingOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No request log (errors still show).")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Serve the mirror at DEST read-only as a Hugging Face Hub endpoint.

    Point huggingface_hub at it with HF_ENDPOINT=http://HOST:PORT: snapshot_download,
    hf_hub_download, 'hf download' and the tools built on them then read the mirrored commits
    (revisions from refs/) from the bucket, byte for byte. Runs until Ctrl-C or SIGTERM.
    """
    require("mirror", "mirror serve")
    import signal

    from hedgectl.services.mirror import ServeRequest, serve_mirror

    request = ServeRequest(
        dest=dest,
        host=host,
        port=port,
        endpoint_url=endpoint_url,
        region=region,
        addressing_style=addressing_style.value if addressing_style else None,
        config=config,
    )
    with _Reporter(quiet) as progress:
        server = serve_mirror(request, log=progress.log)
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
        err.print(
            f"serving {dest} read-only at {server.url} "
            f"(HF_ENDPOINT={server.url} hf download ORG/NAME)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            err.print("stopped")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        finally:
            server.server_close()


@mirror_app.command("sync")
@reports_errors
def sync_cmd(
    dest: Annotated[
        str | None,
        typer.Argument(
            help="s3://bucket[/prefix] (default: [mirror] dest in hedge.toml)", show_default=False
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Also delete the mirrored commits of watched repos that no ref points to any more.",
        ),
    ] = False,
    endpoint_url: EndpointOpt = None,
    region: RegionOpt = None,
    addressing_style: AddressingOpt = None,
    hub_endpoint: HubOpt = None,
    concurrency: ConcurrencyOpt = None,
    retries: RetriesOpt = None,
    retry_seconds: RetrySecondsOpt = None,
    fmt: Annotated[
        MirrorFormat,
        typer.Option(
            "--format", "-f", help="Output format (json: schema hedgectl.mirror-sync/v1)."
        ),
    ] = MirrorFormat.TABLE,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Bring every watched repository ([mirror] watch in hedge.toml) to its newest commit (for cron).

    Files unchanged since a mirrored commit are copied inside the store (CopyObject/UploadPartCopy),
    not downloaded again. Nothing is deleted unless --prune. Exit 0 when every watched repository
    is up to date, 4 when any failed (the others are still synced).
    """
    require("mirror", "mirror sync")
    from hedgectl.report import dump_json
    from hedgectl.services.mirror import SyncRequest, sync_mirrors

    request = SyncRequest(
        dest=dest,
        prune=prune,
        endpoint_url=endpoint_url,
        region=region,
        addressing_style=addressing_style.value if addressing_style else None,
        hub_endpoint=hub_endpoint,
        concurrency=concurrency,
        retries=retries,
        retry_seconds=retry_seconds,
        config=config,
    )
    with _Reporter(quiet) as progress:
        try:
            result = sync_mirrors(request, progress=progress)
        except KeyboardInterrupt:
            err.print("interrupted: nothing is lost; run the same command again to resume")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    repos = result["repos"]
    if as_json or fmt is MirrorFormat.JSON:
        emit(dump_json("hedgectl.mirror-sync/v1", result), None, exact=True)
    elif not quiet:
        for e in repos:
            line = f"{e['status']:<10} {e['repo']}@{e['revision']}"
            if e.get("commit"):
                line += f" = {e['commit']}"
            if e["status"] == "updated":
                line += (
                    f" ({e['server_copied']} file(s) copied inside the store, "
                    f"{e['bytes_downloaded']} bytes downloaded)"
                )
            if e.get("pruned"):
                line += f"; pruned {len(e['pruned'])} old commit(s)"
            if e.get("error"):
                line += f": {e['error']}"
            out.print(printable(line), markup=False, highlight=False, soft_wrap=True)
    if any(e["status"] in ("failed", "incomplete") for e in repos):
        raise typer.Exit(int(ExitCode.REMOTE))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(mirror_app, name="mirror")
