"""Opening hours: queries only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.hours.models import HoursDate, HoursPolicy, HoursSpan

POLICY_ID = 1


async def policy(session: AsyncSession, *, lock: bool = False) -> HoursPolicy | None:
    query = select(HoursPolicy).where(HoursPolicy.id == POLICY_ID)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def spans(session: AsyncSession) -> list[HoursSpan]:
    query = select(HoursSpan).order_by(
        HoursSpan.weekday, HoursSpan.day, HoursSpan.start_minute, HoursSpan.id
    )
    return list((await session.execute(query)).scalars())


async def dates(session: AsyncSession) -> list[HoursDate]:
    return list((await session.execute(select(HoursDate).order_by(HoursDate.day))).scalars())
