"""Idle chats: a silent chatter is asked whether they are still there, then the chat
closes; the chatter writing or the counselor extending starts the silence again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat import idle, reads
from keerpunt.chat.actions import Started
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import NotFound
from keerpunt.realtime.events import ConversationOut, MessageOut, ServerFrame
from keerpunt.registration import reads as registration_reads
from tests.live import make_staff, staff_session

MINUTE = 60


async def _active_chat(ctx: Context) -> tuple[Started, StaffPrincipal]:
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    started = await chat.start_conversation(ctx, None, visitor="youth")
    await chat.accept(ctx, anna, started.conversation.id)
    return started, anna


async def _chatter_says(ctx: Context, started: Started, body: str) -> None:
    chatter = ChatterPrincipal(started.conversation.chatter_id)
    await chat.send_message(ctx, chatter, started.conversation.id, str(uuid.uuid4()), body)


def _system_codes(events: list[tuple[str, ServerFrame]]) -> list[str | None]:
    return [f.code for _, f in events if isinstance(f, MessageOut) and f.sender == "system"]


async def test_a_silent_chat_is_warned_then_closed_and_waits_for_its_registration(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    started, anna = await _active_chat(ctx)
    conversation = started.conversation.id

    clock.advance(9 * MINUTE)
    assert await idle.sweep(ctx) == idle.Swept()
    clock.advance(1 * MINUTE)
    assert (await idle.sweep(ctx)).warned == [conversation]
    warning = [f for _, f in events if isinstance(f, MessageOut) and f.code == "idle_warning"]
    assert warning[0].body == (
        "Ben je er nog? Als we niets van je horen, sluit de chat over 5 minuten."
    )
    # A second process sweeping at the same moment finds nothing left to do.
    assert await idle.sweep(ctx) == idle.Swept()
    # The counselor's console shows when the chat closes.
    snapshot = await reads.snapshot(ctx, anna)
    assert [(i.conversation, i.closes_at) for i in snapshot.idle] == [
        (conversation, clock.now() + timedelta(minutes=5))
    ]

    clock.advance(5 * MINUTE)
    assert (await idle.sweep(ctx)).closed == [conversation]
    view = await reads.conversation_view(ctx, anna, conversation)
    assert view.status == "ended"
    assert _system_codes(events)[-2:] == ["idle_warning", "idle_closed"]
    assert any(isinstance(f, ConversationOut) and f.status == "ended" for _, f in events), (
        "the status change went out"
    )
    assert await idle.sweep(ctx) == idle.Swept()
    # Like any ended chat, its registration is still to be done.
    todo = await registration_reads.todo(ctx, anna)
    assert [item.conversation for item in todo] == [conversation]


async def test_the_chatter_writing_starts_the_silence_again(
    ctx: Context, clock: FrozenClock
) -> None:
    started, anna = await _active_chat(ctx)
    clock.advance(10 * MINUTE)
    assert (await idle.sweep(ctx)).warned
    await _chatter_says(ctx, started, "ja ik ben er nog")

    clock.advance(5 * MINUTE)
    assert await idle.sweep(ctx) == idle.Swept()  # not closed: the warning is answered
    clock.advance(5 * MINUTE)  # ten minutes after the chatter's message
    assert (await idle.sweep(ctx)).warned == [started.conversation.id]
    assert (await reads.conversation_view(ctx, anna, started.conversation.id)).status == "active"


async def test_the_counselor_extends_and_the_silence_counts_from_then(
    ctx: Context, clock: FrozenClock
) -> None:
    started, anna = await _active_chat(ctx)
    conversation = started.conversation.id
    clock.advance(10 * MINUTE)
    assert (await idle.sweep(ctx)).warned

    clock.advance(4 * MINUTE)
    extended = await idle.extend(ctx, anna, conversation)
    assert (extended.warned_at, extended.closes_at) == (None, None)
    assert extended.silent_since == clock.now()

    clock.advance(9 * MINUTE)
    assert await idle.sweep(ctx) == idle.Swept()
    clock.advance(1 * MINUTE)
    assert (await idle.sweep(ctx)).warned == [conversation]


async def test_only_the_chats_counselor_or_a_supervisor_extends(
    ctx: Context, clock: FrozenClock
) -> None:
    started, _anna = await _active_chat(ctx)
    conversation = started.conversation.id
    await make_staff(ctx, "bram")
    await make_staff(ctx, "sara", roles=["supervisor"])
    bram = await staff_session(ctx, "bram")
    sara = await staff_session(ctx, "sara")

    with pytest.raises(NotFound):
        await idle.extend(ctx, bram, conversation)
    assert (await idle.extend(ctx, sara, conversation)).silent_since == clock.now()
