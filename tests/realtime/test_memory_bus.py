"""The in-process bus: a listener hears what it has not been sent yet."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from keerpunt.realtime.bus import MemoryBus
from keerpunt.realtime.events import MessageOut, ServerFrame


def _message(seq: int) -> MessageOut:
    return MessageOut(
        conversation="c1",
        seq=seq,
        client_id=f"client-{seq}",
        sender="chatter",
        body=f"bericht {seq}",
        created_at=datetime(2026, 12, 8, tzinfo=UTC),
    )


async def test_an_event_the_listener_holds_already_is_not_queued_for_it() -> None:
    bus = MemoryBus()
    # As a socket that was sent seq 3 in the ack of its own send.
    holds_up_to = 3

    def held(frame: ServerFrame) -> bool:
        return isinstance(frame, MessageOut) and frame.seq <= holds_up_to

    socket = bus.subscription(held=held)
    other = bus.subscription()
    for listener in (socket, other):
        await listener.add("conversation:c1")
    await bus.publish("conversation:c1", _message(3))
    await bus.publish("conversation:c1", _message(4))
    assert await asyncio.wait_for(socket.get(), 1) == ("conversation:c1", _message(4))
    assert [await asyncio.wait_for(other.get(), 1) for _ in range(2)] == [
        ("conversation:c1", _message(3)),
        ("conversation:c1", _message(4)),
    ]
