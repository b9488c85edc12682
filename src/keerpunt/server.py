"""How uvicorn runs Keerpunt, shared by `keerpunt serve` and the test server."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

WS_MAX_BYTES = 64 * 1024


def uvicorn_config(app: FastAPI, *, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ws_max_size=WS_MAX_BYTES,
        # No client address is ever used or logged: no proxy headers, no access log.
        proxy_headers=False,
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=5,
    )
