"""S18: chatter abuse limits answer 429 with Retry-After without touching other chatters,
and keep every message acknowledged before the limit. Blocks by a counselor, which end by
themselves or by a supervisor, are here too.

A real server process behind a "reverse proxy": the test's requests carry
X-Forwarded-For, so each address below is a source of its own, as phones behind a proxy
are in production.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from keerpunt.config import Settings
from keerpunt.context import Context
from tests.conftest import SHIPPED_LIMITS, make_settings
from tests.live import (
    Chatter,
    ServerProcess,
    Socket,
    StaffMember,
    http_client,
    make_staff,
    wait_for_a_fresh_window,
)

PHONE = "198.51.100.7"
OTHER_PHONE = "203.0.113.9"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The shipped numbers, except a per-source message limit the test can reach quickly.
    return make_settings(db_url, **{**SHIPPED_LIMITS, "limit_messages_per_source": "25/minute"})


def _client(server: ServerProcess, address: str) -> httpx.AsyncClient:
    return http_client(server.url, headers={"X-Forwarded-For": address})


def _ws_url(server: ServerProcess) -> str:
    return server.url.replace("http://", "ws://") + "/api/v1/ws"


async def _stored(chatter: Chatter) -> list[tuple[int, str]]:
    page = (await chatter.messages()).json()
    return [(m["seq"], m["client_id"]) for m in page["messages"] if m["sender"] == "chatter"]


async def test_s18_new_chats_from_one_source_get_429_and_others_start_as_usual(
    proxied: ServerProcess,
) -> None:
    async with _client(proxied, PHONE) as phone, _client(proxied, OTHER_PHONE) as other:
        chats = [await Chatter.start(phone) for _ in range(5)]
        refused = await phone.post("/api/v1/conversations", json={"visitor": "youth"})
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 600
        # Another source is untouched, and so are the chats already started there.
        assert (await other.post("/api/v1/conversations", json={})).status_code == 201
        for chat in chats:
            assert (await chat.send("nog steeds hier")).status_code == 201


async def test_s18_a_message_flood_is_refused_and_every_acked_message_stays(
    proxied: ServerProcess, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with _client(proxied, PHONE) as phone, _client(proxied, OTHER_PHONE) as other:
        flooder = await Chatter.start(phone)
        bystander = await Chatter.start(other)
        sock = await Socket.open(
            _ws_url(proxied), await flooder.ticket(), headers={"X-Forwarded-For": PHONE}
        )
        acked: list[str] = []
        refused: dict[str, object] | None = None
        # Fifteen in ten seconds is the shipped burst; the flood goes on past it.
        await asyncio.sleep(wait_for_a_fresh_window(10, needed=4))
        for _ in range(20):
            client_id = str(uuid.uuid4())
            await sock.send(
                {
                    "type": "send",
                    "conversation": flooder.conversation,
                    "client_id": client_id,
                    "body": "spam",
                }
            )
            frame = await sock.expect("ack", client_id=client_id) if refused is None else None
            if frame is None:
                break
            acked.append(client_id)
            if len(acked) == 15:
                over = str(uuid.uuid4())
                await sock.send(
                    {
                        "type": "send",
                        "conversation": flooder.conversation,
                        "client_id": over,
                        "body": "spam",
                    }
                )
                refused = await sock.expect("error", client_id=over)
        assert len(acked) == 15
        assert refused is not None
        assert refused["code"] == "rate_limited"
        assert isinstance(refused["retry_after"], int)
        assert 1 <= refused["retry_after"] <= 10
        # The socket stays open and useful.
        await sock.send({"type": "ping"})
        await sock.expect("pong")
        # Over HTTP the same chatter gets 429 with Retry-After.
        answer = await flooder.send("nog meer")
        assert answer.status_code == 429
        assert answer.json()["code"] == "rate_limited"
        assert 1 <= int(answer.headers["Retry-After"]) <= 10
        # A retry of an acknowledged message is still acknowledged, never counted.
        again = await flooder.send("spam", client_id=acked[0])
        assert again.status_code == 200
        # Every acknowledged message is stored once, in order; the refused ones are not.
        assert [cid for _, cid in await _stored(flooder)] == acked
        # Another chatter is untouched, and so is the counselor.
        assert (await bystander.send("hallo?")).status_code == 201
        anna = await StaffMember.login(phone)
        assert (await anna.accept(flooder.conversation)).status_code == 200
        replies = [await anna.send(flooder.conversation, f"antwoord {n}") for n in range(20)]
        assert {r.status_code for r in replies} == {201}
        await sock.close()


async def test_s18_a_refused_message_goes_through_when_resent_after_retry_after(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        db_url, **{**SHIPPED_LIMITS, "limit_messages_per_chatter": "2/2 seconds"}
    )
    server = ServerProcess(settings, tmp_path / "server.log")
    await server.start()
    try:
        async with http_client(server.url) as http:
            youth = await Chatter.start(http)
            await asyncio.sleep(wait_for_a_fresh_window(2, needed=1.5))
            assert (await youth.send("een")).status_code == 201
            assert (await youth.send("twee")).status_code == 201
            kept = str(uuid.uuid4())
            answer = await youth.send("drie", client_id=kept)
            tries = 1
            # As the chat page does: keep the message, wait as told, send it again.
            while answer.status_code == 429 and tries < 5:
                await asyncio.sleep(int(answer.headers["Retry-After"]))
                answer = await youth.send("drie", client_id=kept)
                tries += 1
            assert tries > 1
            assert answer.status_code == 201
            assert [cid for _, cid in await _stored(youth)][-1] == kept
            assert len(await _stored(youth)) == 3
    finally:
        server.stop()


async def test_s18_messages_from_one_source_are_limited_across_its_chatters(
    proxied: ServerProcess,
) -> None:
    async with _client(proxied, PHONE) as phone, _client(proxied, OTHER_PHONE) as other:
        first, second = await Chatter.start(phone), await Chatter.start(phone)
        elsewhere = await Chatter.start(other)
        sent = 0
        answer: httpx.Response | None = None
        # Two chatters on one address share its 25 a minute (this test's setting), each
        # within their own burst of 15.
        await asyncio.sleep(wait_for_a_fresh_window(60, needed=24))
        for n in range(26):
            chatter = first if n % 2 == 0 else second
            answer = await chatter.send(f"bericht {n}")
            if answer.status_code != 201:
                break
            sent += 1
        assert sent == 25
        assert answer is not None
        assert answer.status_code == 429
        assert (await elsewhere.send("ik ben er ook")).status_code == 201
        assert len(await _stored(first)) + len(await _stored(second)) == 25
