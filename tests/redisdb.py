"""Test Redis: a unique key prefix per test on the real Redis, its keys deleted afterwards.

CI reuses the Redis server as the session left it, so every test works under its own
prefix and removes what it wrote. Without a server, Redis tests skip with a one-line
reason; in CI (CI=true) they fail instead, so they can never silently not run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from tests.databases import IN_CI

REDIS_URL = os.environ.get("KEERPUNT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def redis_unavailable() -> str | None:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3) as client:
            client.ping()
            return None
    except redis.RedisError as exc:
        return f"Redis not reachable at {REDIS_URL}: {str(exc).splitlines()[0]}"


def require_redis() -> None:
    reason = redis_unavailable()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI must run the Redis tests, but {reason}")
    pytest.skip(reason)


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the test Redis; every key under it is deleted afterwards."""
    require_redis()
    prefix = f"keerpunt-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        with redis.Redis.from_url(REDIS_URL) as client:
            keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
