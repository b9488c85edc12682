"""The weekly sample, opening a conversation for review, and the review itself: every
change review makes goes through here.

A conversation under review is held from retention: drawn into a sample, or a review
started, places a hold (`privacy.actions.hold_within`); finishing the review releases it.
"""

from __future__ import annotations

import logging
import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat.models import Conversation
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid, NotFound
from keerpunt.privacy import audit
from keerpunt.privacy.actions import hold_within, release_within
from keerpunt.privacy.models import RetentionHold
from keerpunt.review import store, weeks
from keerpunt.review.method import method
from keerpunt.review.models import HOLD_REASON, Review, ReviewSample, ReviewWeek, comment_aad
from keerpunt.review.schemas import ReviewWrite, SampleDrawn, SearchQuery

log = logging.getLogger(__name__)

CONVERSATION = "no such conversation"
SEARCH_LIMIT = 100


def sample_size(share: float, held: int) -> int:
    """ceil(share * held), at least one for a counselor who held any. The small epsilon
    keeps 0.1 * 30 (3.0000000000000004 in floats) at 3."""
    if held <= 0:
        return 0
    return min(held, max(1, math.ceil(share * held - 1e-9)))


def current_week(ctx: Context) -> str:
    return weeks.week_of(ctx.clock.now(), ctx.organisation.zone)


def last_complete_week(ctx: Context) -> str:
    return weeks.previous(current_week(ctx))


async def draw_sample(
    ctx: Context,
    week: str | None = None,
    *,
    rng: random.Random | None = None,
    actor: StaffPrincipal | None = None,
) -> SampleDrawn:
    """Draw a week's sample, stratified by counselor: of each counselor's held
    conversations of that week, ceil(share * n), at least one. Once per week: a second
    run (or another process at the same moment) draws nothing new. Without `week`, the
    last complete week. Each drawn conversation is held from retention."""
    name = week or last_complete_week(ctx)
    start, end = weeks.bounds(name, ctx.organisation.zone)
    # The operating system's randomness in production; tests pass a seeded one.
    chance = rng or secrets.SystemRandom()
    share = ctx.settings.review_sample_share
    try:
        async with ctx.write() as tx:
            if await store.week(tx.session, name) is not None:
                return SampleDrawn(week=name, drawn=0, already=True)
            row = ReviewWeek(week=name, drawn_at=ctx.clock.now(), share=share, count=0)
            tx.session.add(row)
            await tx.session.flush()
            by_counselor: dict[int, list[str]] = defaultdict(list)
            for conversation_id, counselor_id in await store.sample_population(
                tx.session, start, end
            ):
                by_counselor[counselor_id].append(conversation_id)
            chosen: list[tuple[str, int]] = []
            for counselor_id in sorted(by_counselor):
                ids = by_counselor[counselor_id]
                picked = chance.sample(ids, sample_size(share, len(ids)))
                chosen += [(conversation_id, counselor_id) for conversation_id in sorted(picked)]
            for conversation_id, counselor_id in chosen:
                hold = await hold_within(ctx, tx, actor, conversation_id, HOLD_REASON)
                tx.session.add(
                    ReviewSample(
                        conversation_id=conversation_id,
                        week=name,
                        counselor_id=counselor_id,
                        hold_id=hold.id,
                    )
                )
            row.count = len(chosen)
            await audit.record(
                ctx,
                tx,
                actor,
                "review_sample",
                subject=f"week:{name}",
                purpose=f"share {share:g} per counselor",
                count=len(chosen),
            )
    except IntegrityError:
        # Another process drew this week at the same moment.
        return SampleDrawn(week=name, drawn=0, already=True)
    log.info("review sample drawn", extra={"week": name, "count": len(chosen)})
    return SampleDrawn(week=name, drawn=len(chosen), already=False)


def reviewable(conv: Conversation | None) -> Conversation:
    if conv is None or conv.status != "ended" or conv.counselor_id is None:
        raise NotFound(CONVERSATION)
    if conv.purged_at is not None:
        raise Conflict("the text of this conversation is deleted already", code="purged")
    return conv


async def open_for_review(
    ctx: Context, staff: StaffPrincipal, conversation_id: str
) -> Conversation:
    """A supervisor opens an ended conversation to review it. Every opening is an entry
    in the access log (purpose "review"), refused ones too."""
    access.require(staff, "review.transcript")
    async with ctx.write() as tx:
        conv = await tx.session.get(Conversation, conversation_id)
        allowed = conv is not None and conv.status == "ended" and conv.counselor_id is not None
        await audit.record(
            ctx,
            tx,
            staff,
            "read_transcript",
            conversation=conversation_id,
            subject="review",
            purpose="review",
            outcome="ok" if allowed and conv and conv.purged_at is None else "denied",
            count=conv.last_seq if conv is not None and allowed else None,
        )
    return reviewable(conv)


