"""The programme funnel for any period: visitors, conversations, about crime, with clear
signals of exploitation (the pilot's 330, 220, 89 and 25)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from keerpunt.campaigns import actions as campaigns
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.registration import actions as registration
from keerpunt.registration.schemas import RegistrationFields
from keerpunt.reports import actions as reports
from keerpunt.reports.schemas import ReportRequest
from tests.reports.helpers import staff

START = date(2025, 3, 3)
DAYS = 300  # the pilot's first ten months


async def test_the_funnel_shows_visitors_conversations_crime_and_signals(
    ctx: Context, clock: FrozenClock
) -> None:
    analyst = await staff(ctx, "ada", ["analyst"])
    anna = await staff(ctx, "anna", ["counselor"], max_chats=2)
    zone = ctx.organisation.zone

    def at(n: int, total: int, hour: int) -> datetime:
        day = START + timedelta(days=(n * DAYS) // total)
        return datetime.combine(day, time(hour), zone)

    for n in range(330):
        clock.set(at(n, 330, 10))
        await campaigns.count(ctx, campaigns.VISIT, None, f"visitor-{n}")
    for n in range(220):
        clock.set(at(n, 220, 16))
        started = await chat.start_conversation(ctx, None, visitor="youth")
        if n >= 89:
            continue  # left before anyone answered: a conversation all the same
        conv = started.conversation.id
        await chat.accept(ctx, anna, conv)
        me = chat.ChatterPrincipal(started.conversation.chatter_id)
        await chat.send_message(ctx, me, conv, str(uuid.uuid4()), "hoi")
        await chat.end(ctx, anna, conv)
        fields = RegistrationFields(
            taxonomy_version=1,
            outcome="conversation_held",
            visitor="youth",
            age_band="18_20",
            region="rotterdam",
            crime_involvement="yes",
            crime_forms=["drugs_port"],
            signals=["debt_to_recruiter"] if n < 25 else [],
            help_offered=["clarified"],
        )
        await registration.save(ctx, anna, conv, fields, complete=True)
    # A chat after the period counts in no funnel of the period.
    clock.set(at(DAYS + 5, DAYS, 12))
    await chat.start_conversation(ctx, None)

    end = START + timedelta(days=DAYS - 1)
    board = await reports.dashboard(ctx, analyst, START, end, [], None)
    assert [f.n for f in board.funnel.rows] == [330, 220, 89, 25]
    assert [f.key for f in board.funnel.rows] == [
        "funnel.visitors",
        "chats.started",
        "content.about_crime",
        "exploitation.with_signals",
    ]
    assert round((board.funnel.rows[1].share or 0) * 100) == 67
    assert sum((b.direct.n or 0) + (b.organic.n or 0) for b in board.timeline) == 220
    assert board.timeline_unit == "week"
    report = await reports.produce(ctx, analyst, ReportRequest(starts_on=START, ends_on=end))
    assert [f.n for f in report.funnel.rows] == [330, 220, 89, 25]
    # A shorter period has its own funnel.
    spring = await reports.dashboard(ctx, analyst, START, START + timedelta(days=29), [], None)
    assert [f.n for f in spring.funnel.rows] == [33, 22, 22, 22]
