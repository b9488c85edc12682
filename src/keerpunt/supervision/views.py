"""Supervision's JSON API: the live view, whispers, joining and taking over."""

from __future__ import annotations

from fastapi import APIRouter, Response

from keerpunt.chat import reads as chat_reads
from keerpunt.chat.schemas import ConversationRead
from keerpunt.deps import CtxDep, Staff
from keerpunt.realtime.events import WhisperOut
from keerpunt.supervision import actions, reads
from keerpunt.supervision.schemas import LiveRead, WhisperCreate, WhisperRead

router = APIRouter(prefix="/api/v1", tags=["supervision"])


def _read(out: WhisperOut) -> WhisperRead:
    return WhisperRead(
        id=out.id,
        conversation=out.conversation,
        client_id=out.client_id,
        from_user=out.author.id,
        from_name=out.author.name,
        body=out.body,
        created_at=out.created_at,
    )


@router.get("/supervision/live", summary="The queue, every counselor and every running chat")
async def live(staff: Staff, ctx: CtxDep) -> LiveRead:
    return await reads.live(ctx, staff)


@router.post(
    "/conversations/{conversation_id}/whispers",
    status_code=201,
    summary="Whisper between supervisor and counselor (never to the chatter); a repeated"
    " client_id returns the stored one with 200",
    responses={200: {"model": WhisperRead, "description": "A repeated client_id"}},
)
async def whisper(
    conversation_id: str, body: WhisperCreate, staff: Staff, ctx: CtxDep, response: Response
) -> WhisperRead:
    done = await actions.whisper(ctx, staff, conversation_id, str(body.client_id), body.body)
    if not done.created:
        response.status_code = 200
    return _read(done.whisper)


@router.get("/conversations/{conversation_id}/whispers", summary="A chat's whispers, oldest first")
async def whispers(conversation_id: str, staff: Staff, ctx: CtxDep) -> list[WhisperRead]:
    return [_read(out) for out in await reads.whispers(ctx, staff, conversation_id)]


@router.post(
    "/conversations/{conversation_id}/join",
    summary="A supervisor joins the chat and writes in it too",
)
async def join(conversation_id: str, staff: Staff, ctx: CtxDep) -> ConversationRead:
    await actions.join(ctx, staff, conversation_id)
    return await chat_reads.conversation_view(ctx, staff, conversation_id)


@router.post(
    "/conversations/{conversation_id}/takeover",
    summary="A supervisor takes the chat over from its counselor",
)
async def takeover(conversation_id: str, staff: Staff, ctx: CtxDep) -> ConversationRead:
    await actions.take_over(ctx, staff, conversation_id)
    return await chat_reads.conversation_view(ctx, staff, conversation_id)
