"""When to try again: exponential backoff with jitter, and `Retry-After` (pure functions)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before retry number `attempt + 1`: `min(cap, base * 2**attempt)`, of which the
    second half is random ("equal jitter": never zero, never in lockstep with other clients).
    """
    ceiling = min(cap, base * 2.0**attempt)
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds (delay-seconds or an HTTP date); None when absent or invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def next_delay(
    attempt: int,
    retries: int,
    retry_after: float | None,
    base: float,
    cap: float,
    rng: random.Random,
) -> float | None:
    """Seconds to wait before the next try, or None to stop trying.

    `attempt` counts from 0 (the first try). A `Retry-After` longer than `cap` stops the
    retries at once: retrying earlier than the service asked only earns another refusal.
    """
    if attempt >= retries:
        return None
    if retry_after is not None:
        return retry_after if retry_after <= cap else None
    return backoff_delay(attempt, base, cap, rng)
