"""How uvicorn runs Keerpunt, shared by `keerpunt serve` and the test server."""

from __future__ import annotations

import gc

import uvicorn
from fastapi import FastAPI

from keerpunt.config import Settings

WS_MAX_BYTES = 64 * 1024
# Young collections every this many allocations instead of CPython's 700 (see settle_gc).
GC_YOUNG_THRESHOLD = 10_000


def settle_gc() -> None:
    """Before serving: take what the imports and the app built out of the collector's
    view, and collect the young generation less often.

    A full collection walks every tracked object while the event loop waits. With the
    imports' 275,000 objects and 2,000 sockets it took 270 to 360 ms, every few seconds
    while sockets opened, and every chat message in flight waited for it (the p99 at 500
    messages a second went from 5 to 200 ms when one fell in the window). Frozen, those
    objects are never walked again; they live as long as the process anyway. With young
    collections every 10,000 allocations, the short-lived objects of a frame (its JSON,
    futures, rows) die young instead of reaching the old generation, so full collections
    come far more rarely (none after the start in a 30 s run at 500 messages a second,
    against 14). docs/performance.md has the figures."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def uvicorn_config(
    app: FastAPI, settings: Settings, *, host: str = "127.0.0.1", port: int = 8000
) -> uvicorn.Config:
    trusted_proxies = settings.trusted_proxies
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ws_max_size=WS_MAX_BYTES,
        # Chat frames are short JSON: compressing each one costs CPU per socket and per
        # frame and a zlib context (tens of KiB) per idle socket, and saves little.
        ws_per_message_deflate=False,
        # WebSocket pings find a silent, half-open link: no pong within the timeout and the
        # socket is closed and its resources freed (SECURITY.md S05).
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
        # The address is only ever turned into today's keyed hash and dropped (main.py);
        # behind a reverse proxy, its X-Forwarded-For names the visitor. No access log.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=5,
    )
