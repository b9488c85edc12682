"""Blocking a chatter, and lifting a block."""

from __future__ import annotations

from fastapi import APIRouter

from keerpunt.abuse import actions, reads
from keerpunt.abuse.schemas import BlockCreate, BlockRead
from keerpunt.deps import CtxDep, Staff

router = APIRouter(prefix="/api/v1", tags=["abuse"])


@router.post(
    "/conversations/{conversation_id}/block",
    status_code=201,
    summary="Block the chatter for a period, with a reason; an open chat ends (its counselor,"
    " or a supervisor)",
)
async def block(conversation_id: str, body: BlockCreate, staff: Staff, ctx: CtxDep) -> BlockRead:
    row = await actions.block(ctx, staff, conversation_id, body)
    async with ctx.read() as session:
        return await reads.block_read(ctx, session, row)


@router.get("/blocks", summary="The blocks in force now (supervisor)")
async def blocks(staff: Staff, ctx: CtxDep) -> list[BlockRead]:
    return await reads.in_force(ctx, staff)


@router.post("/blocks/{block_id}/lift", summary="End a block early (supervisor)")
async def lift(block_id: str, staff: Staff, ctx: CtxDep) -> BlockRead:
    row = await actions.lift(ctx, staff, block_id)
    async with ctx.read() as session:
        return await reads.block_read(ctx, session, row)
