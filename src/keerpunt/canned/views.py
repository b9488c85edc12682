"""Canned replies: every staff member reads them; admins keep them."""

from __future__ import annotations

from fastapi import APIRouter

from keerpunt.canned import actions, store
from keerpunt.canned.models import CannedResponse
from keerpunt.canned.schemas import CannedRead, CannedWrite
from keerpunt.deps import CtxDep, IdPath, Staff
from keerpunt.organisation import Text

router = APIRouter(prefix="/api/v1", tags=["canned"])


def canned_read(row: CannedResponse) -> CannedRead:
    return CannedRead(
        id=row.id,
        key=row.key,
        title=Text(nl=row.title_nl, en=row.title_en),
        body=Text(nl=row.body_nl, en=row.body_en),
        position=row.position,
    )


@router.get("/canned", summary="The canned replies, in their order")
async def list_canned(staff: Staff, ctx: CtxDep) -> list[CannedRead]:
    async with ctx.read() as session:
        return [canned_read(row) for row in await store.all_responses(session)]


@router.post("/canned", status_code=201, summary="Add a canned reply (admin)")
async def create_canned(body: CannedWrite, staff: Staff, ctx: CtxDep) -> CannedRead:
    return canned_read(await actions.create(ctx, staff, body))


@router.put("/canned/{response_id}", summary="Change a canned reply (admin)")
async def update_canned(
    response_id: IdPath, body: CannedWrite, staff: Staff, ctx: CtxDep
) -> CannedRead:
    return canned_read(await actions.update(ctx, staff, response_id, body))


@router.delete("/canned/{response_id}", status_code=204, summary="Remove a canned reply (admin)")
async def delete_canned(response_id: IdPath, staff: Staff, ctx: CtxDep) -> None:
    await actions.delete(ctx, staff, response_id)
