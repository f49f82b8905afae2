"""Benchmark `hedgectl mirror` against what a user would otherwise do; write bench/RESULTS.md.

One run, one machine, loopback only. A generated repo (N LFS shards) is served by the test Hub
(tests/servers/hub.py, in its own process) and written to a real SeaweedFS. Compared:

  (a) hedgectl mirror           Hub -> S3 streamed, nothing on disk
  (b) two-step                  `hf download --local-dir` to disk, then `aws s3 cp --recursive`
                                (awscli if on PATH or --aws; else boto3's managed upload_file, the
                                s3transfer code `aws s3 cp` runs)
  (c) raw upload                the same bytes from local disk with s3transfer, the sink's limit

Usage:
    .venv/bin/python bench/mirror_bench.py                    # 4 x 512 MiB, writes RESULTS.md
    .venv/bin/python bench/mirror_bench.py --files 2 --file-mib 256 --no-write
    .venv/bin/python bench/mirror_bench.py --aws /path/to/venv/bin/aws
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers.seaweed import start_seaweed  # noqa: E402

RESULTS = REPO / "bench" / "RESULTS.md"
WORK = REPO / "bench" / "out" / "mirror"
START, END = "<!-- mirror:start -->", "<!-- mirror:end -->"
HEADER = "# Benchmarks\n\nReproducible measurements of hedgectl against the tools users would pick instead.\n"
MiB = 1024 * 1024
REPO_ID = "bench/model"

HUB_SCRIPT = """
import sys, time
sys.path.insert(0, {repo!r})
from tests.servers.hub import HubFile, HubRepo, HubServer
n = {n}
files = [HubFile(f"model-{{i:05d}}-of-{{n:05d}}.safetensors", {size} + i, seed=i) for i in range(1, {n} + 1)]
files.append(HubFile("config.json", 2, lfs=False, content=b"{{}}"))
for f in files:
    f.sha256
server = HubServer([HubRepo({repo_id!r}, files)]).start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""

RAW_SCRIPT = """
import sys, boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from pathlib import Path
src, endpoint, bucket, prefix, conc, part = sys.argv[1:7]
client = boto3.client("s3", endpoint_url=endpoint, config=Config(s3={{"addressing_style": "path"}},
    request_checksum_calculation="when_required", response_checksum_validation="when_required",
    max_pool_connections=int(conc) + 4))
cfg = TransferConfig(max_concurrency=int(conc), multipart_chunksize=int(part), multipart_threshold=int(part))
from s3transfer.manager import TransferManager
with TransferManager(client, cfg) as tm:
    futures = [tm.upload(str(p), bucket, prefix + str(p.relative_to(src))) for p in sorted(Path(src).rglob("*"))
               if p.is_file() and ".cache" not in p.parts]
    for f in futures:
        f.result()
"""


def timed(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Run a command; wall seconds and the child's own peak RSS (MiB)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {
        "seconds": time.monotonic() - started,
        "rss_mib": usage.ru_maxrss / 1024,
        "cpu": usage.ru_utime + usage.ru_stime,
        "stdout": out.decode(),
    }


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def make_bucket(client: Any, name: str) -> str:
    client.create_bucket(Bucket=name)
    return name


