"""Ended chats for review tests, made through the same actions a shift takes."""

from __future__ import annotations

import uuid

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from tests.live import make_staff


async def staff(ctx: Context, username: str, roles: list[str]) -> StaffPrincipal:
    user = await make_staff(ctx, username, roles=roles, max_chats=5)
    async with ctx.read() as session:
        row = await accounts_store.user_by_id(session, user.id)
        assert row is not None
        return StaffPrincipal(row.id, row.username, row.role_names, "test-session")


async def ended_chat(
    ctx: Context,
    counselor: StaffPrincipal,
    lines: tuple[str, ...] = ("hoi", "ik wil eruit stappen"),
    *,
    wrote: bool = True,
) -> str:
    """A chat the counselor took and ended; the chatter wrote `lines` (or nothing)."""
    started = await chat.start_conversation(ctx, None, visitor="youth")
    conversation = started.conversation.id
    chatter = ChatterPrincipal(started.conversation.chatter_id)
    await chat.accept(ctx, counselor, conversation)
    for n, line in enumerate(lines if wrote else ()):
        await chat.send_message(ctx, chatter, conversation, str(uuid.uuid4()), line)
        reply = f"Dank je voor je bericht {n + 1}."
        await chat.send_message(ctx, counselor, conversation, str(uuid.uuid4()), reply)
    await chat.end(ctx, counselor, conversation)
    return conversation
