"""Whispers are staff text about a chat: retention deletes them with its transcript, and
a chatter's account deletion takes them along."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.privacy import actions as privacy
from keerpunt.supervision import actions as supervision
from keerpunt.supervision.models import Whisper
from tests.live import make_staff


async def _whispers(ctx: Context) -> int:
    async with ctx.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Whisper)) or 0)


async def test_retention_deletes_whispers_with_the_transcript(
    ctx: Context, clock: FrozenClock
) -> None:
    anna_user = await make_staff(ctx, "anna")
    sven_user = await make_staff(ctx, "sven", roles=["supervisor"])
    anna = StaffPrincipal(anna_user.id, "anna", frozenset({"counselor"}), "s")
    sven = StaffPrincipal(sven_user.id, "sven", frozenset({"supervisor"}), "s")
    started = await chat.start_conversation(ctx, None)
    conv = started.conversation.id
    await chat.accept(ctx, anna, conv)
    await chat.send_message(ctx, ChatterPrincipal(started.conversation.chatter_id), conv,
                            str(uuid.uuid4()), "hoi")  # fmt: skip
    await supervision.whisper(ctx, sven, conv, str(uuid.uuid4()), "vraag naar de schuld")
    await chat.end(ctx, anna, conv)
    assert await _whispers(ctx) == 1
    clock.advance((ctx.settings.retention_days + 1) * 86400)
    purged = await privacy.purge_expired(ctx)
    assert purged.conversations == 1
    assert await _whispers(ctx) == 0
