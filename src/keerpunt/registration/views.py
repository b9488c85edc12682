"""The taxonomy, the registration form, a returning chatter's history and duplicates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from keerpunt.accounts import access
from keerpunt.chat import reads as chat_reads
from keerpunt.chat.schemas import MessagePage
from keerpunt.deps import CtxDep, IdPath, SeqQuery, Staff
from keerpunt.registration import actions, reads
from keerpunt.registration.schemas import (
    Duplicated,
    DuplicateIn,
    EarlierConversation,
    History,
    MergeRead,
    RegistrationFields,
    RegistrationRead,
    TaxonomyLoad,
    TaxonomyRead,
    TodoItem,
    VersionRead,
)

router = APIRouter(prefix="/api/v1", tags=["registration"])
CodeQuery = Annotated[str | None, Query(max_length=40)]


@router.get("/taxonomy", summary="The current taxonomy: every list with its codes and labels")
async def taxonomy(staff: Staff, ctx: CtxDep) -> TaxonomyRead:
    return await reads.taxonomy_view(ctx)


@router.get("/taxonomy/versions", summary="Every loaded taxonomy version (admin)")
async def taxonomy_versions(staff: Staff, ctx: CtxDep) -> list[VersionRead]:
    access.require(staff, "taxonomy.admin")
    return await reads.versions(ctx)


@router.get("/taxonomy/{version}", summary="One taxonomy version, for old registrations")
async def taxonomy_version(version: IdPath, staff: Staff, ctx: CtxDep) -> TaxonomyRead:
    return await reads.taxonomy_view(ctx, version)


@router.post("/taxonomy", status_code=201, summary="Load a new taxonomy version (admin)")
async def load_taxonomy(body: TaxonomyLoad, staff: Staff, ctx: CtxDep) -> TaxonomyRead:
    loaded = await actions.load_taxonomy(ctx, staff, body.source)
    return await reads.taxonomy_view(ctx, loaded.version)


@router.get("/conversations/{conversation_id}/registration", summary="The registration form")
async def get_registration(conversation_id: str, staff: Staff, ctx: CtxDep) -> RegistrationRead:
    return await reads.registration_view(ctx, staff, conversation_id)


@router.put(
    "/conversations/{conversation_id}/registration",
    summary="Save the whole form as a draft (a finished one stays finished)",
)
async def save_registration(
    conversation_id: str, body: RegistrationFields, staff: Staff, ctx: CtxDep
) -> RegistrationRead:
    await actions.save(ctx, staff, conversation_id, body)
    return await reads.registration_view(ctx, staff, conversation_id)


@router.post(
    "/conversations/{conversation_id}/registration/complete",
    summary="Save and finish the registration of an ended chat",
)
async def complete_registration(
    conversation_id: str, body: RegistrationFields, staff: Staff, ctx: CtxDep
) -> RegistrationRead:
    await actions.save(ctx, staff, conversation_id, body, complete=True)
    return await reads.registration_view(ctx, staff, conversation_id)


@router.get("/registrations/todo", summary="Your ended chats still to register")
async def todo(staff: Staff, ctx: CtxDep) -> list[TodoItem]:
    return await reads.todo(ctx, staff)


@router.get(
    "/conversations/{conversation_id}/history",
    summary="The chatter's earlier conversations and registrations (no text)",
)
async def history(conversation_id: str, staff: Staff, ctx: CtxDep) -> History:
    return await reads.history(ctx, staff, conversation_id)


@router.get(
    "/conversations/{conversation_id}/history/{earlier_id}/messages",
    summary="An earlier transcript of this chatter (every read is audited)",
)
async def earlier_messages(
    conversation_id: str,
    earlier_id: str,
    staff: Staff,
    ctx: CtxDep,
    after_seq: SeqQuery = 0,
) -> MessagePage:
    earlier = await actions.read_earlier_transcript(ctx, staff, conversation_id, earlier_id)
    return await chat_reads.transcript(ctx, earlier.id, after_seq)


@router.get(
    "/conversations/{conversation_id}/duplicates",
    summary="Recent conversations of other chatters to mark this one a duplicate of",
)
async def duplicates(
    conversation_id: str,
    staff: Staff,
    ctx: CtxDep,
    days: Annotated[int, Query(ge=1, le=90)] = 30,
    region: CodeQuery = None,
    age_band: CodeQuery = None,
    visitor: CodeQuery = None,
    outcome: CodeQuery = None,
) -> list[EarlierConversation]:
    filters = {"region": region, "age_band": age_band, "visitor": visitor, "outcome": outcome}
    _, found = await actions.search_duplicates(
        ctx, staff, conversation_id, days=days, filters={k: v for k, v in filters.items() if v}
    )
    async with ctx.read() as session:
        return await reads.earlier_of(session, found)


@router.post(
    "/conversations/{conversation_id}/duplicate",
    summary="Mark the chatter of this conversation as the chatter of an earlier one",
)
async def mark_duplicate(
    conversation_id: str, body: DuplicateIn, staff: Staff, ctx: CtxDep
) -> Duplicated:
    merge, _ = await actions.mark_duplicate(ctx, staff, conversation_id, body.of)
    async with ctx.read() as session:
        merged = (await reads.merge_reads(session, [merge]))[0]
    return Duplicated(
        merge=merged, registration=await reads.registration_view(ctx, staff, conversation_id)
    )


@router.get("/merges", summary="Merged duplicates, newest first (supervisor)")
async def merges(staff: Staff, ctx: CtxDep) -> list[MergeRead]:
    return await reads.merges(ctx, staff)


@router.post("/merges/{merge_id}/undo", summary="Undo a merge (supervisor)")
async def undo_merge(merge_id: IdPath, staff: Staff, ctx: CtxDep) -> MergeRead:
    merge = await actions.undo_merge(ctx, staff, merge_id)
    async with ctx.read() as session:
        return (await reads.merge_reads(session, [merge]))[0]
