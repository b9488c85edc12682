"""The queries behind the reports: one pass over a period's chats with their
registrations, the period's handovers and the daily traffic counts. Each reads by an
indexed time range, so a report's cost follows the size of its period. (PostgreSQL's
default planner settings may still scan all registrations for the join: see
docs/performance.md, "Reports".)"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.chat.models import Conversation
from keerpunt.handover.models import Handover
from keerpunt.registration.models import Registration


@dataclass(frozen=True, slots=True)
class ChatRow:
    created_at: datetime
    channel_id: int | None
    chatter_id: str
    start_visitor: str
    chatter_wrote: bool
    registered: bool
    outcome: str | None
    visitor: str | None
    region: str | None
    crime_involvement: str | None
    crime_forms: Sequence[str]
    other_problems: Sequence[str]
    signals: Sequence[str]
    help_questions: Sequence[str]
    help_offered: Sequence[str]
    has_account: bool


async def chats(session: AsyncSession, start: datetime, end: datetime) -> list[ChatRow]:
    """Every chat started in [start, end), with what its registration says."""
    r = Registration
    query = (
        select(
            Conversation.created_at,
            Conversation.channel_id,
            Conversation.chatter_id,
            Conversation.visitor,
            Conversation.chatter_wrote,
            r.conversation_id,
            r.outcome,
            r.visitor,
            r.region,
            r.crime_involvement,
            # As text: a period holds few distinct lists, each decoded once below, where
            # the JSON type would decode every cell (half the report's time at 1M chats).
            cast(r.crime_forms, Text),
            cast(r.other_problems, Text),
            cast(r.signals, Text),
            cast(r.help_questions, Text),
            cast(r.help_offered, Text),
            r.has_account,
        )
        .outerjoin(r, r.conversation_id == Conversation.id)
        .where(Conversation.created_at >= start, Conversation.created_at < end)
    )
    decoded: dict[str | None, tuple[str, ...]] = {None: (), "[]": ()}

    def codes(raw: str | None) -> tuple[str, ...]:
        found = decoded.get(raw)
        if found is None:
            found = decoded[raw] = tuple(json.loads(raw or "[]"))
        return found

    rows = (await session.execute(query)).all()
    return [
        ChatRow(
            created_at=row[0],
            channel_id=row[1],
            chatter_id=row[2],
            start_visitor=row[3],
            chatter_wrote=bool(row[4]),
            registered=row[5] is not None,
            outcome=row[6],
            visitor=row[7],
            region=row[8],
            crime_involvement=row[9],
            crime_forms=codes(row[10]),
            other_problems=codes(row[11]),
            signals=codes(row[12]),
            help_questions=codes(row[13]),
            help_offered=codes(row[14]),
            has_account=bool(row[15]),
        )
        for row in rows
    ]


async def handover_regions(session: AsyncSession, start: datetime, end: datetime) -> list[str]:
    """The region of every handover of a chat started in [start, end)."""
    query = (
        select(Handover.region)
        .join(Conversation, Conversation.id == Handover.conversation_id)
        .where(Conversation.created_at >= start, Conversation.created_at < end)
    )
    return list((await session.scalars(query)).all())
