"""Queries only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.chat.models import Conversation, Message


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


async def messages(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    result = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    )
    return result.all()
