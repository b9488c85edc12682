"""Which bus a process gets, and a Redis URL checked at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from keerpunt.config import Settings
from keerpunt.realtime.bus import MemoryBus
from keerpunt.realtime.redisbus import RedisBus, make_bus


async def test_redis_url_chooses_the_redis_bus() -> None:
    assert isinstance(make_bus(Settings(redis_url="")), MemoryBus)
    assert make_bus(Settings(redis_url="")).state() == "memory"
    bus = make_bus(Settings(redis_url=" redis://127.0.0.1:6379/0 ", redis_prefix="p1"))
    assert isinstance(bus, RedisBus)
    await bus.close()  # never used: nothing was started, nothing to wait for


def test_a_redis_url_without_a_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="must start with redis://"):
        Settings(redis_url="127.0.0.1:6379")
