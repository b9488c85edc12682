"""The Redis bus between two "processes" (two buses on one prefix), on the real Redis:
delivery once, every frame kind, unsubscribe, overflow, and Redis going away and back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import redis.asyncio

from keerpunt.realtime import redisbus
from keerpunt.realtime.bus import SUBSCRIBER_QUEUE_SIZE, Lagged, Subscription
from keerpunt.realtime.events import (
    SERVER_FRAMES,
    AccessChanged,
    Ack,
    AlertOut,
    ConversationOut,
    ErrorOut,
    Heartbeat,
    MessageOut,
    OfferOut,
    Pong,
    QueueEntry,
    QueuePosition,
    QueueSnapshot,
    ReadOut,
    Ready,
    ServerFrame,
    SessionsEnded,
    TransferOut,
    TypingOut,
    WhisperAuthor,
    WhisperOut,
)
from keerpunt.realtime.redisbus import RedisBus
from tests.redisdb import REDIS_URL, redis_prefix
from tests.redisproxy import RedisProxy

pytestmark = pytest.mark.redis

AT = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
CHANNEL = "conversation:c1"
# Long enough for anything on loopback; a test that waits this long has failed.
WAIT = 10.0
POLL = 0.3


def message(seq: int, body: str = "hoi") -> MessageOut:
    return MessageOut(
        conversation="c1", seq=seq, client_id=f"x{seq}", sender="chatter", body=body, created_at=AT
    )


# One of each frame the server sends; the catalogue test below checks none is missing.
SAMPLES: list[ServerFrame] = [
    Ready(role="staff", heartbeat_seconds=25.0),
    message(1, 'één — 🙂 "quotes"\nand a line'),
    Ack(conversation="c1", client_id="x", seq=3, created_at=AT),
    ConversationOut(conversation="c1", status="active", last_seq=4),
    QueuePosition(conversation="c1", position=2, estimated_wait_seconds=None),
    QueueSnapshot(
        waiting=[
            QueueEntry(conversation="c1", position=1, visitor="youth", waiting_seconds=30),
            QueueEntry(
                conversation="c2",
                position=2,
                visitor="parent",
                waiting_seconds=5,
                returning=True,
                offered_to=7,
                offered_seconds=20,
            ),
        ]
    ),
    QueueSnapshot(waiting=[]),
    TypingOut(conversation="c1", sender="counselor", active=True),
    ReadOut(conversation="c1", reader="chatter", seq=4),
    Heartbeat(conversations={"c1": 4, "c2": 0}),
    Pong(conversations={}),
    AlertOut(kind="acute_danger", conversation="c1", counselor="anna", at=AT),
    OfferOut(conversation="c1", state="open", expires_at=AT, visitor="youth", returning=True),
    TransferOut(
        transfer=3,
        conversation="c1",
        state="open",
        from_user=1,
        from_name="Anna",
        to_user=2,
        to_name="Bram",
        note="zie notitie",
        visitor="youth",
    ),
    WhisperOut(
        conversation="c1",
        id="w1",
        client_id="x",
        author=WhisperAuthor(id=2, name="Sam"),
        body="vraag naar school",
        created_at=AT,
    ),
    AccessChanged(user=7),
    SessionsEnded(user=7, sessions=["a", "b"]),
    ErrorOut(code="rate_limited", reason="too many", conversation="c1", retry_after=30),
]


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    with redis_prefix() as value:
        yield value


@pytest.fixture
async def two(prefix: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two buses on one Redis and one prefix, as two server processes hold them. With
    the shipped poll: on a Redis that never fails, the short POLL of the outage tests
    only lets a pause of the test process (a full garbage collection late in a long
    run, a busy CI machine) pass for a silent link, and every listener lags."""
    a = RedisBus(REDIS_URL, prefix)
    b = RedisBus(REDIS_URL, prefix)
    yield a, b
    await a.close()
    await b.close()


async def get(subscription: Subscription) -> tuple[str, ServerFrame] | Lagged:
    return await asyncio.wait_for(subscription.get(), WAIT)


async def next_event(subscription: Subscription) -> tuple[str, ServerFrame]:
    item = await get(subscription)
    assert not isinstance(item, Lagged)
    return item


async def lagged(subscription: Subscription) -> None:
    """Skip events until LAGGED comes."""
    while not isinstance(await get(subscription), Lagged):
        pass


async def test_an_event_reaches_each_listener_of_each_process_once(
    two: tuple[RedisBus, RedisBus],
) -> None:
    a, b = two
    here, there, elsewhere = a.subscription(), b.subscription(), b.subscription()
    await here.add(CHANNEL)
    await there.add(CHANNEL)
    await elsewhere.add("conversation:other")
    await a.publish(CHANNEL, message(1))
    await a.publish(CHANNEL, message(2))
    for subscription in (here, there):
        assert await next_event(subscription) == (CHANNEL, message(1))
        assert await next_event(subscription) == (CHANNEL, message(2))
    # Each once: what comes next is the next event, from the other process, not a double.
    await b.publish(CHANNEL, message(3))
    for subscription in (here, there):
        assert await next_event(subscription) == (CHANNEL, message(3))
    await b.publish("conversation:other", message(9))
    assert await next_event(elsewhere) == ("conversation:other", message(9))
    assert a.state() == b.state() == "redis"
    for subscription in (here, there, elsewhere):
        await subscription.close()


