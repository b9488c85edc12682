"""The demo's data: a counselor who is also supervisor, analyst, outreach and admin,
example contact persons in the regions of the seed campaign, that campaign itself with its
chats (`demo_campaign.py`), ending last week, outreach sources and items
(`demo_outreach.py`), and a shift for supervisors to watch (`demo_supervision.py`), so
every screen and a real report can be tried at once. Made through the same actions as
real data; safe to run again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from keerpunt import demo_campaign, demo_outreach, demo_review, demo_supervision
from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import store as campaigns_store
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.handover import actions as handover
from keerpunt.handover import store as handover_store
from keerpunt.handover.schemas import ContactWrite
from keerpunt.privacy.visitors import DailyVisitors

DEMO_ROLES = ["counselor", "supervisor", "analyst", "outreach", "admin", "researcher"]
# Made up, and marked so: a demo must never look like a real contact list.
CONTACTS = [
    (
        "midden",
        "zorgcoordinator",
        "Voorbeeld: zorgcoördinator Midden-Nederland",
        "030 000 0000 (voorbeeld)",
    ),
    (
        "den_haag",
        "zorgcoordinator",
        "Voorbeeld: zorgcoördinator Den Haag",
        "070 000 0000 (voorbeeld)",
    ),
    ("den_haag", "avim", "Voorbeeld: AVIM Den Haag", "avim@example.org (voorbeeld)"),
    ("rotterdam", "municipality", "Voorbeeld: gemeente Schiedam", "010 000 0000 (voorbeeld)"),
]


async def seed_demo(ctx: Context, password: str, totp_secret: str) -> None:
    """The demo user gets exactly this password and TOTP secret, enrolled already."""
    async with ctx.read() as session:
        exists = await accounts_store.user_by_username(session, "demo") is not None
    if exists:
        await accounts.set_password(ctx, "demo", password)
        user = await accounts.grant_roles(ctx, "demo", DEMO_ROLES)
    else:
        user = await accounts.create_user(ctx, "demo", password, DEMO_ROLES, display_name="Demo")
    await accounts.install_totp(ctx, "demo", totp_secret)
    admin = StaffPrincipal(user.id, user.username, frozenset(DEMO_ROLES), "demo")
    async with ctx.read() as session:
        have_contacts = bool(await handover_store.contacts(session))
        have_campaign = bool(await campaigns_store.campaigns(session))
    if not have_contacts:
        for region, role, name, reach in CONTACTS:
            await handover.add_contact(
                ctx,
                admin,
                region,
                ContactWrite(role=role, name=name, reach=reach),
            )
    if not have_campaign:
        await seed_campaign(ctx, admin)
    await demo_outreach.seed(ctx, admin)
    # Counselors anna and bram with running, waiting and ended chats, for the live view.
    await demo_supervision.seed(ctx, password, totp_secret)
    # This week's review sample from their ended chats: one review done, one draft.
    await demo_review.seed_reviews(ctx)


async def seed_campaign(ctx: Context, staff: StaffPrincipal) -> None:
    """The seed campaign, ending a week ago. Its chats happened in the past, so they are
    made on a context of their own whose clock walks through the campaign's days."""
    starts_on = ctx.today() - timedelta(days=demo_campaign.DAYS + 7)
    clock = FrozenClock(ctx.clock.now())
    past = replace(ctx, clock=clock, visitors=DailyVisitors())
    await demo_campaign.build(past, clock, staff, staff, starts_on=starts_on)
