"""S18, blocks: a counselor blocks a chatter for a period with a reason; the chatter can
neither chat nor send, nor start afresh from the same phone that day; blocks end by
themselves, or a supervisor lifts them; both are in the access log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from keerpunt.abuse import actions as abuse
from keerpunt.abuse.schemas import BlockCreate
from keerpunt.accounts.principals import ChatterPrincipal
from keerpunt.chat import actions as chat
from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Blocked, NotFound
from keerpunt.db.engine import sqlite_path
from tests.conftest import SHIPPED_LIMITS, make_settings
from tests.live import (
    Chatter,
    ServerProcess,
    StaffMember,
    audit_entries,
    http_client,
    make_staff,
    staff_session,
)

PHONE = "198.51.100.7"
OTHER_PHONE = "203.0.113.9"
REASON = "dreigende berichten, herhaaldelijk"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url, **SHIPPED_LIMITS)


def _client(server: ServerProcess, address: str) -> httpx.AsyncClient:
    return http_client(server.url, headers={"X-Forwarded-For": address})


async def test_s18_a_blocked_chatter_cannot_chat_until_a_supervisor_lifts_it(
    proxied: ServerProcess, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "sam", roles=["supervisor"])
    async with _client(proxied, PHONE) as phone, _client(proxied, OTHER_PHONE) as other:
        youth = await Chatter.start(phone)
        anna = await StaffMember.login(phone, "anna")
        assert (await anna.accept(youth.conversation)).status_code == 200
        assert (await youth.send("eerst nog dit")).status_code == 201

        made = await anna.post(
            f"/api/v1/conversations/{youth.conversation}/block",
            json={"period": "1h", "reason": REASON},
        )
        assert made.status_code == 201, made.text
        block = made.json()
        assert (block["by"], block["reason"], block["active"]) == ("anna", REASON, True)
        # The chat it was decided in ends.
        state = await youth.http.get(
            f"/api/v1/conversations/{youth.conversation}", headers=youth.headers
        )
        assert state.json()["status"] == "ended"

        # The chatter's token starts no new chat: a calm 403 saying when to come back.
        again = await phone.post("/api/v1/conversations", json={}, headers=youth.headers)
        assert again.status_code == 403
        assert again.json()["code"] == "blocked"
        assert 3500 < int(again.headers["Retry-After"]) <= 3600
        assert REASON not in again.text
        # Nor does a fresh token from the same phone today.
        fresh = await phone.post("/api/v1/conversations", json={})
        assert fresh.status_code == 403
        assert fresh.json()["code"] == "blocked"
        # Another phone is untouched.
        assert (await other.post("/api/v1/conversations", json={})).status_code == 201

        # The supervisor sees the block, and lifts it.
        sam = await StaffMember.login(phone, "sam")
        listed = (await sam.get("/api/v1/blocks")).json()
        assert [b["id"] for b in listed] == [block["id"]]
        lifted = await sam.post(f"/api/v1/blocks/{block['id']}/lift")
        assert lifted.status_code == 200
        assert (lifted.json()["lifted_by"], lifted.json()["active"]) == ("sam", False)
        assert (await phone.post("/api/v1/conversations", json={})).status_code == 201
        back = await phone.post("/api/v1/conversations", json={}, headers=youth.headers)
        assert back.status_code == 201

    blocked = await audit_entries(setup_ctx, "chatter_blocked")
    assert [(e.conversation_id, e.subject) for e in blocked] == [
        (youth.conversation, f"block:{block['id']}")
    ]
    assert blocked[0].purpose == "period 1h"
    assert [e.subject for e in await audit_entries(setup_ctx, "chatter_block_lifted")] == [
        f"block:{block['id']}"
    ]
    assert REASON not in " ".join(str(e.purpose) for e in blocked)
    # The supervisor's read of the reasons is on the record too.
    assert [e.count for e in await audit_entries(setup_ctx, "blocks_read")] == [1]
    # The reason is staff text about a chatter: sealed at rest, like registration notes.
    path = sqlite_path(setup_ctx.settings.resolved_database_url())
    if path is not None:
        for file in path.parent.glob(f"{path.name}*"):
            assert REASON.encode() not in file.read_bytes(), file


async def test_s18_only_the_conversations_counselor_or_a_supervisor_blocks(
    proxied: ServerProcess, setup_ctx: Context
) -> None:
    for name, roles in (
        ("anna", ["counselor"]),
        ("bert", ["counselor"]),
        ("ada", ["analyst"]),
        ("sam", ["supervisor"]),
    ):
        await make_staff(setup_ctx, name, roles=roles)
    async with _client(proxied, PHONE) as phone:
        youth = await Chatter.start(phone)
        other = await Chatter.start(phone)
        anna = await StaffMember.login(phone, "anna")
        await anna.accept(youth.conversation)
        body = {"period": "24h", "reason": "spam"}
        path = f"/api/v1/conversations/{youth.conversation}/block"
        for name in ("bert", "ada"):
            member = await StaffMember.login(phone, name)
            refused = await member.post(path, json=body)
            assert refused.status_code == 404, name
            # Only supervisors lift: the same answer as a block that does not exist.
            assert (await member.post(f"/api/v1/blocks/{uuid.uuid4()}/lift")).status_code == 404
            assert (await member.get("/api/v1/blocks")).status_code == 404
        by_chatter = await phone.post(path, json=body, headers=other.headers)
        assert by_chatter.status_code == 401
        for bad in (
            {"period": "2h", "reason": "spam"},
            {"period": "1h", "reason": "   "},
            {"period": "1h", "reason": "x" * 501},
            {"period": "1h", "reason": "spam", "until": "2099-01-01"},
        ):
            assert (await anna.post(path, json=bad)).status_code == 422
        # Nothing changed: the chat goes on.
        assert (await youth.send("nog hier")).status_code == 201
        # A supervisor blocks a chat still in the queue (someone flooding it).
        sam = await StaffMember.login(phone, "sam")
        queued = await sam.post(f"/api/v1/conversations/{other.conversation}/block", json=body)
        assert queued.status_code == 201
        assert (await other.send("hallo")).json()["code"] == "conversation_ended"
    assert len(await audit_entries(setup_ctx, "chatter_blocked")) == 1


async def test_s18_blocks_end_by_themselves(ctx: Context, clock: FrozenClock) -> None:
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    started = await chat.start_conversation(ctx, None, source="bron-1")
    youth = ChatterPrincipal(started.conversation.chatter_id)
    await chat.accept(ctx, anna, started.conversation.id)
    row = await abuse.block(
        ctx, anna, started.conversation.id, BlockCreate(period="1h", reason="scheldt")
    )
    with pytest.raises(Blocked) as refused:
        await chat.start_conversation(ctx, youth)
    assert refused.value.retry_after == 3600
    with pytest.raises(Blocked):
        await chat.start_conversation(ctx, None, source="bron-1")
    # Another source is not blocked.
    await chat.start_conversation(ctx, None, source="bron-2")

    clock.advance(3599)
    with pytest.raises(Blocked) as refused:
        await chat.start_conversation(ctx, youth)
    assert refused.value.retry_after == 1
    clock.advance(1)
    again = await chat.start_conversation(ctx, youth)
    await chat.start_conversation(ctx, None, source="bron-1")
    sent = await chat.send_message(ctx, youth, again.conversation.id, str(uuid.uuid4()), "sorry")
    assert sent.created
    # An ended block cannot be lifted any more; lifting it changes nothing.
    sam = await make_staff(ctx, "sam", roles=["supervisor"])
    lifted = await abuse.lift(ctx, await staff_session(ctx, sam.username), row.id)
    assert lifted.lifted_at is None
    with pytest.raises(NotFound):
        await abuse.lift(ctx, anna, row.id)


async def test_s18_a_block_near_midnight_names_the_chatters_own_end(
    ctx: Context, clock: FrozenClock
) -> None:
    """The address's block ends with the day (its keyed hash does); the chatter's own
    block of an hour does not, and a chatter on that address is told the later end."""
    clock.set(datetime(2026, 1, 5, 22, 50, tzinfo=UTC))  # 23:50 in Amsterdam
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    started = await chat.start_conversation(ctx, None, source="bron-1")
    youth = ChatterPrincipal(started.conversation.chatter_id)
    await chat.accept(ctx, anna, started.conversation.id)
    await abuse.block(ctx, anna, started.conversation.id, BlockCreate(period="1h", reason="x"))
    with pytest.raises(Blocked) as refused:
        await chat.start_conversation(ctx, youth, source="bron-1")
    assert refused.value.retry_after == 3600
    # A new face on the blocked address is refused until the day, and its key, end.
    with pytest.raises(Blocked) as refused:
        await chat.start_conversation(ctx, None, source="bron-1")
    assert refused.value.retry_after == 600


async def test_s18_a_block_also_stops_sending_in_another_open_chat(ctx: Context) -> None:
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    first = await chat.start_conversation(ctx, None)
    youth = ChatterPrincipal(first.conversation.chatter_id)
    second = await chat.start_conversation(ctx, youth)
    await chat.accept(ctx, anna, first.conversation.id)
    await abuse.block(ctx, anna, first.conversation.id, BlockCreate(period="7d", reason="x"))
    with pytest.raises(Blocked) as refused:
        await chat.send_message(ctx, youth, second.conversation.id, str(uuid.uuid4()), "hoi")
    assert refused.value.retry_after == 7 * 24 * 3600
