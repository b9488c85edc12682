"""Opening hours: every change goes through here. A save replaces the whole schedule in
one transaction, after checking all of it: a schedule with one bad span is refused whole,
and the one in force stays as it was."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.core.errors import Conflict, Invalid
from keerpunt.hours import store
from keerpunt.hours.models import HoursDate, HoursPolicy, HoursSpan
from keerpunt.hours.schemas import HoursWrite, SpanIO
from keerpunt.organisation import WEEKDAYS


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def checked_spans(spans: list[SpanIO], where: str) -> list[tuple[int, int]]:
    """The spans as (start, end) minutes, sorted; refused when one ends before it starts
    or two overlap."""
    result = []
    for span in spans:
        start, end = minutes(span.start), minutes(span.end)
        if end <= start:
            raise Invalid(
                f"{where}: {span.start}-{span.end} ends before it starts (a span past midnight"
                " is two: until 24:00, and from 00:00 on the next day)",
                code="span_order",
                field=where,
            )
        result.append((start, end))
    result.sort()
    for (start_a, end_a), (start_b, end_b) in pairwise(result):
        if start_b < end_a:
            raise Invalid(
                f"{where}: {_clock(start_a)}-{_clock(end_a)} and {_clock(start_b)}-{_clock(end_b)}"
                " overlap",
                code="span_overlap",
                field=where,
            )
    return result


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def check(schedule: HoursWrite) -> None:
    """Everything a save refuses, before anything is written."""
    for weekday in WEEKDAYS:
        checked_spans(getattr(schedule.week, weekday), f"week.{weekday}")
    seen: set[date] = set()
    days = [(item.day, "closed_dates") for item in schedule.closed_dates] + [
        (item.day, "exceptions") for item in schedule.exceptions
    ]
    for day, where in days:
        if day in seen:
            raise Invalid(
                f"{day.isoformat()} is listed twice: a date is closed or has its own hours, once",
                code="duplicate_date",
                field=where,
            )
        seen.add(day)
    for item in schedule.exceptions:
        checked_spans(item.spans, f"exceptions.{item.day.isoformat()}")


async def save(ctx: Context, staff: StaffPrincipal, schedule: HoursWrite) -> None:
    """Replace the stored schedule and policy with this one (the first save moves the
    hours from the organisation file into the database)."""
    access.require(staff, "hours.admin")
    check(schedule)
    try:
        async with ctx.write() as tx:
            now = ctx.clock.now()
            policy = await store.policy(tx.session, lock=True)
            if policy is None:
                policy = HoursPolicy(id=store.POLICY_ID)
                tx.session.add(policy)
            policy.closing_cutoff_minutes = schedule.closing_cutoff_minutes
            policy.idle_warning_minutes = schedule.idle_warning_minutes
            policy.idle_close_minutes = schedule.idle_close_minutes
            policy.updated_at = now
            policy.updated_by = staff.user_id
            await tx.session.execute(delete(HoursSpan))
            await tx.session.execute(delete(HoursDate))
            for weekday, name in enumerate(WEEKDAYS):
                for start, end in checked_spans(getattr(schedule.week, name), name):
                    tx.session.add(HoursSpan(weekday=weekday, start_minute=start, end_minute=end))
            for closed in schedule.closed_dates:
                tx.session.add(HoursDate(day=closed.day, closed=True, label=closed.label))
            for special in schedule.exceptions:
                tx.session.add(HoursDate(day=special.day, closed=False, label=special.label))
                for start, end in checked_spans(special.spans, "exceptions"):
                    tx.session.add(HoursSpan(day=special.day, start_minute=start, end_minute=end))
    except IntegrityError:
        # Two first saves at the same moment: one wins whole, the other is told.
        raise Conflict(
            "the opening hours were saved by someone else at the same moment; load and try again",
            code="concurrent_save",
        ) from None
