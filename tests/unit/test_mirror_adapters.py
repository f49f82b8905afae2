"""Pure helpers of the mirror adapters: Retry-After, licence, proxy detection, error mapping."""

from __future__ import annotations

import email.utils
import time
from types import SimpleNamespace

import pytest

from hedgectl.adapters import hub
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
