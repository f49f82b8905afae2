"""What is mirrored and where: repo files, snapshots, S3 targets and store objects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hedgectl.core.units import GiB, MiB

MIN_PART = 5 * MiB  # S3: every part but the last is at least 5 MiB
MAX_PART = 5 * GiB
MAX_PARTS = 10_000
DEFAULT_PART = (
    8 * MiB
)  # as aws s3 cp; 8 in flight = 64 MiB of buffers; a kill loses about one part per slot in use
MANIFEST_SCHEMA = "hedgectl.mirror-manifest/v1"
META_PREFIX = "hf-"
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class RepoFile:
    """One file of a repo at a commit, as the Hub's tree lists it."""

    path: str
    size: int
    git_oid: str  # git blob SHA-1 (of the LFS pointer for LFS files)
    sha256: str | None = None  # LFS files: SHA-256 of the content

    @property
    def algorithm(self) -> str:
        return "sha256" if self.sha256 else "git-sha1"

    @property
    def digest(self) -> str:
        return self.sha256 or self.git_oid


@dataclass(frozen=True)
class Snapshot:
    repo_id: str
    revision: str
    commit: str
    license: str | None
    files: tuple[RepoFile, ...]


@dataclass(frozen=True)
class Source:
    repo_id: str
    revision: str
    preset: str | None = None


@dataclass(frozen=True)
class Target:
    """s3://bucket/prefix and the key layout below it."""

    bucket: str
    prefix: str = ""

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def repo_root(self, repo_id: str) -> str:
        return f"{self.prefix}/{repo_id}" if self.prefix else repo_id

    def commit_prefix(self, repo_id: str, commit: str) -> str:
        return f"{self.repo_root(repo_id)}/{commit}/"

    def file_key(self, repo_id: str, commit: str, path: str) -> str:
        return self.commit_prefix(repo_id, commit) + path

    def manifest_key(self, repo_id: str, commit: str) -> str:
        return f"{self.repo_root(repo_id)}/{commit}.manifest.json"

    def ref_key(self, repo_id: str, revision: str) -> str:
        return f"{self.repo_root(repo_id)}/refs/{revision}"

    def upload_state_key(self, repo_id: str, commit: str, upload_id: str) -> str:
        """The hash checkpoint of one multipart upload: beside the commit folder (nothing extra
        appears inside it), named by the upload id."""
        return f"{self.repo_root(repo_id)}/{commit}.uploads/{upload_id}"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Part:
    number: int
    size: int
    etag: str
    crc32: str | None = None  # base64 of the big-endian CRC32, as S3 spells it


@dataclass(frozen=True, slots=True)
class Upload:
    key: str
    upload_id: str
    initiated: str = ""
