"""Staff for report tests, and the seed campaign made through the product's actions."""

from __future__ import annotations

from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns.schemas import CampaignRead
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.demo_campaign import build
from keerpunt.handover import actions as handover
from keerpunt.handover.schemas import ContactWrite
from keerpunt.reports import actions as reports
from keerpunt.reports.schemas import Report, ReportRequest
from tests.live import make_staff


async def staff(ctx: Context, username: str, roles: list[str], **kw: int) -> StaffPrincipal:
    user = await make_staff(ctx, username, roles=roles, **kw)
    return StaffPrincipal(user.id, user.username, frozenset(roles), "test-session")


async def seed_campaign(ctx: Context, clock: FrozenClock) -> tuple[CampaignRead, StaffPrincipal]:
    """The seed report's campaign; returns it with an analyst who may report on it."""
    admin = await staff(ctx, "beheer", ["admin"])
    for region in ("midden", "den_haag"):
        await handover.add_contact(
            ctx, admin, region, ContactWrite(role="zorgcoordinator", name=f"ZC {region}", reach="x")
        )
    analyst = await staff(ctx, "ada", ["analyst"])
    anna = await staff(ctx, "anna", ["counselor"], max_chats=2)
    campaign = await build(ctx, clock, analyst, anna)
    return campaign, analyst


async def seed_editions(
    ctx: Context, clock: FrozenClock
) -> tuple[CampaignRead, StaffPrincipal, Report, Report]:
    """The seed campaign with its report's internal and partner editions, made in that
    order by its analyst."""
    campaign, analyst = await seed_campaign(ctx, clock)
    internal = await reports.produce(ctx, analyst, ReportRequest(campaign_id=campaign.id))
    partner = await reports.produce(
        ctx, analyst, ReportRequest(campaign_id=campaign.id, edition="partner")
    )
    return campaign, analyst, internal, partner