def section(
    rows: list[dict[str, Any]], args: argparse.Namespace, total: int, aws_label: str
) -> str:
    by = {r["name"]: r for r in rows}
    raw = by["raw upload from disk (s3transfer)"]["mbps"]
    two = by["two-step total"]["seconds"]
    mine = by["hedgectl mirror"]
    lines = [
        START,
        "## mirror",
        "",
        f"`.venv/bin/python bench/mirror_bench.py --files {args.files} --file-mib {args.file_mib} "
        f"--concurrency {args.concurrency} --part-size {args.part_size_mib}MiB` "
        f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, loopback).",
        "",
        f"Repo: {args.files} LFS shards of {args.file_mib} MiB + config.json = {total / MiB:.0f} MiB, served "
        "by the test Hub (tests/servers/hub.py, own process: resolve HEAD, 302 to a CDN origin, Range "
        "GETs) into SeaweedFS `weed mini` on the same machine. Every tool writes the same bytes.",
        "",
        "| run | seconds | MB/s | client CPU s | peak RSS (MiB) | bytes staged on disk |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        rss = f"{r['rss_mib']:.0f}" if r.get("rss_mib") is not None else "-"
        lines.append(
            f"| {r['name']} | {r['seconds']:.1f} | {r['mbps']:.0f} | {r['cpu']:.1f} | {rss} | {r['staged']:,} |"
        )
    lines += [
        "",
        f"- hedgectl vs raw upload (the sink's limit): **{mine['mbps'] / raw * 100:.0f}%** (goal >= 90%)",
        f"- hedgectl vs two-step (`hf download` + {aws_label}): **{two / mine['seconds']:.2f}x** faster "
        "(goal >= 1.5x)",
        f"- hedgectl peak RSS: **{mine['rss_mib']:.0f} MiB** with {args.concurrency} x "
        f"{args.part_size_mib} MiB parts (goal <= 512 MiB); bytes staged on disk: **{mine['staged']}**",
        "",
        "Notes: hedgectl also hashes every byte (SHA-256 in order, CRC32 per part) and the raw upload does "
        "not; on 2 cores the test Hub, SeaweedFS and the client share the CPU, so figures are for "
        "comparison on this machine, not absolute. Staged bytes: what each run left in its download "
        "folder, HOME, HF_HOME and TMPDIR (all fresh per run).",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace only the mirror section; other scripts own the other sections."""
    current = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)
    if pattern.search(current):
        current = pattern.sub(lambda _: text, current, count=1)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(current, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--file-mib", type=int, default=512)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--part-size-mib", type=int, default=32)
    parser.add_argument(
        "--aws", help="path to the aws CLI (default: on PATH; else boto3 upload_file)"
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not touch {RESULTS.name}")
    args = parser.parse_args(argv)

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    py = sys.executable
    aws = args.aws or shutil.which("aws")
    weed = start_seaweed(WORK / "seaweed")
    hub_proc = subprocess.Popen(
        [
            py,
            "-c",
            HUB_SCRIPT.format(
                repo=str(REPO), size=args.file_mib * MiB, n=args.files, repo_id=REPO_ID
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert hub_proc.stdout is not None
        hub_url = hub_proc.stdout.readline().strip()
        if not hub_url.startswith("http://127.0.0.1:"):
            raise SystemExit("the test Hub did not start")
        s3 = weed.client()
        total = sum(args.file_mib * MiB + i for i in range(1, args.files + 1)) + 2
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "AWS_"))}
        base_env.update(
            AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1,localhost",
        )  # fmt: skip

        def fresh_env(name: str) -> tuple[dict[str, str], Path]:
            home = WORK / f"home-{name}"
            (home / "tmp").mkdir(parents=True)
            env = dict(base_env, HOME=str(home), HF_HOME=str(home / "hf"), TMPDIR=str(home / "tmp"))
            return env, home

        rows: list[dict[str, Any]] = []

        # (a) hedgectl mirror
        env, home = fresh_env("hedgectl")
        bucket = make_bucket(s3, "bench-hedgectl")
        r = timed(
            [py, "-m", "hedgectl", "mirror", REPO_ID, f"s3://{bucket}/m", "--hub-endpoint", hub_url,
             "--endpoint-url", weed.endpoint, "-j", str(args.concurrency),
             "--part-size", f"{args.part_size_mib}MiB", "--json", "-q"],
            env=env, cwd=home,
        )  # fmt: skip
        summary = json.loads(r["stdout"])
        assert summary["bytes_sent"] == total, summary
        rows.append(
            {"name": "hedgectl mirror", **r, "mbps": total / r["seconds"] / 1e6, "staged": du(home)}
        )

        # (b) two-step: hf download to disk, then aws s3 cp --recursive (or s3transfer)
        env, home = fresh_env("twostep")
        dl = home / "download"
        hf = str(Path(py).parent / "hf")
        r1 = timed(
            [hf, "download", REPO_ID, "--local-dir", str(dl)], env=dict(env, HF_ENDPOINT=hub_url)
        )
        staged = du(dl)
        bucket = make_bucket(s3, "bench-twostep")
        if aws:
            aws_label = "`aws s3 cp --recursive`"
            r2 = timed(
                [aws, "s3", "cp", "--recursive", "--quiet", "--exclude", ".cache/*", str(dl), f"s3://{bucket}/m/",
                 "--endpoint-url", weed.endpoint],
                env=dict(env, AWS_REQUEST_CHECKSUM_CALCULATION="when_required"),
            )  # fmt: skip
        else:
            aws_label = (
                "boto3 upload_file (s3transfer, what `aws s3 cp` runs; awscli not installed)"
            )
            r2 = timed(
                [
                    py,
                    "-c",
                    RAW_SCRIPT.format(),
                    str(dl),
                    weed.endpoint,
                    bucket,
                    "m/",
                    "10",
                    str(8 * MiB),
                ],
                env=env,
            )
        rows.append(
            {
                "name": "  hf download to disk",
                **r1,
                "mbps": total / r1["seconds"] / 1e6,
                "staged": staged,
            }
        )
        rows.append(
            {"name": "  upload from disk", **r2, "mbps": total / r2["seconds"] / 1e6, "staged": 0}
        )
        rows.append(
            {
                "name": "two-step total",
                "seconds": r1["seconds"] + r2["seconds"],
                "rss_mib": max(r1["rss_mib"], r2["rss_mib"]),
                "cpu": r1["cpu"] + r2["cpu"],
                "mbps": total / (r1["seconds"] + r2["seconds"]) / 1e6,
                "staged": staged,
            }
        )

        # (c) raw upload of the same bytes from local disk (the sink's limit)
        env, home = fresh_env("raw")
        bucket = make_bucket(s3, "bench-raw")
        r = timed(
            [py, "-c", RAW_SCRIPT.format(), str(dl), weed.endpoint, bucket, "m/", str(args.concurrency),
             str(args.part_size_mib * MiB)],
            env=env,
        )  # fmt: skip
        rows.append(
            {
                "name": "raw upload from disk (s3transfer)",
                **r,
                "mbps": total / r["seconds"] / 1e6,
                "staged": staged,
            }
        )
    finally:
        if hub_proc.stdin:
            hub_proc.stdin.close()
        hub_proc.wait(timeout=30)
        weed.stop()

    text = section(rows, args, total, aws_label)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"wrote the mirror section of {RESULTS}", file=sys.stderr)
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
