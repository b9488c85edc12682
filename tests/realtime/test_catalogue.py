"""The protocol document and the frame catalogue agree; the bus reports overflow."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime
from pathlib import Path

from fastapi.routing import APIRoute

from keerpunt import api
from keerpunt.realtime.bus import SUBSCRIBER_QUEUE_SIZE, Lagged, MemoryBus
from keerpunt.realtime.events import SERVER_FRAMES, ClientFrame, MessageOut, server_frame

PROTOCOL = Path(__file__).parents[2] / "docs" / "protocol.md"


def _frame_types() -> set[str]:
    client_models = typing.get_args(typing.get_args(ClientFrame)[0])
    names = set()
    for model in (*client_models, *SERVER_FRAMES):
        names.update(typing.get_args(model.model_fields["type"].annotation))
    return names


def test_every_frame_is_documented_with_an_example() -> None:
    text = PROTOCOL.read_text()
    # Frames are shown as JSON objects that begin with their type.
    documented = set(re.findall(r'\{\s*"type": "([a-z_]+)"', text))
    assert _frame_types() <= documented
    assert documented <= _frame_types(), "the document shows frames the code does not know"


def test_every_route_is_documented() -> None:
    text = PROTOCOL.read_text()
    for router in api.ROUTERS:
        for route in router.routes:
            path = route.path if isinstance(route, APIRoute) else getattr(route, "path", "")
            assert path.replace("{conversation_id}", "{id}") in text, path


def test_server_frames_round_trip_through_the_catalogue() -> None:
    frame = MessageOut(
        conversation="c", seq=1, client_id="x", sender="chatter", body="hoi",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert server_frame.validate_json(frame.model_dump_json()) == frame


async def test_a_subscriber_that_falls_behind_is_told_to_catch_up() -> None:
    bus = MemoryBus()
    slow = bus.subscription()
    await slow.add("conversation:c")
    frame = MessageOut(
        conversation="c", seq=1, client_id="x", sender="chatter", body="hoi",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    for _ in range(SUBSCRIBER_QUEUE_SIZE + 1):
        await bus.publish("conversation:c", frame)
    assert isinstance(await slow.get(), Lagged)
    await bus.publish("conversation:c", frame)
    assert await slow.get() == ("conversation:c", frame)
    await slow.close()
    assert bus.listener_count() == 0
