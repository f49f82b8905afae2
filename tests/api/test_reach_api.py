"""hedgectl.reach(...) called directly against the loopback fake providers (real TLS with a test
CA): verdicts and reasons, the --fail-on answer, history recording, settings precedence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import hedgectl
from hedgectl.errors import ExitCode, HedgeError
from tests.servers.providers import FakeProviders, resolve

pytestmark = pytest.mark.xdist_group("reach")


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeProviders]:
    fake = FakeProviders(tmp_path_factory.mktemp("providers"))
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def config(providers: FakeProviders, tmp_path: Path) -> Path:
    m = providers.main
    path = tmp_path / "hedge.toml"
    path.write_text(
        f"""
[reach]
timeout = 2
[regions.here]
[providers.openai]
resolve = "{resolve("api.openai.com", m)}"
regions = ["here"]
[providers.together]
resolve = "{resolve("api.together.xyz", m)}"
regions = ["here"]
[providers.mistral]
resolve = "{resolve("api.mistral.ai", m)}"
regions = ["here"]
[providers.z-legal]
catalog = "zai"
resolve = "{resolve("api.z.ai", m)}"
regions = ["here"]
""",
        encoding="utf-8",
    )
    return path


def test_verdicts_reasons_and_the_fail_on_answer(
    providers: FakeProviders, config: Path, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    report = hedgectl.reach(
        config=config,
        ca_bundle=providers.ca_file,
        record=False,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)  # announced, then one tick per probe
    verdicts = {(r.provider, r.region): (r.verdict.value, r.http_status) for r in report.results}
    assert verdicts == {
        ("openai", "here"): ("ok", 401),
        ("together", "here"): ("rate_limited", 429),
        ("mistral", "here"): ("down", 503),
        ("z-legal", "here"): ("blocked_legal", 451),
    }
    assert all(r.reason for r in report.results)
    assert report.fail_on == "degraded" and report.failed  # down and blocked are unreachable
    assert not hedgectl.reach(
        config=config, ca_bundle=providers.ca_file, record=False, fail_on="never"
    ).failed
    only = hedgectl.reach(
        config=config,
        ca_bundle=providers.ca_file,
        record=False,
        providers=["openai", "together"],
    )
    assert {r.provider for r in only.results} == {"openai", "together"}
    assert not only.failed  # rate limits are degraded, not unreachable


def test_env_beats_file_and_argument_beats_env(
    providers: FakeProviders, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = {"config": config, "ca_bundle": providers.ca_file, "record": False}
    monkeypatch.setenv("HEDGECTL_REACH_FAIL_ON", "never")
    assert hedgectl.reach(**run).fail_on == "never"  # type: ignore[arg-type]
    assert hedgectl.reach(fail_on="ok", **run).fail_on == "ok"  # type: ignore[arg-type]
    monkeypatch.setenv("HEDGECTL_REACH_TIMEOUT", "0")
    with pytest.raises(HedgeError, match="HEDGECTL_REACH_TIMEOUT") as info:
        hedgectl.reach(**run)  # type: ignore[arg-type]
    assert info.value.exit_code == ExitCode.USAGE


def test_history_records_runs_and_debounces_state(
    providers: FakeProviders, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "reach.sqlite3"
    monkeypatch.setenv("HEDGECTL_REACH_HISTORY", str(history))
    first = hedgectl.reach(config=config, ca_bundle=providers.ca_file, providers=["mistral"])
    assert history.is_file() and first.transitions == []  # one failure is not "down" yet
    second = hedgectl.reach(config=config, ca_bundle=providers.ca_file, providers=["mistral"])
    assert [(t.provider, t.region, t.new.value) for t in second.transitions] == [
        ("mistral", "here", "down")
    ]
    shown = hedgectl.reach_history(config=config)
    assert shown.path == str(history)
    assert shown.runs == 2
    assert [(e.provider, e.old, e.new) for e in shown.events] == [("mistral", "unknown", "down")]


def test_unknown_region_is_a_usage_error(providers: FakeProviders, config: Path) -> None:
    with pytest.raises(HedgeError, match="no such region") as info:
        hedgectl.reach(config=config, regions=["mars"], record=False)
    assert info.value.exit_code == ExitCode.USAGE
