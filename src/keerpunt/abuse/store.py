"""Queries for blocks. Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from keerpunt.abuse.models import ChatterBlock
from keerpunt.chat.models import Conversation
from keerpunt.db.types import UTCDateTime


async def blocked_until(session: AsyncSession, chatter_id: str, now: datetime) -> datetime | None:
    """When this chatter's last block in force ends; None when none is. One indexed
    scalar read: it runs for every message a chatter sends."""
    until: datetime | None = await session.scalar(
        select(ChatterBlock.until)
        .where(
            ChatterBlock.chatter_id == chatter_id,
            ChatterBlock.until > now,
            ChatterBlock.lifted_at.is_(None),
        )
        .order_by(ChatterBlock.until.desc())
        .limit(1)
    )
    return until


def block_in_force_until(
    chatter_id: ColumnElement[str] | InstrumentedAttribute[str],
) -> ScalarSelect[datetime]:
    """`blocked_until` as a column of another query (a group commit reads it with the
    conversations it locks), with the time as the bind parameter "now"; NULL when no block
    is in force."""
    return (
        select(func.max(ChatterBlock.until))
        .where(
            ChatterBlock.chatter_id == chatter_id,
            ChatterBlock.until > bindparam("now", type_=UTCDateTime()),
            ChatterBlock.lifted_at.is_(None),
        )
        .scalar_subquery()
    )


async def block(session: AsyncSession, block_id: str, *, lock: bool = False) -> ChatterBlock | None:
    query = select(ChatterBlock).where(ChatterBlock.id == block_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def blocks_of_conversation(
    session: AsyncSession, conversation_id: str
) -> Sequence[ChatterBlock]:
    """Every block of the conversation's chatter, newest first."""
    chatter = select(Conversation.chatter_id).where(Conversation.id == conversation_id)
    result = await session.scalars(
        select(ChatterBlock)
        .where(ChatterBlock.chatter_id.in_(chatter.scalar_subquery()))
        .order_by(ChatterBlock.created_at.desc())
    )
    return result.all()


async def in_force(session: AsyncSession, now: datetime) -> Sequence[ChatterBlock]:
    """Every block in force now, ending soonest first."""
    result = await session.scalars(
        select(ChatterBlock)
        .where(ChatterBlock.until > now, ChatterBlock.lifted_at.is_(None))
        .order_by(ChatterBlock.until)
    )
    return result.all()
