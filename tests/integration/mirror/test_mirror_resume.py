"""The mirror as a real process: kill -9 mid-file and resume; peak memory on a file served lazily."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from hedgectl.cli.app import app
from hedgectl.core.mirror.hashstate import new_file_hasher
from hedgectl.core.mirror.plan import part_ranges
from tests.servers.hub import HubFile, HubRepo, HubServer
from tests.servers.seaweed import CountingProxy, Seaweed

MiB = 1024 * 1024


def mirror_cmd(hub: HubServer, endpoint: str, repo: str, dest: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "hedgectl", "mirror", repo, dest,
        "--hub-endpoint", hub.url, "--endpoint-url", endpoint, *extra,
    ]  # fmt: skip


def _has_parts(s3: Any, bucket: str, key: str, count: int) -> bool:
    return len(list_parts(s3, bucket, key)) >= count


def list_parts(s3: Any, bucket: str, key: str) -> dict[int, str]:
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads", [])
    parts: dict[int, str] = {}
    for up in uploads:
        for p in s3.list_parts(Bucket=bucket, Key=key, UploadId=up["UploadId"]).get("Parts", []):
            parts[p["PartNumber"]] = p["ETag"]
    return parts


def kill_9_when(cmd: list[str], ready: Callable[[], bool], what: str) -> int:
    """Run the command, kill -9 it once `ready()` holds (within 60 s), return its exit status.
    The process must still be running when it is killed: an early exit fails with its stderr."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, f"{what} in 60 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_kill_9_mid_file_then_resume_sends_no_part_twice(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    big = HubFile(
        "model-00001-of-00001.safetensors", 10 * 5 * MiB - 12345, seed=42
    )  # 10 parts of 5 MiB
    repo = HubRepo("acme/resumable", [big, HubFile("config.json", 2, lfs=False, content=b"{}")])
    hub = hub_factory(repo)
    hub.faults.rate[big.path] = 3 * MiB  # bytes/s per connection: the kill lands mid-file
    key = f"m/{repo.repo_id}/{repo.commit}/{big.path}"
    cmd = mirror_cmd(
        hub, seaweed.endpoint, repo.repo_id, f"s3://{bucket}/m", "--part-size", "5MiB", "-j", "2"
    )
    status = kill_9_when(
        cmd, functools.partial(_has_parts, s3, bucket, key, 3), "fewer than 3 parts"
    )
    assert status == -signal.SIGKILL
    time.sleep(0.5)
    before = list_parts(s3, bucket, key)
    assert 3 <= len(before) < 10

    hub.faults.rate.clear()
    resumed = _resume(cmd, seaweed.endpoint)
    sent = resumed.uploaded
    assert not set(sent) & set(before), f"parts {set(sent) & set(before)} were uploaded twice"
    assert sent == sorted(set(range(1, 11)) - set(before))  # each missing part exactly once
    creates = [e for e in resumed.requests if e["method"] == "POST" and "uploads" in e["query"]]
    assert creates == []  # the interrupted upload was continued, not restarted
    summary = resumed.summary
    entry = next(f for f in summary["files"] if f["path"] == big.path)
    assert entry["status"] == "resumed" and entry["parts_reused"] == len(before)
    assert entry["bytes_sent"] + entry["bytes_reread"] + entry["bytes_resumed"] == big.size
    # The hash continued from the checkpoint saved beside the upload: stored parts up to it are
    # not read from the Hub again.
    assert entry["bytes_resumed"] > 0
    assert (
        s3.list_objects_v2(Bucket=bucket, Prefix=f"m/{repo.repo_id}/{repo.commit}.uploads/")[
            "KeyCount"
        ]
        == 0
    )  # checkpoints are deleted once the upload completes

    verify = CliRunner().invoke(
        app,
        ["mirror", "verify", repo.repo_id, f"s3://{bucket}/m", "--endpoint-url", seaweed.endpoint],
    )
    assert verify.exit_code == 0, verify.output


def _peak_rss_mib(cmd: list[str]) -> tuple[float, int, str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS (KiB on Linux)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, proc.returncode, err


def test_memory_stays_bounded_on_a_large_lazily_served_file(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """Peak RSS grows with the parts in flight (concurrency x part size), not with the file: the
    file is sized at 3x the allowed growth, so a copy that held the file (or every part) in memory
    would exceed the bound."""
    concurrency, part = 2, 5 * MiB
    in_flight = concurrency * part
    allowed = 4 * in_flight  # part buffers, the buffers of the HTTP and S3 clients, the hasher
    size = 3 * allowed + 777  # generated on the fly by the test Hub, never held in memory
    big = HubFile("model-00001-of-00001.safetensors", size, seed=9)
    tiny = HubFile("config.json", 2, lfs=False, content=b"{}")
    hub = hub_factory(HubRepo("acme/big", [big]), HubRepo("acme/tiny", [tiny]))
    opts = ("--part-size", f"{part // MiB}MiB", "-j", str(concurrency), "-q")

    baseline, code, err = _peak_rss_mib(
        mirror_cmd(hub, seaweed.endpoint, "acme/tiny", f"s3://{bucket}/t", *opts)
    )
    assert code == 0, err
    peak, code, err = _peak_rss_mib(
        mirror_cmd(hub, seaweed.endpoint, "acme/big", f"s3://{bucket}/b", *opts)
    )
    assert code == 0, err
    bound = baseline + allowed / MiB
    assert peak <= bound, f"peak RSS {peak:.0f} MiB > {bound:.0f} MiB (baseline {baseline:.0f} MiB)"
    head = s3.head_object(
        Bucket=bucket, Key=f"b/acme/big/{hub.repos['acme/big'].commit}/{big.path}"
    )
    assert head["ContentLength"] == size and head["Metadata"]["hf-sha256"] == big.sha256


def test_ctrl_c_exits_130_and_says_how_to_resume(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    big = HubFile("model-00001-of-00001.safetensors", 8 * 5 * MiB, seed=43)
    repo = HubRepo("acme/interrupted", [big])
    hub = hub_factory(repo)
    hub.faults.rate[big.path] = 3 * MiB
    # The Hub holds the bytes after the second part until the signal is sent: the copy is still
    # running when it lands (a test that only polled for a stored part could send it after a
    # stalled poll, to a process that had finished: exit 0). After the release the rest takes 10 s.
    hub.faults.hold[big.path] = 2 * 5 * MiB
    key = f"m/{repo.repo_id}/{repo.commit}/{big.path}"
    cmd = mirror_cmd(
        hub, seaweed.endpoint, repo.repo_id, f"s3://{bucket}/m", "--part-size", "5MiB", "-j", "2"
    )
    # SIGINT as a terminal delivers it: a test run started in the background (`make test &`)
    # passes SIGINT ignored to its children, and a process that starts with SIGINT ignored
    # rightly keeps ignoring it.
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while not list_parts(s3, bucket, key):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)  # let it land before the held reads go on (they end the run sooner)
        hub.faults.released.set()
        _, err = proc.communicate(timeout=60)
    finally:
        hub.faults.released.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert list_parts(s3, bucket, key)  # the upload is kept for the next run


@pytest.mark.timeout(400)  # four processes in turn over 200 MiB
def test_kill_loop_reads_each_byte_from_the_hub_about_once(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """Three kill -9s at different points, then a run to the end: the hash goes on from the
    checkpoint beside the upload, so the Hub serves each stored byte once. Each kill loses at most
    the part in flight (one with -j 1), which bounds the total at 1.1x here."""
    big = HubFile("model-00001-of-00001.safetensors", 40 * 5 * MiB - 777, seed=21)
    repo = HubRepo("acme/killed", [big, HubFile("config.json", 2, lfs=False, content=b"{}")])
    hub = hub_factory(repo)
    key = f"m/{repo.repo_id}/{repo.commit}/{big.path}"
    cmd = mirror_cmd(
        hub, seaweed.endpoint, repo.repo_id, f"s3://{bucket}/m", "--part-size", "5MiB", "-j", "1"
    )
    hub.faults.rate[big.path] = 20 * MiB
    for threshold in (7, 18, 29):
        kill_9_when(
            cmd,
            functools.partial(_has_parts, s3, bucket, key, threshold),
            f"fewer than {threshold} parts",
        )
    hub.faults.rate.clear()
    final = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    entry = next(f for f in json.loads(final.stdout)["files"] if f["path"] == big.path)
    assert entry["status"] == "resumed" and entry["bytes_resumed"] >= 28 * 5 * MiB

    served = hub.bytes_served[big.path]
    assert served <= 1.1 * big.size, f"the Hub served {served / big.size:.2f}x the file"
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == big.sha256


def local_states() -> Path:
    """Where the mirror keeps its checkpoints on this machine (XDG_STATE_HOME is the test's own)."""
    return Path(os.environ["XDG_STATE_HOME"]) / "hedgectl" / "mirror-uploads"


def local_checkpoint() -> dict[str, Any] | None:
    """The checkpoint in this machine's state file (the line after its HMAC), if there is one."""
    files = sorted(local_states().glob("*.ckpt")) if local_states().is_dir() else []
    if not files:
        return None
    return dict(json.loads(files[0].read_bytes().partition(b"\n")[2]))


def stored_parts(state: dict[str, Any]) -> set[int]:
    """The parts a checkpoint records as stored."""
    return {m[0] for m in state["marks"] if m[3]} | set(range(1, state["prefix"] + 1))


def _kill_with_part_2_missing(
    hub: HubServer,
    seaweed: Seaweed,
    s3: Any,
    bucket: str,
    repo: HubRepo,
    big: HubFile,
    *,
    saved_locally: bool = False,
    first_saved: list[bytes] | None = None,
) -> tuple[list[str], str, str]:
    """Run the copy through a proxy that never lets part 2 land: the parts after it are read,
    hashed and stored meanwhile. Once the checkpoint in the store (with `saved_locally`: the one on
    this machine) records every other part stored, kill -9. Returns the command (against the store
    directly), the file's key and the key of its checkpoint in the store. `first_saved` receives the
    first version of that checkpoint the test saw."""
    key = f"m/{repo.repo_id}/{repo.commit}/{big.path}"
    parts = -(-big.size // (5 * MiB))
    proxy = CountingProxy(seaweed.endpoint, hold_parts={2}).start()
    cmd = mirror_cmd(
        hub, proxy.url, repo.repo_id, f"s3://{bucket}/m", "--part-size", "5MiB", "-j", "3"
    )
    state_key = ""

    def all_but_part_2_checkpointed() -> bool:
        nonlocal state_key
        saved = s3.list_objects_v2(Bucket=bucket, Prefix=f"m/{repo.repo_id}/{repo.commit}.uploads/")
        if not saved.get("Contents"):
            return False
        state_key = saved["Contents"][0]["Key"]
        if first_saved == []:
            first_saved.append(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
        if saved_locally:
            state = local_checkpoint()
            return state is not None and stored_parts(state) == set(range(1, parts + 1)) - {2}
        state = json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
        return stored_parts(state) == set(range(1, parts + 1)) - {2}

    try:
        kill_9_when(cmd, all_but_part_2_checkpointed, "no checkpoint with parts 1 and 3.. stored")
    finally:
        proxy.stop()
    assert sorted(list_parts(s3, bucket, key)) == [n for n in range(1, parts + 1) if n != 2]
    return (
        mirror_cmd(
            hub,
            seaweed.endpoint,
            repo.repo_id,
            f"s3://{bucket}/m",
            "--part-size",
            "5MiB",
            "-j",
            "3",
        ),
        key,
        state_key,
    )


class Resumed(NamedTuple):
    summary: dict[str, Any]  # the run's --json output
    uploaded: list[int]  # part numbers it uploaded, sorted
    stderr: str
    requests: list[dict[str, Any]]  # every S3 request it made, as the proxy recorded it


def _resume(cmd: list[str], endpoint: str) -> Resumed:
    """The same command in a fresh process, through a proxy that records every S3 request."""
    proxy = CountingProxy(endpoint).start()
    try:
        i = cmd.index("--endpoint-url")
        run = subprocess.run(
            [*cmd[: i + 1], proxy.url, *cmd[i + 2 :], "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        proxy.stop()
    assert run.returncode == 0, run.stderr
    return Resumed(json.loads(run.stdout), sorted(proxy.part_uploads()), run.stderr, proxy.log)


def _verified(s3: Any, bucket: str, key: str, big: HubFile, repo: HubRepo, endpoint: str) -> None:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == big.sha256
    verify = CliRunner().invoke(
        app, ["mirror", "verify", repo.repo_id, f"s3://{bucket}/m", "--endpoint-url", endpoint]
    )
    assert verify.exit_code == 0, verify.output


GAP_SIZE = 10 * 5 * MiB - 12345  # 10 parts of 5 MiB, the last one shorter


@pytest.mark.parametrize("machine", ["this machine", "the store"])
def test_resume_after_a_gap_reads_only_the_missing_part(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str, machine: str
) -> None:
    """Part 2's upload never lands while parts 3..10 are stored; kill -9. The resume reads part 2
    from the Hub (checked against the hash states saved before and after it) and nothing else: on
    this machine from its local checkpoint, on another (no local checkpoint) from the store's."""
    big = HubFile("model-00001-of-00001.safetensors", GAP_SIZE, seed=77)
    repo = HubRepo("acme/gap", [big])
    hub = hub_factory(repo)
    cmd, key, _ = _kill_with_part_2_missing(hub, seaweed, s3, bucket, repo, big)
    if machine == "the store":
        shutil.rmtree(local_states())
    before = hub.bytes_served.get(big.path, 0)
    summary, uploaded, err, _ = _resume(cmd, seaweed.endpoint)
    assert f"checkpoint saved by {machine}" in err
    assert uploaded == [2]
    assert hub.bytes_served[big.path] - before == 5 * MiB  # part 2, once
    entry = next(f for f in summary["files"] if f["path"] == big.path)
    assert entry["status"] == "resumed" and entry["bytes_sent"] == 5 * MiB
    assert entry["bytes_resumed"] == big.size - 5 * MiB and entry["bytes_reread"] == 0
    _verified(s3, bucket, key, big, repo, seaweed.endpoint)


def test_resume_reads_again_a_stored_part_whose_etag_the_checkpoint_did_not_record(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """Part 5 is stored with another ETag than the checkpoint recorded (as after another run
    replaced it; SeaweedFS keeps every version of a part number, so the test edits the record): it
    is not trusted but read from the Hub again, between saved hash states, and compared; the bytes
    stored match, so it is not sent again. (Re-sent when they differ: the unit tests.)"""
    big = HubFile("model-00001-of-00001.safetensors", GAP_SIZE, seed=78)
    repo = HubRepo("acme/changed-part", [big])
    hub = hub_factory(repo)
    cmd, key, state_key = _kill_with_part_2_missing(hub, seaweed, s3, bucket, repo, big)
    shutil.rmtree(local_states())  # as on another machine: the store's checkpoint is the one used
    state = json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
    next(m for m in state["marks"] if m[0] == 5)[3] = '"0123456789abcdef0123456789abcdef"'
    s3.put_object(Bucket=bucket, Key=state_key, Body=json.dumps(state).encode())
    before = hub.bytes_served.get(big.path, 0)
    summary, uploaded, _, _ = _resume(cmd, seaweed.endpoint)
    assert uploaded == [2]
    # Part 2, and parts 3..10: the states saved around part 5 are those after parts 2 and 10.
    assert hub.bytes_served[big.path] - before == big.size - 5 * MiB
    entry = next(f for f in summary["files"] if f["path"] == big.path)
    assert entry["bytes_sent"] == 5 * MiB and entry["bytes_reread"] == big.size - 2 * 5 * MiB
    _verified(s3, bucket, key, big, repo, seaweed.endpoint)


def test_resume_drops_a_checkpoint_whose_hash_state_the_source_does_not_reproduce(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """The state saved after the missing part is wrong: the bytes read for it do not reproduce it,
    so the checkpoint is dropped and every part is read and compared; the result is still exact."""
    big = HubFile("model-00001-of-00001.safetensors", GAP_SIZE, seed=79)
    repo = HubRepo("acme/tampered-state", [big])
    hub = hub_factory(repo)
    cmd, key, state_key = _kill_with_part_2_missing(hub, seaweed, s3, bucket, repo, big)
    shutil.rmtree(local_states())  # as on another machine: the store's checkpoint is the one used
    state = json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
    mark = next(m for m in state["marks"] if m[0] == 2)
    mark[4] = state["state"]  # the state after part 1, claimed for part 2
    s3.put_object(Bucket=bucket, Key=state_key, Body=json.dumps(state).encode())
    before = hub.bytes_served.get(big.path, 0)
    summary, uploaded, err, _ = _resume(cmd, seaweed.endpoint)
    assert "does not reproduce the saved hash state" in err
    assert uploaded == [2]  # the stored parts were read again and matched
    assert hub.bytes_served[big.path] - before == big.size + 5 * MiB
    entry = next(f for f in summary["files"] if f["path"] == big.path)
    assert entry["bytes_resumed"] == 0
    _verified(s3, bucket, key, big, repo, seaweed.endpoint)


def test_resume_goes_on_from_the_local_checkpoint_when_the_stores_is_behind(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """The checkpoint on this machine is saved after every part stored, the store's at most once
    a second: killed with the store's still at an early version (put back here, so that the test
    does not depend on when the kill lands), the resume reads only part 2 from the Hub."""
    big = HubFile("model-00001-of-00001.safetensors", GAP_SIZE, seed=80)
    repo = HubRepo("acme/local-state", [big])
    hub = hub_factory(repo)
    hub.faults.rate[big.path] = 3 * MiB  # the parts land over seconds, after the first save
    first: list[bytes] = []
    cmd, key, state_key = _kill_with_part_2_missing(
        hub, seaweed, s3, bucket, repo, big, saved_locally=True, first_saved=first
    )
    hub.faults.rate.clear()
    assert len(stored_parts(json.loads(first[0]))) < 9
    s3.put_object(Bucket=bucket, Key=state_key, Body=first[0])
    before = hub.bytes_served.get(big.path, 0)
    summary, uploaded, err, _ = _resume(cmd, seaweed.endpoint)
    assert "checkpoint saved by this machine" in err
    assert uploaded == [2]
    assert hub.bytes_served[big.path] - before == 5 * MiB  # part 2, once
    entry = next(f for f in summary["files"] if f["path"] == big.path)
    assert entry["bytes_resumed"] == big.size - 5 * MiB and entry["bytes_reread"] == 0
    _verified(s3, bucket, key, big, repo, seaweed.endpoint)
    assert not list(local_states().glob("*.ckpt"))  # deleted with the upload's completion


def test_a_forged_local_checkpoint_never_yields_a_wrong_object(
    hub_factory: Any, seaweed: Seaweed, s3: Any, bucket: str
) -> None:
    """The source served a wrong byte in part 5, which was stored; the run was killed before its
    hash could refuse the file. A local checkpoint forged with the hash states of the right bytes
    would let the wrong part pass the final check: it fails the HMAC keyed by the seal in the
    store's checkpoint, the store's checkpoint (whose hash saw the wrong byte) is used, and the
    file is refused: exit 4, nothing at its key."""
    big = HubFile("model-00001-of-00001.safetensors", GAP_SIZE, seed=82)
    repo = HubRepo("acme/forged-state", [big])
    hub = hub_factory(repo)
    hub.faults.corrupt.add(big.path)  # the byte at size // 2, in part 5
    cmd, key, _ = _kill_with_part_2_missing(hub, seaweed, s3, bucket, repo, big)
    hub.faults.corrupt.clear()
    state = local_checkpoint()
    assert state is not None and 5 in stored_parts(state)
    hasher = new_file_hasher("sha256", big.size)
    right = {0: hasher.state()}
    for n, start, end in part_ranges(big.size, 5 * MiB):
        hasher.update(big.read(start, end))
        right[n] = hasher.state()
    state["state"] = right[state["prefix"]]
    for mark in state["marks"]:
        mark[4] = mark[4] and right[mark[0]]
    body = json.dumps(state, sort_keys=True).encode()
    (path,) = local_states().glob("*.ckpt")
    path.write_bytes(hmac.new(b"a guess", body, hashlib.sha256).hexdigest().encode() + b"\n" + body)

    run = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 4, run.stderr
    assert "did not match the Hub's hash" in run.stderr and "Traceback" not in run.stderr
    assert "checkpoint saved by the store" in run.stderr
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key=key)


def test_the_store_checkpoint_is_written_at_most_once_a_second(
    hub_factory: Any, seaweed: Seaweed, bucket: str
) -> None:
    """A copy of 24 parts saves its checkpoint on this machine after each part, and PUTs it to the
    store after the first part and then at most once a second (the bound is in the run's own
    seconds, so a slow machine only loosens it)."""
    big = HubFile("model-00001-of-00001.safetensors", 24 * 5 * MiB, seed=83)
    repo = HubRepo("acme/few-puts", [big])
    hub = hub_factory(repo)
    cmd = mirror_cmd(
        hub, seaweed.endpoint, repo.repo_id, f"s3://{bucket}/m", "--part-size", "5MiB", "-j", "4"
    )
    started = time.monotonic()
    copied = _resume(cmd, seaweed.endpoint)
    seconds = time.monotonic() - started
    assert len(copied.uploaded) == 24
    saves = [e for e in copied.requests if e["method"] == "PUT" and ".uploads/" in e["path"]]
    assert 1 <= len(saves) <= 1 + seconds, f"{len(saves)} checkpoint PUTs in {seconds:.1f} s"
