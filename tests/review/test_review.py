"""Review against the method: the weekly sample, holds from retention, the access log,
who reads which review, and the quality figures."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from keerpunt.chat import store as chat_store
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Conflict, Invalid, NotFound
from keerpunt.demo_review import seed_reviews
from keerpunt.privacy import actions as privacy
from keerpunt.privacy.models import RetentionHold
from keerpunt.review import actions, reads
from keerpunt.review.method import method
from keerpunt.review.models import ReviewSample
from keerpunt.review.schemas import ReviewWrite, SearchQuery
from tests.live import audit_entries
from tests.review.helpers import ended_chat, staff

# The frozen clock starts on Monday 5 January 2026: ISO week 2026-W02.
WEEK = "2026-W02"


def everything(answer: str = "done", score: int = 4, **extra: object) -> ReviewWrite:
    return ReviewWrite(
        answers={code: answer for code in method().codes},  # type: ignore[misc]
        score=score,
        finish=True,
        **extra,  # type: ignore[arg-type]
    )


async def test_the_sample_is_stratified_by_counselor_and_drawn_once_per_week(
    ctx: Context, clock: FrozenClock
) -> None:
    # Counselors with different volumes: 21, 4 and 1 held chats, and one whose only
    # chatter never wrote.
    volumes = {"anna": 21, "bram": 4, "carla": 1}
    counselors = {name: await staff(ctx, name, ["counselor"]) for name in [*volumes, "dirk"]}
    for name, count in volumes.items():
        for _ in range(count):
            await ended_chat(ctx, counselors[name])
            clock.advance(60)
    await ended_chat(ctx, counselors["dirk"], wrote=False)
    # A chat of the next week is not in this week's sample.
    clock.advance(7 * 24 * 3600)
    await ended_chat(ctx, counselors["carla"])

    drawn = await actions.draw_sample(ctx, WEEK, rng=random.Random(20261))

    # ceil(0.1 * n) per counselor, at least one: 3, 1 and 1; none for dirk.
    assert (drawn.week, drawn.drawn, drawn.already) == (WEEK, 5, False)
    async with ctx.read() as session:
        samples = list((await session.scalars(select(ReviewSample))).all())
        holds = list((await session.scalars(select(RetentionHold))).all())
    by_id = {p.user_id: name for name, p in counselors.items()}
    assert Counter(by_id[s.counselor_id] for s in samples if s.counselor_id) == {
        "anna": 3,
        "bram": 1,
        "carla": 1,
    }
    # Each drawn conversation is held from retention.
    assert sorted(h.conversation_id for h in holds if h.released_at is None) == sorted(
        s.conversation_id for s in samples
    )
    assert {h.reason for h in holds} == {"review"}

    # A second run, with another seed, draws nothing new.
    again = await actions.draw_sample(ctx, WEEK, rng=random.Random(1))
    assert (again.drawn, again.already) == (0, True)
    async with ctx.read() as session:
        assert len((await session.scalars(select(ReviewSample))).all()) == 5
    logged = await audit_entries(ctx, "review_sample")
    assert [(e.subject, e.count) for e in logged] == [(f"week:{WEEK}", 5)]


@pytest.mark.parametrize(("share", "held", "size"), [(0.1, 30, 3), (0.1, 31, 4), (0.1, 1, 1)])
def test_the_sample_size_rounds_up_with_at_least_one(share: float, held: int, size: int) -> None:
    assert actions.sample_size(share, held) == size


async def test_a_review_holds_the_transcript_from_retention_until_it_is_done(
    ctx: Context, clock: FrozenClock
) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    conversation = await ended_chat(ctx, anna)
    await actions.save_review(
        ctx, sara, conversation, ReviewWrite(answers={"listened": "done"}, comment="Goed begin")
    )

    # Long past the retention period, the draft still holds the text.
    clock.advance(timedelta(days=ctx.settings.retention_days + 5).total_seconds())
    assert (await privacy.purge_expired(ctx)).conversations == 0
    opened = await actions.open_for_review(ctx, sara, conversation)
    assert opened.purged_at is None

    await actions.save_review(ctx, sara, conversation, everything(comment="Goed gedaan"))
    # Done: the hold is released, and the next run deletes the text.
    assert (await privacy.purge_expired(ctx)).conversations == 1
    async with ctx.read() as session:
        conv = await chat_store.conversation(session, conversation)
        assert conv is not None
        assert conv.purged_at is not None
    assert [e.conversation_id for e in await audit_entries(ctx, "retention_release")] == [
        conversation
    ]
    # The review and its comment stay; the transcript is gone.
    review = await reads.review_of(ctx, conversation)
    assert review is not None
    assert review.comment == "Goed gedaan"
    with pytest.raises(Conflict):
        await actions.open_for_review(ctx, sara, conversation)


async def test_a_sampled_conversation_is_released_when_its_review_is_done(
    ctx: Context, clock: FrozenClock
) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    conversation = await ended_chat(ctx, anna)
    await actions.draw_sample(ctx, WEEK, rng=random.Random(3))
    await actions.save_review(ctx, sara, conversation, everything())
    async with ctx.read() as session:
        holds = list((await session.scalars(select(RetentionHold))).all())
    # One hold (the sample's): the review did not place a second, and released it.
    assert len(holds) == 1
    assert holds[0].released_at is not None


async def test_every_opening_is_in_the_access_log_and_only_supervisors_open(
    ctx: Context,
) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    conversation = await ended_chat(ctx, anna)
    for _ in range(2):
        await actions.open_for_review(ctx, sara, conversation)
    with pytest.raises(NotFound):
        await actions.open_for_review(ctx, anna, conversation)
    logged = await audit_entries(ctx, "read_transcript")
    assert [(e.user_id, e.purpose, e.outcome, e.conversation_id) for e in logged] == [
        (sara.user_id, "review", "ok", conversation),
        (sara.user_id, "review", "ok", conversation),
    ]


async def test_a_chat_still_open_is_not_reviewed(ctx: Context) -> None:
    from keerpunt.chat import actions as chat

    anna = await staff(ctx, "anna", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    started = await chat.start_conversation(ctx, None)
    await chat.accept(ctx, anna, started.conversation.id)
    with pytest.raises(NotFound):
        await actions.open_for_review(ctx, sara, started.conversation.id)
    with pytest.raises(NotFound):
        await actions.save_review(ctx, sara, started.conversation.id, everything())
    denied = await audit_entries(ctx, "read_transcript")
    assert [e.outcome for e in denied] == ["denied"]


async def test_finishing_needs_every_item_and_a_score_and_a_done_review_stays(
    ctx: Context,
) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    conversation = await ended_chat(ctx, anna)
    half = ReviewWrite(answers={"listened": "done"}, score=3, finish=True)
    with pytest.raises(Invalid) as missing:
        await actions.save_review(ctx, sara, conversation, half)
    assert missing.value.field == "answers"
    with pytest.raises(Invalid) as unknown:
        await actions.save_review(
            ctx,
            sara,
            conversation,
            ReviewWrite(answers={"zomaar": "done"}),  # type: ignore[dict-item]
        )
    assert unknown.value.code == "unknown_item"
    # Refused input changed nothing: no review was started.
    assert await reads.review_of(ctx, conversation) is None
    await actions.save_review(ctx, sara, conversation, everything(score=5))
    with pytest.raises(Conflict):
        await actions.save_review(ctx, sara, conversation, everything(score=1))
    review = await reads.review_of(ctx, conversation)
    assert review is not None
    assert (review.status, review.score) == ("done", 5)


async def test_a_counselor_reads_only_their_own_done_reviews(ctx: Context) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    bram = await staff(ctx, "bram", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    annas = await ended_chat(ctx, anna)
    brams = await ended_chat(ctx, bram)
    draft = await ended_chat(ctx, anna)
    done = await actions.save_review(ctx, sara, annas, everything(comment="Sterk gesprek"))
    other = await actions.save_review(ctx, sara, brams, everything())
    unfinished = await actions.save_review(ctx, sara, draft, ReviewWrite(score=2))

    mine = await reads.reviews(ctx, anna)
    assert [(r.id, r.comment, r.reviewer) for r in mine] == [(done.id, "Sterk gesprek", "sara")]
    assert (await reads.review(ctx, anna, done.id)).score == 4
    for hidden in (other.id, unfinished.id):
        with pytest.raises(NotFound):
            await reads.review(ctx, anna, hidden)
    # Supervisors see every done review, and drafts by id.
    assert {r.id for r in await reads.reviews(ctx, sara)} == {done.id, other.id}
    assert (await reads.review(ctx, sara, unfinished.id)).status == "draft"


async def test_the_quality_figures_per_week_and_item(ctx: Context, clock: FrozenClock) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    sara = await staff(ctx, "sara", ["supervisor"])
    first, second = await ended_chat(ctx, anna), await ended_chat(ctx, anna)
    await actions.save_review(ctx, sara, first, everything("done", score=5))
    answers = {code: "not_applicable" for code in method().codes}
    answers["listened"] = "partly"
    await actions.save_review(
        ctx,
        sara,
        second,
        ReviewWrite(answers=answers, score=2, finish=True),  # type: ignore[arg-type]
    )
    clock.advance(14 * 24 * 3600)

    quality = await reads.quality(ctx, sara, 4)
    assert [w.week for w in quality.weeks] == ["2026-W01", "2026-W02", "2026-W03", "2026-W04"]
    week = quality.weeks[1]
    assert (week.reviews, week.mean_score) == (2, 3.5)
    items = {item.code: item for item in week.items}
    assert (items["listened"].done, items["listened"].partly, items["listened"].answered) == (
        0.5,
        0.5,
        2,
    )
    # Not applicable is left out of the shares.
    assert (items["safety"].done, items["safety"].answered) == (1.0, 1)
    assert quality.weeks[0].reviews == 0
    assert quality.weeks[0].mean_score is None
    with pytest.raises(NotFound):
        await reads.quality(ctx, anna)


async def test_the_demo_leaves_one_review_done_and_one_draft(ctx: Context) -> None:
    anna = await staff(ctx, "anna", ["counselor"])
    await staff(ctx, "sara", ["supervisor"])
    for _ in range(3):
        await ended_chat(ctx, anna)
    await seed_reviews(ctx)
    sara = await staff(ctx, "sven", ["supervisor"])
    todo = await reads.to_review(ctx, sara)
    # Three chats: a sample of one, reviewed to the end; the draft is on another chat.
    assert todo.week == WEEK
    assert [c.review for c in todo.sample] == ["done"]
    found = await actions.search_ended(ctx, sara, SearchQuery())
    listed = await reads.search_results(ctx, found.conversations)
    assert sorted(str(c.review) for c in listed) == ["None", "done", "draft"]


async def test_far_dates_in_a_search_are_refused_or_answered_never_an_error(
    ctx: Context,
) -> None:
    sara = await staff(ctx, "sara", ["supervisor"])
    from datetime import date

    found = await actions.search_ended(ctx, sara, SearchQuery(since=date.min))
    assert found.conversations == []
    with pytest.raises(Invalid):
        await actions.search_ended(ctx, sara, SearchQuery(since=date.min, until=date(1, 1, 2)))
    with pytest.raises(Invalid):
        await actions.search_ended(ctx, sara, SearchQuery(until=date.max))
    with pytest.raises(Invalid):
        await actions.draw_sample(ctx, "9999-W52")


async def test_the_server_job_draws_the_last_complete_week_once(
    ctx: Context, clock: FrozenClock
) -> None:
    from datetime import UTC, datetime

    from keerpunt.review import jobs

    anna = await staff(ctx, "anna", ["counselor"])
    clock.set(datetime(2026, 1, 2, 14, 0, tzinfo=UTC))  # Friday of 2026-W01
    await ended_chat(ctx, anna)
    clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))  # the Monday after

    first = await jobs.sample_if_due(ctx)
    assert first is not None
    assert (first.week, first.drawn, first.already) == ("2026-W01", 1, False)
    # The same day, any process: the day is claimed already.
    assert await jobs.sample_if_due(ctx) is None
    clock.advance(24 * 3600)
    again = await jobs.sample_if_due(ctx)
    assert again is not None
    assert (again.week, again.drawn, again.already) == ("2026-W01", 0, True)
