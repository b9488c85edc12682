"""How uvicorn runs Keerpunt, shared by `keerpunt serve` and the test server."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from keerpunt.config import Settings

WS_MAX_BYTES = 64 * 1024


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
