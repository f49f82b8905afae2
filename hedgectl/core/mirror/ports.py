"""The ports the mirror core needs: a Hub source, an object store, a progress sink.

adapters/hub.py and adapters/s3.py implement the first two, adapters/localstate.py the local
checkpoint files; the CLI's progress bars the progress sink.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from hedgectl.core.mirror.model import ObjectInfo, Part, RepoFile, Snapshot, Upload
from hedgectl.errors import RemoteError


class UploadGone(RemoteError):
    """The multipart upload no longer exists: completed or aborted, e.g. by a concurrent run."""


class HubSource(Protocol):
    def snapshot(self, repo_id: str, revision: str) -> Snapshot:
        """Resolve the revision to a commit and list every file at that commit."""
        ...

    def read(
        self, repo_id: str, commit: str, file: RepoFile, start: int, end: int
    ) -> bytes | bytearray:
        """Exactly the bytes [start, end) of one file at the commit (retries are the adapter's job)."""
        ...


class ObjectStore(Protocol):
    def head(self, key: str) -> ObjectInfo | None: ...

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]: ...

    def put(
        self, key: str, data: bytes | bytearray, metadata: Mapping[str, str], crc32: str
    ) -> str: ...

    def create_upload(self, key: str, metadata: Mapping[str, str]) -> str: ...

    def list_uploads(self, prefix: str) -> list[Upload]: ...

    def list_parts(self, key: str, upload_id: str) -> list[Part]: ...

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes | bytearray, crc32: str
    ) -> str: ...

    def complete(self, key: str, upload_id: str, parts: Sequence[Part]) -> str: ...

    def abort(self, key: str, upload_id: str) -> None: ...

    def read(self, key: str, start: int, end: int) -> bytes: ...

    def get_text(self, key: str) -> str | None: ...

    def delete(self, key: str) -> None: ...

    def copy(self, source: str, key: str, metadata: Mapping[str, str], size: int) -> None:
        """Copy an object inside the store, with new metadata."""
        ...


class LocalStates(Protocol):
    """Small files on this machine, by name (the hash checkpoints of uploads in progress). Never
    raises: a file that cannot be read is None, a write that fails is dropped."""

    def load(self, name: str) -> bytes | None: ...

    def save(self, name: str, data: bytes) -> None: ...

    def drop(self, name: str) -> None: ...


class Progress(Protocol):
    def begin(self, total_bytes: int, total_files: int) -> None: ...

    def file_begin(self, path: str, size: int) -> None: ...

    def advance(self, path: str, nbytes: int) -> None: ...

    def file_end(self, path: str, status: str) -> None: ...

    def log(self, message: str) -> None: ...


class NullProgress:
    def begin(self, total_bytes: int, total_files: int) -> None:
        pass

    def file_begin(self, path: str, size: int) -> None:
        pass

    def advance(self, path: str, nbytes: int) -> None:
        pass

    def file_end(self, path: str, status: str) -> None:
        pass

    def log(self, message: str) -> None:
        pass
