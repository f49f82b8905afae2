"""Reach history on a real SQLite file: overlapping writers (cron runs that overlap) are safe."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

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
