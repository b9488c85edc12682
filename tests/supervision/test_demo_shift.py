"""The demo's shift: counselors anna and bram with running chats, one chat waiting and
ended chats to review, all made through the actions; seeding again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from keerpunt import demo
from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts import totp
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat.models import Conversation
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.registration.models import Registration
from keerpunt.supervision import reads

PASSWORD = "demo-wachtwoord-42"
SECRET = totp.new_secret()


async def _live(ctx: Context) -> dict[str, object]:
    async with ctx.read() as session:
        user = await accounts_store.user_by_username(session, "demo")
    assert user is not None
    supervisor = StaffPrincipal(user.id, "demo", frozenset({"supervisor"}), "")
    return (await reads.live(ctx, supervisor)).model_dump()


async def test_the_demo_holds_a_shift_for_supervisors(ctx: Context, clock: FrozenClock) -> None:
    await demo.seed_demo(ctx, PASSWORD, SECRET)
    await demo.seed_demo(ctx, PASSWORD, SECRET)  # safe to run again
    live = await _live(ctx)
    running = live["running"]
    assert isinstance(running, list)
    by_counselor = sorted(chat["counselor"] for chat in running)
    assert by_counselor == ["Anna", "Anna", "Bram"]
    assert [chat["acute_danger"] for chat in running].count(True) == 1
    assert len(live["queue"]) == 1  # type: ignore[arg-type]
    async with ctx.read() as session:
        ended = await session.scalar(
            select(func.count())
            .select_from(Registration)
            .join(Conversation, Conversation.id == Registration.conversation_id)
            .where(Registration.status == "complete", Conversation.counselor_id.is_not(None))
            .where(Conversation.status == "ended", Conversation.visitor == "youth")
        )
    # The campaign's chats are the demo user's; anna's and bram's six come on top.
    assert ended is not None
    assert ended >= 6
    # anna and bram log in with the demo user's password and TOTP secret.
    for username in ("anna", "bram"):
        first = await accounts.login(
            ctx, username, PASSWORD, totp.code_at(SECRET, totp.step_of(clock.now()))
        )
        assert not first.enrolling
