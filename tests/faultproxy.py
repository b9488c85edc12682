"""A small in-process TCP proxy between a client and the server, with switchable faults
(SECURITY.md S05): added latency, a bandwidth cap, forwarding one byte per write, a reset
(RST) in the middle of a frame, and a silent, half-open link.

It runs in the test's own event loop and forwards whatever comes (HTTP, WebSocket), so a
page or a socket client pointed at `proxy.url` reaches the server through it. The faults
set on the proxy apply to every link from then on; `reset_all`, `reset_mid_frame` and
`silence_all` act on the links open at that moment, so a client that reconnects gets a
fresh, healthy link.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass


@dataclass
class Faults:
    latency: float = 0.0  # seconds added to every chunk, each way
    bytes_per_second: float | None = None  # a cap per direction of each link
    one_byte: bool = False  # forward one byte per write


class Link:
    """One client connection and its connection to the server."""

    def __init__(
        self,
        proxy: FaultProxy,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.cut_next = False  # reset after half of the next chunk toward the client
        self.closed = False
        self.tasks = [
            asyncio.create_task(self._pump(client[0], server[1])),
            asyncio.create_task(self._pump(server[0], client[1], toward_client=True)),
        ]

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        toward_client: bool = False,
    ) -> None:
        try:
            while True:
                await self.flowing.wait()
                chunk = await reader.read(65536)
                if not chunk:
                    break
                await self.flowing.wait()  # silenced while waiting: swallow nothing, send nothing
                faults = self.proxy.faults
                if faults.latency:
                    await asyncio.sleep(faults.latency)
                if toward_client and self.cut_next and len(chunk) >= 2:
                    writer.write(chunk[: len(chunk) // 2])
                    with contextlib.suppress(ConnectionError):
                        await writer.drain()
                    self.reset()
                    return
                step = 1 if faults.one_byte else len(chunk)
                for start in range(0, len(chunk), step):
                    piece = chunk[start : start + step]
                    writer.write(piece)
                    await writer.drain()
                    if faults.bytes_per_second:
                        await asyncio.sleep(len(piece) / faults.bytes_per_second)
                    elif faults.one_byte:
                        await asyncio.sleep(0)
        except (ConnectionError, OSError):
            pass
        finally:
            if not self.closed and self.flowing.is_set():
                self.close()

    def silence(self) -> None:
        """A half-open link: nothing more goes either way, and neither side is told."""
        self.flowing.clear()

    def reset(self) -> None:
        """RST both ways: SO_LINGER 0 makes close() send a reset instead of a FIN."""
        if self.closed:
            return
        self.closed = True
        for _, writer in (self.client, self.server):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        self.proxy.links.discard(self)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for _, writer in (self.client, self.server):
            writer.close()
        self.proxy.links.discard(self)


class FaultProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.host = host
        self.faults = Faults()
        self.links: set[Link] = set()
        self.silenced: list[Link] = []
        self.accepted = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/api/v1/ws"

    async def start(self) -> FaultProxy:
        self.server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        for side in (writer, upstream[1]):
            sock = side.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.links.add(Link(self, (reader, writer), upstream))

    def reset_all(self) -> int:
        """RST every open link at once; returns how many."""
        links = list(self.links)
        for link in links:
            link.reset()
        return len(links)

    def reset_mid_frame(self) -> int:
        """Each open link forwards half of the next chunk toward the client (a frame cut in
        two) and is then reset."""
        links = list(self.links)
        for link in links:
            link.cut_next = True
        return len(links)

    def silence_all(self) -> int:
        """Every open link goes silent: half-open, as when a phone loses its network
        without a goodbye. The sockets stay open until `close`."""
        links = list(self.links)
        for link in links:
            link.silence()
            self.links.discard(link)
            self.silenced.append(link)
        return len(links)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for link in [*self.links, *self.silenced]:
            link.reset()
            for task in link.tasks:
                task.cancel()
        self.links.clear()
        self.silenced.clear()
        if self.server is not None:
            await self.server.wait_closed()
