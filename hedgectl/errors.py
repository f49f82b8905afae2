"""Exit codes and the expected-failure tree. Every HedgeError knows its exit code and a hint."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes: part of the public interface, never renumber."""

    OK = 0
    FINDINGS = (
        1  # ran fine, the answer is "no": findings, failed probes, --check would change files
    )
    USAGE = 2  # bad flags, missing paths
    CONFIG = 3  # missing or invalid hedge.toml
    REMOTE = 4  # Hub, S3 or network failure
    PARTIAL = 5  # the results were reported, but keeping a record of them failed (reach history)
    INTERNAL = 70  # a bug (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C


class HedgeError(Exception):
    """An expected failure; str(err) is shown to the user as one line, the hint on the next."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class UsageError(HedgeError):
    exit_code = ExitCode.USAGE


class FileError(HedgeError):
    """A path the user gave cannot be read or written (permissions, missing folder)."""

    exit_code = ExitCode.USAGE


class ConfigError(HedgeError):
    exit_code = ExitCode.CONFIG


class RemoteError(HedgeError):
    exit_code = ExitCode.REMOTE


class IntegrityError(RemoteError):
    """Bytes that arrived do not match what the source promised."""


class FindingsError(HedgeError):
    """Not a failure of the tool: the answer is "no" (used where a command has nothing to print)."""

    exit_code = ExitCode.FINDINGS
