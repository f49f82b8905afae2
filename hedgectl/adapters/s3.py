"""S3 (and S3-compatible stores) as the mirror's object store, over boto3's low-level client.

The low-level client, not upload_fileobj: we number the parts ourselves so an interrupted upload can
be continued by another process (s3transfer aborts on failure and never resumes).
Checksums are computed by us (CRC32 per part) and sent explicitly; botocore's automatic ones are
turned off (`when_required`) because since botocore 1.36 they break several S3-compatible stores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from hedgectl.core.mirror import ObjectInfo, Part, Target, Upload
from hedgectl.errors import RemoteError


def _status(exc: Any) -> int:
    return int(
        getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0
    )


def _code(exc: Any) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


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
        attempts: int = 8,
    ) -> None:
        import boto3
        from botocore.config import Config

        endpoint_url = (
            endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
        )
        if addressing_style == "auto":
            # S3-compatible stores (SeaweedFS, MinIO, Ceph) serve path-style everywhere.
            addressing_style = "path" if endpoint_url else "virtual"
        self.bucket = target.bucket
        self.endpoint_url = endpoint_url
        s3_options: Any = {"addressing_style": addressing_style}
        config = Config(
            region_name=region,
            s3=s3_options,
            retries={"mode": "standard", "max_attempts": attempts},
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
        from botocore.exceptions import NoCredentialsError

        where = self.endpoint_url or "AWS S3"
        if isinstance(exc, NoCredentialsError):
            return RemoteError(
                f"{what}: no AWS credentials found",
                hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE",
            )
        code = _code(exc)
        if code == "NoSuchBucket":
            return RemoteError(
                f"{what}: bucket '{self.bucket}' does not exist on {where}", hint="create it first"
            )
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return RemoteError(
                f"{what}: {code} from {where}", hint="check the AWS credentials and bucket policy"
            )
        detail = f"{code}: {exc}" if code else f"{type(exc).__name__}: {exc}"
        return RemoteError(
            f"{what} on {where}: {detail}",
            hint="the run is resumable: fix the cause and re-run the same command",
        )

    def _errors(self) -> tuple[type[Exception], ...]:
        from botocore.exceptions import BotoCoreError, ClientError

        return (ClientError, BotoCoreError)

    def check_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._errors() as exc:
            if _status(exc) == 404:
                raise RemoteError(
                    f"bucket '{self.bucket}' does not exist on {self.endpoint_url or 'AWS S3'}",
                    hint="create it first (aws s3 mb s3://BUCKET)",
                ) from None
            raise self._fail(f"head bucket {self.bucket}", exc) from None

    def head(self, key: str) -> ObjectInfo | None:
        try:
            r = self.client.head_object(Bucket=self.bucket, Key=key)
        except self._errors() as exc:
            if _status(exc) == 404 or _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail(f"head {key}", exc) from None
        return ObjectInfo(
            key, int(r["ContentLength"]), str(r.get("ETag", "")), dict(r.get("Metadata", {}))
        )

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    yield ObjectInfo(str(obj["Key"]), int(obj["Size"]), str(obj.get("ETag", "")))
        except self._errors() as exc:
            raise self._fail(f"list {prefix}", exc) from None

    def put(
        self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
    ) -> str:
        try:
            r = self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=bytes(data),
                Metadata=dict(metadata),
                ChecksumCRC32=crc32,
            )
        except self._errors() as exc:
            raise self._fail(f"put {key}", exc) from None
        return str(r.get("ETag", ""))

    def create_upload(self, key: str, metadata: Mapping[str, str]) -> str:
        try:
            r = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, Metadata=dict(metadata), ChecksumAlgorithm="CRC32"
            )
        except self._errors() as exc:
            raise self._fail(f"create upload {key}", exc) from None
        return str(r["UploadId"])

    def list_uploads(self, prefix: str) -> list[Upload]:
        uploads: list[Upload] = []
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for up in page.get("Uploads", []):
                    uploads.append(
                        Upload(str(up["Key"]), str(up["UploadId"]), str(up.get("Initiated", "")))
                    )
        except self._errors() as exc:
            raise self._fail(f"list uploads {prefix}", exc) from None
        return uploads

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        parts: list[Part] = []
        try:
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            for page in pages:
                for p in page.get("Parts", []):
                    parts.append(
                        Part(
                            int(p["PartNumber"]),
                            int(p["Size"]),
                            str(p["ETag"]),
                            p.get("ChecksumCRC32"),
                        )
                    )
        except self._errors() as exc:
            if _code(exc) == "NoSuchUpload":
                return []
            raise self._fail(f"list parts {key}", exc) from None
        return parts

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str:
        try:
            r = self.client.upload_part(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=cast(bytes, data),  # botocore accepts bytearray too; no copy
                ChecksumCRC32=crc32,
            )
        except self._errors() as exc:
            raise self._fail(f"upload part {number} of {key}", exc) from None
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
        try:
            r = self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload=body
            )
        except self._errors() as exc:
            raise self._fail(f"complete upload {key}", exc) from None
        return str(r.get("ETag", ""))

    def abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except self._errors() as exc:
            if _code(exc) != "NoSuchUpload":
                raise self._fail(f"abort upload {key}", exc) from None

    def read(self, key: str, start: int, end: int) -> bytes:
        """Bytes [start, end): a ranged GET; dropped bodies are retried from where they stopped."""
        from botocore.exceptions import ResponseStreamingError

        chunks: list[bytes] = []
        got = 0
        for _attempt in range(5):
            try:
                r = self.client.get_object(
                    Bucket=self.bucket, Key=key, Range=f"bytes={start + got}-{end - 1}"
                )
                for chunk in r["Body"].iter_chunks(1024 * 1024):
                    chunks.append(chunk)
                    got += len(chunk)
                if got >= end - start:
                    break
            except ResponseStreamingError:
                continue
            except self._errors() as exc:
                raise self._fail(f"get {key}", exc) from None
        data = b"".join(chunks)
        if len(data) != end - start:
            raise RemoteError(f"get {key}: got {len(data)} of {end - start} bytes")
        return data

    def get_text(self, key: str) -> str | None:
        try:
            r = self.client.get_object(Bucket=self.bucket, Key=key)
            return bytes(r["Body"].read()).decode("utf-8")
        except self._errors() as exc:
            if _status(exc) == 404 or _code(exc) in ("NoSuchKey", "404"):
                return None
            raise self._fail(f"get {key}", exc) from None
