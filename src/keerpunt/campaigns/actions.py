"""Creating and changing campaigns, and counting the traffic of the chat page.

Traffic is counted per local day as numbers only: a visitor becomes a keyed hash the
moment the request arrives (`privacy/visitors.py`), and the hash is only held in memory
(or Redis, for a day), to count each visitor once per day.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import store
from keerpunt.campaigns.models import NO_CHANNEL, Campaign, Channel, TrafficDay
from keerpunt.campaigns.schemas import CampaignIn, CampaignRead, ChannelRead
from keerpunt.context import Context
from keerpunt.core.errors import Invalid, NotFound
from keerpunt.privacy import audit
from keerpunt.registration import actions as registration

log = logging.getLogger(__name__)

# Lowercase letters and digits without the ones people misread (0/o, 1/l/i).
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 7
VISIT, CLICK = "visit", "click"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def read(campaign: Campaign, channels: list[Channel]) -> CampaignRead:
    return CampaignRead(
        id=campaign.id,
        name=campaign.name,
        goal=campaign.goal,
        target_group=campaign.target_group,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        regions=list(campaign.regions),
        channels=[
            ChannelRead(id=c.id, name=c.name, code=c.code, link=f"/c/{c.code}") for c in channels
        ],
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


def _check(data: CampaignIn) -> None:
    """What the form must say beside a field; the shape was checked by the schema."""
    if not data.name.strip():
        raise Invalid("a campaign needs a name", field="name")
    if data.ends_on < data.starts_on:
        raise Invalid("the campaign ends before it starts", field="ends_on")
    names = [c.name.strip().casefold() for c in data.channels]
    if "" in names:
        raise Invalid("a channel needs a name", field="channels")
    if len(set(names)) != len(names):
        raise Invalid("two channels have the same name", field="channels")


async def _check_regions(ctx: Context, regions: list[str]) -> list[str]:
    async with ctx.read() as session:
        taxonomy = await registration.current_taxonomy(session)
    return registration.known_regions(taxonomy, regions)


async def create(ctx: Context, staff: StaffPrincipal, data: CampaignIn) -> CampaignRead:
    access.require(staff, "campaigns.write")
    _check(data)
    regions = await _check_regions(ctx, data.regions)
    if any(c.id is not None for c in data.channels):
        raise Invalid("a new campaign has no channels yet to refer to", field="channels")
    now = ctx.clock.now()
    async with ctx.write() as tx:
        campaign = Campaign(
            name=data.name.strip(),
            goal=data.goal.strip(),
            target_group=data.target_group.strip(),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            regions=regions,
            created_at=now,
            created_by=staff.user_id,
            updated_at=now,
        )
        tx.session.add(campaign)
        await tx.session.flush()
        channels = [
            await _add_channel(tx.session, campaign, c.name, i) for i, c in enumerate(data.channels)
        ]
        await audit.record(ctx, tx, staff, "campaign.create", subject=f"campaign:{campaign.id}")
    log.info("campaign created", extra={"campaign": campaign.id})
    return read(campaign, channels)


async def _add_channel(
    session: AsyncSession, campaign: Campaign, name: str, position: int
) -> Channel:
    while True:
        code = new_code()
        if await store.channel_by_code(session, code) is None:
            break
    channel = Channel(
        campaign_id=campaign.id,
        name=name.strip(),
        code=code,
        position=position,
        created_at=campaign.updated_at,
    )
    session.add(channel)
    await session.flush()
    return channel


async def update(
    ctx: Context, staff: StaffPrincipal, campaign_id: int, data: CampaignIn
) -> CampaignRead:
    """Change a campaign. Channels are renamed or added, never removed: their links may
    be printed in ads already, and their chats and visits are counted under them."""
    access.require(staff, "campaigns.write")
    _check(data)
    regions = await _check_regions(ctx, data.regions)
    async with ctx.write() as tx:
        campaign = await store.campaign(tx.session, campaign_id)
        if campaign is None:
            raise NotFound("no such campaign")
        existing = {c.id: c for c in await store.channels(tx.session, [campaign.id])}
        given = {c.id for c in data.channels if c.id is not None}
        if given - existing.keys():
            raise Invalid("a channel belongs to another campaign", field="channels")
        if existing.keys() - given:
            raise Invalid(
                "a channel cannot be removed: its link may be in use; rename it instead",
                code="channel_removed",
                field="channels",
            )
        campaign.name = data.name.strip()
        campaign.goal = data.goal.strip()
        campaign.target_group = data.target_group.strip()
        campaign.starts_on, campaign.ends_on = data.starts_on, data.ends_on
        campaign.regions = regions
        campaign.updated_at = ctx.clock.now()
        channels: list[Channel] = []
        for position, item in enumerate(data.channels):
            if item.id is None:
                channels.append(await _add_channel(tx.session, campaign, item.name, position))
            else:
                channel = existing[item.id]
                channel.name, channel.position = item.name.strip(), position
                channels.append(channel)
        await audit.record(ctx, tx, staff, "campaign.update", subject=f"campaign:{campaign.id}")
    return read(campaign, channels)


async def channel_for(ctx: Context, code: str | None) -> int | None:
    """The channel of a tracking code, or None (organic) for no code or an unknown one."""
    if not code:
        return None
    async with ctx.read() as session:
        channel = await store.channel_by_code(session, code)
    return channel.id if channel else None


async def count(ctx: Context, measure: str, channel_id: int | None, visitor: str | None) -> None:
    """Count a visitor once per day for this measure and channel. Nothing is counted for
    a request without a visitor hash (a test client, or a socket)."""
    if visitor is None:
        return
    day = ctx.today()
    channel = channel_id or NO_CHANNEL
    if measure == VISIT and channel == NO_CHANNEL:
        # Someone who came through a campaign link today and reloads the page is still
        # that campaign's visitor, not an organic one.
        if not await ctx.visitors.first(day, "visit:*", visitor):
            return
    else:
        if not await ctx.visitors.first(day, f"{measure}:{channel}", visitor):
            return
        if measure == VISIT:
            await ctx.visitors.first(day, "visit:*", visitor)
    values = {"day": day, "channel_id": channel, "measure": measure, "visitors": 1}
    insert = sqlite_insert if ctx.db.is_sqlite else pg_insert
    statement = insert(TrafficDay).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "channel_id", "measure"],
        set_={"visitors": TrafficDay.visitors + 1},
    )
    async with ctx.write() as tx:
        await tx.session.execute(statement)
