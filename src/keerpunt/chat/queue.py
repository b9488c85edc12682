"""The waiting queue's arithmetic: positions and an honest wait estimate."""

from __future__ import annotations

from datetime import datetime, timedelta

# Estimates below this are shown as this: a promise of "now" that fails hurts more.
MIN_INTERVAL_S = 15.0


def estimate_wait(
    pickups: list[datetime], now: datetime, position: int, window: timedelta
) -> int | None:
    """Seconds until a counselor picks up the chat at `position` (1 = next), from the pace of
    recent pick-ups, or None when nobody picked up a chat within the window."""
    recent = [t for t in pickups if now - t <= window]
    if not recent or position < 1:
        return None
    # The mean time between pick-ups, counting the time since the last one: when nobody
    # picks up for a while, the estimate grows instead of staying optimistic.
    span = (now - min(recent)).total_seconds()
    interval = max(span / max(len(recent) - 1, 1), MIN_INTERVAL_S)
    return round(interval * position)
