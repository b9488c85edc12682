"""Queries on campaigns, their channels and the daily traffic counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.campaigns.models import Campaign, Channel, TrafficDay


async def campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def campaigns(session: AsyncSession) -> Sequence[Campaign]:
    query = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    return (await session.scalars(query)).all()


async def channels(session: AsyncSession, campaign_ids: Collection[int]) -> Sequence[Channel]:
    if not campaign_ids:
        return []
    query = (
        select(Channel)
        .where(Channel.campaign_id.in_(list(campaign_ids)))
        .order_by(Channel.campaign_id, Channel.position, Channel.id)
    )
    return (await session.scalars(query)).all()


async def channel_by_code(session: AsyncSession, code: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.code == code))


async def channel(session: AsyncSession, channel_id: int) -> Channel | None:
    return await session.get(Channel, channel_id)


async def traffic(
    session: AsyncSession, start: date, end: date
) -> Sequence[tuple[date, int, str, int]]:
    """(day, channel id, measure, visitors) for every counted day in [start, end]."""
    query = select(
        TrafficDay.day, TrafficDay.channel_id, TrafficDay.measure, TrafficDay.visitors
    ).where(TrafficDay.day >= start, TrafficDay.day <= end)
    return [(d, c, m, v) for d, c, m, v in (await session.execute(query)).all()]
