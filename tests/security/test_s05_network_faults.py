"""SECURITY.md S05: network faults between client and server, made by a small in-process
proxy (tests/faultproxy.py): latency, a bandwidth cap, one byte per write, a reset in the
middle of a frame, and a silent half-open link.

Under each fault a chatter on a socket and a counselor exchange messages; afterwards the
chatter has seen every seq exactly once and in order, and every message it sent is stored
once. A silent link is found by the server's WebSocket pings and freed within the ping
interval plus its timeout (40 s by default; the promise is 60 s), and by the client when
no frame comes for two heartbeats. After many faulty connections the server process's
file descriptors and memory return to about where they were.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed, WebSocketException

from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.realtime.bus import MemoryBus
from keerpunt.server import uvicorn_config
from tests.conftest import make_settings
from tests.faultproxy import FaultProxy
from tests.live import Chatter, LiveServer, ServerProcess, Socket, http_client, pair

HEARTBEAT = 0.5
PING = 1.0  # the server's WebSocket ping interval and timeout in these tests
MESSAGES = 12  # each way
TRANSIENT = (ConnectionClosed, WebSocketException, OSError, TimeoutError)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(
        db_url,
        heartbeat_seconds=HEARTBEAT,
        ws_ping_interval_seconds=PING,
        ws_ping_timeout_seconds=PING,
    )


@pytest.fixture
async def proxy(server: LiveServer) -> AsyncIterator[FaultProxy]:
    faulty = await FaultProxy(server.port).start()
    yield faulty
    await faulty.close()


class ResumingClient:
    """A chatter's socket client that behaves as docs/protocol.md asks (and as the pages
    do): it keeps the highest seq it holds and the messages not yet acknowledged, treats a
    link without any frame for two heartbeats as dead, and on reconnecting subscribes from
    what it holds and sends the unacknowledged messages again with the same client_id."""

    def __init__(
        self, ws_url: str, ticket: Callable[[], Awaitable[str]], conversation: str
    ) -> None:
        self.ws_url = ws_url
        self.ticket = ticket
        self.conversation = conversation
        self.held = 0
        self.shown: list[dict[str, Any]] = []
        self.outbox: dict[str, str] = {}  # client_id -> body, in the order written
        self.sent: list[str] = []
        self.acked: dict[str, int] = {}
        self.duplicates = 0
        self.connections = 0
        self.sock: Socket | None = None
        self.changed = asyncio.Event()
        # Python 3.11's wait_for can swallow a cancellation, so the loop also checks this.
        self.stopped = False
        self.background: set[asyncio.Future[None]] = set()

    def __repr__(self) -> str:
        return (
            f"<client held={self.held} unacknowledged={len(self.outbox)} "
            f"connections={self.connections}>"
        )

    def write(self, body: str) -> None:
        client_id = str(uuid.uuid4())
        self.outbox[client_id] = body
        self.sent.append(client_id)
        if self.sock is not None:
            self._later(self._send(self.sock, client_id))

    def _later(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _subscribe(self, sock: Socket) -> None:
        with contextlib.suppress(*TRANSIENT):
            await sock.subscribe(self.conversation, self.held)

    async def _send(self, sock: Socket, client_id: str) -> None:
        frame = {
            "type": "send",
            "conversation": self.conversation,
            "client_id": client_id,
            "body": self.outbox[client_id],
        }
        # On failure it stays in the outbox, to go again after the reconnect.
        with contextlib.suppress(*TRANSIENT):
            await sock.send(frame)

    async def run(self) -> None:
        attempt = 0
        sock: Socket | None = None
        while not self.stopped:
            try:
                sock = await Socket.open(self.ws_url, await self.ticket())
                self.connections += 1
                attempt = 0
                await sock.subscribe(self.conversation, self.held)
                # Unacknowledged messages go again in the order written, before anything
                # new: `write` only uses the socket once it is set below.
                again: set[str] = set()
                while pending := [c for c in self.outbox if c not in again]:
                    for client_id in pending:
                        await self._send(sock, client_id)
                        again.add(client_id)
                self.sock = sock
                while not self.stopped:
                    # No frame for two heartbeats and a margin: the link is dead.
                    self._receive(sock, await sock.recv(HEARTBEAT * 2 + 1))
            except TRANSIENT:
                if sock is not None:
                    sock.connection.transport.abort()
                self.sock = sock = None
                await asyncio.sleep(random.uniform(0, min(1.0, 0.05 * 2**attempt)))
                attempt += 1

    def _receive(self, sock: Socket, frame: dict[str, Any]) -> None:
        if frame["type"] == "message":
            self._show(sock, frame)
        elif frame["type"] == "ack":
            self.acked[frame["client_id"]] = frame["seq"]
            self.outbox.pop(frame["client_id"], None)
            if frame.get("message") is not None:
                self._show(sock, frame["message"])
        elif (
            frame["type"] in ("heartbeat", "pong")
            and frame["conversations"].get(self.conversation, 0) > self.held
        ):
            self._later(self._subscribe(sock))
        self.changed.set()

    def _show(self, sock: Socket, message: dict[str, Any]) -> None:
        if message["seq"] <= self.held:
            self.duplicates += 1
        elif message["seq"] == self.held + 1:
            self.shown.append(message)
            self.held = message["seq"]
        else:
            self._later(self._subscribe(sock))

    async def until(self, done: Callable[[], bool], timeout: float = 60) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not done():
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise AssertionError(f"not done after {timeout} s: {self!r}") from None

    async def stop(self, runner: asyncio.Task[None]) -> None:
        self.stopped = True
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        if self.sock is not None:
            self.sock.connection.transport.abort()


def listeners(server: LiveServer) -> int:
    bus = server.server.config.app.state.ctx.bus
    assert isinstance(bus, MemoryBus)
    return bus.listener_count()


FAULTS = ["latency", "bandwidth", "one_byte", "reset_mid_frame", "reset", "half_open"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_s05_nothing_is_lost_or_doubled_under_network_faults(
    server: LiveServer, setup_ctx: Context, proxy: FaultProxy, fault: str
) -> None:
    if fault == "latency":
        proxy.faults.latency = 0.05
    elif fault == "bandwidth":
        proxy.faults.bytes_per_second = 20_000
    elif fault == "one_byte":
        proxy.faults.one_byte = True
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        client = ResumingClient(proxy.ws_url, youth.ticket, youth.conversation)
        runner = asyncio.create_task(client.run())
        try:
            await client.until(lambda: client.held == 1)
            for n in range(MESSAGES):
                client.write(f"van de jongere {n}")
                assert (await anna.send(youth.conversation, f"van anna {n}")).status_code == 201
                if n % 4 == 2:
                    # Interrupt the link while frames are on their way.
                    if fault == "reset":
                        proxy.reset_all()
                    elif fault == "reset_mid_frame":
                        proxy.reset_mid_frame()
                    elif fault == "half_open":
                        proxy.silence_all()
            total = 1 + 2 * MESSAGES
            await client.until(lambda: client.held == total and not client.outbox)
        finally:
            await client.stop(runner)

        stored = (await youth.messages()).json()["messages"]
    assert [m["seq"] for m in stored] == list(range(1, total + 1))
    # Each message the chatter wrote is stored once, in the order written.
    mine = [m["client_id"] for m in stored if m["sender"] == "chatter"]
    assert mine == client.sent
    assert client.acked == {m["client_id"]: m["seq"] for m in stored if m["sender"] == "chatter"}
    # The chatter saw exactly what is stored: every seq once, in order.
    assert [(m["seq"], m["client_id"], m["body"]) for m in client.shown] == [
        (m["seq"], m["client_id"], m["body"]) for m in stored
    ]
    if fault in ("reset", "reset_mid_frame", "half_open"):
        assert client.connections >= 2  # the fault really broke the link
    print(f"\nS05 {fault}: connections={client.connections} duplicates_dropped={client.duplicates}")


async def test_s05_the_server_frees_a_silent_half_open_socket(
    server: LiveServer, setup_ctx: Context, proxy: FaultProxy
) -> None:
    async with http_client(server.url) as http:
        youth, _ = await pair(http, setup_ctx)
        before = (listeners(server), len(server.server.server_state.connections))
        sock = await Socket.open(proxy.ws_url, await youth.ticket())
        await sock.subscribe(youth.conversation, 0)
        await sock.expect("conversation")
        assert listeners(server) == before[0] + 1
        started = asyncio.get_running_loop().time()
        assert proxy.silence_all() == 1
        # The server's ping goes unanswered: within the interval and the timeout (and a
        # margin for a busy machine) the socket is closed, its bus subscription dropped.
        async with asyncio.timeout(PING * 2 + 5):
            while (listeners(server), len(server.server.server_state.connections)) != before:
                await asyncio.sleep(0.05)
        print(f"\nS05 half-open found after {asyncio.get_running_loop().time() - started:.1f} s")
        # Meanwhile the same chatter carries on over a fresh link.
        again = await Socket.open(proxy.ws_url, await youth.ticket())
        await again.subscribe(youth.conversation, 0)
        assert (await again.expect("conversation"))["last_seq"] == 1
        await again.close()


def test_s05_by_default_a_dead_link_is_found_within_60_seconds() -> None:
    defaults = Settings()
    server_side = defaults.ws_ping_interval_seconds + defaults.ws_ping_timeout_seconds
    # The pages' watchdog (static/js/socket.js): no frame for two heartbeats plus 5 s.
    client_side = defaults.heartbeat_seconds * 2 + 5
    assert server_side <= 60
    assert client_side <= 60
    config = uvicorn_config(None, defaults)  # type: ignore[arg-type]
    assert (config.ws_ping_interval, config.ws_ping_timeout) == (20, 20)
    # No setting can push the client side past the promise.
    with pytest.raises(ValidationError, match=r"less than or equal to 27\.5"):
        Settings(heartbeat_seconds=30)
    with pytest.raises(ValidationError, match="less than or equal to 30"):
        Settings(ws_ping_interval_seconds=31)


# Resources return to baseline -------------------------------------------------------------


@pytest.fixture
def process_settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    from keerpunt.db import migrate
    from tests.databases import database

    with database(backend, tmp_path) as url:
        migrate.upgrade(url)
        yield make_settings(url)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def faulty_round(proxy: FaultProxy, youth: Chatter, count: int) -> None:
    """`count` sockets through the proxy, each ended by another fault."""
    for n in range(count):
        proxy.faults.one_byte = n % 4 == 3
        sock = await Socket.open(proxy.ws_url, await youth.ticket())
        await sock.subscribe(youth.conversation, 0)
        await sock.expect("conversation")
        kind = n % 4
        if kind == 0:
            proxy.reset_all()
        elif kind == 1:
            proxy.silence_all()
        elif kind == 2:
            proxy.reset_mid_frame()
            await sock.send({"type": "ping"})
        else:
            await sock.close()
        if kind != 3:
            sock.connection.transport.abort()
    proxy.faults.one_byte = False


async def settle(pid: int, target: int, timeout: float) -> int:
    """Waits until the process holds at most `target` descriptors; returns the count."""
    deadline = asyncio.get_running_loop().time() + timeout
    count = open_fds(pid)
    while count > target and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        count = open_fds(pid)
    return count


async def test_s05_descriptors_and_memory_return_to_baseline(
    process_settings: Settings, tmp_path: Path
) -> None:
    server = ServerProcess(
        process_settings,
        tmp_path / "server.log",
        KEERPUNT_WS_PING_INTERVAL_SECONDS=str(PING),
        KEERPUNT_WS_PING_TIMEOUT_SECONDS=str(PING),
    )
    await server.start()
    proxy = await FaultProxy(server.port).start()
    try:
        assert server.process is not None
        pid = server.process.pid
        async with http_client(server.url) as http:
            youth = await Chatter.start(http)
            # A first round warms the pools and caches; what it leaves is the baseline. The
            # silenced links stay half-open at the proxy: the server must free its side
            # by its own pings.
            await faulty_round(proxy, youth, 40)
            await asyncio.sleep(PING * 2 + 2)
            base_fds, base_rss = open_fds(pid), rss_kib(pid)
            for _ in range(3):
                await faulty_round(proxy, youth, 40)
            held_open = open_fds(pid)
            fds = await settle(pid, base_fds, PING * 2 + 10)
            rss = rss_kib(pid)
            assert (await http.get("/healthz")).status_code == 200
    finally:
        await proxy.close()
        server.stop()
    print(
        f"\nS05 resources: fds {base_fds} -> {held_open} during -> {fds} after; "
        f"RSS {base_rss} KiB -> {rss} KiB after 120 faulty sockets"
    )
    assert fds <= base_fds + 2
    assert rss <= base_rss + 16 * 1024
