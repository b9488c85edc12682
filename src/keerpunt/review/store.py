"""Queries only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.chat.models import Conversation
from keerpunt.registration.models import Registration
from keerpunt.review.models import Review, ReviewSample, ReviewWeek

HELD = "conversation_held"


def reviewable() -> list[ColumnElement[bool]]:
    """Ended, its text still there."""
    return [Conversation.status == "ended", Conversation.purged_at.is_(None)]


async def week(session: AsyncSession, name: str) -> ReviewWeek | None:
    return await session.get(ReviewWeek, name)


async def latest_week(session: AsyncSession) -> str | None:
    return await session.scalar(select(ReviewWeek.week).order_by(ReviewWeek.week.desc()).limit(1))


async def sample_population(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """(conversation, counselor) for the week's conversations in which the chatter wrote
    and that were held: registered so, or not (yet) registered otherwise."""
    query = (
        select(Conversation.id, Conversation.counselor_id)
        .outerjoin(Registration, Registration.conversation_id == Conversation.id)
        .where(
            *reviewable(),
            Conversation.chatter_wrote.is_(True),
            Conversation.counselor_id.is_not(None),
            Conversation.ended_at >= start,
            Conversation.ended_at < end,
            or_(Registration.outcome.is_(None), Registration.outcome == HELD),
        )
        .order_by(Conversation.id)
    )
    return [(row[0], row[1]) for row in await session.execute(query) if row[1] is not None]


async def samples(session: AsyncSession, weeks: Sequence[str]) -> Sequence[ReviewSample]:
    result = await session.scalars(
        select(ReviewSample)
        .where(ReviewSample.week.in_(weeks))
        .order_by(ReviewSample.week.desc(), ReviewSample.conversation_id)
    )
    return result.all()


async def sample_of(session: AsyncSession, conversation_id: str) -> ReviewSample | None:
    return await session.get(ReviewSample, conversation_id)


async def open_samples(session: AsyncSession) -> Sequence[ReviewSample]:
    """Drawn and not yet reviewed to the end, newest week first."""
    done = select(Review.conversation_id).where(Review.status == "done")
    result = await session.scalars(
        select(ReviewSample)
        .where(ReviewSample.conversation_id.not_in(done))
        .order_by(ReviewSample.week.desc(), ReviewSample.conversation_id)
    )
    return result.all()


async def review(session: AsyncSession, review_id: int) -> Review | None:
    return await session.get(Review, review_id)


async def any_review(session: AsyncSession) -> bool:
    return await session.scalar(select(Review.id).limit(1)) is not None


async def review_of(
    session: AsyncSession, conversation_id: str, *, lock: bool = False
) -> Review | None:
    query = select(Review).where(Review.conversation_id == conversation_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def reviews_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, Review]:
    if not ids:
        return {}
    result = await session.scalars(select(Review).where(Review.conversation_id.in_(ids)))
    return {row.conversation_id: row for row in result.all()}


async def done_reviews(
    session: AsyncSession, *, counselor_id: int | None = None, limit: int = 200
) -> Sequence[Review]:
    query = select(Review).where(Review.status == "done")
    if counselor_id is not None:
        query = query.where(Review.counselor_id == counselor_id)
    result = await session.scalars(
        query.order_by(Review.done_at.desc(), Review.id.desc()).limit(limit)
    )
    return result.all()


async def done_since(session: AsyncSession, first_week: str) -> Sequence[Review]:
    result = await session.scalars(
        select(Review).where(Review.status == "done", Review.week >= first_week)
    )
    return result.all()


async def conversations(session: AsyncSession, ids: Sequence[str]) -> dict[str, Conversation]:
    if not ids:
        return {}
    result = await session.scalars(select(Conversation).where(Conversation.id.in_(ids)))
    return {row.id: row for row in result.all()}


async def ended(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    counselor_id: int | None,
    limit: int,
) -> Sequence[Conversation]:
    query = select(Conversation).where(*reviewable(), Conversation.counselor_id.is_not(None))
    if start is not None:
        query = query.where(Conversation.ended_at >= start)
    if end is not None:
        query = query.where(Conversation.ended_at < end)
    if counselor_id is not None:
        query = query.where(Conversation.counselor_id == counselor_id)
    result = await session.scalars(query.order_by(Conversation.ended_at.desc()).limit(limit))
    return result.all()


async def samples_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    """Conversation -> the week whose sample drew it."""
    if not ids:
        return {}
    result = await session.execute(
        select(ReviewSample.conversation_id, ReviewSample.week).where(
            ReviewSample.conversation_id.in_(ids)
        )
    )
    return {row.conversation_id: row.week for row in result}
