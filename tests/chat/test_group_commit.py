"""Group commit (core/batching.py): sends that arrive together share one transaction, and
each is answered as if it had been alone: stored once, in order, refused alone, and never
acknowledged before the commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from keerpunt.abuse import actions as abuse
from keerpunt.abuse.schemas import BlockCreate
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat import store
from keerpunt.context import Context
from keerpunt.core.errors import Blocked, Conflict, Invalid, NotFound
from keerpunt.realtime.events import MessageOut, ServerFrame
from tests.live import make_staff


class CommitFails(Exception):
    pass


@contextmanager
def commits(ctx: Context, fail: int = 0) -> Iterator[list[int]]:
    """Counts the commits on the context's database; the first `fail` of them fail as a
    full disk would: the database rolls the transaction back and COMMIT reports an error."""
    seen: list[int] = []
    dialects = [engine.dialect for engine in ctx.db.sync_engines]
    reals = [dialect.do_commit for dialect in dialects]

    def failing(dialect: Any, real: Any) -> Any:
        def do_commit(dbapi_connection: Any) -> None:
            seen.append(1)
            if len(seen) <= fail:
                dialect.do_rollback(dbapi_connection)
                raise CommitFails("the disk is full")
            real(dbapi_connection)

        return do_commit

    for dialect, real in zip(dialects, reals, strict=True):
        dialect.do_commit = failing(dialect, real)
    try:
        yield seen
    finally:
        for dialect, real in zip(dialects, reals, strict=True):
            dialect.do_commit = real


async def active_chats(ctx: Context, n: int) -> tuple[StaffPrincipal, list[chat.Started]]:
    """n chats, all accepted by one counselor (each then holds seq 1, "counselor_joined")."""
    user = await make_staff(ctx, "anna", max_chats=n, enrol=False)
    async with ctx.read() as session:
        found = await accounts_store.user_by_id(session, user.id)
        assert found is not None
        staff = StaffPrincipal(found.id, found.username, found.role_names, "test-session")
    started = [await chat.start_conversation(ctx, None) for _ in range(n)]
    for one in started:
        await chat.accept(ctx, staff, one.conversation.id)
    return staff, started


async def stored(ctx: Context, conversation_id: str) -> list[tuple[int, str, str]]:
    async with ctx.read() as session:
        query = store.messages_after_query(conversation_id, 0, 1000)
        messages = (await session.scalars(query)).all()
        return [
            (m.seq, m.client_id, ctx.keyring.open(m.body, m.aad()))
            for m in messages
            if m.sender != "system"
        ]


def published(events: list[tuple[str, ServerFrame]]) -> list[MessageOut]:
    return [f for _, f in events if isinstance(f, MessageOut) and f.sender != "system"]


async def test_sends_to_many_chats_at_once_share_one_commit_in_order(
    ctx: Context, events: list[tuple[str, ServerFrame]]
) -> None:
    staff, started = await active_chats(ctx, 3)
    ids = [one.conversation.id for one in started]
    # Ten to each chat, interleaved across the chats, all at once.
    plan = [(conv, str(uuid.uuid4())) for n in range(10) for conv in ids]
    with commits(ctx) as seen:
        sent = await asyncio.gather(
            *(chat.send_message(ctx, staff, conv, cid, f"m {cid}") for conv, cid in plan)
        )
    assert len(seen) == 1
    assert all(s.created for s in sent)
    for conv in ids:
        mine = [cid for c, cid in plan if c == conv]
        # seq 1 is the counselor_joined system message; then the sends, in arrival order.
        assert await stored(ctx, conv) == [
            (seq, cid, f"m {cid}") for seq, cid in enumerate(mine, start=2)
        ]
        assert [s.message.seq for s in sent if s.message.conversation == conv] == list(range(2, 12))
    # Each stored message was announced once, after the commit.
    assert sorted((m.conversation, m.seq) for m in published(events)) == sorted(
        (s.message.conversation, s.message.seq) for s in sent
    )


async def test_a_refused_send_fails_alone_and_the_others_commit(
    ctx: Context, events: list[tuple[str, ServerFrame]]
) -> None:
    staff, started = await active_chats(ctx, 3)
    live, ended, other = (one.conversation.id for one in started)
    await chat.end(ctx, staff, ended)
    stranger = await chat.start_conversation(ctx, None)
    stranger_chatter = ChatterPrincipal(stranger.conversation.chatter_id)

    requests: list[tuple[Principal, str, str]] = [
        (staff, live, "one"),
        (staff, str(uuid.uuid4()), "to a chat that does not exist"),
        (staff, ended, "to an ended chat"),
        (staff, live, "   "),
        (stranger_chatter, live, "into someone else's chat"),
        (staff, other, "two"),
        (staff, live, "three"),
    ]
    with commits(ctx) as seen:
        outcomes = await asyncio.gather(
            *(
                chat.send_message(ctx, who, conv, str(uuid.uuid4()), body)
                for who, conv, body in requests
            ),
            return_exceptions=True,
        )
    assert len(seen) == 1
    ok, missing, closed, empty, foreign, two, three = outcomes
    assert isinstance(missing, NotFound)
    assert isinstance(closed, Conflict)
    assert closed.code == "not_active"
    assert isinstance(empty, Invalid)
    assert empty.code == "empty_message"
    # Someone else's chat is "not found", exactly like a missing one.
    assert isinstance(foreign, NotFound)
    assert foreign.reason == missing.reason
    assert isinstance(ok, chat.Sent)
    assert isinstance(two, chat.Sent)
    assert isinstance(three, chat.Sent)
    assert [body for _, _, body in await stored(ctx, live)] == ["one", "three"]
    assert [s for s, _, _ in await stored(ctx, live)] == [2, 3]
    assert [body for _, _, body in await stored(ctx, other)] == ["two"]
    assert sorted(m.body for m in published(events)) == ["one", "three", "two"]


async def test_a_failed_commit_acknowledges_nothing(
    ctx: Context, events: list[tuple[str, ServerFrame]]
) -> None:
    staff, started = await active_chats(ctx, 2)
    plan = [(one.conversation.id, str(uuid.uuid4())) for one in started for _ in range(3)]
    before = len(events)
    # The batch's commit fails, and so does each send's own try after it.
    with commits(ctx, fail=1 + len(plan)):
        outcomes = await asyncio.gather(
            *(chat.send_message(ctx, staff, conv, cid, "x") for conv, cid in plan),
            return_exceptions=True,
        )
    assert [type(o) for o in outcomes] == [CommitFails] * len(plan), outcomes
    assert events[before:] == []
    for one in started:
        assert await stored(ctx, one.conversation.id) == []
    # The clients send again with the same client_ids: each is stored once.
    again = await asyncio.gather(
        *(chat.send_message(ctx, staff, conv, cid, "x") for conv, cid in plan)
    )
    assert all(s.created for s in again)
    for one in started:
        assert [seq for seq, _, _ in await stored(ctx, one.conversation.id)] == [2, 3, 4]


async def test_after_a_failed_group_commit_each_send_is_tried_alone(ctx: Context) -> None:
    staff, started = await active_chats(ctx, 2)
    plan = [(one.conversation.id, str(uuid.uuid4())) for one in started for _ in range(3)]
    with commits(ctx, fail=1) as seen:
        sent = await asyncio.gather(
            *(chat.send_message(ctx, staff, conv, cid, cid) for conv, cid in plan)
        )
    # One failed commit for the batch, then one commit per send.
    assert len(seen) == 1 + len(plan)
    assert all(s.created for s in sent)
    for one in started:
        mine = [cid for conv, cid in plan if conv == one.conversation.id]
        assert await stored(ctx, one.conversation.id) == [
            (seq, cid, cid) for seq, cid in enumerate(mine, start=2)
        ]


async def test_a_client_id_retried_within_one_batch_is_stored_once(
    ctx: Context, events: list[tuple[str, ServerFrame]]
) -> None:
    staff, started = await active_chats(ctx, 1)
    conv = started[0].conversation.id
    chatter = ChatterPrincipal(started[0].conversation.chatter_id)
    client_id = str(uuid.uuid4())
    with commits(ctx) as seen:
        first, retry, reply, retry_again = await asyncio.gather(
            chat.send_message(ctx, chatter, conv, client_id, "hallo"),
            chat.send_message(ctx, chatter, conv, client_id, "hallo?"),
            chat.send_message(ctx, staff, conv, str(uuid.uuid4()), "hoi"),
            chat.send_message(ctx, chatter, conv, client_id.upper(), "hallo!"),
        )
    assert len(seen) == 1
    assert (first.created, retry.created, retry_again.created) == (True, False, False)
    assert first.message == retry.message == retry_again.message
    assert first.message.seq == 2
    assert reply.message.seq == 3
    assert await stored(ctx, conv) == [(2, client_id, "hallo"), (3, reply.message.client_id, "hoi")]
    assert [m.body for m in published(events)] == ["hallo", "hoi"]


@pytest.mark.parametrize("count", [1, 250])
async def test_a_burst_larger_than_one_batch_is_stored_whole(ctx: Context, count: int) -> None:
    staff, started = await active_chats(ctx, 1)
    conv = started[0].conversation.id
    plan = [str(uuid.uuid4()) for _ in range(count)]
    sent = await asyncio.gather(*(chat.send_message(ctx, staff, conv, cid, cid) for cid in plan))
    assert [s.message.seq for s in sent] == list(range(2, count + 2))
    assert await stored(ctx, conv) == [(seq, cid, cid) for seq, cid in enumerate(plan, start=2)]


async def test_a_blocked_chatter_is_refused_alone_in_a_batch(ctx: Context) -> None:
    staff, started = await active_chats(ctx, 3)
    blocked_chat, other_chat, open_chat = started
    blocked = ChatterPrincipal(blocked_chat.conversation.chatter_id)
    # The blocked chatter's second chat stays open; the block ends the first.
    again = await chat.start_conversation(ctx, blocked)
    await abuse.block(
        ctx, staff, blocked_chat.conversation.id, BlockCreate(period="7d", reason="x")
    )
    other = ChatterPrincipal(other_chat.conversation.chatter_id)
    with commits(ctx) as seen:
        refused, fine, reply = await asyncio.gather(
            chat.send_message(ctx, blocked, again.conversation.id, str(uuid.uuid4()), "hoi"),
            chat.send_message(ctx, other, other_chat.conversation.id, str(uuid.uuid4()), "hai"),
            chat.send_message(ctx, staff, open_chat.conversation.id, str(uuid.uuid4()), "ja"),
            return_exceptions=True,
        )
    assert len(seen) == 1
    assert isinstance(refused, Blocked)
    assert refused.retry_after == 7 * 24 * 3600
    assert isinstance(fine, chat.Sent)
    assert isinstance(reply, chat.Sent)
    assert await stored(ctx, again.conversation.id) == []
    assert [body for _, _, body in await stored(ctx, other_chat.conversation.id)] == ["hai"]
