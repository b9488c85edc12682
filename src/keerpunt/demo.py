"""The demo's data: a counselor who is also supervisor and admin, and example contact
persons in the regions of the seed campaign, so every screen can be tried at once.
Made through the same actions as real data; safe to run again."""

from __future__ import annotations

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.handover import actions as handover
from keerpunt.handover import store as handover_store
from keerpunt.handover.schemas import ContactWrite

DEMO_ROLES = ["counselor", "supervisor", "admin"]
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


async def seed_demo(ctx: Context, password: str) -> None:
    async with ctx.read() as session:
        exists = await accounts_store.user_by_username(session, "demo") is not None
    if exists:
        await accounts.set_password(ctx, "demo", password)
        user = await accounts.grant_roles(ctx, "demo", DEMO_ROLES)
    else:
        user = await accounts.create_user(ctx, "demo", password, DEMO_ROLES, display_name="Demo")
    async with ctx.read() as session:
        have_contacts = bool(await handover_store.contacts(session))
    if have_contacts:
        return
    admin = StaffPrincipal(user.id, user.username, frozenset(DEMO_ROLES), "demo")
    for region, role, name, reach in CONTACTS:
        await handover.add_contact(
            ctx,
            admin,
            region,
            ContactWrite(role=role, name=name, reach=reach),
        )