def _check_answers(body: ReviewWrite) -> None:
    codes = method().codes
    unknown = sorted(set(body.answers) - set(codes))
    if unknown:
        raise Invalid(
            f"not an item of the method: {', '.join(unknown)}", code="unknown_item", field="answers"
        )
    if not body.finish:
        return
    missing = [code for code in codes if code not in body.answers]
    if missing:
        raise Invalid(
            "answer every item of the method before finishing", code="incomplete", field="answers"
        )
    if body.score is None:
        raise Invalid("give a score from 1 to 5 before finishing", code="missing", field="score")


async def _active_hold(tx: Tx, hold_id: int | None) -> RetentionHold | None:
    if hold_id is None:
        return None
    hold = await tx.session.get(RetentionHold, hold_id)
    return hold if hold is not None and hold.released_at is None else None


async def save_review(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, body: ReviewWrite
) -> Review:
    """Start or continue the review of an ended conversation, and finish it with
    `finish`. A started review holds the conversation from retention (a sampled one is
    held already); finishing releases the hold. A done review does not change any more.
    A draft left by another supervisor may be taken over: the last to save reviews it."""
    access.require(staff, "review.write")
    _check_answers(body)
    comment = body.comment.strip()
    async with ctx.write() as tx:
        conv = reviewable(await tx.session.get(Conversation, conversation_id))
        row = await store.review_of(tx.session, conv.id, lock=True)
        now = ctx.clock.now()
        if row is not None and row.status == "done":
            raise Conflict("this review is done and does not change any more", code="done")
        sample = await store.sample_of(tx.session, conv.id)
        if row is None:
            hold_id = None
            if sample is None or await _active_hold(tx, sample.hold_id) is None:
                hold_id = (await hold_within(ctx, tx, staff, conv.id, HOLD_REASON)).id
            assert conv.ended_at is not None
            row = Review(
                conversation_id=conv.id,
                counselor_id=conv.counselor_id,
                reviewer_id=staff.user_id,
                status="draft",
                answers={},
                week=weeks.week_of(conv.ended_at, ctx.organisation.zone),
                hold_id=hold_id,
                created_at=now,
                updated_at=now,
            )
            tx.session.add(row)
            await tx.session.flush()
        row.reviewer_id = staff.user_id
        row.answers = dict(body.answers)
        row.score = body.score
        row.comment = ctx.keyring.seal(comment, comment_aad(row.id)) if comment else None
        row.updated_at = now
        if body.finish:
            row.status, row.done_at = "done", now
            for hold_id in {row.hold_id, sample.hold_id if sample else None}:
                if await _active_hold(tx, hold_id) is not None:
                    assert hold_id is not None
                    await release_within(ctx, tx, staff, hold_id)
        await audit.record(
            ctx,
            tx,
            staff,
            "review_done" if body.finish else "review_saved",
            conversation=conv.id,
            subject=f"review:{row.id}",
        )
    return row


@dataclass(frozen=True)
class Found:
    conversations: list[Conversation]


async def search_ended(ctx: Context, staff: StaffPrincipal, query: SearchQuery) -> Found:
    """Ended conversations to review, newest first, by period and counselor: no text. A
    search is an entry in the access log, with what was asked and how many were found."""
    access.require(staff, "review.list")
    zone = ctx.organisation.zone
    start = None
    if query.since is not None:
        # Far dates do not fit a datetime in every time zone; nothing was said before 2000.
        start = datetime.combine(max(query.since, date(2000, 1, 1)), time(), zone)
    end = None
    if query.until is not None and query.until >= date.max - timedelta(days=1):
        raise Invalid("the period ends too far in the future", code="bad_period", field="until")
    if query.until is not None:
        end = datetime.combine(query.until + timedelta(days=1), time(), zone)
    if start is not None and end is not None and end <= start:
        raise Invalid("the period ends before it starts", code="bad_period", field="until")
    async with ctx.write() as tx:
        rows = await store.ended(
            tx.session, start=start, end=end, counselor_id=query.counselor, limit=SEARCH_LIMIT
        )
        asked = " ".join(
            f"{name}={value}"
            for name, value in (
                ("since", query.since),
                ("until", query.until),
                ("counselor", query.counselor),
            )
            if value is not None
        )
        await audit.record(
            ctx,
            tx,
            staff,
            "search",
            purpose=f"review {asked}".strip(),
            count=len(rows),
        )
    return Found(list(rows))
