"""Pure helpers of the mirror adapters: Retry-After, licence, proxy detection, error mapping."""

from __future__ import annotations

import email.utils
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from hedgectl.adapters import hub, localstate
from hedgectl.core.retry import retry_after


def test_retry_after_accepts_seconds_milliseconds_and_http_dates() -> None:
    assert retry_after({"retry-after": "7"}.get) == 7.0
    assert retry_after({"retry-after-ms": "1500"}.get) == 1.5
    assert retry_after({}.get) is None
    assert retry_after({"retry-after": "soon"}.get, time.time()) is None
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after({"retry-after": when}.get, time.time()) or 0) <= 31


def test_license_from_card_data_or_tags() -> None:
    card = SimpleNamespace(license="other", license_name="modified-mit")
    assert hub._license(SimpleNamespace(card_data=card, tags=[])) == "other:modified-mit"
    assert hub._license(SimpleNamespace(card_data=None, tags=["license:mit"])) == "mit"
    assert hub._license(SimpleNamespace(card_data=None, tags=None)) is None


def test_backoff_is_jittered_and_capped() -> None:
    policy = hub.RetryPolicy(base=0.5, cap=4.0)
    delays = [policy.delay(attempt) for attempt in range(10) for _ in range(20)]
    assert all(0 <= d <= 4.0 for d in delays) and len(set(delays)) > 1


def test_proxy_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert hub._proxied("https://cdn-lfs.hf.co/x")
    assert not hub._proxied("http://127.0.0.1:9000/x")
    monkeypatch.delenv("HTTPS_PROXY")
    assert not hub._proxied("https://cdn-lfs.hf.co/x")


def test_s3_errors_become_one_line_remote_errors() -> None:
    from botocore.exceptions import ClientError

    from hedgectl.adapters.s3 import S3Adapter
    from hedgectl.core.mirror import Target
    from hedgectl.errors import RemoteError

    store = S3Adapter(Target("bucket-a"), endpoint_url="http://127.0.0.1:1", region="us-east-1")
    err = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
    mapped = store._fail("put k", err)
    assert isinstance(mapped, RemoteError) and "AccessDenied" in str(mapped) and mapped.hint
    missing = store._fail("put k", ClientError({"Error": {"Code": "NoSuchBucket"}}, "PutObject"))
    assert "bucket-a" in str(missing)


def test_local_states_round_trip_in_a_private_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    states = localstate.FolderStates.open()
    assert states is not None and states.folder == tmp_path / "state/hedgectl/mirror-uploads"
    assert states.folder.stat().st_mode & 0o777 == 0o700
    assert states.load("b/m/org/name/abc.uploads/u1") is None
    states.save("b/m/org/name/abc.uploads/u1", b"one")
    states.save("b/m/org/name/abc.uploads/u1", b"two")
    states.save("b/m/org/name/abc.uploads/u2", b"other")
    assert states.load("b/m/org/name/abc.uploads/u1") == b"two"
    (saved,) = [p for p in states.folder.iterdir() if p.read_bytes() == b"two"]
    assert saved.stat().st_mode & 0o777 == 0o600 and "/" not in saved.name
    states.drop("b/m/org/name/abc.uploads/u1")
    states.drop("b/m/org/name/abc.uploads/u1")  # already gone: nothing to do
    assert states.load("b/m/org/name/abc.uploads/u1") is None
    assert sorted(p.suffix for p in states.folder.iterdir()) == [".ckpt"]  # no temp files left


def test_local_states_forget_files_older_than_30_days(tmp_path: Path) -> None:
    states = localstate.FolderStates.open(tmp_path)
    assert states is not None
    states.save("old", b"x")
    states.save("new", b"y")
    (old,) = [p for p in tmp_path.iterdir() if p.read_bytes() == b"x"]
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    again = localstate.FolderStates.open(tmp_path)
    assert again is not None and again.load("old") is None and again.load("new") == b"y"


def test_local_states_off_when_the_folder_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert localstate.FolderStates.open(blocker / "states") is None
