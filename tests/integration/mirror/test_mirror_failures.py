"""Failures a user meets: a store that hangs up, bad flags, wrong keys, a source that keeps
failing, two runs on one prefix. Each ends in one line on stderr with the right exit code."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from hedgectl.cli.app import app
from tests.integration.mirror.conftest import mirror_args
from tests.servers.hub import HubFile, HubRepo, HubServer
from tests.servers.seaweed import Seaweed

REPO = "acme/tiny-model"
MiB = 1024 * 1024


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def one_line_error(result: Any) -> str:
    """The failure is one 'error:' line (retry notices before it are fine), no traceback."""
    err = str(result.stderr)
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return err


class HangUp:
    """A TCP server that accepts every connection and closes it at once, without a reply (what a
    store's load balancer does when it drops a connection): botocore's ConnectionClosedError."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            try:
                conn.recv(65536)  # the request arrives; no status line ever goes back
            except OSError:
                pass
            conn.close()

    def __enter__(self) -> HangUp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def hangup() -> Iterator[HangUp]:
    with HangUp() as server:
        yield server


def test_store_that_closes_without_a_reply_is_retried_then_exit_4(
    hub: HubServer, seaweed: Seaweed, hangup: HangUp
) -> None:
    result = run(
        "mirror",
        REPO,
        "s3://some-bucket/m",
        *mirror_args(hub, seaweed, "--retries", "3", endpoint=hangup.url),
    )
    assert result.exit_code == 4, result.output
    err = one_line_error(result)
    assert "gave up after 3 attempts" in err
    assert hangup.accepted == 3  # our budget, not botocore's on top of it


def test_retry_budget_also_ends_on_time(hub: HubServer, seaweed: Seaweed, hangup: HangUp) -> None:
    started = time.monotonic()
    result = run(
        "mirror",
        REPO,
        "s3://some-bucket/m",
        *mirror_args(hub, seaweed, "--retries", "100", "--retry-seconds", "2", endpoint=hangup.url),
    )
    assert result.exit_code == 4
    one_line_error(result)
    assert time.monotonic() - started < 20
    assert 1 <= hangup.accepted < 100


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--endpoint-url", "127.0.0.1:9"], "bad S3 endpoint URL '127.0.0.1:9'"),
        (["--endpoint-url", "ftp://127.0.0.1:9"], "bad S3 endpoint URL"),
        (["--hub-endpoint", "127.0.0.1:9"], "bad S3 endpoint URL"),
        (["-j", "0"], "--concurrency must be between 1 and 256, not 0"),
        (["-j", "-3"], "--concurrency must be between 1 and 256"),
        (["--retries", "0"], "--retries must be between 1 and 100"),
    ],
)
def test_bad_flags_are_usage_errors(args: list[str], needle: str) -> None:
    base = ["--hub-endpoint", "http://127.0.0.1:9", "--endpoint-url", "http://127.0.0.1:9"]
    result = run("mirror", REPO, "s3://some-bucket/m", *base, *args)
    assert result.exit_code == 2, result.output
    err = one_line_error(result)
    assert needle.split("'")[0] in err or needle in err


def test_wrong_secret_names_the_credentials(
    hub: HubServer, seaweed: Seaweed, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    result = run("mirror", REPO, f"s3://{bucket}/m", *mirror_args(hub, seaweed))
    assert result.exit_code == 4
    err = one_line_error(result)
    assert "credentials are wrong" in err and "AWS_SECRET_ACCESS_KEY" in err
    assert "resumable" not in err and "Forbidden" not in err


def test_persistent_hub_errors_are_not_retried_twice_over(
    hub: HubServer, seaweed: Seaweed, bucket: str
) -> None:
    hub.faults.tree_statuses = deque([503] * 50)
    hub.faults.retry_after = 0
    result = run("mirror", REPO, f"s3://{bucket}/m", *mirror_args(hub, seaweed, "--retries", "3"))
    assert result.exit_code == 4
    assert "gave up after 3 attempts" in one_line_error(result)
    tree_calls = [e for e in hub.requests(origin="hub") if "/tree/" in e.get("path", "")]
    assert len(tree_calls) == 3  # huggingface_hub's own retries do not run inside ours


def test_persistent_resolve_errors_use_the_same_budget(
    hub: HubServer, seaweed: Seaweed, bucket: str
) -> None:
    shard = "model-00001-of-00003.safetensors"
    hub.faults.resolve_statuses[shard] = deque([503] * 50)
    hub.faults.retry_after = 0
    result = run("mirror", REPO, f"s3://{bucket}/m", *mirror_args(hub, seaweed, "--retries", "3"))
    assert result.exit_code == 4
    assert "gave up after 3 attempts" in one_line_error(result)
    assert len(hub.requests(origin="hub", path=shard)) == 3


def _mirror_cmd(hub: HubServer, seaweed: Seaweed, repo: str, dest: str) -> list[str]:
    return [
        sys.executable, "-m", "hedgectl", "mirror", repo, dest, "-q",
        "--part-size", "5MiB", "-j", "2", *mirror_args(hub, seaweed),
    ]  # fmt: skip


def test_two_runs_on_one_prefix_both_succeed_and_leave_no_upload(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    big = HubFile("model-00001-of-00001.safetensors", 8 * 5 * MiB + 99, seed=77)
    repo = HubRepo("acme/raced", [big, HubFile("config.json", 2, lfs=False, content=b"{}")])
    hub = hub_factory(repo)
    hub.faults.rate[big.path] = 8 * MiB  # both runs are mid-file at the same time
    cmd = _mirror_cmd(hub, seaweed, repo.repo_id, f"s3://{bucket}/m")
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err1 = first.communicate(timeout=110)
        _, err2 = second.communicate(timeout=110)
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert s3.list_multipart_uploads(Bucket=bucket, Prefix="m/").get("Uploads", []) == []
    ok = run(
        "mirror", "verify", repo.repo_id, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint
    )
    assert ok.exit_code == 0, ok.output


def test_stray_uploads_for_a_completed_key_are_aborted(
    hub: HubServer, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    repo = hub.repos[REPO]
    key = f"m/{REPO}/{repo.commit}/model-00002-of-00003.safetensors"
    # Two uploads of one key left by runs that died right after creating them: the run continues
    # one of them and, once the object is complete, aborts the other.
    for _ in range(2):
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    result = run(
        "mirror", REPO, f"s3://{bucket}/m", *mirror_args(hub, seaweed, "--part-size", "5MiB")
    )
    assert result.exit_code == 0, result.output
    assert s3.list_multipart_uploads(Bucket=bucket, Prefix="m/").get("Uploads", []) == []
