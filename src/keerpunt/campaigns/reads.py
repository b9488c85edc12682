"""Reading campaigns. Nothing here changes state."""

from __future__ import annotations

from collections import defaultdict

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import store
from keerpunt.campaigns.actions import read
from keerpunt.campaigns.models import Channel
from keerpunt.campaigns.schemas import CampaignRead
from keerpunt.context import Context
from keerpunt.core.errors import NotFound


async def campaigns(ctx: Context, staff: StaffPrincipal) -> list[CampaignRead]:
    access.require(staff, "campaigns.read")
    async with ctx.read() as session:
        rows = await store.campaigns(session)
        by_campaign: dict[int, list[Channel]] = defaultdict(list)
        for channel in await store.channels(session, [c.id for c in rows]):
            by_campaign[channel.campaign_id].append(channel)
    return [read(c, by_campaign[c.id]) for c in rows]


async def campaign(ctx: Context, staff: StaffPrincipal, campaign_id: int) -> CampaignRead:
    access.require(staff, "campaigns.read")
    async with ctx.read() as session:
        row = await store.campaign(session, campaign_id)
        if row is None:
            raise NotFound("no such campaign")
        channels = list(await store.channels(session, [row.id]))
    return read(row, channels)
