"""Review against the method: the sample, the search, the form and the quality figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from keerpunt.chat import reads as chat_reads
from keerpunt.core.errors import MAX_ROW_ID
from keerpunt.deps import CtxDep, IdPath, Staff
from keerpunt.review import actions, reads
from keerpunt.review.schemas import (
    Candidate,
    Quality,
    ReviewOpen,
    ReviewRead,
    ReviewWrite,
    SearchQuery,
    ToReview,
    TranscriptLine,
)
from keerpunt.web.review_chart import quality_svg

router = APIRouter(prefix="/api/v1/reviews", tags=["review"])


@router.get("/sample", summary="This week's sample first, then older samples still open")
async def sample(staff: Staff, ctx: CtxDep) -> ToReview:
    return await reads.to_review(ctx, staff)


@router.get("/search", summary="Ended conversations to review, by period and counselor (audited)")
async def search(
    staff: Staff,
    ctx: CtxDep,
    since: date | None = None,
    until: date | None = None,
    counselor: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> list[Candidate]:
    query = SearchQuery(since=since, until=until, counselor=counselor)
    found = await actions.search_ended(ctx, staff, query)
    return await reads.search_results(ctx, found.conversations)


@router.get("/quality", summary="Per week and per item of the method: shares, count, mean score")
async def quality(
    staff: Staff,
    ctx: CtxDep,
    weeks: Annotated[int, Query(ge=1, le=104)] = reads.QUALITY_WEEKS,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> Quality:
    figures = await reads.quality(ctx, staff, weeks)
    figures.chart_svg = quality_svg(figures, "en" if lang == "en" else "nl")
    return figures


@router.get(
    "/conversations/{conversation_id}",
    summary="Open an ended conversation for review: its transcript and review (audited)",
)
async def open_conversation(conversation_id: str, staff: Staff, ctx: CtxDep) -> ReviewOpen:
    conv = await actions.open_for_review(ctx, staff, conversation_id)
    page = await chat_reads.transcript(ctx, conv.id, 0)
    return ReviewOpen(
        conversation=await reads.candidate(ctx, conv),
        messages=[
            TranscriptLine(
                seq=m.seq, sender=m.sender, code=m.code, body=m.body, created_at=m.created_at
            )
            for m in page.messages
        ],
        review=await reads.review_of(ctx, conv.id),
        method=reads.method_read(),
    )


@router.put(
    "/conversations/{conversation_id}",
    summary="Save the review as a draft, or finish it (finish: true)",
)
async def save(conversation_id: str, body: ReviewWrite, staff: Staff, ctx: CtxDep) -> ReviewRead:
    await actions.save_review(ctx, staff, conversation_id, body)
    saved = await reads.review_of(ctx, conversation_id)
    assert saved is not None
    return saved


@router.get("", summary="Done reviews: a counselor's own, or all for a supervisor")
async def reviews(staff: Staff, ctx: CtxDep) -> list[ReviewRead]:
    return await reads.reviews(ctx, staff)


@router.get("/{review_id}", summary="One review: a counselor's own once done; supervisors all")
async def review(review_id: IdPath, staff: Staff, ctx: CtxDep) -> ReviewRead:
    return await reads.review(ctx, staff, review_id)
