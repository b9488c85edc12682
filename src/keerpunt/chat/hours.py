"""Is the chat open now, and when does it open or close?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from keerpunt.context import Context
from keerpunt.organisation import Organisation

# A week and a day covers every schedule that opens at all (closed dates included, as
# long as fewer than a week of them follow each other; beyond that we say "unknown").
LOOKAHEAD_DAYS = 15


@dataclass(frozen=True)
class OpeningState:
    open: bool
    # While open: when it closes (None when it stays open beyond the lookahead).
    closes_at: datetime | None
    # While closed: when it opens next (None when no opening is scheduled).
    opens_at: datetime | None


def _periods(org: Organisation, day: date) -> list[tuple[datetime, datetime]]:
    if day in org.closed_dates:
        return []
    zone = org.zone
    periods = []
    for span in org.opening_hours.day(day.weekday()):
        start = datetime.combine(day, span.start, zone)
        end = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if span.end is None
            else datetime.combine(day, span.end, zone)
        )
        periods.append((start, end))
    return periods


def _merged(org: Organisation, first: date) -> list[tuple[datetime, datetime]]:
    """Opening periods from `first` on, with back-to-back ones (22:00-24:00 then
    00:00-02:00) joined so "closes at" is the real closing time."""
    merged: list[tuple[datetime, datetime]] = []
    for offset in range(LOOKAHEAD_DAYS):
        for start, end in _periods(org, first + timedelta(days=offset)):
            if merged and merged[-1][1] >= start:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
    return merged


def opening_state(org: Organisation, now: datetime) -> OpeningState:
    local = now.astimezone(org.zone)
    first = local.date() - timedelta(days=1)
    horizon = datetime.combine(first + timedelta(days=LOOKAHEAD_DAYS), time(0), org.zone)
    for start, end in _merged(org, first):
        if start <= local < end:
            return OpeningState(open=True, closes_at=end if end < horizon else None, opens_at=None)
        if start > local:
            return OpeningState(open=False, closes_at=None, opens_at=start)
    return OpeningState(open=False, closes_at=None, opens_at=None)


ALWAYS_OPEN = OpeningState(open=True, closes_at=None, opens_at=None)


def opening_now(ctx: Context) -> OpeningState:
    """The one answer the chat page, the API and new chats go by."""
    if ctx.settings.always_open:
        return ALWAYS_OPEN
    return opening_state(ctx.organisation, ctx.clock.now())
