"""Queries for blocks. Reads only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

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


def blocked_until_many(
    conn: Connection, chatter_ids: Iterable[str], now: datetime
) -> dict[str, datetime]:
    """`blocked_until` for several chatters in one read (a write step, see db/engine.py);
    a chatter in no block in force is left out."""
    ids = set(chatter_ids)
    if not ids:
        return {}
    rows = conn.execute(_BLOCKED_UNTIL_MANY, {"ids": sorted(ids), "now": now})
    return {row[0]: row[1] for row in rows}


# Built once: it runs in every group commit of chatters' messages.
_BLOCKED_UNTIL_MANY = (
    select(ChatterBlock.chatter_id, func.max(ChatterBlock.until))
    .where(
        ChatterBlock.chatter_id.in_(bindparam("ids", expanding=True)),
        ChatterBlock.until > bindparam("now", type_=UTCDateTime()),
        ChatterBlock.lifted_at.is_(None),
    )
    .group_by(ChatterBlock.chatter_id)
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
