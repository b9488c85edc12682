"""The Redis bus: events fan out between server processes through Redis pub/sub.

Listeners in this process get an event at once, in process (a MemoryBus inside). The
event also goes to Redis, on `<prefix>:bus:<channel>`, in an envelope of four lines:
the origin (a random id per bus), the frame's class name, the channel, and the frame's
JSON. Each process ignores its own envelopes, so nothing arrives twice.

A process holds one pub/sub connection, whatever the number of sockets: a Redis channel
is subscribed while at least one local listener wants it. Publishing goes through a
second connection, from a background task, so a write never waits on Redis.

Redis is only a signal (see bus.py). When it is away, every listener gets LAGGED at once
and every `poll_seconds` until it returns, and so reads the database; on its return the
bus subscribes again and gives everyone one more LAGGED for what passed in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections import deque
from typing import Any, cast

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from keerpunt.config import Settings
from keerpunt.realtime.bus import Bus, MemoryBus, MemorySubscription
from keerpunt.realtime.events import SERVER_FRAMES, ServerFrame

log = logging.getLogger(__name__)

# How often listeners are sent LAGGED while Redis is away, and how long the pub/sub
# connection may stay silent (it is pinged when idle) before it counts as lost.
BUS_POLL_SECONDS = 2.0
SILENCE_LIMIT = 3
# The longest wait between two attempts to reach Redis again.
MAX_BACKOFF_SECONDS = 2.0
# How long a new subscription waits for Redis to confirm it. Without the confirmation,
# an event of another process could pass unseen between the replay and the subscription.
SUBSCRIBE_WAIT_SECONDS = 2.0
# Events waiting to go to Redis; beyond this (Redis far too slow) new ones are dropped,
# and the other processes' listeners of their channels are told LAGGED instead.
OUTBOX_LIMIT = 10_000
# The most events in one pipeline.
BATCH_LIMIT = 1000
FLUSH_ON_CLOSE_SECONDS = 1.0

# By class name: QueuePosition and QueueSnapshot share the type "queue".
FRAME_CLASSES: dict[str, type[Any]] = {cls.__name__: cls for cls in SERVER_FRAMES}
_UP_MARK = b"keerpunt-bus-up"
# The kind of an envelope that carries no frame: "events on this channel were dropped".
LAGGED_KIND = "LAGGED"
# What a lost or refused connection raises: redis-py's errors, the OS's, and timeouts.
_LOST = (RedisError, OSError, TimeoutError)


def make_bus(settings: Settings) -> Bus:
    """The Redis bus when a Redis is configured, else the in-process bus."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, settings.redis_prefix)
    return MemoryBus()


class RedisSubscription(MemorySubscription):
    def __init__(self, bus: RedisBus) -> None:
        super().__init__(bus.local)
        self._redis_bus = bus

    async def add(self, channel: str) -> None:
        if channel in self.channels:
            return
        first = channel not in self._redis_bus.local._listeners
        await super().add(channel)
        if first:
            await self._redis_bus._subscribe(channel)

    async def remove(self, channel: str) -> None:
        if channel not in self.channels:
            return
        await super().remove(channel)
        if channel not in self._redis_bus.local._listeners:
            await self._redis_bus._unsubscribe(channel)


