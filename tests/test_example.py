"""How tests are written here: a tour in three tests. Read this first.

1. Data is set up through the same actions users trigger (`accounts.create_user`,
   `chat.start_conversation`), never by inserting rows by hand, so a test can't build a
   state the product itself could never reach.
2. Every test gets its own database. The `backend` fixture runs each test twice: on a
   fresh SQLite file and on a fresh PostgreSQL database (skipped without a server on a
   laptop, required in CI).
3. Time is a `FrozenClock` (`clock` fixture): waits and estimates are tested by moving the
   clock, never by sleeping.
4. `events` records every frame the actions published, in order, so a test checks what
   sockets would have been told.
5. Over the wire, tests use a real uvicorn server on a loopback port (`server`) and talk to
   it like an outside client (`tests/live.py`).
"""

from __future__ import annotations

import uuid

from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.realtime.events import MessageOut, conversation_channel
from tests.live import Chatter, Counselor, LiveServer, http_client, make_staff


async def test_a_message_is_stored_once_and_announced_after_commit(
    ctx: Context, events: list[tuple[str, object]]
) -> None:
    started = await chat.start_conversation(ctx, None, visitor="youth")
    conversation = started.conversation.id
    # The chatter received a token once; the database keeps only its keyed hash.
    assert started.token is not None

    client_id = str(uuid.uuid4())
    first = await chat.send_message(ctx, _chatter(started), conversation, client_id, "hallo")
    again = await chat.send_message(ctx, _chatter(started), conversation, client_id, "hallo?")

    # The retry returns the stored message: same seq, first body wins, nothing new.
    assert (first.created, again.created) == (True, False)
    assert again.message.seq == first.message.seq == 1
    assert again.message.body == "hallo"
    # Exactly one message event went out, on the conversation's channel.
    sent = [frame for channel, frame in events if isinstance(frame, MessageOut)]
    assert [(m.seq, m.body) for m in sent] == [(1, "hallo")]
    assert (conversation_channel(conversation), sent[0]) in events


async def test_the_wait_estimate_follows_the_pace_of_recent_pickups(
    ctx: Context, clock: FrozenClock
) -> None:
    anna = await make_staff(ctx, "anna", max_chats=10)
    staff = await _staff(ctx, anna.id)
    # Two chats picked up a minute apart...
    for _ in range(2):
        done = await chat.start_conversation(ctx, None)
        clock.advance(60)
        await chat.accept(ctx, staff, done.conversation.id)
    # ...so the next chatter, first in line, hears "about a minute".
    waiting = await chat.start_conversation(ctx, None)
    assert waiting.position == 1
    assert waiting.estimated_wait_seconds == 60


async def test_over_the_wire(server: LiveServer, setup_ctx: Context) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http)
        assert (await anna.accept(youth.conversation)).status_code == 200
        assert (await youth.send("ik wil eruit")).status_code == 201
        page = (await youth.messages()).json()
    assert [m["sender"] for m in page["messages"]] == ["system", "chatter"]
    assert page["messages"][1]["body"] == "ik wil eruit"


def _chatter(started: chat.Started) -> chat.ChatterPrincipal:
    return chat.ChatterPrincipal(started.conversation.chatter_id)


async def _staff(ctx: Context, user_id: int) -> chat.StaffPrincipal:
    # A principal as the login dependency would build it; the session hash is irrelevant
    # to chat actions.
    from keerpunt.accounts import store

    async with ctx.read() as session:
        user = await store.user_by_id(session, user_id)
        assert user is not None
        return chat.StaffPrincipal(user.id, user.username, user.role_names, "test-session")
