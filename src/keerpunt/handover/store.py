"""Queries only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.handover.models import ContactPerson, Handover


async def contacts(session: AsyncSession) -> Sequence[ContactPerson]:
    result = await session.scalars(
        select(ContactPerson).order_by(ContactPerson.region, ContactPerson.name, ContactPerson.id)
    )
    return result.all()


async def contact(session: AsyncSession, contact_id: int) -> ContactPerson | None:
    return await session.get(ContactPerson, contact_id)


async def contacts_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, ContactPerson]:
    if not ids:
        return {}
    result = await session.scalars(select(ContactPerson).where(ContactPerson.id.in_(ids)))
    return {row.id: row for row in result.all()}


async def is_named(session: AsyncSession, contact_id: int) -> bool:
    found = await session.scalar(
        select(Handover.id).where(Handover.contact_id == contact_id).limit(1)
    )
    return found is not None


async def handover(
    session: AsyncSession, handover_id: int, *, lock: bool = False
) -> Handover | None:
    query = select(Handover).where(Handover.id == handover_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def handovers(
    session: AsyncSession, *, region: str | None = None, status: str | None = None
) -> Sequence[Handover]:
    query = select(Handover)
    if region:
        query = query.where(Handover.region == region)
    if status:
        query = query.where(Handover.status == status)
    result = await session.scalars(query.order_by(Handover.created_at, Handover.id))
    return result.all()
