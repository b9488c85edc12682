"""The JSON API of automatic assignment and transfer. An offer is accepted through the
ordinary accept route (`POST /conversations/{id}/accept`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from keerpunt.chat import assignment, assignment_actions, reads
from keerpunt.chat.schemas import (
    ColleagueRead,
    ColleaguesRead,
    ConversationRead,
    TransferCreate,
    TransferRead,
)
from keerpunt.deps import CtxDep, Staff

router = APIRouter(prefix="/api/v1", tags=["assignment"])

TransferId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/conversations/{conversation_id}/offer/decline",
    status_code=204,
    summary="Decline the chat offered to you; it is offered to the next counselor",
)
async def decline_offer(conversation_id: str, staff: Staff, ctx: CtxDep) -> None:
    await assignment_actions.decline_offer(ctx, staff, conversation_id)
    await assignment_actions.nudge(ctx)


@router.post(
    "/conversations/{conversation_id}/transfers",
    status_code=201,
    summary="Hand a chat to a colleague (with a note) or back to the queue (first in line)",
)
async def transfer(
    conversation_id: str, body: TransferCreate, staff: Staff, ctx: CtxDep
) -> TransferRead:
    row = await assignment_actions.transfer(ctx, staff, conversation_id, body.to, body.note)
    if row.to_user_id is None:
        await assignment_actions.nudge(ctx)  # back in the queue: offered again
    return TransferRead(
        id=row.id, conversation=row.conversation_id, state=row.state, to=row.to_user_id
    )


@router.post(
    "/transfers/{transfer_id}/accept",
    summary="Take over the chat a colleague handed you",
)
async def accept_transfer(transfer_id: TransferId, staff: Staff, ctx: CtxDep) -> ConversationRead:
    conv = await assignment_actions.accept_transfer(ctx, staff, transfer_id)
    return await reads.conversation_view(ctx, staff, conv.id)


@router.post(
    "/transfers/{transfer_id}/decline",
    summary="Say no to a chat a colleague handed you; it stays with them",
)
async def decline_transfer(transfer_id: TransferId, staff: Staff, ctx: CtxDep) -> TransferRead:
    row = await assignment_actions.decline_transfer(ctx, staff, transfer_id)
    return TransferRead(
        id=row.id, conversation=row.conversation_id, state=row.state, to=row.to_user_id
    )


@router.get("/colleagues", summary="Counselors online now with their load, for a transfer")
async def colleagues(staff: Staff, ctx: CtxDep) -> ColleaguesRead:
    found = await assignment.colleagues(ctx, staff)
    return ColleaguesRead(
        colleagues=[
            ColleagueRead(id=c.user_id, name=c.name, active=c.active, max_chats=c.max_chats)
            for c in found
        ]
    )
