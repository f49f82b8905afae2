"""The one way hedgectl runs git: read-only, with nothing the scanned repository configures executed.

A checkout under audit is untrusted, and so is its .git/config (a pull request's CI job may run on
a checkout someone else prepared). git runs programs named in configuration: core.fsmonitor on
every index refresh, clean/smudge/process filters when it hashes work-tree files, textconv drivers
and external diff programs in `git diff`, hooks. Every call here switches these off on the command
line, where settings win over the repository's own:

- core.fsmonitor=false, core.hooksPath=/dev/null, diff.external= (and --no-ext-diff/--no-textconv
  on diffs, which the callers pass);
- every filter driver the configuration defines gets empty clean/smudge/process commands and
  required=false, so git compares the bytes as they are;
- --literal-pathspecs: a file name with `*` or `:(glob)` is that file and nothing else;
- GIT_OPTIONAL_LOCKS=0 (no index writes behind the user's back), GIT_NO_REPLACE_OBJECTS=1 (refs/replace
  cannot swap the base commit), GIT_TERMINAL_PROMPT=0.

Containers often check a repository out as another user; git then refuses it ("dubious ownership").
Since nothing configured runs, the call is retried with safe.directory set to that one repository,
on the command line only (it never changes the user's git configuration).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from hedgectl.errors import UsageError

TIMEOUT = 120
# Settings given on every call; `-c` beats every configuration file.
SAFE_SETTINGS = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.quotePath=false",
    "core.pager=cat",
    "diff.external=",
    "core.untrackedCache=false",
    "protocol.allow=never",
)
SAFE_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "GIT_EXTERNAL_DIFF": "",
    "GIT_LITERAL_PATHSPECS": "1",
}
# Variables that would point git at another repository or configuration than the one scanned.
DROP_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
)
DUBIOUS = re.compile(r"detected dubious ownership in repository at '(.+)'")


class GitError(Exception):
    """git ran and failed; `stderr` is its message."""

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args[:2])} failed ({returncode}): {stderr.strip()}")
        self.returncode = returncode
        self.stderr = stderr


def available() -> bool:
    return shutil.which("git") is not None


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROP_ENV
        and not k.startswith("GIT_CONFIG_KEY_")
        and not k.startswith("GIT_CONFIG_VALUE_")
    }
    env.update(SAFE_ENV)
    return env


def _exec(argv: list[str], cwd: Path, stdin: bytes | None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv, cwd=cwd, input=stdin, capture_output=True, timeout=TIMEOUT, check=False,
            env=_env(),
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {argv[-1] if argv else ''} took longer than {TIMEOUT} s") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror}", hint="install git") from None


@lru_cache(maxsize=64)
def _ownership(cwd: str) -> tuple[str, ...]:
    """safe.directory for this one repository when another user owns it (containers)."""
    probe = _exec(["git", *_flags(()), "rev-parse", "--git-dir"], Path(cwd), None)
    match = DUBIOUS.search(probe.stderr.decode("utf-8", "surrogateescape"))
    return (f"safe.directory={match.group(1)}",) if match else ()


def _trust(cwd: str) -> tuple[str, ...]:
    """The extra settings a repository needs: safe.directory when another user owns it, and the
    neutralised filter drivers its configuration defines.

    The drivers are listed again before every call, never cached: a long-running process (the
    Python API) may audit the same folder again after its .git/config gained a filter driver.
    """
    extra = _ownership(cwd)
    listed = _exec(
        ["git", *_flags(extra), "config", "-z", "--name-only", "--get-regexp", r"^filter\."],
        Path(cwd),
        None,
    )
    drivers: set[str] = set()
    for key in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
        section, _, rest = key.partition(".")
        driver = rest.rpartition(".")[0]
        if section.lower() == "filter" and driver:
            drivers.add(driver)
    for driver in sorted(drivers):
        extra += (
            f"filter.{driver}.clean=",
            f"filter.{driver}.smudge=",
            f"filter.{driver}.process=",
            f"filter.{driver}.required=false",
        )
    return extra


def _flags(extra: tuple[str, ...]) -> list[str]:
    flags = ["--literal-pathspecs"]
    for setting in (*SAFE_SETTINGS, *extra):
        flags += ["-c", setting]
    return flags


def run(args: list[str], cwd: Path, *, stdin: bytes | None = None) -> bytes:
    """Run `git ARGS` in `cwd` with repository-controlled execution switched off; stdout as bytes.

    Raises GitError when git fails, UsageError when git cannot run at all.
    """
    if not available():
        raise UsageError(
            "git is not installed", hint="install git, or audit without --diff/--staged"
        )
    argv = ["git", *_flags(_trust(str(cwd))), *args]
    proc = _exec(argv, cwd, stdin)
    if proc.returncode != 0:
        raise GitError(args, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


def toplevel(path: Path) -> Path | None:
    """The work tree that contains `path`, or None outside one (or without git)."""
    folder = path if path.is_dir() else path.parent
    if not available():
        return None
    try:
        out = run(["rev-parse", "--show-toplevel"], folder)
    except GitError:
        return None
    text = os.fsdecode(out.removesuffix(b"\n"))
    return Path(text) if text else None


CLONE_TIMEOUT = 900
# What a clone of an untrusted repository may use: the transports people host code on. Local
# paths and file:// serve tests and mirrors; `ext::` (runs a command) and the rest stay off.
CLONE_PROTOCOLS = ("https", "http", "ssh", "git", "file")


def clone(url: str, dest: Path) -> None:
    """A shallow, blobless, single-branch clone of `url` into `dest`, for reading only.

    Nothing from the remote runs: no hooks (and no template hooks), no LFS or other filter
    downloads on checkout, no submodules. Raises GitError when git fails.
    """
    if not available():
        raise UsageError("git is not installed", hint="install git to audit repositories by URL")
    # protocol.allow=never stays: the per-protocol settings below win over it for these only.
    settings = [*SAFE_SETTINGS, *(f"protocol.{p}.allow=always" for p in CLONE_PROTOCOLS)]
    settings += ["filter.lfs.smudge=", "filter.lfs.process=", "filter.lfs.required=false"]
    argv = ["git"]
    for setting in settings:
        argv += ["-c", setting]
    argv += [
        "clone", "--quiet", "--depth", "1", "--filter=blob:none", "--single-branch", "--no-tags",
        "--template=", "--", url, str(dest),
    ]  # fmt: skip
    env = {**_env(), "GIT_LFS_SKIP_SMUDGE": "1"}
    env.pop("GIT_LITERAL_PATHSPECS", None)
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=CLONE_TIMEOUT, check=False, env=env,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise GitError(["clone", url], -1, f"took longer than {CLONE_TIMEOUT} s") from None
    if proc.returncode != 0:
        raise GitError(["clone", url], proc.returncode, proc.stderr.decode("utf-8", "replace"))
