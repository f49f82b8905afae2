"""Filesystem writes that never leave half-written data."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from hedgectl.errors import FileError


def atomic_write(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write to a temp file in the same folder, fsync, then os.replace over the target.

    Keeps the target's permission bits when it exists (a rewrite must not chmod the user's file).
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        # /dev/null, /dev/stdout, a FIFO: not a file to replace; write through it.
        _write_through(path, data)
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileError(f"cannot write {path}: folder {folder} does not exist")
    payload = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    if path.exists() and not os.access(path, os.W_OK):
        raise FileError(
            f"cannot write {path}: permission denied", hint="check the file's permissions"
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FileError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise FileError(f"cannot write {path}: {exc.strerror}") from None


def _write_through(path: Path, data: str | bytes) -> None:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(path, "wb") as handle:
            handle.write(payload)
    except OSError as exc:
        raise FileError(f"cannot write {path}: {exc.strerror}") from None


def inside_root(root: Path, path: Path) -> Path:
    """The real file a write to `path` lands in, refused when that is not under `root`.

    Every path rewrite writes (hedge.toml, resolver modules, rewritten code) goes through here
    first: `..`, a symlinked folder on the way, or a link (dangling or not) that leads out of the
    project raises FileError, before anything is written.
    """
    absolute = path if path.is_absolute() else root / path
    real_root = root.resolve()
    if os.path.islink(absolute) and not os.path.exists(absolute):
        raise FileError(
            f"refusing to write {path}: it is a dangling symlink (to {os.readlink(absolute)}); "
            "nothing was written",
            hint="remove the link, or point it at a file inside the project",
        )
    real = absolute.resolve()
    if not real.is_relative_to(real_root):
        raise FileError(
            f"refusing to write {path}: it leads outside the project root {root} (to {real}); "
            "nothing was written",
            hint="replace the symlink with a regular file inside the project",
        )
    return real