async def test_every_frame_kind_crosses_unchanged(two: tuple[RedisBus, RedisBus]) -> None:
    assert {type(frame) for frame in SAMPLES} == set(SERVER_FRAMES)
    a, b = two
    there = b.subscription()
    await there.add(CHANNEL)
    for frame in SAMPLES:
        await a.publish(CHANNEL, frame)
    for frame in SAMPLES:
        channel, got = await next_event(there)
        # QueuePosition and QueueSnapshot share the type "queue": the class must survive.
        assert (channel, type(got), got) == (CHANNEL, type(frame), frame)
    await there.close()


async def test_one_redis_subscription_per_channel_per_process(
    two: tuple[RedisBus, RedisBus], prefix: str
) -> None:
    a, b = two
    first, second = b.subscription(), b.subscription()
    await first.add(CHANNEL)
    await second.add(CHANNEL)
    async with redis.asyncio.Redis.from_url(REDIS_URL) as client:
        name = f"{prefix}:bus:{CHANNEL}"

        async def listeners() -> int:
            counts = dict(await client.pubsub_numsub(name))
            return int(counts[name.encode()])

        assert await listeners() == 1
        await first.remove(CHANNEL)
        await a.publish(CHANNEL, message(1))
        assert await next_event(second) == (CHANNEL, message(1))
        await second.close()
        # Unsubscribed in Redis once the last local listener left.
        await a.publish(CHANNEL, message(2))
        await b.publish("conversation:other", message(3))  # a round trip through b
        assert await listeners() == 0
    assert first.channels == second.channels == set()


async def test_unsubscribe_stops_delivery(two: tuple[RedisBus, RedisBus]) -> None:
    a, b = two
    leaving, staying = b.subscription(), b.subscription()
    await leaving.add(CHANNEL)
    await staying.add(CHANNEL)
    await staying.add("conversation:other")
    await leaving.remove(CHANNEL)
    await a.publish(CHANNEL, message(1))
    await a.publish("conversation:other", message(2))
    assert await next_event(staying) == (CHANNEL, message(1))
    assert await next_event(staying) == ("conversation:other", message(2))
    # Nothing came to the one that left, while the same events reached the other.
    await leaving.add("conversation:other")
    await a.publish("conversation:other", message(3))
    assert await next_event(leaving) == ("conversation:other", message(3))
    await leaving.close()
    await staying.close()


async def test_a_listener_that_falls_behind_gets_lagged(two: tuple[RedisBus, RedisBus]) -> None:
    a, b = two
    slow, marker = b.subscription(), b.subscription()
    await slow.add(CHANNEL)
    await marker.add("conversation:marker")
    for seq in range(SUBSCRIBER_QUEUE_SIZE + 1):
        await a.publish(CHANNEL, message(seq))
    await a.publish("conversation:marker", message(0))
    # Events of one publisher arrive in order: once the marker is here, all are.
    assert await next_event(marker) == ("conversation:marker", message(0))
    assert isinstance(await get(slow), Lagged)
    await a.publish(CHANNEL, message(5000))
    assert await next_event(slow) == (CHANNEL, message(5000))
    await slow.close()
    await marker.close()


