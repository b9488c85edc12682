"""Regions and contact persons, and warm handovers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from keerpunt.deps import CtxDep, IdPath, Staff
from keerpunt.handover import actions, reads, store
from keerpunt.handover.schemas import (
    ContactRead,
    ContactUpdate,
    ContactWrite,
    HandoverCreate,
    HandoverRead,
    RegionRead,
    StatusChange,
)
from keerpunt.registration import store as registration_store
from keerpunt.web import handover_pdf as pdf
from keerpunt.web.i18n import pick_locale

router = APIRouter(prefix="/api/v1", tags=["handover"])


@router.get("/regions", summary="The regions with their contact persons")
async def regions(staff: Staff, ctx: CtxDep) -> list[RegionRead]:
    return await reads.regions(ctx, staff)


@router.post("/regions/{region}/contacts", status_code=201, summary="Add a contact person (admin)")
async def add_contact(region: str, body: ContactWrite, staff: Staff, ctx: CtxDep) -> ContactRead:
    return reads.contact_read(await actions.add_contact(ctx, staff, region, body))


@router.put("/contacts/{contact_id}", summary="Change a contact person (admin)")
async def update_contact(
    contact_id: IdPath, body: ContactUpdate, staff: Staff, ctx: CtxDep
) -> ContactRead:
    return reads.contact_read(await actions.update_contact(ctx, staff, contact_id, body))


@router.delete(
    "/contacts/{contact_id}",
    status_code=204,
    summary="Remove a contact person (admin); one named in a handover becomes inactive",
)
async def remove_contact(contact_id: IdPath, staff: Staff, ctx: CtxDep) -> None:
    await actions.remove_contact(ctx, staff, contact_id)


@router.post(
    "/conversations/{conversation_id}/handovers",
    status_code=201,
    summary="Propose a warm handover, with the chatter's consent",
)
async def propose(
    conversation_id: str, body: HandoverCreate, staff: Staff, ctx: CtxDep
) -> HandoverRead:
    row = await actions.propose(ctx, staff, conversation_id, body)
    return await _detail(ctx, staff, row.id)


@router.get("/handovers", summary="Handovers with their status and age (no text)")
async def handovers(
    staff: Staff,
    ctx: CtxDep,
    region: Annotated[str | None, Query(max_length=40)] = None,
    status: Literal["proposed", "contacted", "accepted", "completed", "declined"] | None = None,
) -> list[HandoverRead]:
    return await reads.handovers(ctx, staff, region=region, status=status)


async def _detail(ctx: CtxDep, staff: Staff, handover_id: int) -> HandoverRead:
    row, summary = await actions.open_handover(ctx, staff, handover_id)
    async with ctx.read() as session:
        (read,) = await reads.handover_reads(ctx, session, [row])
    read.summary = summary
    return read


@router.get("/handovers/{handover_id}", summary="One handover with its summary (audited)")
async def handover(handover_id: IdPath, staff: Staff, ctx: CtxDep) -> HandoverRead:
    return await _detail(ctx, staff, handover_id)


@router.post("/handovers/{handover_id}/status", summary="Move a handover one step on")
async def change_status(
    handover_id: IdPath, body: StatusChange, staff: Staff, ctx: CtxDep
) -> HandoverRead:
    row = await actions.change_status(ctx, staff, handover_id, body.status)
    async with ctx.read() as session:
        (read,) = await reads.handover_reads(ctx, session, [row])
    return read


@router.get(
    "/handovers/{handover_id}/summary.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="The summary for the contact person, as a PDF (audited export)",
)
async def summary_pdf(
    handover_id: IdPath,
    staff: Staff,
    ctx: CtxDep,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    row, summary = await actions.open_handover(ctx, staff, handover_id, export=True)
    locale = pick_locale(lang)
    async with ctx.read() as session:
        contact = await store.contact(session, row.contact_id)
        registration = await registration_store.registration(session, row.conversation_id)
        version = registration.taxonomy_version if registration else None
        taxonomy = await registration_store.taxonomy(session, version)
    assert contact is not None
    region = taxonomy.label("region", row.region) if taxonomy else None
    html = pdf.summary_html(
        row,
        contact,
        summary,
        registration,
        taxonomy,
        region(locale) if region else row.region,
        ctx.clock.now(),
        ctx.organisation,
        locale,
    )
    return Response(
        pdf.render_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="overdracht-{row.id}.pdf"'},
    )
