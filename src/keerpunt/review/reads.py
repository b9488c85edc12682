"""The lists and figures of review. Nothing here changes state."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat.models import Conversation
from keerpunt.context import Context
from keerpunt.core.errors import NotFound
from keerpunt.registration.reads import user_names
from keerpunt.review import store, weeks
from keerpunt.review.method import method
from keerpunt.review.models import Review, comment_aad
from keerpunt.review.schemas import (
    Candidate,
    ItemShares,
    MethodItemRead,
    Quality,
    ReviewRead,
    ToReview,
    WeekQuality,
)

NOT_FOUND = "no such review"
QUALITY_WEEKS = 12


def method_read() -> list[MethodItemRead]:
    return [MethodItemRead(code=item.code, label=item.label) for item in method().item]


def review_read(ctx: Context, row: Review, names: dict[int | None, str]) -> ReviewRead:
    return ReviewRead(
        id=row.id,
        conversation=row.conversation_id,
        status="done" if row.status == "done" else "draft",
        answers=dict(row.answers),
        score=row.score,
        comment=ctx.keyring.open(row.comment, comment_aad(row.id)) if row.comment else None,
        week=row.week,
        counselor=names.get(row.counselor_id),
        reviewer=names.get(row.reviewer_id),
        created_at=row.created_at,
        updated_at=row.updated_at,
        done_at=row.done_at,
    )


async def candidates(
    ctx: Context,
    session: AsyncSession,
    conversations: Sequence[Conversation],
    sampled: dict[str, str],
) -> list[Candidate]:
    ids = [conv.id for conv in conversations]
    reviews = await store.reviews_of(session, ids)
    names = await user_names(
        session,
        [*(c.counselor_id for c in conversations), *(r.reviewer_id for r in reviews.values())],
    )
    zone = ctx.organisation.zone
    found = []
    for conv in conversations:
        review = reviews.get(conv.id)
        found.append(
            Candidate(
                conversation=conv.id,
                ended_at=conv.ended_at,
                counselor=names.get(conv.counselor_id),
                counselor_id=conv.counselor_id,
                week=weeks.week_of(conv.ended_at or conv.created_at, zone),
                sampled=sampled.get(conv.id),
                review="done" if review and review.status == "done" else review and "draft",
                review_id=review.id if review else None,
                reviewer=names.get(review.reviewer_id) if review else None,
                messages=conv.last_seq,
            )
        )
    return found


async def to_review(ctx: Context, staff: StaffPrincipal) -> ToReview:
    """The newest sample whole (done ones too, so progress shows), then what older
    samples still wait for."""
    access.require(staff, "review.list")
    async with ctx.read() as session:
        latest = await store.latest_week(session)
        rows = list(await store.samples(session, [latest])) if latest else []
        rows += [row for row in await store.open_samples(session) if row.week != latest]
        sampled = {row.conversation_id: row.week for row in rows}
        convs = await store.conversations(session, list(sampled))
        ordered = [convs[row.conversation_id] for row in rows if row.conversation_id in convs]
        found = await candidates(ctx, session, ordered, sampled)
    return ToReview(method=method_read(), week=latest, sample=found)


async def search_results(ctx: Context, conversations: Sequence[Conversation]) -> list[Candidate]:
    async with ctx.read() as session:
        samples = await store.samples_of(session, [conv.id for conv in conversations])
        return await candidates(ctx, session, conversations, samples)


async def candidate(ctx: Context, conv: Conversation) -> Candidate:
    (found,) = await search_results(ctx, [conv])
    return found


async def review_of(ctx: Context, conversation_id: str) -> ReviewRead | None:
    async with ctx.read() as session:
        row = await store.review_of(session, conversation_id)
        if row is None:
            return None
        names = await user_names(session, [row.counselor_id, row.reviewer_id])
    return review_read(ctx, row, names)


def may_read(staff: StaffPrincipal, row: Review) -> bool:
    """Supervisors read every review; a counselor only their own, once it is done."""
    if staff.has("supervisor"):
        return access.may(staff, "review.read", access.Subject(counselor_id=row.counselor_id))
    return row.status == "done" and access.may(
        staff, "review.read", access.Subject(counselor_id=row.counselor_id)
    )


async def review(ctx: Context, staff: StaffPrincipal, review_id: int) -> ReviewRead:
    async with ctx.read() as session:
        row = await store.review(session, review_id)
        if row is None or not may_read(staff, row):
            raise NotFound(NOT_FOUND)
        names = await user_names(session, [row.counselor_id, row.reviewer_id])
    return review_read(ctx, row, names)


async def reviews(ctx: Context, staff: StaffPrincipal) -> list[ReviewRead]:
    """Done reviews, newest first: a counselor's own, or for a supervisor everyone's."""
    access.require(staff, "review.mine")
    mine = None if staff.has("supervisor") else staff.user_id
    async with ctx.read() as session:
        rows = await store.done_reviews(session, counselor_id=mine)
        names = await user_names(
            session, [*(r.counselor_id for r in rows), *(r.reviewer_id for r in rows)]
        )
    return [review_read(ctx, row, names) for row in rows]


def week_quality(week: str, rows: Sequence[Review]) -> WeekQuality:
    items = []
    for code in method().codes:
        answers = [row.answers.get(code) for row in rows]
        counted = [a for a in answers if a in ("done", "partly", "not_done")]
        n = len(counted)
        items.append(
            ItemShares(
                code=code,
                done=round(counted.count("done") / n, 3) if n else 0.0,
                partly=round(counted.count("partly") / n, 3) if n else 0.0,
                not_done=round(counted.count("not_done") / n, 3) if n else 0.0,
                answered=n,
            )
        )
    scores = [row.score for row in rows if row.score is not None]
    return WeekQuality(
        week=week,
        reviews=len(rows),
        mean_score=round(sum(scores) / len(scores), 2) if scores else None,
        items=items,
    )


async def quality(ctx: Context, staff: StaffPrincipal, count: int = QUALITY_WEEKS) -> Quality:
    """Per ISO week (of the conversation's end) and per item of the method: the shares
    done, partly and not done (not applicable left out), the number of reviews and the
    mean score. Weeks without reviews show as empty, so the line over time is honest."""
    access.require(staff, "review.quality")
    wanted = weeks.recent(weeks.week_of(ctx.clock.now(), ctx.organisation.zone), count)
    async with ctx.read() as session:
        rows = await store.done_since(session, wanted[0])
    by_week: dict[str, list[Review]] = {week: [] for week in wanted}
    for row in rows:
        if row.week in by_week:
            by_week[row.week].append(row)
    return Quality(
        method=method_read(),
        weeks=[week_quality(week, by_week[week]) for week in wanted],
    )
