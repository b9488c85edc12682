"""SECURITY.md S09: socket abuse against a real server. Malformed JSON, wrong types, unknown
frame types, deep nesting, oversized text each get a structured `error` frame (a code and a
reason, nothing internal, nothing of the input echoed) and the socket lives on; invalid
UTF-8, binary frames and frames over 64 KiB close the socket with 1007, 1008 or 1009. A
flood of 1,000 frames is slowed and then closed, while another chatter's send is
acknowledged within a second. The process stays up throughout.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.realtime.gateway import FrameBudget
from tests.conftest import make_settings
from tests.live import Chatter, Counselor, LiveServer, Socket, http_client, make_staff, pair

CANARY = "CANARY-7f3a"
# What would betray the server's insides in a frame or a close reason.
INTERNALS = ("Traceback", "Error", "Exception", "pydantic", "sqlalchemy", "keerpunt", ".py")
ERROR_KEYS = {"type", "code", "reason", "conversation", "client_id", "retry_after"}


@pytest.fixture
def settings(db_url: str) -> Settings:
    # A small frame budget, so the flood is slowed and closed within seconds.
    return make_settings(db_url, socket_frames_per_second=20.0, socket_frame_burst=30)


def assert_clean(frame: dict[str, Any]) -> None:
    assert frame["type"] == "error"
    assert set(frame) == ERROR_KEYS
    text = json.dumps(frame)
    for word in (CANARY, *INTERNALS):
        assert word not in text, (word, frame)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def abuses(conversation: str) -> list[tuple[str, str]]:
    """(frame as sent, the error code expected)."""
    send = {"type": "send", "conversation": conversation, "client_id": str(uuid.uuid4())}
    return [
        ("{not json " + CANARY, "bad_json"),
        ('{"type": "ping"', "bad_json"),
        ("", "bad_json"),
        ('"' + CANARY + '"', "invalid_frame"),
        ("[1, 2, 3]", "invalid_frame"),
        ("null", "invalid_frame"),
        # Wrong types.
        (json.dumps({**send, "body": 123}), "invalid_frame"),
        (json.dumps({**send, "client_id": CANARY, "body": "x"}), "invalid_frame"),
        (json.dumps({**send, "body": [CANARY]}), "invalid_frame"),
        (
            json.dumps({"type": "subscribe", "conversation": conversation, "after_seq": CANARY}),
            "invalid_frame",
        ),
        (
            json.dumps({"type": "subscribe", "conversation": conversation, "after_seq": -1}),
            "invalid_frame",
        ),
        (
            json.dumps({"type": "subscribe", "conversation": conversation, "after_seq": 10**40}),
            "invalid_frame",
        ),
        (f'{{"type": "read", "conversation": "{conversation}", "seq": NaN}}', "invalid_frame"),
        (
            json.dumps({"type": "typing", "conversation": conversation, "active": CANARY}),
            "invalid_frame",
        ),
        (json.dumps({"type": 7}), "invalid_frame"),
        # Unknown frame types and fields.
        (json.dumps({"type": CANARY}), "invalid_frame"),
        (json.dumps({"type": "<script>" + CANARY}), "invalid_frame"),
        (json.dumps({"no": "type"}), "invalid_frame"),
        (json.dumps({"type": "ping", CANARY: True}), "invalid_frame"),
        # Deep nesting, within the 64 KiB limit: refused at once, not recursed into.
        (nested(30_000), "bad_json"),
        ('{"type": "ping", "x": ' + nested(20_000) + "}", "bad_json"),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, "bad_json"),
        # A lone surrogate is not text.
        (json.dumps({**send, "body": "\\ud800"}).replace("\\\\", "\\"), "bad_json"),
        # Text over 4,000 characters.
        (json.dumps({**send, "body": CANARY + "x" * 4_000}), "invalid_frame"),
        # Ids that are not ids.
        (json.dumps({"type": "subscribe", "conversation": CANARY}), "not_found"),
        (json.dumps({"type": "subscribe", "conversation": "\u0000" + CANARY}), "invalid_frame"),
        (json.dumps({"type": "subscribe", "conversation": "' OR 1=1 --"}), "invalid_frame"),
        (json.dumps({**send, "conversation": CANARY, "body": "x"}), "not_found"),
        (
            json.dumps({"type": "read", "conversation": conversation, "seq": 2**31 - 1}),
            "bad_cursor",
        ),
    ]


async def test_s09_bad_frames_get_a_structured_error_and_the_socket_lives_on(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, _ = await pair(http, setup_ctx)
        sock = await Socket.following(server.ws_url, youth)
        seen = []
        for raw, code in abuses(youth.conversation):
            started = asyncio.get_running_loop().time()
            await sock.connection.send(raw)
            error = await sock.expect("error")
            seen.append((raw[:40], error["code"]))
            assert error["code"] == code, (raw[:80], error)
            assert_clean(error)
            assert asyncio.get_running_loop().time() - started < 1
        # The refused send over 4,000 characters is named, so the page stops retrying it.
        too_long = [f for f in sock.seen if f.get("reason", "").startswith("send.body")]
        assert too_long
        assert all(f["client_id"] for f in too_long)
        # Still alive and useful, and nothing was stored.
        await sock.send({"type": "ping"})
        assert (await sock.expect("pong"))["conversations"] == {youth.conversation: 1}
        await sock.close()
        assert [m["seq"] for m in (await youth.messages()).json()["messages"]] == [1]


async def closed_with(sock: Socket) -> tuple[int, str]:
    """Reads to the end; every frame on the way is a clean error. The close code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frame = await sock.recv(10)
            if frame["type"] == "error":
                assert_clean(frame)
    received = closed.value.rcvd
    assert received is not None
    return received.code, received.reason


