"""Reach history on a real SQLite file: overlapping writers (cron runs that overlap) are safe."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from hedgectl.adapters.history import History
from hedgectl.core import reach as core


def _result(provider: str, verdict: core.Verdict) -> core.Result:
    return core.Result(
        provider,
        "cn",
        "https://x/v1/models",
        core.ProbeKind.UNAUTHENTICATED,
        verdict,
        "why",
        403,
        "",
        core.Timings(total=0.1),
        "",
        "",
        None,
        "proxy",
    )


def test_overlapping_runs_all_land_and_count_streaks_once(tmp_path: Path) -> None:
    path = tmp_path / "reach.sqlite3"
    History(path).close()
    errors: list[BaseException] = []
    transitions: list[core.Transition] = []
    lock = threading.Lock()

    def cron_run() -> None:
        try:
            with History(path) as store:
                for _ in range(20):
                    got = store.record(
                        [
                            _result("openai", core.Verdict.BLOCKED_GEO),
                            _result("anthropic", core.Verdict.OK),
                        ],
                        failures_before_down=3,
                        successes_before_up=3,
                    )
                    with lock:
                        transitions.extend(got)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=cron_run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with History(path) as store:
        assert store.runs() == 80
        tracks = {t.provider: t for t in store.tracks()}
    # 80 consecutive failures, counted exactly once each; exactly one transition per provider.
    assert tracks["openai"].failures == 80 and tracks["openai"].state == "down"
    assert tracks["anthropic"].successes == 80 and tracks["anthropic"].state == "up"
    assert sorted((t.provider, t.new.value) for t in transitions) == [
        ("anthropic", "up"),
        ("openai", "down"),
    ]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_old_runs_are_pruned_but_states_and_events_stay(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as store:
        for day in range(5):
            store.record(
                [_result("openai", core.Verdict.DOWN)],
                failures_before_down=1,
                successes_before_up=1,
                keep_days=2,
                now=1_700_000_000 + day * 86400,
            )
        assert store.runs() == 3
        assert [e.new for e in store.events()] == ["down"]
        assert store.tracks()[0].failures == 5


def test_unusable_history_path_is_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from hedgectl.errors import FileError

    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_text("this is not sqlite" * 100)
    with pytest.raises(FileError, match="cannot use reach history"):
        History(bad)


# ---- a history that cannot be written must not cost the run its results -----------------------


def _config(tmp_path: Path) -> Path:
    """One provider whose port refuses connections: a fast, deterministic `down`."""
    from tests.servers.providers import free_port

    cfg = tmp_path / "hedge.toml"
    cfg.write_text(
        f"""
[reach]
timeout = 2
[regions.here]
[providers.refused]
base_url = "https://api.example.test/v1"
resolve = "api.example.test:443:127.0.0.1:{free_port()}"
"""
    )
    return cfg


def _reach(tmp_path: Path, *args: str) -> tuple[int, str, str, float]:
    import subprocess
    import sys
    import time

    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "hedgectl", "reach", "-c", str(_config(tmp_path)), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started


def test_corrupt_history_still_prints_results_and_writes_metrics(tmp_path: Path) -> None:
    db = tmp_path / "reach.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    prom = tmp_path / "reach.prom"
    code, _out, err, _ = _reach(tmp_path, "--history", str(db), "-f", "prometheus", "-o", str(prom))
    assert code == 5, err
    assert 'hedge_reach_verdict{provider="refused",probe_region="here",verdict="down"} 1' in (
        prom.read_text()
    )
    assert "warning:" in err and str(db) in err
    assert "Traceback" not in err


def test_locked_history_fails_fast_and_keeps_the_results(tmp_path: Path) -> None:
    import json

    db = tmp_path / "reach.sqlite3"
    History(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer that never lets go
    try:
        code, out, err, seconds = _reach(tmp_path, "--history", str(db), "-f", "json")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 5, err
    assert json.loads(out)["results"][0]["verdict"] == "down"
    assert "locked" in err
    assert seconds < 20  # was 31 s: a 30 s busy wait on top of the probe


def test_reach_history_opens_the_file_read_only(tmp_path: Path) -> None:
    db = tmp_path / "reach.sqlite3"
    with History(db) as store:
        store.record(
            [_result("openai", core.Verdict.BLOCKED_GEO)],
            failures_before_down=1,
            successes_before_up=1,
        )
    before = db.read_bytes()
    with History(db, read_only=True) as reader:
        assert reader.runs() == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.db.execute("DELETE FROM runs")
    code, out, err, _ = _reach_history(tmp_path, db)
    assert code == 0, err
    assert "openai" in out
    assert db.read_bytes() == before


def _reach_history(tmp_path: Path, db: Path) -> tuple[int, str, str, float]:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "hedgectl", "reach", "history", "--history", str(db), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return proc.returncode, proc.stdout, proc.stderr, 0.0
