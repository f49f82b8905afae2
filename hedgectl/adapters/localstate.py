"""The mirror's upload checkpoints on this machine: one small file per multipart upload in progress.

Where: $XDG_STATE_HOME/hedgectl/mirror-uploads (XDG default: ~/.local/state). Each file is named
by a hash of the upload's checkpoint key in the bucket and rewritten after every part stored (temp
file, then rename; no fsync: a file lost in a crash only costs the parts since the store's last
checkpoint). Its content is checked by the core (an HMAC keyed by a secret held in the bucket), so
nothing here is trusted. Files of uploads that finish are deleted; those left by uploads never
resumed here are deleted after 30 days.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

FOLDER = ("hedgectl", "mirror-uploads")
KEEP_SECONDS = 30 * 86400
MAX_BYTES = 1 << 20  # a checkpoint of a 10,000-part file is under 60 KB


def default_folder() -> Path | None:
    """$XDG_STATE_HOME/hedgectl/mirror-uploads, or None without a home folder."""
    base = os.environ.get("XDG_STATE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".local" / "state")
        except RuntimeError:  # no HOME and no user entry (some containers)
            return None
    return Path(base).joinpath(*FOLDER)


class FolderStates:
    """LocalStates in one folder (created 0700; files 0600)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def open(cls, folder: Path | None = None) -> FolderStates | None:
        """The folder, created if need be and cleared of old files; None if it cannot be written."""
        folder = folder or default_folder()
        if folder is None:
            return None
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK | os.X_OK):
                return None
            old = time.time() - KEEP_SECONDS
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < old:
                        os.unlink(entry.path)
        except OSError:
            return None
        return cls(folder)

    def _path(self, name: str) -> Path:
        return self.folder / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.ckpt"

    def load(self, name: str) -> bytes | None:
        try:
            with open(self._path(name), "rb") as handle:
                return handle.read(MAX_BYTES) or None  # a longer file fails its HMAC
        except OSError:
            return None

    def save(self, name: str, data: bytes) -> None:
        path = self._path(name)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)  # a reader sees the old file or the whole new one
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def drop(self, name: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self._path(name))
