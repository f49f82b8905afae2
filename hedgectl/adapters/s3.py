"""S3 (and S3-compatible stores) as the mirror's object store, over boto3's low-level client.

The low-level client, not upload_fileobj: we number the parts ourselves so an interrupted upload can
be continued by another process (s3transfer aborts on failure and never resumes).
Checksums are computed by us (CRC32 per part) and sent explicitly; botocore's automatic ones are
turned off (`when_required`) because since botocore 1.36 they break several S3-compatible stores.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from hedgectl.core.mirror import ObjectInfo, Part, Target, Upload
from hedgectl.core.mirror.ports import UploadGone
from hedgectl.core.retry import RetryPolicy
from hedgectl.errors import RemoteError, UsageError

T = TypeVar("T")
# Error codes S3 and compatible stores use for "try again later".
RETRY_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "RequestLimitExceeded",
}
CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}


def _response(exc: Any) -> dict[str, Any]:
    # botocore's connection errors carry `response = None`, not a missing attribute.
    return getattr(exc, "response", None) or {}


def _status(exc: Any) -> int:
    return int(_response(exc).get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _code(exc: Any) -> str:
    return str(_response(exc).get("Error", {}).get("Code", ""))


def check_endpoint_url(url: str) -> str:
    """An http(s)://host[:port] URL, or a usage error (boto3 would raise a bare ValueError)."""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise UsageError(
            f"bad S3 endpoint URL '{url}': expected http://host[:port] or https://host[:port]",
            hint=f"e.g. --endpoint-url http://{url}" if "://" not in url else None,
        )
    return url.rstrip("/")


