"""Retry-After, as servers send it: seconds, milliseconds (retry-after-ms), or an HTTP date."""

from __future__ import annotations

from collections.abc import Callable
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
