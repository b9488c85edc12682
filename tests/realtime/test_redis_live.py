"""Two servers on one PostgreSQL database and one Redis, as two processes of one
installation: a chatter's socket on one, the counselor's on the other. Live through
Redis; with Redis gone, still delivered (from the database); back by itself."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from keerpunt.bootstrap import ensure_defaults
from keerpunt.config import Settings
from keerpunt.context import build_context
from keerpunt.db import migrate
from keerpunt.realtime.bus import MemoryBus
from tests.conftest import make_settings
from tests.databases import postgres_database
from tests.live import Chatter, Counselor, LiveServer, Socket, http_client, make_staff
from tests.redisdb import redis_prefix
from tests.redisproxy import RedisProxy

pytestmark = [pytest.mark.redis, pytest.mark.postgresql]

# Redis away: a waiting socket reads the database every 2 s (BUS_POLL_SECONDS).
WITHOUT_REDIS = 10.0


@pytest.fixture
async def proxy() -> AsyncIterator[RedisProxy]:
    redis = await RedisProxy().start()
    yield redis
    await redis.close()


@pytest.fixture
def shared(proxy: RedisProxy) -> Iterator[Settings]:
    """Settings for a fresh, migrated PostgreSQL database and a fresh Redis prefix."""
    with postgres_database() as url, redis_prefix() as prefix:
        migrate.upgrade(url)
        yield make_settings(url, redis_url=proxy.url, redis_prefix=prefix)


@pytest.fixture
def servers(shared: Settings) -> Iterator[tuple[LiveServer, LiveServer]]:
    a, b = LiveServer(shared), LiveServer(shared)
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


async def send(sock: Socket, conversation: str, body: str) -> dict[str, Any]:
    client_id = str(uuid.uuid4())
    await sock.send(
        {"type": "send", "conversation": conversation, "client_id": client_id, "body": body}
    )
    return await sock.expect("ack", client_id=client_id)


async def bus_state(http: httpx.AsyncClient, want: str) -> None:
    """Wait until /healthz names this bus state (always with 200)."""
    for _ in range(200):
        health = await http.get("/healthz")
        assert health.status_code == 200
        if health.json() == {"status": "ok", "bus": want}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"healthz never said bus {want}: {health.json()}")


def seqs(sock: Socket) -> list[int]:
    return [message["seq"] for message in sock.delivered()]


async def test_a_chat_across_two_processes_through_redis_and_without_it(
    shared: Settings, servers: tuple[LiveServer, LiveServer], proxy: RedisProxy
) -> None:
    a, b = servers
    setup = build_context(shared, bus=MemoryBus())
    await ensure_defaults(setup)
    await make_staff(setup, "anna")
    await setup.close()
    async with (
        http_client(a.url) as http_a,
        http_client(b.url) as http_b,
    ):
        anna = await Counselor.login(http_b)
        console = await Socket.open(b.ws_url, await anna.ticket())
        youth = await Chatter.start(http_a)
        chat = youth.conversation
        # The queue, changed on A, reaches the staff socket on B.
        queue = await console.expect("queue")
        assert [w["conversation"] for w in queue["waiting"]] == [chat]
        assert (await anna.accept(chat)).status_code == 200
        phone = await Socket.open(a.ws_url, await youth.ticket())
        for sock in (phone, console):
            await sock.subscribe(chat, 0)
            await sock.expect("conversation", status="active")

        # Live both ways, each message once and in order on both sockets.
        for turn in range(3):
            await send(phone, chat, f"vraag {turn}")
            await send(console, chat, f"antwoord {turn}")
        for sock in (phone, console):
            while len(seqs(sock)) < 7:
                await sock.expect("message")
            assert seqs(sock) == [1, 2, 3, 4, 5, 6, 7]
        await bus_state(http_a, "redis")

        # Redis gone: both processes keep serving; the message is stored, acknowledged,
        # and reaches the other process's socket from the database.
        await proxy.cut()
        await bus_state(http_b, "down")
        ack = await send(phone, chat, "ben je er nog?")
        assert ack["seq"] == 8
        late = await console.expect("message", WITHOUT_REDIS, seq=8)
        assert late["body"] == "ben je er nog?"
        ack = await send(console, chat, "ja")
        assert (await phone.expect("message", WITHOUT_REDIS, seq=9))["body"] == "ja"

        # Back by itself: nothing here touches the servers' buses.
        await proxy.restore()
        await bus_state(http_a, "redis")
        await bus_state(http_b, "redis")
        await send(phone, chat, "fijn")
        assert (await console.expect("message", seq=10))["body"] == "fijn"
        await send(console, chat, "graag gedaan")
        for sock in (phone, console):
            while seqs(sock)[-1] < 11:
                await sock.expect("message")
            assert seqs(sock) == list(range(1, 12))
        for sock in (phone, console):
            await sock.close()
