"""An interactive socket client for trying the protocol by hand (docs/protocol.md).

    .venv/bin/python scripts/socket_client.py ws://127.0.0.1:8000/api/v1/ws

Type one JSON frame per line; lines starting with `<` came from the server. It sends the
Origin of the server itself, as the chat page does: the server refuses a socket from any
other origin (S14). Ctrl-D closes it.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin


def own_origin(ws_url: str) -> Origin:
    scheme, _, rest = ws_url.partition("://")
    return Origin(f"{'https' if scheme == 'wss' else 'http'}://{rest.split('/', 1)[0]}")


async def show(sock: ClientConnection) -> None:
    try:
        async for frame in sock:
            print(f"< {frame!s}", flush=True)
    except ConnectionClosed:
        pass
    print("closed", flush=True)


async def main(ws_url: str) -> None:
    async with connect(ws_url, origin=own_origin(ws_url)) as sock:
        print(f"Connected to {ws_url}.", flush=True)
        reader = asyncio.create_task(show(sock))
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or reader.done():
                break
            if line.strip():
                await sock.send(line.strip())
        reader.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8000/api/v1/ws"))
