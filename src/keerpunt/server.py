"""How uvicorn runs Keerpunt, shared by `keerpunt serve` and the test server."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

WS_MAX_BYTES = 64 * 1024


def uvicorn_config(
    app: FastAPI, *, host: str = "127.0.0.1", port: int = 8000, trusted_proxies: str = ""
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ws_max_size=WS_MAX_BYTES,
        # The address is only ever turned into today's keyed hash and dropped (main.py);
        # behind a reverse proxy, its X-Forwarded-For names the visitor. No access log.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=5,
    )
