"""The socket: tickets, replay, live delivery, acks, heartbeats and bad frames."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.realtime.gateway import Heartbeats
from tests.conftest import make_settings
from tests.live import (
    Chatter,
    Counselor,
    LiveServer,
    Socket,
    http_client,
    make_staff,
    own_origin,
    pair,
)


async def test_a_ticket_opens_one_socket_once(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        ticket = await youth.ticket()
        sock = await Socket.open(server.ws_url, ticket)
        await sock.close()
        for bad in (ticket, "made-up-ticket"):
            async with connect(server.ws_url, origin=own_origin(server.url)) as raw:
                await raw.send(json.dumps({"type": "hello", "ticket": bad}))
                error = json.loads(await raw.recv())
                assert error["type"] == "error"
                with pytest.raises(ConnectionClosed) as closed:
                    await raw.recv()
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 1008
        unauthenticated = await http.post("/api/v1/ws-ticket")
    assert unauthenticated.status_code == 401


async def test_the_first_frame_must_be_hello(server: LiveServer) -> None:
    async with connect(server.ws_url, origin=own_origin(server.url)) as raw:
        await raw.send(json.dumps({"type": "subscribe", "conversation": "x", "after_seq": 0}))
        assert json.loads(await raw.recv())["type"] == "error"
        with pytest.raises(ConnectionClosed) as closed:
            await raw.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


async def test_send_is_acked_and_delivered_to_every_subscriber(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        phone = await Socket.open(server.ws_url, await youth.ticket())
        laptop = await Socket.open(server.ws_url, await youth.ticket())
        console = await Socket.open(server.ws_url, await anna.ticket())
        for sock in (phone, laptop, console):
            await sock.subscribe(youth.conversation, 0)
            joined = await sock.expect("message")
            assert (joined["seq"], joined["code"]) == (1, "counselor_joined")
            status = await sock.expect("conversation")
            assert (status["status"], status["last_seq"]) == ("active", 1)

        client_id = str(uuid.uuid4())
        await phone.send(
            {
                "type": "send",
                "conversation": youth.conversation,
                "client_id": client_id,
                "body": "ben je er?",
            }
        )
        ack = await phone.expect("ack")
        assert (ack["client_id"], ack["seq"]) == (client_id, 2)
        # The sending socket gets its message inside the ack (it is the next one its
        # stream is due), the others as a message frame.
        copies = [ack["message"]] + [await sock.expect("message") for sock in (laptop, console)]
        for message in copies:
            assert message == {
                "type": "message",
                "conversation": youth.conversation,
                "seq": 2,
                "client_id": client_id,
                "sender": "chatter",
                "body": "ben je er?",
                "created_at": ack["created_at"],
                "code": None,
            }
        # A counselor's reply over HTTP reaches the chatter's sockets live.
        assert (await anna.send(youth.conversation, "Ja, ik ben er.")).status_code == 201
        reply = await laptop.expect("message")
        assert (reply["seq"], reply["sender"]) == (3, "counselor")
        for sock in (phone, laptop, console):
            await sock.close()


async def test_the_ack_carries_the_message_only_when_it_is_the_sockets_next(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        phone = await Socket.following(server.ws_url, youth)
        # Not following the conversation: the ack goes alone.
        loose = await Socket.open(server.ws_url, await youth.ticket())
        first = str(uuid.uuid4())
        frame = {"type": "send", "conversation": youth.conversation, "client_id": first}
        await loose.send({**frame, "body": "hallo?"})
        ack = await loose.expect("ack", client_id=first)
        assert (ack["seq"], ack["message"]) == (2, None)
        assert (await phone.expect("message"))["client_id"] == first
        # Next in the phone's stream: carried, and never sent again as a message frame.
        second = str(uuid.uuid4())
        await phone.send({**frame, "client_id": second, "body": "ben je er?"})
        ack = await phone.expect("ack", client_id=second)
        assert (ack["message"]["seq"], ack["message"]["body"]) == (3, "ben je er?")
        # A retry of it (the ack was lost, say) is acknowledged with the same seq, alone.
        await phone.send({**frame, "client_id": second, "body": "ben je er?"})
        again = await phone.expect("ack", client_id=second)
        assert (again["seq"], again["message"]) == (3, None)
        assert (await anna.send(youth.conversation, "Ja.")).status_code == 201
        reply = await phone.expect("message")
        assert reply["seq"] == 4
        assert [m["seq"] for m in phone.delivered()] == [1, 2, 3, 4]
        await phone.close()
        await loose.close()


async def test_staff_sockets_hear_the_queue(server: LiveServer, setup_ctx: Context) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        anna = await Counselor.login(http)
        console = await Socket.open(server.ws_url, await anna.ticket())
        youth = await Chatter.start(http)
        queue = await console.expect("queue")
        assert [w["conversation"] for w in queue["waiting"]] == [youth.conversation]
        waiting_sock = await Socket.open(server.ws_url, await youth.ticket())
        await waiting_sock.subscribe(youth.conversation, 0)
        position = await waiting_sock.expect("queue")
        assert position["position"] == 1
        await anna.accept(youth.conversation)
        assert (await console.expect("queue"))["waiting"] == []
        status = await waiting_sock.expect("conversation", status="active")
        assert status["last_seq"] == 1
        await console.close()
        await waiting_sock.close()


async def test_typing_and_read_reach_the_other_side_only(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        phone = await Socket.open(server.ws_url, await youth.ticket())
        console = await Socket.open(server.ws_url, await anna.ticket())
        for sock in (phone, console):
            await sock.subscribe(youth.conversation, 1)
            await sock.expect("conversation")
        await phone.send({"type": "typing", "conversation": youth.conversation})
        typing = await console.expect("typing")
        assert (typing["sender"], typing["active"]) == ("chatter", True)
        await console.send({"type": "read", "conversation": youth.conversation, "seq": 1})
        read = await phone.expect("read")
        assert (read["reader"], read["seq"]) == ("counselor", 1)
        await phone.send({"type": "ping"})
        pong = await phone.expect("pong")
        assert pong["conversations"] == {youth.conversation: 1}
        assert not [f for f in phone.seen if f["type"] == "typing"]
        await phone.close()
        await console.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Fast heartbeats so the test sees them without waiting 25 seconds.
    return make_settings(db_url, heartbeat_seconds=0.3)


async def test_heartbeats_carry_the_latest_seq(server: LiveServer, setup_ctx: Context) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        sock = await Socket.following(server.ws_url, youth)
        await anna.send(youth.conversation, "een")
        beat = await sock.expect("heartbeat", conversations={youth.conversation: 2})
        assert beat["conversations"] == {youth.conversation: 2}
        await sock.close()


async def test_a_busy_socket_that_holds_everything_is_spared_most_beats(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, _ = await pair(http, setup_ctx)
        sock = await Socket.following(server.ws_url, youth)
        # Busy for eight heartbeat intervals: a frame (a pong) every few hundredths of a
        # second, and nothing it does not hold.
        start = len(sock.seen)
        loop = asyncio.get_running_loop()
        until = loop.time() + 8 * 0.3
        while loop.time() < until:
            await sock.send({"type": "ping"})
            await sock.expect("pong")
            await asyncio.sleep(0.03)
        beats = [f for f in sock.seen[start:] if f["type"] == "heartbeat"]
        # Every interval would have brought one; a stall of the loop may let one through.
        assert len(beats) <= 2
        # Quiet again: the beats come back.
        await sock.expect("heartbeat", conversations={youth.conversation: 1})
        await sock.close()


async def test_every_socket_hears_the_heartbeat_when_they_are_many(
    server: LiveServer, setup_ctx: Context
) -> None:
    """The ticker beats its sockets a slice at a time (`Heartbeats.SLICE`): the ones past
    the first slices must get theirs too, with the latest seq."""
    count = Heartbeats.SLICE * 2 + 7
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        socks = [await Socket.open(server.ws_url, await youth.ticket()) for _ in range(count)]
        for sock in socks:
            await sock.subscribe(youth.conversation, 0)
            await sock.expect("conversation")
        await anna.send(youth.conversation, "een")
        for sock in socks:
            await sock.expect("heartbeat", conversations={youth.conversation: 2})
        for sock in socks:
            await sock.close()


async def test_bad_frames_get_an_error_and_the_socket_lives_on(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, _ = await pair(http, setup_ctx)
        sock = await Socket.open(server.ws_url, await youth.ticket())
        bad_frames = [
            "{not json",
            json.dumps({"type": "teleport"}),
            json.dumps({"type": "send", "conversation": youth.conversation}),
            json.dumps(
                {
                    "type": "send",
                    "conversation": youth.conversation,
                    "client_id": "nope",
                    "body": "x",
                }
            ),
            json.dumps(
                {
                    "type": "send",
                    "conversation": youth.conversation,
                    "client_id": str(uuid.uuid4()),
                    "body": "x" * 4001,
                }
            ),
            json.dumps({"type": "subscribe", "conversation": str(uuid.uuid4())}),
            json.dumps({"type": "ping", "extra": True}),
        ]
        codes = []
        for raw in bad_frames:
            await sock.connection.send(raw)
            error = await sock.expect("error")
            assert "x" * 100 not in error["reason"]
            codes.append(error["code"])
        assert codes == [
            "bad_json",
            "invalid_frame",
            "invalid_frame",
            "invalid_frame",
            "invalid_frame",
            "not_found",
            "invalid_frame",
        ]
        # Still alive and useful.
        await sock.send({"type": "ping"})
        await sock.expect("pong")
        await sock.connection.send(b"\x00\x01binary")
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await sock.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008


async def test_a_frame_over_64_kib_closes_the_socket(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        sock = await Socket.open(server.ws_url, await youth.ticket())
        await sock.connection.send("x" * (65 * 1024))
        with pytest.raises((ConnectionClosed, asyncio.TimeoutError)) as closed:
            while True:
                await sock.recv()
    assert isinstance(closed.value, ConnectionClosed)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