@pytest.mark.parametrize(
    ("abuse", "code"),
    [
        ("invalid_utf8", 1007),
        ("binary", 1008),
        ("over_64_kib", 1009),
        ("deep_over_64_kib", 1009),
        ("long_text_over_64_kib", 1009),
    ],
)
async def test_s09_what_cannot_be_a_frame_closes_the_socket(
    server: LiveServer, setup_ctx: Context, abuse: str, code: int
) -> None:
    async with http_client(server.url) as http:
        youth, _ = await pair(http, setup_ctx)
        sock = await Socket.open(server.ws_url, await youth.ticket())
        if abuse == "invalid_utf8":
            await sock.connection.send(
                b'{"type": "ping", "x": "\xff\xfe' + CANARY.encode() + b'"}', text=True
            )
        elif abuse == "binary":
            await sock.connection.send(b"\x00\x01" + CANARY.encode())
        elif abuse == "over_64_kib":
            await sock.connection.send(CANARY + "x" * (64 * 1024))
        elif abuse == "deep_over_64_kib":
            await sock.connection.send(nested(100_000))
        else:
            body = "é" * 40_000  # 40,000 characters, 80,000 bytes
            frame = {
                "type": "send",
                "conversation": youth.conversation,
                "client_id": str(uuid.uuid4()),
                "body": body,
            }
            await sock.connection.send(json.dumps(frame, ensure_ascii=False))
        got, reason = await closed_with(sock)
        assert got == code
        for word in (CANARY, *INTERNALS):
            assert word not in reason
        # The process is up, and the same chatter carries on over a new socket.
        assert (await http.get("/healthz")).status_code == 200
        again = await Socket.open(server.ws_url, await youth.ticket())
        await again.send({"type": "ping"})
        await again.expect("pong")
        await again.close()


async def test_s09_a_first_frame_that_is_not_hello_closes_with_1008(server: LiveServer) -> None:
    for raw in (
        nested(30_000),
        "{",
        json.dumps({"type": "hello", "ticket": CANARY}),
        json.dumps({"type": CANARY}),
    ):
        # The page's own origin, as a browser sends it: the handshake checks it.
        async with connect(server.ws_url, additional_headers={"Origin": server.url}) as plain:
            sock = Socket(plain)
            await plain.send(raw)
            got, reason = await closed_with(sock)
            assert got == 1008
            assert CANARY not in reason


async def test_s09_a_flood_is_slowed_then_closed_and_others_are_not_slowed(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        flooder = await Chatter.start(http)
        other = await Chatter.start(http)
        anna = await Counselor.login(http)
        for chatter in (flooder, other):
            assert (await anna.accept(chatter.conversation)).status_code == 200
        flood = await Socket.open(server.ws_url, await flooder.ticket())
        calm = await Socket.open(server.ws_url, await other.ticket())

        async def send_flood() -> int:
            sent = 0
            kinds = [
                lambda: {"type": "ping"},
                lambda: {"type": "typing", "conversation": flooder.conversation},
                lambda: {
                    "type": "send",
                    "conversation": flooder.conversation,
                    "client_id": str(uuid.uuid4()),
                    "body": "spam",
                },
            ]
            try:
                async with asyncio.timeout(1):
                    for n in range(1_000):
                        await flood.send(kinds[n % 3]())
                        sent += 1
            except (TimeoutError, ConnectionClosed):
                pass  # the server stopped reading: pushed back
            return sent

        async def round_trips() -> list[float]:
            times = []
            for n in range(10):
                client_id = str(uuid.uuid4())
                started = asyncio.get_running_loop().time()
                await calm.send(
                    {
                        "type": "send",
                        "conversation": other.conversation,
                        "client_id": client_id,
                        "body": f"gewoon {n}",
                    }
                )
                await calm.expect("ack", client_id=client_id)
                times.append(asyncio.get_running_loop().time() - started)
                await asyncio.sleep(0.1)
            return times

        sent, times = await asyncio.gather(send_flood(), round_trips())
        code, _ = await closed_with(flood)
        slowed = [f for f in flood.seen if f.get("code") == "slow_down"]
        print(
            f"\nS09 flood: {sent} frames sent in the first second; the other chatter's "
            f"send->ack: max {max(times) * 1000:.0f} ms, median "
            f"{sorted(times)[len(times) // 2] * 1000:.0f} ms"
        )
        assert slowed
        assert code == 1008
        # The promise's own bound: other users are not slowed beyond a second.
        assert max(times) < 1.0
        assert (await http.get("/healthz")).status_code == 200
        stored = (await other.messages()).json()["messages"]
        assert [m["body"] for m in stored if m["sender"] == "chatter"] == [
            f"gewoon {n}" for n in range(10)
        ]
        await calm.close()


def test_s09_the_frame_budget_allows_a_burst_then_its_rate() -> None:
    now = [0.0]
    budget = FrameBudget(rate=20.0, burst=60, now=lambda: now[0])
    # A page that reconnects sends its subscribes and unacknowledged messages at once.
    assert [budget.take() for _ in range(60)] == [0.0] * 60
    # The next frame waits one frame's worth of time: 50 ms at 20 a second.
    assert budget.take() == pytest.approx(0.05)
    now[0] += 0.05
    assert budget.take() == pytest.approx(0.05)
    # After a pause the budget is whole again, never more than the burst.
    now[0] += 3600
    assert [budget.take() for _ in range(60)] == [0.0] * 60
    assert budget.take() > 0
