"""Two contexts on one database and one Redis prefix: two server processes, as far as
shared state goes."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from keerpunt.bootstrap import ensure_defaults
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from tests.conftest import SHIPPED_LIMITS, make_settings
from tests.redisdb import REDIS_URL, redis_prefix


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def prefix() -> Iterator[str]:
    with redis_prefix() as name:
        yield name


@pytest.fixture
def redis_settings(db_url: str, prefix: str) -> Settings:
    return make_settings(db_url, redis_url=REDIS_URL, redis_prefix=prefix, **SHIPPED_LIMITS)


async def two_contexts(settings: Settings) -> tuple[Context, Context]:
    a, b = build_context(settings), build_context(settings)
    await ensure_defaults(a)
    return a, b


@pytest.fixture
async def pair(redis_settings: Settings) -> AsyncIterator[tuple[Context, Context]]:
    a, b = await two_contexts(redis_settings)
    yield a, b
    await a.close()
    await b.close()
