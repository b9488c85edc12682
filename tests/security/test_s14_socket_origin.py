"""S14: only our own pages open a socket, and a socket authenticates with a single-use
ticket valid at most 60 s, sent in the first frame and never in a URL."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from tests.conftest import make_settings
from tests.live import Chatter, LiveServer, Socket, http_client, own_origin


def _foreign_origins(server: LiveServer) -> list[Origin | None]:
    other_port = server.port + 1 if server.port < 65535 else server.port - 1
    return [
        Origin("https://evil.example"),
        Origin(f"http://127.0.0.1.evil.example:{server.port}"),
        Origin(f"http://127.0.0.1:{other_port}"),  # another site on the same machine
        Origin("null"),  # a sandboxed frame or a file: page
        None,  # no Origin at all: not a browser page of ours
    ]


async def test_s14_a_handshake_from_a_foreign_or_missing_origin_is_refused(
    server: LiveServer,
) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        for origin in _foreign_origins(server):
            ticket = await youth.ticket()
            with pytest.raises(InvalidStatus) as refused:
                async with connect(server.ws_url, origin=origin) as sock:
                    await sock.send(json.dumps({"type": "hello", "ticket": ticket}))
                    await sock.recv()
            # Refused before the upgrade: the page gets a plain 403 and no socket.
            assert refused.value.response.status_code == 403, origin
        # Our own page still gets one, with a fresh ticket.
        sock = await Socket.open(server.ws_url, await youth.ticket())
        await sock.subscribe(youth.conversation)
        status = await sock.expect("conversation")
        assert status["status"] == "queued"
        await sock.close()


async def test_s14_a_ticket_opens_one_socket_once(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        ticket = await youth.ticket()
        first = await Socket.open(server.ws_url, ticket)
        async with connect(server.ws_url, origin=own_origin(server.url)) as again:
            await again.send(json.dumps({"type": "hello", "ticket": ticket}))
            error = json.loads(await again.recv())
            assert (error["type"], error["code"]) == ("error", "closing")
            with pytest.raises(ConnectionClosed) as closed:
                await again.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008
        # The first socket is unaffected.
        await first.send({"type": "ping"})
        await first.expect("pong")
        await first.close()


async def test_s14_a_ticket_expires_after_60_seconds(
    server: LiveServer, setup_ctx: Context
) -> None:
    clock = FrozenClock()
    # The server's own clock, frozen: the test moves it instead of waiting a minute.
    server.server.config.app.state.ctx.clock = clock
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        in_time, too_late = await youth.ticket(), await youth.ticket()
        clock.advance(59)
        sock = await Socket.open(server.ws_url, in_time)
        await sock.close()
        clock.advance(2)
        async with connect(server.ws_url, origin=own_origin(server.url)) as late:
            await late.send(json.dumps({"type": "hello", "ticket": too_late}))
            error = json.loads(await late.recv())
            assert error["code"] == "closing"
            assert "expired" in error["reason"]
            with pytest.raises(ConnectionClosed) as closed:
                await late.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008


async def test_s14_a_ticket_in_the_url_is_not_accepted(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        ticket = await youth.ticket()
        url = f"{server.ws_url}?ticket={ticket}"
        async with connect(url, origin=own_origin(server.url)) as sock:
            # Without a hello frame the URL's ticket does not count: no ready, a close.
            await sock.send(json.dumps({"type": "ping"}))
            error = json.loads(await sock.recv())
            assert (error["type"], error["code"]) == ("error", "closing")
            with pytest.raises(ConnectionClosed) as closed:
                await sock.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008
        # Nor was it spent: the same ticket still opens a socket the proper way.
        sock2 = await Socket.open(server.ws_url, ticket)
        await sock2.close()


async def test_s14_with_a_public_origin_only_that_origin_opens_a_socket(db_url: str) -> None:
    live = LiveServer(make_settings(db_url, public_origin="https://chat.example.nl"))
    live.start()
    try:
        async with http_client(live.url) as http:
            youth = await Chatter.start(http)
            # The server's own address is no longer enough: only the public origin is ours.
            with pytest.raises(InvalidStatus) as refused:
                async with connect(live.ws_url, origin=own_origin(live.url)):
                    pass
            assert refused.value.response.status_code == 403
            public = Origin("https://chat.example.nl")
            async with connect(live.ws_url, origin=public) as sock:
                await sock.send(json.dumps({"type": "hello", "ticket": await youth.ticket()}))
                assert json.loads(await sock.recv())["type"] == "ready"
    finally:
        live.stop()
