"""The one Redis client of a process, when the settings name a Redis.

Commands go through this client (a connection pool); the bus holds its own connection
for pub/sub. Keys are always made with `key`, so every one of them starts with the
installation's prefix.
"""

from __future__ import annotations

from redis.asyncio import Redis

from keerpunt.config import Settings


def connect(settings: Settings) -> Redis | None:
    """A client for the configured Redis, or None without one. Connecting is lazy: a
    Redis that is down now fails the first command, not the start."""
    if not settings.redis_url:
        return None
    return Redis.from_url(
        settings.redis_url,
        # Short timeouts: when Redis is away, callers fall back instead of hanging.
        socket_connect_timeout=2,
        socket_timeout=2,
        health_check_interval=30,
    )


def key(settings: Settings, *parts: str) -> str:
    return ":".join((settings.redis_prefix, *parts))
