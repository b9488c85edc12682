"""Opening hours: chat staff and admins read them; admins save them."""

from __future__ import annotations

from fastapi import APIRouter

from keerpunt.accounts import access
from keerpunt.chat.hours import opening_state, schedule_now
from keerpunt.context import Context
from keerpunt.deps import CtxDep, Staff
from keerpunt.hours import actions, store
from keerpunt.hours.schedule import Schedule
from keerpunt.hours.schemas import (
    ClosedDateIO,
    ExceptionIO,
    HoursNow,
    HoursRead,
    HoursWrite,
    SpanIO,
    WeekIO,
)
from keerpunt.organisation import WEEKDAYS, Span

router = APIRouter(prefix="/api/v1", tags=["hours"])


def _span(span: Span) -> SpanIO:
    end = "24:00" if span.end is None else span.end.strftime("%H:%M")
    return SpanIO(start=span.start.strftime("%H:%M"), end=end)


async def hours_read(ctx: Context) -> HoursRead:
    async with ctx.read() as session:
        schedule: Schedule = await schedule_now(ctx, session)
        policy = await store.policy(session)
    state = opening_state(schedule, ctx.clock.now())
    return HoursRead(
        week=WeekIO(
            **{
                name: [_span(span) for span in schedule.week[index]]
                for index, name in enumerate(WEEKDAYS)
            }
        ),
        closed_dates=[
            ClosedDateIO(day=day, label=label or day.isoformat())
            for day, label in sorted(schedule.closed.items())
        ],
        exceptions=[
            ExceptionIO(day=day, label=label, spans=[_span(span) for span in spans])
            for day, (label, spans) in sorted(schedule.special.items())
        ],
        closing_cutoff_minutes=schedule.policy.closing_cutoff_minutes,
        idle_warning_minutes=schedule.policy.idle_warning_minutes,
        idle_close_minutes=schedule.policy.idle_close_minutes,
        source="database" if schedule.source == "database" else "organisation",
        timezone=str(schedule.zone),
        updated_at=policy.updated_at if policy is not None else None,
        now=HoursNow(
            state=state.state,
            closes_at=state.closes_at,
            opens_at=state.opens_at,
            next_opens_at=state.next_opens_at,
        ),
    )


@router.get("/hours", summary="The opening hours, closed dates, exceptions and chat policy")
async def get_hours(staff: Staff, ctx: CtxDep) -> HoursRead:
    access.require(staff, "hours.read")
    return await hours_read(ctx)


@router.put("/hours", summary="Replace the opening hours and chat policy (admin)")
async def put_hours(body: HoursWrite, staff: Staff, ctx: CtxDep) -> HoursRead:
    await actions.save(ctx, staff, body)
    return await hours_read(ctx)
