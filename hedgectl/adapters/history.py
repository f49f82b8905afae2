"""Reach history in SQLite: every run, every result, debounced state per provider and region.

Overlapping cron runs are safe: WAL lets readers proceed while one writer holds the lock, the busy
timeout makes a second writer wait instead of failing, and each run's read-modify-write of the
states happens in one BEGIN IMMEDIATE transaction, so two runs never both count the same streak.
A run's write takes milliseconds, so a few seconds of waiting covers any overlap; a lock held
longer is a stuck process, reported at once rather than after a long wait.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hedgectl.core.reach import PaidRecord, Result, State, Track, Transition, Verdict, step
from hedgectl.errors import FileError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 3_000

_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    probes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    region TEXT NOT NULL,
    probe TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    http_status INTEGER,
    error_code TEXT NOT NULL,
    total_seconds REAL NOT NULL,
    url TEXT NOT NULL,
    via TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_run ON results(run_id);
CREATE INDEX IF NOT EXISTS results_paid ON results(provider, region) WHERE probe = 'paid';
CREATE TABLE IF NOT EXISTS tracks (
    provider TEXT NOT NULL,
    region TEXT NOT NULL,
    state TEXT NOT NULL,
    failures INTEGER NOT NULL,
    successes INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (provider, region)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    run_id INTEGER NOT NULL,
    provider TEXT NOT NULL,
    region TEXT NOT NULL,
    old_state TEXT NOT NULL,
    new_state TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_key ON events(provider, region, at);
"""


def default_path() -> Path:
    """$XDG_STATE_HOME/hedgectl/reach.sqlite3 (XDG default: ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hedgectl" / "reach.sqlite3"


@dataclass(frozen=True)
class Event:
    at: float
    provider: str
    region: str
    old: str
    new: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class TrackRow:
    provider: str
    region: str
    state: str
    failures: int
    successes: int
    verdict: str
    updated: float


class History:
    """The history file. read_only=True (for `reach history`) never writes, creates or migrates it."""

    def __init__(self, path: Path, *, create: bool = True, read_only: bool = False) -> None:
        self.path = path
        if (read_only or not create) and not path.exists():
            raise FileError(
                f"no reach history at {path}",
                hint="run 'hedgectl reach' first, or point --history at the file cron writes",
            )
        try:
            if read_only:
                self.db = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                )
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise FileError(f"{path} was written by a newer hedgectl (schema {version})")
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise FileError(f"{path} was written by a newer hedgectl (schema {version})")
            if version < SCHEMA_VERSION:
                self.db.execute("BEGIN IMMEDIATE")
                for statement in _DDL.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise FileError(
                f"cannot use reach history {path}: {exc}",
                hint=_hint(exc),
            ) from None
        except OSError as exc:
            raise FileError(
                f"cannot create reach history folder {path.parent}: {exc.strerror}"
            ) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(
        self,
        results: Sequence[Result],
        *,
        failures_before_down: int,
        successes_before_up: int,
        keep_days: int = 90,
        now: float | None = None,
    ) -> list[Transition]:
        """Store one run and advance every track; returns the state changes it caused."""
        now = time.time() if now is None else now
        transitions: list[Transition] = []
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                run_id = self.db.execute(
                    "INSERT INTO runs (started, probes) VALUES (?, ?)", (now, len(results))
                ).lastrowid
                assert run_id is not None
                self.db.executemany(
                    "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            run_id,
                            r.provider,
                            r.region,
                            r.kind.value,
                            r.verdict.value,
                            r.reason,
                            r.http_status,
                            r.error_code,
                            r.timings.total,
                            r.url,
                            r.via,
                        )
                        for r in results
                    ],
                )
                for r in results:
                    row = self.db.execute(
                        "SELECT state, failures, successes, verdict FROM tracks"
                        " WHERE provider = ? AND region = ?",
                        (r.provider, r.region),
                    ).fetchone()
                    track = Track(State(row[0]), row[1], row[2], row[3]) if row else Track()
                    track, change = step(track, r, failures_before_down, successes_before_up)
                    self.db.execute(
                        "INSERT OR REPLACE INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            r.provider,
                            r.region,
                            track.state.value,
                            track.failures,
                            track.successes,
                            track.verdict,
                            now,
                        ),
                    )
                    if change is not None:
                        transitions.append(change)
                        self.db.execute(
                            "INSERT INTO events (at, run_id, provider, region, old_state,"
                            " new_state, verdict, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                now,
                                run_id,
                                change.provider,
                                change.region,
                                change.old.value,
                                change.new.value,
                                change.verdict.value,
                                change.reason,
                            ),
                        )
                self.db.execute("DELETE FROM runs WHERE started < ?", (now - keep_days * 86400,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise FileError(
                f"cannot write reach history {self.path}: {exc}", hint=_hint(exc)
            ) from None
        return transitions

    def events(
        self, provider: Sequence[str] = (), region: Sequence[str] = (), limit: int = 100
    ) -> list[Event]:
        """State changes, newest first, optionally for some providers/regions."""
        query = "SELECT at, provider, region, old_state, new_state, verdict, reason FROM events"
        where, args = _filters(provider, region)
        rows = self._query(f"{query}{where} ORDER BY at DESC, id DESC LIMIT ?", (*args, limit))
        return [Event(*row) for row in rows]

    def tracks(self, provider: Sequence[str] = (), region: Sequence[str] = ()) -> list[TrackRow]:
        where, args = _filters(provider, region)
        rows = self._query(
            "SELECT provider, region, state, failures, successes, verdict, updated FROM tracks"
            f"{where} ORDER BY provider, region",
            args,
        )
        return [TrackRow(*row) for row in rows]

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise FileError(
                f"cannot read reach history {self.path}: {exc}",
                hint="the file is damaged or not hedgectl's: move it away (a new one is created)",
            ) from None

    def last_paid(self) -> dict[tuple[str, str], PaidRecord]:
        """The newest paid-probe outcome per provider and region."""
        rows = self._query(
            "SELECT r.provider, r.region, runs.started, r.verdict, r.reason, r.http_status, r.error_code"
            " FROM results r JOIN runs ON runs.id = r.run_id WHERE r.probe = 'paid' ORDER BY runs.started"
        )
        out: dict[tuple[str, str], PaidRecord] = {}
        for provider, region, at, verdict, reason, status, code in rows:
            out[provider, region] = PaidRecord(at, Verdict(verdict), reason, status, code)
        return out

    def runs(self) -> int:
        return int(self._query("SELECT count(*) FROM runs")[0][0])


def _hint(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "another process holds the history's write lock (a stuck run?)"
    if "readonly" in text:
        return "the history file or its folder is read-only: pass --history PATH to a writable file"
    return "pass --history PATH to a writable file (or move a damaged one away)"


def _filters(provider: Sequence[str], region: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    clauses: list[str] = []
    args: list[str] = []
    if provider:
        clauses.append(f"provider IN ({', '.join('?' * len(provider))})")
        args += provider
    if region:
        clauses.append(f"region IN ({', '.join('?' * len(region))})")
        args += region
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)
