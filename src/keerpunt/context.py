"""What every action needs, made once per process by `build_context`.

`write()` is the single way state changes: one transaction, and the events the action
queued are published only after the commit succeeded (never for a rolled-back change,
never before the data is there for a listener to read).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.config import Settings
from keerpunt.core import redis_client
from keerpunt.core.clock import Clock, SystemClock
from keerpunt.core.ratelimit import RateLimiter, RedisSources, SourceMemory, redis_storage
from keerpunt.db.engine import Database
from keerpunt.organisation import Organisation, load_organisation
from keerpunt.privacy.crypto import KeyRing
from keerpunt.privacy.tokens import TokenHasher, new_token
from keerpunt.privacy.visitors import DailyVisitors, RedisVisitors
from keerpunt.realtime.bus import Bus
from keerpunt.realtime.events import ServerFrame
from keerpunt.realtime.redisbus import make_bus

log = logging.getLogger(__name__)


@dataclass
class Tx:
    session: AsyncSession
    events: list[tuple[str, ServerFrame]] = field(default_factory=list)

    def publish(self, channel: str, frame: ServerFrame) -> None:
        """Queue an event; it goes out after the transaction commits."""
        self.events.append((channel, frame))


@dataclass
class Context:
    settings: Settings
    db: Database
    bus: Bus
    clock: Clock
    keyring: KeyRing
    hasher: TokenHasher
    organisation: Organisation
    visitors: DailyVisitors = field(default_factory=DailyVisitors)
    # The abuse limits' counters and today's sources (core/ratelimit.py), and the day's
    # visitor keys: in memory, or in Redis when one is configured (build_context).
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sources: SourceMemory = field(default_factory=SourceMemory)
    # The configured Redis (several processes), or None (one process, all in memory).
    redis: Redis | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        async with self.db.session(write=True) as session:
            tx = Tx(session)
            yield tx
            await session.commit()
        await self.publish(tx.events)

    async def publish(self, events: list[tuple[str, ServerFrame]]) -> None:
        """Hand committed events to the bus; only after their transaction's commit."""
        for channel, frame in events:
            await self.bus.publish(channel, frame)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.db.session() as session:
            yield session

    def today(self) -> date:
        """The organisation's local date: days in reports are local days."""
        return self.clock.now().astimezone(self.organisation.zone).date()

    async def close(self) -> None:
        await self.bus.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()


def build_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bus: Bus | None = None,
    reload_keys: Callable[[], dict[str, bytes]] | None = None,
) -> Context:
    """Raises ConfigError when the secrets are unusable (see Settings.check).
    `reload_keys` reads the keys again where they are kept (see KeyRing)."""
    settings.check()
    if settings.encryption_keys is None:
        log.warning("development mode without keys: messages will not survive a restart")
        keyring = KeyRing.ephemeral()
        secret = new_token().encode()
    else:
        keyring = KeyRing(settings.keyring_spec(), reload=reload_keys)
        secret = settings.session_secret_bytes()
    redis = redis_client.connect(settings)
    organisation = load_organisation(settings.organisation_file)
    shared = _shared_state(settings, redis, organisation)
    return Context(
        settings=settings,
        db=Database(
            settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
        ),
        bus=bus or make_bus(settings),
        clock=clock or SystemClock(),
        keyring=keyring,
        hasher=TokenHasher(secret),
        organisation=organisation,
        redis=redis,
        **shared,
    )


def _shared_state(
    settings: Settings, redis: Redis | None, organisation: Organisation
) -> dict[str, Any]:
    """The limits, sources and visitor keys: in Redis for the whole cluster when one is
    configured, else the defaults in this process's memory."""
    if redis is None:
        return {}
    zone = organisation.zone
    return {
        "limiter": RateLimiter(
            redis_storage(redis, settings.redis_url, redis_client.key(settings, "limits"))
        ),
        "sources": RedisSources(redis, redis_client.key(settings, "sources"), zone),
        "visitors": RedisVisitors(redis, redis_client.key(settings, "visitors"), zone),
    }
