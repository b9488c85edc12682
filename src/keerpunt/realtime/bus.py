"""The event bus: how one process tells sockets and long-polls that something happened.

The bus is only a signal. Everything it carries is already committed, and a listener that
misses an event (a full queue, a lost broker message) catches up from the database, so a
lost bus message never loses a chat message. The in-process bus serves one server
process; a Redis bus implements the same interface for several.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

from keerpunt.realtime.events import ServerFrame

# Events waiting for one listener; more, and it is told LAGGED and reads the database.
SUBSCRIBER_QUEUE_SIZE = 1000


class Lagged:
    """Returned instead of an event when the subscriber's queue overflowed: events were
    dropped, and the listener must catch up from the database."""


LAGGED = Lagged()


class Subscription(Protocol):
    async def add(self, channel: str) -> None: ...

    async def remove(self, channel: str) -> None: ...

    async def get(self) -> tuple[str, ServerFrame] | Lagged: ...

    async def close(self) -> None: ...


class Bus(Protocol):
    async def publish(self, channel: str, frame: ServerFrame) -> None: ...

    def subscription(self) -> Subscription: ...

    def state(self) -> str:
        """For /healthz: "memory", "redis", or "down" while Redis is away."""
        ...

    async def close(self) -> None: ...


class MemorySubscription:
    """One listener's channels and the events waiting for it. The events wait in a deque
    made when the first one arrives and dropped when emptied, and `get` waits on a future
    only while it waits: an idle socket holds neither (an asyncio.Queue is four deques,
    about 3 KiB, for every socket). One reader at a time, as a socket's pump is."""

    def __init__(self, bus: MemoryBus) -> None:
        self._bus = bus
        self._items: deque[tuple[str, ServerFrame]] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._lagged = False
        self.channels: set[str] = set()

    async def add(self, channel: str) -> None:
        self.channels.add(channel)
        self._bus._listeners.setdefault(channel, set()).add(self)

    async def remove(self, channel: str) -> None:
        self.channels.discard(channel)
        listeners = self._bus._listeners.get(channel)
        if listeners is not None:
            listeners.discard(self)
            if not listeners:
                del self._bus._listeners[channel]

    def deliver(self, channel: str, frame: ServerFrame) -> None:
        if self._lagged:
            return  # the next `get` answers LAGGED and drops what waits anyway
        items = self._items
        if items is None:
            items = self._items = deque()
        if len(items) >= SUBSCRIBER_QUEUE_SIZE:
            self.lag()
            return
        items.append((channel, frame))
        self._wake()

    def lag(self) -> None:
        """Drop what is queued and make the next `get` answer LAGGED, waking it if it
        waits: events may have been missed, and the listener reads the database."""
        self._lagged = True
        self._items = None
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> tuple[str, ServerFrame] | Lagged:
        while True:
            if self._lagged:
                self._lagged = False
                self._items = None
                return LAGGED
            items = self._items
            if items:
                item = items.popleft()
                if not items:
                    self._items = None
                return item
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def close(self) -> None:
        for channel in list(self.channels):
            await self.remove(channel)


class MemoryBus:
    def __init__(self) -> None:
        self._listeners: dict[str, set[MemorySubscription]] = {}

    async def publish(self, channel: str, frame: ServerFrame) -> None:
        self.fan_out(channel, frame)

    def fan_out(self, channel: str, frame: ServerFrame) -> None:
        for subscription in list(self._listeners.get(channel, ())):
            subscription.deliver(channel, frame)

    def subscription(self) -> MemorySubscription:
        return MemorySubscription(self)

    def state(self) -> str:
        return "memory"

    def listening(self) -> set[MemorySubscription]:
        """Every subscription that listens on at least one channel."""
        return set().union(*self._listeners.values())

    async def close(self) -> None:
        self._listeners.clear()

    def listener_count(self) -> int:
        return sum(len(s) for s in self._listeners.values())
