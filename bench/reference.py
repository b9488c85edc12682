"""The bare reference: a minimal ASGI WebSocket app on the same uvicorn settings as
`keerpunt serve` (keerpunt.server.uvicorn_config), so the benchmarks measure Keerpunt
beside the ASGI server and socket library alone.

It speaks just enough of the socket protocol for the bench clients:

- `hello` gets `ready`, `subscribe` gets `conversation` (no database, no checks);
- hold mode: nothing else, the socket is held open;
- relay mode: the hello's ticket names the pair and side ("pair:side"), and every
  other text frame is forwarded unchanged to the partner's socket (no parsing).

    python bench/reference.py --mode hold --port 8001
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from keerpunt.config import Settings
from keerpunt.server import uvicorn_config

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def make_app(mode: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    partners: dict[str, Send] = {}

    async def http(send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def websocket(receive: Receive, send: Send) -> None:
        me: str | None = None
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    continue
                if me is None:
                    # The first frame is the hello; in relay mode its ticket is "pair:side".
                    ticket = str(json.loads(text).get("ticket", ""))
                    if mode == "relay":
                        me = ticket
                        partners[me] = send
                    else:
                        me = "held"
                    await send({"type": "websocket.send", "text": '{"type":"ready"}'})
                elif text.startswith('{"type": "subscribe"') or text.startswith(
                    '{"type":"subscribe"'
                ):
                    conversation = json.loads(text)["conversation"]
                    reply = json.dumps({"type": "conversation", "conversation": conversation})
                    await send({"type": "websocket.send", "text": reply})
                elif mode == "relay":
                    pair, _, side = me.partition(":")
                    other = partners.get(f"{pair}:{'b' if side == 'a' else 'a'}")
                    if other is not None:
                        await other({"type": "websocket.send", "text": text})
        finally:
            if me is not None and partners.get(me) is send:
                del partners[me]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await http(send)
        elif scope["type"] == "websocket":
            await websocket(receive, send)
        elif scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("hold", "relay"), default="hold")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    config = uvicorn_config(make_app(args.mode), Settings(env="development"), port=args.port)  # type: ignore[arg-type]
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
