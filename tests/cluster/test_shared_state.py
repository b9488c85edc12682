"""The abuse limits, today's sources and the visitor keys are one for the cluster when a
Redis is configured: what process A counts or blocks, process B sees."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from keerpunt.abuse import guard
from keerpunt.accounts.principals import ChatterPrincipal
from keerpunt.campaigns.actions import VISIT
from keerpunt.campaigns.models import NO_CHANNEL, TrafficDay
from keerpunt.chat import actions as chat
from keerpunt.chat import store as chat_store
from keerpunt.context import Context
from keerpunt.core import ratelimit
from keerpunt.core.errors import Blocked, TooMany
from keerpunt.core.ratelimit import RedisSources
from keerpunt.main import create_app
from keerpunt.privacy.visitors import RedisVisitors
from tests.cluster.conftest import free_port, two_contexts
from tests.conftest import SHIPPED_LIMITS, make_settings
from tests.faultproxy import FaultProxy
from tests.redisdb import REDIS_URL

pytestmark = pytest.mark.redis

PHONE = "198.51.100.7"
OTHER_PHONE = "203.0.113.9"


async def test_with_redis_the_context_keeps_its_state_in_redis(
    pair: tuple[Context, Context],
) -> None:
    a, _ = pair
    assert isinstance(a.visitors, RedisVisitors)
    assert isinstance(a.sources, RedisSources)


async def test_a_limit_counted_on_one_process_counts_on_the_other(
    pair: tuple[Context, Context], prefix: str
) -> None:
    a, b = pair
    day = a.today()
    source = await a.visitors.source(day, PHONE)
    assert await b.visitors.source(day, PHONE) == source
    # The shipped limit: five new chats per source in ten minutes, three on A, two on B.
    for ctx in (a, a, a, b, b):
        await chat.start_conversation(ctx, None, source=source)
    for ctx in (a, b):
        with pytest.raises(TooMany) as refused:
            await chat.start_conversation(ctx, None, source=source)
        assert refused.value.retry_after is not None
        assert 1 <= refused.value.retry_after <= 600
    # Another source is untouched.
    await chat.start_conversation(b, None, source=await b.visitors.source(day, OTHER_PHONE))
    # The counters are the `limits` package's, under the installation's prefix.
    assert b.redis is not None
    assert [k async for k in b.redis.scan_iter(match=f"{prefix}:limits:*")]


async def test_a_visitor_is_one_visitor_on_both_processes(pair: tuple[Context, Context]) -> None:
    a, b = pair
    day = a.today()
    digest = await a.visitors.digest(day, PHONE, "Mozilla/5.0")
    assert await b.visitors.digest(day, PHONE, "Mozilla/5.0") == digest
    assert await b.visitors.digest(day, OTHER_PHONE, "Mozilla/5.0") != digest
    assert await a.visitors.first(day, "visit:*", digest)
    assert not await b.visitors.first(day, "visit:*", digest)
    assert not await a.visitors.first(day, "visit:*", digest)
    assert await b.visitors.first(day, "chat:*", digest)
    # A new day: new keys, so the same visitor is a new hash, and new marks.
    tomorrow = day + timedelta(days=1)
    later = await b.visitors.digest(tomorrow, PHONE, "Mozilla/5.0")
    assert later != digest
    assert await a.visitors.digest(tomorrow, PHONE, "Mozilla/5.0") == later
    assert await a.visitors.first(tomorrow, "visit:*", later)


async def test_the_day_keys_expire_after_the_day_and_are_never_plain_in_the_hash(
    pair: tuple[Context, Context], prefix: str
) -> None:
    a, _ = pair
    day = a.today()
    await a.visitors.digest(day, PHONE, "agent")
    assert a.redis is not None
    ttl = await a.redis.ttl(f"{prefix}:visitors:{day.isoformat()}:keys")
    # A little past the local day's end: at most a day and the grace.
    assert 0 < ttl <= 24 * 3600 + ratelimit.DAY_GRACE.total_seconds() + 3600


async def test_a_block_on_one_process_holds_on_the_other(pair: tuple[Context, Context]) -> None:
    a, b = pair
    day = a.today()
    source = await a.visitors.source(day, PHONE)
    started = await chat.start_conversation(a, None, source=source)
    chatter_id = started.conversation.chatter_id
    assert await b.sources.source_of(day, chatter_id) == source
    until = a.clock.now() + timedelta(hours=1)
    await a.sources.block(day, source, until)
    found = await b.sources.blocked_until(day, source, b.clock.now())
    assert found is not None
    assert abs((found - until).total_seconds()) < 1e-3
    with pytest.raises(Blocked):
        await guard.before_new_chat(b, source)
    # A shorter second block does not shorten it; lifting it on B lifts it on A.
    await b.sources.block(day, source, a.clock.now() + timedelta(minutes=1))
    longest = await a.sources.blocked_until(day, source, a.clock.now())
    assert longest is not None
    assert abs((longest - until).total_seconds()) < 1e-3
    await b.sources.unblock(day, source)
    assert await a.sources.blocked_until(day, source, a.clock.now()) is None
    await guard.before_new_chat(a, source)


async def test_a_burst_from_several_chats_is_counted_side_by_side_and_in_order(
    db_url: str, prefix: str
) -> None:
    """Messages of several chats in one group commit are counted in Redis side by side;
    within a chat in order, so a limit only ever refuses a chat's last messages, and
    every acknowledged message is stored once. Windows of an hour and more, so no burst
    straddles the turn of one (the sliding-window counter's approximation)."""
    settings = make_settings(
        db_url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        limit_new_chats_per_source="5/10 minutes",
        limit_messages_per_chatter="15/hour; 100/day",
        limit_messages_per_source="60/hour; 600/day",
    )
    a, b = await two_contexts(settings)
    try:
        assert a.limiter.shared
        source = await a.visitors.source(a.today(), PHONE)
        chats = [await chat.start_conversation(a, None, source=source) for _ in range(5)]

        async def burst(started: chat.Started) -> list[tuple[str, bool]]:
            """Twenty messages of one chat at once, in this order."""
            principal = ChatterPrincipal(started.conversation.chatter_id)
            ids = [str(uuid.uuid4()) for _ in range(20)]
            outcomes = await asyncio.gather(
                *(
                    chat.send_message(
                        a, principal, started.conversation.id, cid, f"bericht {n}", source=source
                    )
                    for n, cid in enumerate(ids)
                ),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException) and not isinstance(outcome, TooMany):
                    raise outcome
            return [
                (cid, not isinstance(o, BaseException))
                for cid, o in zip(ids, outcomes, strict=True)
            ]

        results = await asyncio.gather(*(burst(started) for started in chats))
        # 5 chats of at most 15 would be 75: the source's 60 an hour is what binds.
        assert sum(ok for result in results for _, ok in result) == 60
        async with b.read() as session:
            for started, result in zip(chats, results, strict=True):
                acked = [cid for cid, ok in result if ok]
                assert len(acked) <= 15
                # A prefix: nothing acknowledged after a refusal.
                assert [ok for _, ok in result] == [True] * len(acked) + [False] * (20 - len(acked))
                query = chat_store.messages_after_query(started.conversation.id, 0, 100)
                rows = (await session.scalars(query)).all()
                assert [row.client_id for row in rows] == acked
                assert [row.seq for row in rows] == list(range(1, len(acked) + 1))
        # Another process, which saw no refusal, asks Redis and is refused too.
        other = chats[0]
        with pytest.raises(TooMany):
            await chat.send_message(
                b,
                ChatterPrincipal(other.conversation.chatter_id),
                other.conversation.id,
                str(uuid.uuid4()),
                "nog een",
                source=source,
            )
    finally:
        await a.close()
        await b.close()


async def test_a_chatters_source_is_noted_again_when_it_changes_or_redis_forgot_it(
    pair: tuple[Context, Context], prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    day = a.today()
    first = await a.visitors.source(day, PHONE)
    second = await a.visitors.source(day, OTHER_PHONE)
    await a.sources.note(day, "chatter-1", first)
    assert await b.sources.source_of(day, "chatter-1") == first
    # The same chatter from another address: noted at once.
    await a.sources.note(day, "chatter-1", second)
    assert await b.sources.source_of(day, "chatter-1") == second
    # Redis lost its keys (it keeps nothing on disk): noted again after a while.
    assert a.redis is not None
    await a.redis.delete(f"{prefix}:sources:{day.isoformat()}:last")
    later = time.monotonic() + ratelimit.NOTE_AGAIN_SECONDS + 1
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(monotonic=lambda: later, time=time.time))
    await a.sources.note(day, "chatter-1", second)
    assert await b.sources.source_of(day, "chatter-1") == second


async def test_with_redis_down_a_chatter_still_chats(
    db_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        db_url,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        redis_prefix=prefix,
        **SHIPPED_LIMITS,
    )
    a, b = await two_contexts(settings)
    try:
        caplog.set_level(logging.WARNING, logger="keerpunt.core.ratelimit")
        day = a.today()
        source = await a.visitors.source(day, PHONE)
        # Each process falls back to keys of its own: consistent within the process.
        assert await a.visitors.source(day, PHONE) == source
        visitor = await a.visitors.digest(day, PHONE, "agent")
        assert await a.visitors.first(day, "visit:*", visitor)
        assert not await a.visitors.first(day, "visit:*", visitor)
        # More chats than the limit allows: the limits fail open.
        chats = [await chat.start_conversation(a, None, source=source) for _ in range(7)]
        first = chats[0]
        principal = ChatterPrincipal(first.conversation.chatter_id)
        for n in range(3):
            sent = await chat.send_message(
                a, principal, first.conversation.id, str(uuid.uuid4()), f"hallo {n}", source=source
            )
            assert sent.message.seq >= 1
        await b.sources.block(day, source, b.clock.now() + timedelta(hours=1))
        with pytest.raises(Blocked):
            await guard.before_new_chat(b, source)
        outages = [r for r in caplog.records if "redis unavailable" in r.getMessage()]
        # One warning per store and process for the outage, not one per request.
        assert 1 <= len(outages) <= 6
        assert len([r for r in outages if "abuse limits" in r.getMessage()]) <= 2
    finally:
        await a.close()
        await b.close()


async def test_after_an_outage_the_processes_go_back_to_redis(
    db_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "RETRY_SECONDS", 0.0)
    redis_port = urlsplit(REDIS_URL).port or 6379
    proxy = await FaultProxy(redis_port).start()
    db = urlsplit(REDIS_URL).path or "/0"
    settings = make_settings(
        db_url,
        redis_url=f"redis://127.0.0.1:{proxy.port}{db}",
        redis_prefix=prefix,
        **SHIPPED_LIMITS,
    )
    a, b = await two_contexts(settings)
    try:
        day = a.today()
        source = await a.visitors.source(day, PHONE)
        # Redis goes away: every link is cut and new ones are refused.
        proxy.target = ("127.0.0.1", free_port())
        proxy.reset_all()
        await a.sources.block(day, source, a.clock.now() + timedelta(hours=1))
        # B asks its Redis, which is away: it knows nothing of A's memory.
        assert await b.sources.blocked_until(day, source, b.clock.now()) is None
        # Redis is back: a new block is shared again.
        proxy.target = ("127.0.0.1", redis_port)
        await a.sources.block(day, source, a.clock.now() + timedelta(hours=2))
        assert await b.sources.blocked_until(day, source, b.clock.now()) is not None
        # And the keys fetched before the outage stayed the same on both.
        assert await b.visitors.source(day, PHONE) == source
    finally:
        await a.close()
        await b.close()
        await proxy.close()


async def test_a_visitor_reaching_two_processes_is_counted_once(
    pair: tuple[Context, Context],
) -> None:
    """Through the app: the address becomes the cluster's hash at the edge
    (`forget_client_address`), and the campaign counts see one visitor."""
    clients = []
    for ctx in pair:
        app = create_app(ctx.settings, ctx=ctx)
        app.state.ctx = ctx  # as the lifespan does; the transport runs none
        transport = httpx.ASGITransport(app=app, client=(PHONE, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://test"))
    try:
        for client in (*clients, *clients):
            page = await client.get("/", headers={"User-Agent": "Phone/1"})
            assert page.status_code == 200
        await clients[1].get("/", headers={"User-Agent": "Other/2"})
    finally:
        for client in clients:
            await client.aclose()
    async with pair[0].read() as session:
        rows = (await session.scalars(select(TrafficDay))).all()
    assert {(r.channel_id, r.measure): r.visitors for r in rows} == {(NO_CHANNEL, VISIT): 2}
