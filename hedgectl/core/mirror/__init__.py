"""Mirror one Hub repo at one commit into an object store: plan, copy, verify.

Modules: model (repo files, targets, store objects), ports (Hub source, object store, progress),
plan (parse, select, shard, decide what to copy), integrity (hashes, checksums, metadata),
transfer (the streaming copy engine), manifest (publish and read back), verify (read back and
check), config (hedge.toml [mirror]). This package re-exports their public names.

Pure decisions against two ports (a Hub source, an object store) and a progress sink; the
adapters in hedgectl/adapters implement them with huggingface_hub/httpx and boto3.

Layout under DEST = s3://bucket/prefix:
    <prefix>/<org>/<name>/<commit>/<path>             the repo's files, exactly
    <prefix>/<org>/<name>/<commit>.manifest.json      beside the folder (vLLM pulls every *.json inside)
    <prefix>/<org>/<name>/refs/<revision>             the commit, written last

Integrity: every file is hashed in order while it streams (SHA-256 for LFS files, git blob SHA-1
for the rest) and the multipart upload is completed only if the digest and size match the Hub's
listing. Each part carries a CRC32 checksum the store checks on arrival.

Resume: the state lives in the bucket. Complete objects carry the source digest in their metadata
and are skipped; an in-progress multipart upload is found again with ListMultipartUploads, its
parts with ListParts; the hash goes on from the checkpoint saved beside the upload (or the newer
copy this machine keeps, sealed by a secret in the bucket's: ports.LocalStates), and parts it does
not cover are read again from the source only to rebuild the hash (and checked against the part's
stored checksum or MD5 ETag), never uploaded twice.

"""

from hedgectl.core.mirror.integrity import crc32_b64, is_complete, new_hasher, object_metadata
from hedgectl.core.mirror.manifest import (
    finalize,
    load_manifest,
    parse_manifest,
    resolve_commit,
    snapshot_from_manifest,
)
from hedgectl.core.mirror.model import (
    COMMIT_RE,
    DEFAULT_PART,
    MANIFEST_SCHEMA,
    MAX_PART,
    MAX_PARTS,
    META_PREFIX,
    MIN_PART,
    REPO_RE,
    ObjectInfo,
    Part,
    RepoFile,
    Snapshot,
    Source,
    Target,
    Upload,
)
from hedgectl.core.mirror.plan import (
    Plan,
    PlannedFile,
    PlanView,
    PresetsView,
    estimate,
    make_plan,
    parse_dest,
    parse_shard,
    parse_source,
    part_ranges,
    part_size_for,
    select_files,
    shard_files,
)
from hedgectl.core.mirror.ports import HubSource, NullProgress, ObjectStore, Progress
from hedgectl.core.mirror.transfer import Copier, CopyResult, FileResult
from hedgectl.core.mirror.verify import Difference, VerifyResult, verify

__all__ = [
    "COMMIT_RE",
    "DEFAULT_PART",
    "MANIFEST_SCHEMA",
    "MAX_PART",
    "MAX_PARTS",
    "META_PREFIX",
    "MIN_PART",
    "REPO_RE",
    "Copier",
    "CopyResult",
    "Difference",
    "FileResult",
    "HubSource",
    "NullProgress",
    "ObjectInfo",
    "ObjectStore",
    "Part",
    "Plan",
    "PlanView",
    "PlannedFile",
    "PresetsView",
    "Progress",
    "RepoFile",
    "Snapshot",
    "Source",
    "Target",
    "Upload",
    "VerifyResult",
    "crc32_b64",
    "estimate",
    "finalize",
    "is_complete",
    "load_manifest",
    "make_plan",
    "new_hasher",
    "object_metadata",
    "parse_dest",
    "parse_manifest",
    "parse_shard",
    "parse_source",
    "part_ranges",
    "part_size_for",
    "resolve_commit",
    "select_files",
    "shard_files",
    "snapshot_from_manifest",
    "verify",
]
