"""A TCP proxy in front of the test Redis that can be cut and restored, as a Redis that
goes away and comes back: `cut` closes every link and stops listening (new connections
are refused), `restore` listens again on the same port."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from tests.redisdb import REDIS_URL


class RedisProxy:
    def __init__(self, target_url: str = REDIS_URL) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.path = parts.path
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.accepted = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> RedisProxy:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, upstream_writer}
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        writer.transport.abort()
        self.writers.discard(writer)

    async def cut(self) -> None:
        """Redis is gone: open links are closed, new ones refused."""
        server, self.server = self.server, None
        if server is not None:
            server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        if server is not None:
            await server.wait_closed()

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.cut()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
