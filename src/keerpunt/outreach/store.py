"""Queries on outreach sources, terms, items, posts and counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.models import User, UserRole
from keerpunt.outreach.models import (
    Action,
    Band,
    Daily,
    HistoryEntry,
    Hit,
    Item,
    ListVersion,
    Post,
    Source,
    Suggestion,
    Term,
)

OUTREACH = "outreach"


async def source(session: AsyncSession, source_id: int) -> Source | None:
    return await session.get(Source, source_id)


async def sources(session: AsyncSession, active_only: bool = False) -> Sequence[Source]:
    query = select(Source).order_by(Source.username)
    if active_only:
        query = query.where(Source.active.is_(True))
    return (await session.scalars(query)).all()


async def source_by_username(session: AsyncSession, username: str) -> Source | None:
    return await session.scalar(select(Source).where(Source.username == username))


async def source_by_peer(session: AsyncSession, peer_id: int) -> Source | None:
    return await session.scalar(select(Source).where(Source.peer_id == peer_id))


async def matched_per_source(session: AsyncSession) -> dict[int, int]:
    query = select(Post.source_id, func.count()).group_by(Post.source_id)
    return {s: int(n) for s, n in (await session.execute(query)).all()}


async def names(session: AsyncSession, user_ids: Collection[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(ids))
    return {i: n for i, n in (await session.execute(query)).all()}


async def outreach_staff(session: AsyncSession) -> list[tuple[int, str]]:
    query = (
        select(User.id, User.display_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == OUTREACH, User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return [(i, n) for i, n in (await session.execute(query)).all()]


async def holds_outreach(session: AsyncSession, user_id: int) -> bool:
    query = select(UserRole.user_id).where(UserRole.user_id == user_id, UserRole.role == OUTREACH)
    return await session.scalar(query) is not None


async def list_version(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(ListVersion.version))) or 0)


async def terms(session: AsyncSession, active_only: bool = False) -> Sequence[Term]:
    query = select(Term).order_by(Term.category, Term.text, Term.id)
    if active_only:
        query = query.where(Term.active.is_(True))
    return (await session.scalars(query)).all()


async def term(session: AsyncSession, term_id: int) -> Term | None:
    return await session.get(Term, term_id)


async def daily(
    session: AsyncSession, measures: Collection[str], start: date, end: date
) -> Sequence[Daily]:
    query = select(Daily).where(
        Daily.measure.in_(list(measures)), Daily.day >= start, Daily.day <= end
    )
    return (await session.scalars(query)).all()


async def existing_posts(
    session: AsyncSession, keys: Collection[tuple[int, int]]
) -> dict[tuple[int, int], Post]:
    if not keys:
        return {}
    found: dict[tuple[int, int], Post] = {}
    by_peer: dict[int, list[int]] = {}
    for peer, message in keys:
        by_peer.setdefault(peer, []).append(message)
    for peer, messages in by_peer.items():
        query = select(Post).where(Post.peer_id == peer, Post.message_id.in_(messages))
        for post in (await session.scalars(query)).all():
            found[(post.peer_id, post.message_id)] = post
    return found


async def candidates(session: AsyncSession, bands: Sequence[tuple[int, str]]) -> list[Item]:
    """Items sharing at least one band with these: one query."""
    if not bands:
        return []
    shared = select(Band.item_id).where(tuple_(Band.band, Band.bucket).in_(list(bands)))
    return list((await session.scalars(select(Item).where(Item.id.in_(shared)))).all())


async def item(session: AsyncSession, item_id: int) -> Item | None:
    return await session.get(Item, item_id)


async def post(session: AsyncSession, post_id: int) -> Post | None:
    return await session.get(Post, post_id)


async def hits(session: AsyncSession, post_id: int) -> Sequence[Hit]:
    query = select(Hit).where(Hit.post_id == post_id).order_by(Hit.span_start, Hit.id)
    return (await session.scalars(query)).all()


async def item_posts(session: AsyncSession, item_id: int, limit: int) -> Sequence[Post]:
    query = (
        select(Post)
        .where(Post.item_id == item_id)
        .order_by(Post.posted_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def item_sources(session: AsyncSession, item_id: int) -> list[tuple[Source, int]]:
    query = (
        select(Source, func.count(Post.id))
        .join(Post, Post.source_id == Source.id)
        .where(Post.item_id == item_id)
        .group_by(Source.id)
        .order_by(func.count(Post.id).desc())
    )
    return [(s, int(n)) for s, n in (await session.execute(query)).all()]


async def history(session: AsyncSession, item_id: int) -> Sequence[HistoryEntry]:
    query = select(HistoryEntry).where(HistoryEntry.item_id == item_id).order_by(HistoryEntry.id)
    return (await session.scalars(query)).all()


async def actions(session: AsyncSession, item_id: int) -> Sequence[Action]:
    query = select(Action).where(Action.item_id == item_id).order_by(Action.id)
    return (await session.scalars(query)).all()


async def action_counts(session: AsyncSession, item_ids: Collection[int]) -> dict[int, int]:
    if not item_ids:
        return {}
    query = (
        select(Action.item_id, func.count())
        .where(Action.item_id.in_(list(item_ids)))
        .group_by(Action.item_id)
    )
    return {i: int(n) for i, n in (await session.execute(query)).all()}


async def suggestions(session: AsyncSession, texts: Collection[str]) -> dict[str, Suggestion]:
    if not texts:
        return {}
    query = select(Suggestion).where(Suggestion.text.in_(list(texts)))
    return {s.text: s for s in (await session.scalars(query)).all()}


async def open_suggestions(session: AsyncSession, minimum: int, limit: int) -> Sequence[Suggestion]:
    query = (
        select(Suggestion)
        .where(Suggestion.state == "open", Suggestion.count >= minimum)
        .order_by(Suggestion.count.desc(), Suggestion.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()
