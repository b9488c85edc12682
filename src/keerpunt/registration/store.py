"""Queries only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.chat.models import Conversation
from keerpunt.registration.models import ChatterMerge, Registration, TaxonomyVersion
from keerpunt.registration.taxonomy import Taxonomy, parsed


async def latest_version(session: AsyncSession) -> int | None:
    version = await session.scalar(select(func.max(TaxonomyVersion.version)))
    return int(version) if version is not None else None


async def taxonomy(session: AsyncSession, version: int | None = None) -> Taxonomy | None:
    """A loaded version (the latest when none is named), parsed once per process."""
    query = select(TaxonomyVersion.source)
    if version is None:
        query = query.order_by(TaxonomyVersion.version.desc()).limit(1)
    else:
        query = query.where(TaxonomyVersion.version == version)
    source = await session.scalar(query)
    return parsed(source) if source is not None else None


async def all_taxonomies(session: AsyncSession) -> list[Taxonomy]:
    result = await session.scalars(select(TaxonomyVersion.source).order_by(TaxonomyVersion.version))
    return [parsed(source) for source in result.all()]


async def versions(session: AsyncSession) -> Sequence[TaxonomyVersion]:
    result = await session.scalars(select(TaxonomyVersion).order_by(TaxonomyVersion.version))
    return result.all()


async def registration(session: AsyncSession, conversation_id: str) -> Registration | None:
    return await session.get(Registration, conversation_id)


async def registrations(session: AsyncSession, ids: Sequence[str]) -> dict[str, Registration]:
    if not ids:
        return {}
    result = await session.scalars(
        select(Registration).where(Registration.conversation_id.in_(ids))
    )
    return {row.conversation_id: row for row in result.all()}


async def unregistered(session: AsyncSession, counselor_id: int) -> Sequence[Conversation]:
    """The counselor's ended conversations without a complete registration, oldest first."""
    complete = select(Registration.conversation_id).where(Registration.status == "complete")
    result = await session.scalars(
        select(Conversation)
        .where(
            Conversation.counselor_id == counselor_id,
            Conversation.status == "ended",
            Conversation.id.not_in(complete),
        )
        .order_by(Conversation.ended_at, Conversation.id)
    )
    return result.all()


async def conversations_of(
    session: AsyncSession, chatter_ids: set[str], *, before: datetime | None = None
) -> Sequence[Conversation]:
    """Conversations of these chatters, newest first; only those started before `before`."""
    query = select(Conversation).where(Conversation.chatter_id.in_(chatter_ids))
    if before is not None:
        query = query.where(Conversation.created_at < before)
    result = await session.scalars(query.order_by(Conversation.created_at.desc()))
    return result.all()


async def recent_conversations(
    session: AsyncSession, since: datetime, exclude_chatters: set[str], limit: int
) -> Sequence[Conversation]:
    result = await session.scalars(
        select(Conversation)
        .where(
            Conversation.created_at >= since,
            Conversation.chatter_id.not_in(exclude_chatters),
            Conversation.status.in_(("active", "ended")),
        )
        .order_by(Conversation.created_at.desc())
        .limit(limit)
    )
    return result.all()


async def merge(session: AsyncSession, merge_id: int, *, lock: bool = False) -> ChatterMerge | None:
    query = select(ChatterMerge).where(ChatterMerge.id == merge_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def merges(session: AsyncSession, limit: int = 200) -> Sequence[ChatterMerge]:
    result = await session.scalars(
        select(ChatterMerge).order_by(ChatterMerge.at.desc(), ChatterMerge.id.desc()).limit(limit)
    )
    return result.all()


async def active_merge_of(session: AsyncSession, conversation_id: str) -> ChatterMerge | None:
    return await session.scalar(
        select(ChatterMerge).where(
            ChatterMerge.conversation_id == conversation_id, ChatterMerge.undone_at.is_(None)
        )
    )
