"""Is the chat open now, and when does it open or close?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.context import Context
from keerpunt.hours.schedule import Schedule, load_schedule
from keerpunt.organisation import Organisation

# A week and a day covers every schedule that opens at all (closed dates included, as
# long as fewer than a week of them follow each other; beyond that we say "unknown").
LOOKAHEAD_DAYS = 15

State = Literal["open", "closing_soon", "closed"]


@dataclass(frozen=True)
class OpeningState:
    open: bool
    # While open: when it closes (None when it stays open beyond the lookahead).
    closes_at: datetime | None
    # While closed: when it opens next (None when no opening is scheduled).
    opens_at: datetime | None
    # Open, but within the cut-off before closing: running chats go on, no new ones start.
    closing_soon: bool = False
    # While closing soon: when the chat opens again after this closing.
    next_opens_at: datetime | None = None

    @property
    def state(self) -> State:
        if not self.open:
            return "closed"
        return "closing_soon" if self.closing_soon else "open"

    @property
    def takes_new_chats(self) -> bool:
        return self.open and not self.closing_soon


def _periods(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    zone = schedule.zone
    periods = []
    for span in schedule.day(day):
        start = datetime.combine(day, span.start, zone)
        end = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if span.end is None
            else datetime.combine(day, span.end, zone)
        )
        periods.append((start, end))
    return periods


def _merged(schedule: Schedule, first: date) -> list[tuple[datetime, datetime]]:
    """Opening periods from `first` on, with back-to-back ones (22:00-24:00 then
    00:00-02:00) joined so "closes at" is the real closing time."""
    merged: list[tuple[datetime, datetime]] = []
    for offset in range(LOOKAHEAD_DAYS):
        for start, end in _periods(schedule, first + timedelta(days=offset)):
            if merged and merged[-1][1] >= start:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
    return merged


def opening_state(hours: Organisation | Schedule, now: datetime) -> OpeningState:
    schedule = Schedule.from_organisation(hours) if isinstance(hours, Organisation) else hours
    zone = schedule.zone
    local = now.astimezone(zone)
    first = local.date() - timedelta(days=1)
    horizon = datetime.combine(first + timedelta(days=LOOKAHEAD_DAYS), time(0), zone)
    periods = _merged(schedule, first)
    for index, (start, end) in enumerate(periods):
        if start <= local < end:
            closes_at = end if end < horizon else None
            cutoff = timedelta(minutes=schedule.policy.closing_cutoff_minutes)
            soon = closes_at is not None and local >= closes_at - cutoff
            after = periods[index + 1][0] if soon and index + 1 < len(periods) else None
            return OpeningState(
                open=True,
                closes_at=closes_at,
                opens_at=None,
                closing_soon=soon,
                next_opens_at=after,
            )
        if start > local:
            return OpeningState(open=False, closes_at=None, opens_at=start)
    return OpeningState(open=False, closes_at=None, opens_at=None)


ALWAYS_OPEN = OpeningState(open=True, closes_at=None, opens_at=None)


async def schedule_now(ctx: Context, session: AsyncSession | None = None) -> Schedule:
    if session is not None:
        return await load_schedule(session, ctx.organisation)
    async with ctx.read() as own:
        return await load_schedule(own, ctx.organisation)


async def opening_now(ctx: Context, session: AsyncSession | None = None) -> OpeningState:
    """The one answer the chat page, the API and new chats go by: the stored schedule,
    read afresh (another process may have saved a new one a moment ago)."""
    if ctx.settings.always_open:
        return ALWAYS_OPEN
    return opening_state(await schedule_now(ctx, session), ctx.clock.now())
