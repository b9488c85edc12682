"""Regions with their contact persons, and handover lists. Nothing here changes state."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.handover import store
from keerpunt.handover.models import ContactPerson, Handover
from keerpunt.handover.schemas import ContactRead, HandoverRead, RegionRead
from keerpunt.registration import store as registration_store
from keerpunt.registration.actions import current_taxonomy
from keerpunt.registration.reads import user_names


def contact_read(row: ContactPerson) -> ContactRead:
    return ContactRead(
        id=row.id,
        region=row.region,
        role=row.role,
        name=row.name,
        reach=row.reach,
        active=row.active,
    )


async def regions(ctx: Context, staff: StaffPrincipal) -> list[RegionRead]:
    """The regions of the current taxonomy (retired ones left out), each with its
    contact persons."""
    access.require(staff, "regions.read")
    async with ctx.read() as session:
        taxonomy = await current_taxonomy(session)
        contacts = await store.contacts(session)
    by_region: dict[str, list[ContactRead]] = {}
    for row in contacts:
        by_region.setdefault(row.region, []).append(contact_read(row))
    return [
        RegionRead(code=item.code, label=item.label, contacts=by_region.get(item.code, []))
        for item in taxonomy.items("region")
        if not item.retired
    ]


async def handover_reads(
    ctx: Context, session: AsyncSession, rows: Sequence[Handover]
) -> list[HandoverRead]:
    taxonomy = await registration_store.taxonomy(session)
    contacts = await store.contacts_by_id(session, [row.contact_id for row in rows])
    names = await user_names(session, (row.counselor_id for row in rows))
    now = ctx.clock.now()
    return [
        HandoverRead(
            id=row.id,
            conversation=row.conversation_id,
            region=row.region,
            region_label=taxonomy.label("region", row.region) if taxonomy else None,
            contact=contact_read(contacts[row.contact_id]),
            status=row.status,
            share=list(row.share),
            created_at=row.created_at,
            status_at=row.status_at,
            age_seconds=max(0, int((now - row.created_at).total_seconds())),
            counselor=names.get(row.counselor_id),
            counselor_id=row.counselor_id,
        )
        for row in rows
    ]


async def handovers(
    ctx: Context, staff: StaffPrincipal, *, region: str | None, status: str | None
) -> list[HandoverRead]:
    """Every handover, open ones first and oldest first within them: status and age, no
    text. Counselors and supervisors follow them up."""
    access.require(staff, "handover.list")
    async with ctx.read() as session:
        rows = await store.handovers(session, region=region, status=status)
        reads = await handover_reads(ctx, session, rows)
    return sorted(reads, key=lambda r: (r.status in ("completed", "declined"), r.created_at))
