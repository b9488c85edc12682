"""Queries only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.chat.models import Conversation, Message
from keerpunt.registration.models import Registration


async def ended_between(
    session: AsyncSession, start: datetime, end: datetime
) -> Sequence[Conversation]:
    """Ended conversations started in the period whose text is still there and in which
    the chatter wrote."""
    result = await session.scalars(
        select(Conversation)
        .where(
            Conversation.status == "ended",
            Conversation.purged_at.is_(None),
            Conversation.chatter_wrote.is_(True),
            Conversation.created_at >= start,
            Conversation.created_at < end,
        )
        .order_by(Conversation.created_at, Conversation.id)
    )
    return result.all()


async def registrations(session: AsyncSession, ids: Sequence[str]) -> dict[str, Registration]:
    if not ids:
        return {}
    result = await session.scalars(
        select(Registration).where(Registration.conversation_id.in_(ids))
    )
    return {row.conversation_id: row for row in result.all()}


async def messages(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    result = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    )
    return result.all()
