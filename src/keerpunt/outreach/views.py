"""Outreach: sources, the watchlist, the triage queue, actions, trends (outreach staff)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from keerpunt.deps import CtxDep, IdPath, Staff
from keerpunt.outreach import actions, reads
from keerpunt.outreach.schemas import (
    ActionIn,
    ActionRead,
    ApproveIn,
    AssignIn,
    ChannelPick,
    ItemList,
    ItemRead,
    Person,
    SourceIn,
    SourceRead,
    SourceUpdate,
    StateIn,
    SuggestionRead,
    TermIn,
    TermList,
    TermRead,
    TermUpdate,
    Trends,
)

router = APIRouter(prefix="/api/v1/outreach", tags=["outreach"])


@router.get("/sources", summary="The watched public sources")
async def list_sources(staff: Staff, ctx: CtxDep) -> list[SourceRead]:
    return await reads.sources(ctx, staff)


@router.post("/sources", status_code=201, summary="Watch a public channel or group")
async def add_source(body: SourceIn, staff: Staff, ctx: CtxDep) -> SourceRead:
    source = await actions.add_source(ctx, staff, body)
    return await reads.source(ctx, source.id)


@router.put("/sources/{source_id}", summary="Change a source's purpose or switch it off")
async def update_source(
    source_id: IdPath, body: SourceUpdate, staff: Staff, ctx: CtxDep
) -> SourceRead:
    source = await actions.update_source(ctx, staff, source_id, body)
    return await reads.source(ctx, source.id)


@router.get("/terms", summary="The watchlist and its version")
async def list_terms(staff: Staff, ctx: CtxDep) -> TermList:
    return await reads.terms(ctx, staff)


@router.post("/terms", status_code=201, summary="Add a term (a new list version)")
async def add_term(body: TermIn, staff: Staff, ctx: CtxDep) -> TermRead:
    term = await actions.add_term(ctx, staff, body)
    return (await reads.term_reads(ctx, [term]))[0]


@router.put("/terms/{term_id}", summary="Change a term or switch it off (a new list version)")
async def update_term(term_id: IdPath, body: TermUpdate, staff: Staff, ctx: CtxDep) -> TermRead:
    term = await actions.update_term(ctx, staff, term_id, body)
    return (await reads.term_reads(ctx, [term]))[0]


@router.get("/items", summary="The triage queue")
async def list_items(
    staff: Staff,
    ctx: CtxDep,
    state: reads.StateFilter = "open",
    assignee: Annotated[str | None, Query(max_length=20, pattern=r"^(me|[0-9]{1,9})$")] = None,
    sort: Literal["score", "recent"] = "score",
    limit: Annotated[int, Query(ge=1, le=reads.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ItemList:
    return await reads.items(ctx, staff, state, assignee, sort, limit, offset)


@router.get("/items/{item_id}", summary="One item with its text and highlights (audited)")
async def get_item(item_id: IdPath, staff: Staff, ctx: CtxDep) -> ItemRead:
    return await reads.item(ctx, staff, item_id)


@router.post("/items/{item_id}/state", summary="Move an item through triage")
async def set_state(item_id: IdPath, body: StateIn, staff: Staff, ctx: CtxDep) -> ItemRead:
    await actions.set_state(ctx, staff, item_id, body.state, body.reason)
    return await reads.item_read(ctx, item_id)


@router.post("/items/{item_id}/assign", summary="Assign an item to outreach staff, or no one")
async def assign(item_id: IdPath, body: AssignIn, staff: Staff, ctx: CtxDep) -> ItemRead:
    await actions.assign(ctx, staff, item_id, body.user_id)
    return await reads.item_read(ctx, item_id)


@router.post("/items/{item_id}/actions", status_code=201, summary="Log what was done")
async def add_action(item_id: IdPath, body: ActionIn, staff: Staff, ctx: CtxDep) -> ActionRead:
    action = await actions.add_action(ctx, staff, item_id, body)
    return await reads.action(ctx, action.id)


@router.get("/staff", summary="Outreach colleagues, for the assignee menu")
async def list_staff(staff: Staff, ctx: CtxDep) -> list[Person]:
    return await reads.staff_list(ctx, staff)


@router.get("/channels", summary="Campaign channels to take a tracking link from")
async def list_channels(staff: Staff, ctx: CtxDep) -> list[ChannelPick]:
    return await reads.channels(ctx, staff)


@router.get("/trends", summary="Matches per day per term, category and source")
async def get_trends(
    staff: Staff,
    ctx: CtxDep,
    days: Annotated[int, Query(ge=1, le=reads.TREND_DAYS_MAX)] = 28,
) -> Trends:
    return await reads.trend(ctx, staff, days)


@router.get("/suggestions", summary="Words seen beside known terms, to approve or reject")
async def list_suggestions(staff: Staff, ctx: CtxDep) -> list[SuggestionRead]:
    return await reads.suggestions(ctx, staff)


@router.post("/suggestions/{suggestion_id}/approve", summary="Make a suggestion a term")
async def approve(suggestion_id: IdPath, body: ApproveIn, staff: Staff, ctx: CtxDep) -> TermRead:
    term = await actions.approve_suggestion(ctx, staff, suggestion_id, body)
    return (await reads.term_reads(ctx, [term]))[0]


@router.post("/suggestions/{suggestion_id}/reject", status_code=204, summary="Reject a suggestion")
async def reject(suggestion_id: IdPath, staff: Staff, ctx: CtxDep) -> None:
    await actions.reject_suggestion(ctx, staff, suggestion_id)