async def test_events_dropped_for_a_slow_redis_lag_the_other_processes(
    two: tuple[RedisBus, RedisBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redisbus, "OUTBOX_LIMIT", 5)
    a, b = two
    here, there = a.subscription(), b.subscription()
    await here.add(CHANNEL)
    await there.add(CHANNEL)
    # Published without a pause: the sender has no chance to empty the outbox.
    for seq in range(1, 21):
        await a.publish(CHANNEL, message(seq))
    # In process nothing is dropped.
    assert [await next_event(here) for _ in range(20)] == [
        (CHANNEL, message(s)) for s in range(1, 21)
    ]
    # Elsewhere: what the outbox held (unless LAGGED overtook it), then LAGGED.
    before = []
    while not isinstance(item := await get(there), Lagged):
        before.append(item)
    assert before == [(CHANNEL, message(s)) for s in range(1, len(before) + 1)]
    assert len(before) <= 5
    await a.publish(CHANNEL, message(21))
    assert await next_event(there) == (CHANNEL, message(21))
    await here.close()
    await there.close()


async def test_a_subscription_confirmed_late_lags_its_listeners(
    two: tuple[RedisBus, RedisBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`add` waits only so long for Redis; what passed before the confirmation came is
    read from the database then."""
    monkeypatch.setattr(redisbus, "SUBSCRIBE_WAIT_SECONDS", 0)
    a, b = two
    await asyncio.wait_for(b.ready(), WAIT)
    there = b.subscription()
    await there.add(CHANNEL)
    assert isinstance(await get(there), Lagged)
    await a.publish(CHANNEL, message(1))
    assert await next_event(there) == (CHANNEL, message(1))
    await there.close()


async def test_a_frame_from_another_version_lags_its_listeners(
    two: tuple[RedisBus, RedisBus], prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    _, b = two
    there = b.subscription()
    await there.add(CHANNEL)
    async with redis.asyncio.Redis.from_url(REDIS_URL) as client:
        await client.publish(f"{prefix}:bus:{CHANNEL}", b"other\nNewFrame\nconversation:c1\n{}")
        await client.publish(f"{prefix}:bus:{CHANNEL}", b"garbage")
    with caplog.at_level(logging.WARNING):
        assert isinstance(await get(there), Lagged)
    await there.close()


async def delivered_in_process(bus: RedisBus, subscription: Subscription, seq: int) -> None:
    """Publishing reaches this process's listener at once, Redis or not. A LAGGED that
    comes in between (the outage ticks on) drops the event: publish again."""
    for _ in range(5):
        await bus.publish(CHANNEL, message(seq))
        # Not through wait_for: the event is queued, so this get does not wait.
        item = await subscription.get()
        if not isinstance(item, Lagged):
            assert item == (CHANNEL, message(seq))
            return
    raise AssertionError("every publish was overtaken by LAGGED")


async def test_redis_away_and_back(prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    proxy = await RedisProxy().start()
    a = RedisBus(proxy.url, prefix, poll_seconds=POLL)
    b = RedisBus(proxy.url, prefix, poll_seconds=POLL)
    here, there = a.subscription(), b.subscription()
    try:
        await here.add(CHANNEL)
        await there.add(CHANNEL)
        await a.publish(CHANNEL, message(1))
        assert await next_event(there) == (CHANNEL, message(1))
        assert await next_event(here) == (CHANNEL, message(1))

        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="keerpunt.realtime.redisbus"):
            await proxy.cut()
            # Every listener is told to read the database, and told again while it lasts.
            for _ in range(3):
                assert isinstance(await get(there), Lagged)
            await lagged(here)
            # Publishing still works in process, and never raises.
            await delivered_in_process(a, here, 2)
            await delivered_in_process(b, there, 3)
            await a.flush()
            await b.flush()
            assert a.state() == b.state() == "down"
            outage = [r.getMessage() for r in caplog.records]
            assert len([m for m in outage if "unreachable" in m]) == 2, outage  # once a bus
            # Subscribing while Redis is away neither fails nor waits for it.
            later = b.subscription()
            await later.add("conversation:later")

            caplog.clear()
            await proxy.restore()
            # Back by itself: nothing here calls the bus to reconnect. Each listener gets
            # a LAGGED after the return, then live events again.
            await asyncio.wait_for(a.ready(), WAIT)
            await asyncio.wait_for(b.ready(), WAIT)
            await lagged(later)
            await a.publish("conversation:later", message(4))
            await skip_lagged_until(later, ("conversation:later", message(4)))
            await a.publish(CHANNEL, message(5))
            await skip_lagged_until(there, (CHANNEL, message(5)))
            await b.publish(CHANNEL, message(6))
            await skip_lagged_until(here, (CHANNEL, message(6)))
            await a.flush()
            await b.flush()
            assert a.state() == b.state() == "redis"
            back = [r.getMessage() for r in caplog.records]
            assert len([m for m in back if "is back" in m]) == 2, back
        await later.close()
    finally:
        for subscription in (here, there):
            await subscription.close()
        await a.close()
        await b.close()
        await proxy.close()


async def test_a_silent_connection_counts_as_lost(prefix: str) -> None:
    """A half-open link (no close, no answer) is found by the pings, and replaced."""
    proxy = await RedisProxy().start()
    a = RedisBus(proxy.url, prefix, poll_seconds=POLL)
    b = RedisBus(proxy.url, prefix, poll_seconds=POLL)
    there = b.subscription()
    try:
        await there.add(CHANNEL)
        await asyncio.wait_for(a.ready(), WAIT)
        proxy.silence()
        assert isinstance(await get(there), Lagged)
        # The new connections work: live again, after one LAGGED for the gap.
        await asyncio.wait_for(b.ready(), WAIT)
        await asyncio.wait_for(a.ready(), WAIT)
        await a.publish(CHANNEL, message(1))
        await skip_lagged_until(there, (CHANNEL, message(1)))
    finally:
        await there.close()
        await a.close()
        await b.close()
        await proxy.close()


async def skip_lagged_until(subscription: Subscription, expected: object) -> None:
    while isinstance(item := await get(subscription), Lagged):
        pass
    assert item == expected


async def test_a_bus_that_never_reaches_redis_still_serves_its_process(prefix: str) -> None:
    proxy = await RedisProxy().start()
    url = proxy.url
    await proxy.cut()  # nothing listens on that port now
    bus = RedisBus(url, prefix, poll_seconds=POLL)
    here = bus.subscription()
    try:
        await here.add(CHANNEL)  # waits for the first attempt, not for Redis
        await lagged(here)
        await delivered_in_process(bus, here, 1)
        await bus.flush()
        assert bus.state() == "down"
        await lagged(here)  # and again, while it lasts
    finally:
        await here.close()
        await bus.close()
        await proxy.close()
