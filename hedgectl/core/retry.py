"""Retry-After, as servers send it (seconds, milliseconds, or an HTTP date), and the one retry
budget the mirror uses against both the Hub and S3."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


def retry_after(lookup: Callable[[str], str | None], now: float | None = None) -> float | None:
    """Seconds to wait, from a header lookup (e.g. `headers.get`); None when absent or unreadable.

    An HTTP date needs `now` (the caller's clock) to become a delay.
    """
    ms = lookup("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = (lookup("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    if now is None:
        return None
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """One retry budget for every remote call of a command (the Hub side and the S3 side alike).

    A failing request is tried at most `attempts` times in all, and retried only while less than
    `seconds` have passed since its first failure; progress (bytes received) starts a new budget.
    Waits are full-jitter exponential (`base` x 2^n, at most `cap`), or the server's Retry-After
    (at most `max_retry_after`) when it sends one.
    """

    attempts: int = 8
    seconds: float = 300.0
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int) -> float:
        # Full jitter: many workers that failed together must not retry together.
        return random.uniform(0, min(self.cap, self.base * 2**attempt))

    def wait(
        self, attempt: int, retry_after: float | None, since: float, now: float
    ) -> float | None:
        """Seconds to wait before try number `attempt + 1` (0-based `attempt` just failed), or
        None when the budget is spent: attempts used up, or the wait would end past the deadline."""
        if attempt + 1 >= self.attempts:
            return None
        wait = (
            min(retry_after, self.max_retry_after)
            if retry_after is not None
            else self.delay(attempt)
        )
        if now + wait - since > self.seconds:
            return None
        return wait
