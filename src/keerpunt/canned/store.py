"""Queries only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.canned.models import CannedResponse


async def all_responses(session: AsyncSession) -> Sequence[CannedResponse]:
    result = await session.scalars(
        select(CannedResponse).order_by(CannedResponse.position, CannedResponse.id)
    )
    return result.all()


async def response(session: AsyncSession, response_id: int) -> CannedResponse | None:
    return await session.get(CannedResponse, response_id)


async def by_key(session: AsyncSession, key: str) -> CannedResponse | None:
    return await session.scalar(select(CannedResponse).where(CannedResponse.key == key))


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(CannedResponse)) or 0)


async def last_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(CannedResponse.position))) or 0)
