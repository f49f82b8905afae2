"""History events: debounce verdicts into up/down states and report the transitions."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hedgectl.core.reach.model import LEVEL, Level, Result, Verdict


class State(enum.StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Track:
    state: State = State.UNKNOWN
    failures: int = 0  # consecutive failing runs
    successes: int = 0  # consecutive passing runs
    verdict: str = ""


@dataclass(frozen=True)
class Transition:
    provider: str
    region: str
    old: State
    new: State
    verdict: Verdict
    reason: str


def is_failing(verdict: Verdict) -> bool:
    """Down means unreachable; a rejected key or a 429 still proves the provider is reachable."""
    return LEVEL[verdict] >= Level.UNREACHABLE


def step(
    track: Track, result: Result, failures_before_down: int, successes_before_up: int
) -> tuple[Track, Transition | None]:
    """Advance one provider/region track by one run; a transition only past the thresholds."""
    if result.verdict == Verdict.VANTAGE_DOWN:
        return replace(track, verdict=result.verdict.value), None  # says nothing about the provider
    if is_failing(result.verdict):
        track = Track(track.state, track.failures + 1, 0, result.verdict.value)
        target, enough = State.DOWN, track.failures >= failures_before_down
    else:
        track = Track(track.state, 0, track.successes + 1, result.verdict.value)
        target, enough = State.UP, track.successes >= successes_before_up
    if not enough or track.state == target:
        return track, None
    transition = Transition(
        result.provider, result.region, track.state, target, result.verdict, result.reason
    )
    return replace(track, state=target), transition


def notify_worthy(t: Transition) -> bool:
    """First sight of a healthy provider is not news; everything else is."""
    return not (t.old == State.UNKNOWN and t.new == State.UP)


def notify_text(transitions: Sequence[Transition]) -> str:
    lines = []
    for t in transitions:
        mark = ":red_circle:" if t.new == State.DOWN else ":large_green_circle:"
        lines.append(
            f"{mark} {t.provider} from {t.region}: {t.old.value} -> {t.new.value} "
            f"({t.verdict.value}: {t.reason})"
        )
    return (
        "hedgectl reach: "
        + ("state change" if len(lines) == 1 else f"{len(lines)} state changes")
        + "\n"
        + "\n".join(lines)
    )