class S3Adapter:
    """ObjectStore over one bucket."""

    def __init__(
        self,
        target: Target,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        pool_size: int = 16,
        retry: RetryPolicy | None = None,
        log: Callable[[str], None] = lambda _msg: None,
    ) -> None:
        import boto3
        from botocore.config import Config

        endpoint_url = (
            endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
        )
        if endpoint_url:
            endpoint_url = check_endpoint_url(endpoint_url)
        self.retry = retry or RetryPolicy()
        self.log = log
        self.max_single_copy = 5 * 1024**3  # S3 refuses CopyObject above 5 GiB
        self.copy_part = 1024**3
        if addressing_style == "auto":
            # S3-compatible stores (SeaweedFS, MinIO, Ceph) serve path-style everywhere.
            addressing_style = "path" if endpoint_url else "virtual"
        self.bucket = target.bucket
        self.endpoint_url = endpoint_url
        # payload_signing_enabled=False: botocore would SHA-256 every body again to sign it on
        # http:// endpoints; each part already carries a CRC32 the store checks.
        s3_options: Any = {"addressing_style": addressing_style, "payload_signing_enabled": False}
        config = Config(
            region_name=region,
            s3=s3_options,
            # No retries inside botocore: _call applies the one budget the Hub side uses too.
            retries={"mode": "standard", "total_max_attempts": 1},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=pool_size,
            connect_timeout=15,
            read_timeout=120,
            tcp_keepalive=True,
        )
        session = boto3.session.Session()
        self.client = session.client("s3", endpoint_url=endpoint_url, config=config)

    def _fail(self, what: str, exc: Exception) -> RemoteError:
        from botocore.exceptions import NoCredentialsError, PartialCredentialsError

        where = self.endpoint_url or "AWS S3"
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return RemoteError(
                f"{what}: no AWS credentials found",
                hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE",
            )
        code = _code(exc)
        if code == "NoSuchBucket":
            return RemoteError(
                f"{what}: bucket '{self.bucket}' does not exist on {where}", hint="create it first"
            )
        if code == "NoSuchUpload":
            return UploadGone(f"{what}: the multipart upload no longer exists on {where}")
        if code in CREDENTIAL_CODES or _status(exc) == 403:
            hint = (
                "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket "
                f"policy for s3://{self.bucket}"
            )
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
                why = (
                    "the access key id is unknown to the store"
                    if code == "InvalidAccessKeyId"
                    else "the secret key does not match the access key id"
                )
                return RemoteError(
                    f"{what}: {where} refused the credentials ({code}): {why}", hint=hint
                )
            label = code if code and code != "403" else "HTTP 403"
            return RemoteError(
                f"{what}: {where} denied access ({label}): the credentials are wrong or lack "
                "permission on the bucket",
                hint=hint,
            )
        detail = f"{code}: {_first_line(exc)}" if code else f"{type(exc).__name__}: {exc}"
        return RemoteError(
            f"{what} on {where}: {detail}",
            hint="the run is resumable: fix the cause and re-run the same command",
        )

    def _errors(self) -> tuple[type[Exception], ...]:
        from botocore.exceptions import BotoCoreError, ClientError

        return (ClientError, BotoCoreError)

    def _retryable(self, exc: Exception) -> bool:
        from botocore.exceptions import (
            ConnectionError,
            HTTPClientError,
            IncompleteReadError,
            ResponseStreamingError,
        )

        if isinstance(
            exc, ConnectionError | HTTPClientError | ResponseStreamingError | IncompleteReadError
        ):
            return True  # refused, reset, closed without a reply, timed out, body cut short
        status = _status(exc)
        return status == 429 or status >= 500 or _code(exc) in RETRY_CODES

    def _call(
        self,
        what: str,
        func: Callable[[], T],
        on_error: Callable[[Exception], Any] | None = None,
    ) -> T:
        """One S3 request, retried within the retry budget; other errors go to `on_error` (which
        returns a value or raises) or become a RemoteError."""
        since = time.monotonic()
        attempt = 0
        while True:
            try:
                return func()
            except self._errors() as exc:
                if not self._retryable(exc):
                    if on_error is not None:
                        result: T = on_error(exc)
                        return result
                    raise self._fail(what, exc) from None
                wait = self.retry.wait(attempt, None, since, time.monotonic())
                if wait is None:
                    failure = self._fail(what, exc)
                    raise type(failure)(
                        f"{failure} (gave up after {attempt + 1} attempts in "
                        f"{time.monotonic() - since:.0f}s)",
                        hint=failure.hint,
                    ) from None
                why = _code(exc) or type(exc).__name__
                self.log(
                    f"{what}: {why}, retrying in {wait:.1f}s "
                    f"(attempt {attempt + 2}/{self.retry.attempts})"
                )
                time.sleep(wait)
                attempt += 1

    def check_bucket(self) -> None:
        def missing(exc: Exception) -> None:
            if _status(exc) == 404:
                raise RemoteError(
                    f"bucket '{self.bucket}' does not exist on {self.endpoint_url or 'AWS S3'}",
                    hint="create it first (aws s3 mb s3://BUCKET)",
                )
            raise self._fail(f"head bucket {self.bucket}", exc)

        self._call(
            f"head bucket {self.bucket}",
            lambda: self.client.head_bucket(Bucket=self.bucket),
            on_error=missing,
        )

    def head(self, key: str) -> ObjectInfo | None:
        def missing(exc: Exception) -> None:
            if _status(exc) == 404 or _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail(f"head {key}", exc)

        r = self._call(
            f"head {key}", lambda: self.client.head_object(Bucket=self.bucket, Key=key), missing
        )
        if r is None:
            return None
        return ObjectInfo(
            key, int(r["ContentLength"]), str(r.get("ETag", "")), dict(r.get("Metadata", {}))
        )

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]:
        def listing() -> list[ObjectInfo]:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            return [
                ObjectInfo(str(obj["Key"]), int(obj["Size"]), str(obj.get("ETag", "")))
                for page in pages
                for obj in page.get("Contents", [])
            ]

        return iter(self._call(f"list {prefix}", listing))

    def put(
        self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
    ) -> str:
        body = bytes(data)
        r = self._call(
            f"put {key}",
            lambda: self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                Metadata=dict(metadata),
                ChecksumCRC32=crc32,
            ),
        )
        return str(r.get("ETag", ""))

    def create_upload(self, key: str, metadata: Mapping[str, str]) -> str:
        r = self._call(
            f"create upload {key}",
            lambda: self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, Metadata=dict(metadata), ChecksumAlgorithm="CRC32"
            ),
        )
        return str(r["UploadId"])

    def list_uploads(self, prefix: str) -> list[Upload]:
        def listing() -> list[Upload]:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            return [
                Upload(str(up["Key"]), str(up["UploadId"]), str(up.get("Initiated", "")))
                for page in pages
                for up in page.get("Uploads", [])
            ]

        return self._call(f"list uploads {prefix}", listing)

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        def listing() -> list[Part]:
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            return [
                Part(int(p["PartNumber"]), int(p["Size"]), str(p["ETag"]), p.get("ChecksumCRC32"))
                for page in pages
                for p in page.get("Parts", [])
            ]

        def gone(exc: Exception) -> list[Part]:
            if _code(exc) == "NoSuchUpload":
                return []
            raise self._fail(f"list parts {key}", exc)

        return self._call(f"list parts {key}", listing, gone)

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str:
        r = self._call(
            f"upload part {number} of {key}",
            lambda: self.client.upload_part(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=cast(bytes, data),  # botocore accepts bytearray too; no copy
                ChecksumCRC32=crc32,
            ),
        )
        return str(r["ETag"])

    def complete(self, key: str, upload_id: str, parts: Sequence[Part]) -> str:
        body: Any = {
            "Parts": [
                {
                    "PartNumber": p.number,
                    "ETag": p.etag,
                    **({"ChecksumCRC32": p.crc32} if p.crc32 else {}),
                }
                for p in sorted(parts, key=lambda p: p.number)
            ]
        }
        r = self._call(
            f"complete upload {key}",
            lambda: self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload=body
            ),
        )
        return str(r.get("ETag", ""))

    def abort(self, key: str, upload_id: str) -> None:
        def gone(exc: Exception) -> None:
            if _code(exc) != "NoSuchUpload":
                raise self._fail(f"abort upload {key}", exc)

        self._call(
            f"abort upload {key}",
            lambda: self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            ),
            gone,
        )

    def read(self, key: str, start: int, end: int) -> bytes:
        """Bytes [start, end): a ranged GET; a dropped body is retried from where it stopped."""
        chunks: list[bytes] = []
        got = [0]

        def fetch_rest() -> None:
            r = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start + got[0]}-{end - 1}"
            )
            for chunk in r["Body"].iter_chunks(1024 * 1024):
                chunks.append(chunk)
                got[0] += len(chunk)

        if end > start:
            self._call(f"get {key}", fetch_rest)
        data = b"".join(chunks)
        if len(data) != end - start:
            raise RemoteError(f"get {key}: got {len(data)} of {end - start} bytes")
        return data

    def delete(self, key: str) -> None:
        self._call(f"delete {key}", lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    def copy(self, source: str, key: str, metadata: Mapping[str, str], size: int) -> None:
        """A copy inside the bucket with new metadata: CopyObject up to 5 GiB (S3's limit for
        it), UploadPartCopy in `copy_part` ranges above."""
        src: Any = {"Bucket": self.bucket, "Key": source}
        what = f"copy {source} to {key}"
        if size <= self.max_single_copy:
            self._call(
                what,
                lambda: self.client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource=src,
                    Metadata=dict(metadata),
                    MetadataDirective="REPLACE",
                ),
            )
            return
        created = self._call(
            what,
            lambda: self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, Metadata=dict(metadata)
            ),
        )
        upload_id = str(created["UploadId"])
        parts: list[Any] = []
        try:
            for number, start in enumerate(range(0, size, self.copy_part), start=1):
                end = min(size, start + self.copy_part)
                copy_range = f"bytes={start}-{end - 1}"

                def copy_part(number: int = number, copy_range: str = copy_range) -> Any:
                    return self.client.upload_part_copy(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        CopySource=src,
                        CopySourceRange=copy_range,
                    )

                r = self._call(f"{what} (part {number})", copy_part)
                parts.append({"PartNumber": number, "ETag": r["CopyPartResult"]["ETag"]})
            self._call(
                what,
                lambda: self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                ),
            )
        except BaseException:
            self.abort(key, upload_id)
            raise

    def get_text(self, key: str) -> str | None:
        def fetch() -> str:
            r = self.client.get_object(Bucket=self.bucket, Key=key)
            return bytes(r["Body"].read()).decode("utf-8")

        def missing(exc: Exception) -> None:
            if _status(exc) == 404 or _code(exc) in ("NoSuchKey", "404"):
                return None
            raise self._fail(f"get {key}", exc)

        return self._call(f"get {key}", fetch, missing)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
