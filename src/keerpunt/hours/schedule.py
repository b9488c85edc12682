"""The schedule the chat goes by, from the database once an admin saved one, else from the
organisation file. Read afresh on every call: one small read, and no process can hold a
copy another process has made stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.hours import store
from keerpunt.hours.models import HoursSpan
from keerpunt.organisation import WEEKDAYS, Organisation, Span

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Policy:
    closing_cutoff_minutes: int = 10
    idle_warning_minutes: int = 10
    idle_close_minutes: int = 5


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    # Seven tuples, Monday first, each sorted by start.
    week: tuple[tuple[Span, ...], ...]
    # Closed all day, with the label the admin gave (a holiday's name).
    closed: dict[date, str] = field(default_factory=dict)
    # Dates with their own hours instead of the weekday's, with a label.
    special: dict[date, tuple[str, tuple[Span, ...]]] = field(default_factory=dict)
    policy: Policy = Policy()
    # "database" once an admin saved the schedule, "organisation" before.
    source: str = "organisation"

    def day(self, day: date) -> tuple[Span, ...]:
        if day in self.closed:
            return ()
        if day in self.special:
            return self.special[day][1]
        return self.week[day.weekday()]

    @classmethod
    def from_organisation(cls, org: Organisation) -> Schedule:
        return cls(
            zone=org.zone,
            week=tuple(org.opening_hours.day(weekday) for weekday in range(len(WEEKDAYS))),
            closed={day: "" for day in org.closed_dates},
        )


def minute_time(minute: int) -> time | None:
    """Minutes after midnight as a time; 1440 (midnight at the day's end) is None."""
    return None if minute >= DAY_MINUTES else time(minute // 60, minute % 60)


def span_of(row: HoursSpan) -> Span:
    start = minute_time(row.start_minute)
    assert start is not None
    return Span(start=start, end=minute_time(row.end_minute))


async def load_schedule(session: AsyncSession, org: Organisation) -> Schedule:
    policy = await store.policy(session)
    if policy is None:
        return Schedule.from_organisation(org)
    week: list[list[Span]] = [[] for _ in WEEKDAYS]
    by_day: dict[date, list[Span]] = {}
    for row in await store.spans(session):
        if row.weekday is not None:
            week[row.weekday].append(span_of(row))
        elif row.day is not None:
            by_day.setdefault(row.day, []).append(span_of(row))
    closed: dict[date, str] = {}
    special: dict[date, tuple[str, tuple[Span, ...]]] = {}
    for dated in await store.dates(session):
        if dated.closed:
            closed[dated.day] = dated.label
        else:
            special[dated.day] = (dated.label, tuple(by_day.get(dated.day, ())))
    return Schedule(
        zone=org.zone,
        week=tuple(tuple(spans) for spans in week),
        closed=closed,
        special=special,
        policy=Policy(
            closing_cutoff_minutes=policy.closing_cutoff_minutes,
            idle_warning_minutes=policy.idle_warning_minutes,
            idle_close_minutes=policy.idle_close_minutes,
        ),
        source="database",
    )