class RedisBus:
    def __init__(self, url: str, prefix: str, *, poll_seconds: float = BUS_POLL_SECONDS) -> None:
        self.local = MemoryBus()
        self.origin = secrets.token_hex(8)
        self._origin = self.origin.encode()
        self._channel_prefix = f"{prefix}:bus:"
        self.poll_seconds = poll_seconds
        options: dict[str, Any] = {
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
            # Never retry behind our back: a failure is an outage, handled here.
            "retry": Retry(NoBackoff(), 0),
        }
        self._pool = ConnectionPool.from_url(url, **options)
        self._publisher = Redis.from_url(url, **options)
        self._conn: AbstractConnection | None = None  # the pub/sub connection, when open
        self._listening: asyncio.Task[None] | None = None  # the reader's reading, on _conn
        self._drop_reason: BaseException | None = None
        # SUBSCRIBE commands sent and not yet confirmed, per Redis channel, in order.
        self._confirmations: dict[bytes, deque[asyncio.Future[None]]] = {}
        self._outbox: list[tuple[str, bytes]] = []
        self._wake = asyncio.Event()
        self._sent = asyncio.Event()  # the outbox is empty and its last batch went out
        self._sent.set()
        self._up = asyncio.Event()  # the pub/sub connection is up
        self._tasks: list[asyncio.Task[None]] = []
        self._tried = asyncio.Event()  # the first attempt to connect is over
        self._closed = False
        self._reader_up = False
        self._publisher_up = True
        self._down = False  # the reader lost Redis and has not got it back
        self._missed = False  # a channel was added while the connection was away
        self._outage_logged = False
        self._dropped: set[str] = set()  # channels whose events the full outbox dropped

    # The Bus interface -------------------------------------------------------------------

    async def publish(self, channel: str, frame: ServerFrame) -> None:
        self.local.fan_out(channel, frame)
        if self._closed:
            return
        self._start()
        if len(self._outbox) >= OUTBOX_LIMIT:
            if not self._dropped:
                log.warning("event bus: Redis is too slow; events for other processes dropped")
            self._dropped.add(channel)
            return
        self._queue(channel, type(frame).__name__, frame.model_dump_json().encode())

    def _queue(self, channel: str, kind: str, body: bytes) -> None:
        envelope = b"\n".join((self._origin, kind.encode(), channel.encode(), body))
        self._outbox.append((self._channel_prefix + channel, envelope))
        self._sent.clear()
        self._wake.set()

    def subscription(self) -> RedisSubscription:
        return RedisSubscription(self)

    def state(self) -> str:
        self._start()
        return "redis" if self._reader_up and self._publisher_up else "down"

    async def close(self) -> None:
        self._closed = True
        if not self._sent.is_set() and self._tasks:
            self._wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent.wait(), FLUSH_ON_CLOSE_SECONDS)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._fail_confirmations()
        await self._publisher.aclose()
        await self._pool.disconnect()
        await self.local.close()

    async def flush(self) -> None:
        """Wait until every event published so far went to Redis, or failed to."""
        await self._sent.wait()

    async def ready(self) -> None:
        """Wait until the pub/sub connection is up (for tests and start-up checks)."""
        self._start()
        await self._up.wait()

    # Subscriptions -----------------------------------------------------------------------

    def _start(self) -> None:
        if self._tasks or self._closed:
            return
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="bus-reader"),
            asyncio.create_task(self._send_loop(), name="bus-sender"),
            asyncio.create_task(self._watch(), name="bus-watch"),
        ]

    async def _subscribe(self, channel: str) -> None:
        self._start()
        if not self._tried.is_set():
            # At start-up: let the first connection come, so this channel is confirmed.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._tried.wait(), SUBSCRIBE_WAIT_SECONDS)
        conn = self._conn
        if conn is None:
            # Away: the reader subscribes every wanted channel when Redis returns, and
            # gives everyone LAGGED then.
            self._missed = True
            return
        name = (self._channel_prefix + channel).encode()
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(name, deque()).append(confirmed)
        try:
            await conn.send_command("SUBSCRIBE", name)
        except _LOST as exc:
            # The connection is failing: dropping it lags everyone when it is back.
            self._drop_connection(exc)
            return
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_WAIT_SECONDS)
        except TimeoutError:
            # Redis (or this process) is slow. Once the subscription is in place, the
            # channel's listeners read the database for what may have passed before.
            confirmed.add_done_callback(functools.partial(self._confirmed_late, channel))
        except _LOST:
            pass  # the connection was lost: everyone gets LAGGED when it is back

    def _confirmed_late(self, channel: str, confirmed: asyncio.Future[None]) -> None:
        if confirmed.cancelled() or confirmed.exception() is not None:
            return
        for subscription in list(self.local._listeners.get(channel, ())):
            subscription.lag()

    async def _unsubscribe(self, channel: str) -> None:
        conn = self._conn
        if conn is None:
            return  # the reader subscribes only what is wanted when it reconnects
        try:
            await conn.send_command("UNSUBSCRIBE", (self._channel_prefix + channel).encode())
        except _LOST as exc:
            self._drop_connection(exc)

    def _drop_connection(self, exc: BaseException) -> None:
        """Make the reader give up its connection and connect again."""
        if self._listening is not None and not self._listening.done():
            self._drop_reason = exc
            self._listening.cancel()

    def _fail_confirmations(self) -> None:
        for waiting in self._confirmations.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(ConnectionError("the bus connection closed"))
                    # Nobody may be waiting any more; mark it seen.
                    future.exception()
        self._confirmations.clear()

    # The reader: one pub/sub connection ---------------------------------------------------

    async def _read_loop(self) -> None:
        delay = 0.1
        while not self._closed:
            conn: AbstractConnection = self._pool.make_connection()  # type: ignore[no-untyped-call]
            try:
                await conn.connect()  # type: ignore[no-untyped-call]
                # No await between choosing the channels and showing the connection:
                # a channel added from now on sends its own SUBSCRIBE.
                wanted = [(self._channel_prefix + c).encode() for c in self.local._listeners]
                self._conn = conn
                if wanted:
                    await conn.send_command("SUBSCRIBE", *wanted)
                # Answered after every subscription above is in place.
                await conn.send_command("PING", _UP_MARK)
                self._tried.set()
                delay = 0.1
                self._listening = asyncio.create_task(self._listen(conn), name="bus-listen")
                try:
                    await self._listening
                except asyncio.CancelledError:
                    if self._drop_reason is None:
                        raise  # the bus closes
                    raise ConnectionError(str(self._drop_reason)) from None
            except _LOST as exc:
                self._tried.set()
                self._reader_lost(exc)
            finally:
                self._conn = None
                self._drop_reason = None
                if self._listening is not None:
                    self._listening.cancel()
                    self._listening = None
                self._fail_confirmations()
                await conn.disconnect(nowait=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    async def _listen(self, conn: AbstractConnection) -> None:
        loop = asyncio.get_running_loop()
        heard = pinged = loop.time()
        while True:
            # push_request: hiredis hands pub/sub replies only to a reader that asks so.
            response = await conn.read_response(timeout=self.poll_seconds, push_request=True)
            now = loop.time()
            if response is None:
                if now - heard > SILENCE_LIMIT * self.poll_seconds:
                    raise ConnectionError("Redis did not answer a ping")
                if now - pinged >= self.poll_seconds:
                    await conn.send_command("PING")
                    pinged = now
                continue
            heard = now
            try:
                self._handle(response)
            except Exception:  # one bad event must not stop the reader; its listeners lag
                log.exception("event bus: an event from Redis could not be handled")
                self._lag_everyone()

    def _handle(self, response: object) -> None:
        if isinstance(response, bytes):
            # A PING's answer outside subscribed mode.
            if response == _UP_MARK:
                self._reader_came_up()
            return
        if not isinstance(response, list) or len(response) < 2:
            return
        kind = response[0]
        if kind == b"message" and len(response) == 3:
            self._dispatch(response[1], response[2])
        elif kind == b"subscribe":
            waiting = self._confirmations.get(response[1])
            if waiting:
                future = waiting.popleft()
                if not future.done():
                    future.set_result(None)
                if not waiting:
                    del self._confirmations[response[1]]
        elif kind == b"pong" and response[1] == _UP_MARK:
            self._reader_came_up()

    def _dispatch(self, redis_channel: bytes, data: bytes) -> None:
        try:
            origin, kind, channel, body = data.split(b"\n", 3)
        except ValueError:
            self._undecodable(redis_channel, "no envelope")
            return
        if origin == self._origin:
            return
        if kind == LAGGED_KIND.encode():
            # The other process dropped events of this channel (its outbox was full).
            name = channel.decode(errors="replace")
            for subscription in list(self.local._listeners.get(name, ())):
                subscription.lag()
            return
        cls = FRAME_CLASSES.get(kind.decode(errors="replace"))
        if cls is None:
            self._undecodable(redis_channel, "unknown frame kind")
            return
        try:
            frame = cast(ServerFrame, cls.model_validate_json(body))
        except ValueError:
            self._undecodable(redis_channel, f"invalid {cls.__name__}")
            return
        self.local.fan_out(channel.decode(errors="replace"), frame)

    def _undecodable(self, redis_channel: bytes, why: str) -> None:
        """A frame we cannot read (another version of Keerpunt, during an upgrade): its
        listeners read the database instead."""
        log.warning("event bus: an event on %s was not understood (%s)", redis_channel, why)
        channel = redis_channel.decode(errors="replace").removeprefix(self._channel_prefix)
        for subscription in list(self.local._listeners.get(channel, ())):
            subscription.lag()

    # Outages --------------------------------------------------------------------------------

    def _lag_everyone(self) -> None:
        for subscription in self.local.listening():
            subscription.lag()

    def _reader_lost(self, exc: BaseException) -> None:
        self._reader_up = False
        self._up.clear()
        if not self._down:
            self._down = True
            self._lag_everyone()
        self._log_health(exc)

    def _reader_came_up(self) -> None:
        self._reader_up = True
        self._up.set()
        if self._down or self._missed:
            self._down = False
            self._missed = False
            self._lag_everyone()
        self._log_health(None)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            if self._down:
                self._lag_everyone()
            if not self._publisher_up and not self._outbox:
                # Nothing to publish tells whether Redis is back for publishing: ask.
                try:
                    await self._publisher.ping()
                except _LOST:
                    continue
                self._publisher_up = True
                self._log_health(None)

    def _log_health(self, exc: BaseException | None) -> None:
        healthy = self._reader_up and self._publisher_up
        if not healthy and not self._outage_logged:
            self._outage_logged = True
            reason = str(exc).splitlines()[0] if exc is not None and str(exc) else repr(exc)
            log.warning(
                "event bus: Redis is unreachable (%s); serving from the database until it returns",
                reason,
            )
        elif healthy and self._outage_logged:
            self._outage_logged = False
            log.warning("event bus: Redis is back")

    # The sender: publishing in the background ------------------------------------------------

    async def _send_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox or self._dropped:
                if self._dropped and len(self._outbox) < OUTBOX_LIMIT:
                    # Room again: tell the other processes what they missed, by channel.
                    dropped, self._dropped = self._dropped, set()
                    for channel in dropped:
                        self._queue(channel, LAGGED_KIND, b"")
                batch = self._outbox[:BATCH_LIMIT]
                del self._outbox[:BATCH_LIMIT]
                try:
                    if len(batch) == 1:
                        await self._publisher.publish(*batch[0])
                    else:
                        async with self._publisher.pipeline(transaction=False) as pipe:
                            for name, envelope in batch:
                                pipe.publish(name, envelope)
                            await pipe.execute()
                except _LOST as exc:
                    # Lost: other processes, which lose Redis too, read the database.
                    self._publisher_up = False
                    self._log_health(exc)
                except Exception:  # a bug here must not stop all later publishing
                    log.exception("event bus: events could not be published")
                else:
                    if not self._publisher_up:
                        self._publisher_up = True
                        self._log_health(None)
            self._sent.set()
