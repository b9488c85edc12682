"""The chat's JSON API. Each route authenticates, validates and calls one action or read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from keerpunt.campaigns import actions as campaigns
from keerpunt.chat import actions, assignment_actions, idle, reads
from keerpunt.chat.hours import opening_now
from keerpunt.chat.schemas import (
    ConversationCreate,
    ConversationCreated,
    ConversationRead,
    EndRequest,
    FeedbackCreate,
    IdleRead,
    MessageAck,
    MessageCreate,
    MessagePage,
    OpeningRead,
    QueueRead,
    Snapshot,
)
from keerpunt.deps import (
    AnyPrincipal,
    Chatter,
    CtxDep,
    OptionalChatter,
    SeqQuery,
    Source,
    Staff,
    Visitor,
    bearer_token,
)
from keerpunt.realtime import longpoll

router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.post("/conversations", status_code=201, summary="Start a chat (anonymously)")
async def start(
    request: Request,
    ctx: CtxDep,
    chatter: OptionalChatter,
    visitor: Visitor,
    source: Source,
    body: ConversationCreate | None = None,
) -> ConversationCreated:
    body = body or ConversationCreate()
    channel = await campaigns.channel_for(ctx, body.ref)
    # A press on "start" is a click to the chat, whether or not the chat is open now.
    await campaigns.count(ctx, campaigns.CLICK, channel, visitor)
    started = await actions.start_conversation(
        ctx, chatter, visitor=body.visitor, channel_id=channel, locale=body.locale, source=source
    )
    await assignment_actions.nudge(ctx)
    # An existing chatter keeps the token they sent.
    token = started.token or bearer_token(request) or ""
    return ConversationCreated(
        id=started.conversation.id,
        token=token,
        status="queued",
        position=started.position,
        estimated_wait_seconds=started.estimated_wait_seconds,
    )


@router.get("/conversations/{conversation_id}", summary="A conversation's state")
async def get_conversation(
    conversation_id: str, principal: AnyPrincipal, ctx: CtxDep
) -> ConversationRead:
    return await reads.conversation_view(ctx, principal, conversation_id)


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=201,
    summary="Send a message; a repeated client_id returns the stored one with 200",
    responses={200: {"model": MessageAck, "description": "A repeated client_id: the stored one"}},
)
async def send(
    conversation_id: str,
    body: MessageCreate,
    principal: AnyPrincipal,
    ctx: CtxDep,
    source: Source,
    response: Response,
) -> MessageAck:
    sent = await actions.send_message(
        ctx, principal, conversation_id, str(body.client_id), body.body, source=source
    )
    if not sent.created:
        response.status_code = 200
    return MessageAck(
        seq=sent.message.seq, client_id=sent.message.client_id, created_at=sent.message.created_at
    )


@router.get(
    "/conversations/{conversation_id}/messages",
    summary="Messages after a seq; with wait, long-polls for new ones",
)
async def messages(
    conversation_id: str,
    principal: AnyPrincipal,
    ctx: CtxDep,
    after_seq: SeqQuery = 0,
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> MessagePage:
    wait = min(wait, ctx.settings.longpoll_max_seconds)
    return await longpoll.poll(ctx, principal, conversation_id, after_seq, wait)


@router.post("/conversations/{conversation_id}/end", summary="End the chat (either side)")
async def end(
    conversation_id: str, principal: AnyPrincipal, ctx: CtxDep, body: EndRequest | None = None
) -> ConversationRead:
    await actions.end(ctx, principal, conversation_id, reason=body.reason if body else None)
    await assignment_actions.nudge(ctx)
    return await reads.conversation_view(ctx, principal, conversation_id)


@router.post(
    "/conversations/{conversation_id}/feedback",
    status_code=204,
    summary="The chatter's answers to the feedback questions, once, after the chat",
)
async def feedback(
    conversation_id: str, body: FeedbackCreate, chatter: Chatter, ctx: CtxDep
) -> None:
    await actions.give_feedback(ctx, chatter, conversation_id, body.answers)


@router.get("/opening", summary="Whether the chat is open now, and when it opens or closes")
async def opening(ctx: CtxDep) -> OpeningRead:
    state = await opening_now(ctx)
    return OpeningRead(
        open=state.open,
        opens_at=state.opens_at,
        closes_at=state.closes_at,
        state=state.state,
        next_opens_at=state.next_opens_at,
    )


@router.post(
    "/conversations/{conversation_id}/accept",
    summary="Take a waiting chat; 409 when another counselor was first",
)
async def accept(conversation_id: str, staff: Staff, ctx: CtxDep) -> ConversationRead:
    await actions.accept(ctx, staff, conversation_id)
    await assignment_actions.nudge(ctx)
    return await reads.conversation_view(ctx, staff, conversation_id)


@router.get("/queue", summary="The waiting chats, oldest first")
async def queue(staff: Staff, ctx: CtxDep) -> QueueRead:
    return QueueRead(waiting=await reads.waiting(ctx, staff))


@router.get("/console/snapshot", summary="Everything a staff console shows, in one read")
async def snapshot(staff: Staff, ctx: CtxDep) -> Snapshot:
    return await reads.snapshot(ctx, staff)


@router.post(
    "/conversations/{conversation_id}/idle/extend",
    summary="Give a silent chatter more time: the idle warning and closing count from now",
)
async def idle_extend(conversation_id: str, staff: Staff, ctx: CtxDep) -> IdleRead:
    return await idle.extend(ctx, staff, conversation_id)
