"""Counting how often a key did something in a window, for the abuse limits (S18), and
today's sources of chatters and blocks of sources.

With one process (no Redis configured) both live in this process's memory. With a Redis
(issue 9, several processes) both live in Redis, so a limit counts across the cluster and
a block on one process holds on all. The counts are the `limits` package's own
sliding-window counter on either storage.

Keys are never an address: callers pass a chatter id or the keyed hash of a source
(`privacy/visitors.py`), whose key lives for one day. The windows run on the package's
own wall clock (and on Redis's), not on `ctx.clock`: they are counters in a cache, and a
restart that forgets them only forgives a little early.

Redis away: the limits fail open (a help line does not refuse a youth because a cache is
down) and the sources fall back to this process's memory until Redis answers again.

Each question to Redis is a round trip that costs the process some 150 µs of CPU, and a
chatter's message used to ask thirteen of them: a look before the write, and inside the
group commit's transaction a look and a count for each of four rules, and the source noted
again. On PostgreSQL with Redis that held a process to about 510 acknowledged messages a
second (docs/performance.md, seventh round). Now a message asks one count per rule and
nothing else: `hit` counts each rule straight away (the package's count is itself a check
that adds nothing when there is no room), a refusal is remembered in this process until
its Retry-After, so `check` (the look before the write) and later hits turn a flood away
without asking, and a chatter's source is noted again only every few minutes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as day_time
from functools import lru_cache
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from keerpunt.core.errors import TooMany

log = logging.getLogger(__name__)

Rules = tuple[RateLimitItem, ...]

# What a Redis that is away raises: its own errors, and the socket's.
REDIS_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError, asyncio.TimeoutError)

# After a failure, Redis is left alone this long: a request does not wait for a connect
# that will fail again. Then the next caller tries it.
RETRY_SECONDS = 5.0

# Day keys live until a little after their local day ends, so a request that began just
# before midnight still finds them; at least this long, whatever the clock says.
DAY_GRACE = timedelta(minutes=10)
MIN_TTL_SECONDS = 60


class RedisOutage:
    """Whether Redis is thought to be away, with one warning per outage (not per request)
    and a line when it answers again."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._down = False
        self._retry_at = 0.0

    def skip(self) -> bool:
        """True while a recent failure says not to try yet."""
        return self._down and time.monotonic() < self._retry_at

    def failed(self, exc: BaseException) -> None:
        if not self._down:
            log.warning(
                "redis unavailable, %s in fallback",
                self.what,
                extra={"error": type(exc).__name__},
            )
        self._down = True
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def answered(self) -> None:
        if self._down:
            log.info("redis answers again, %s back on redis", self.what)
        self._down = False


def day_expiry(day: date, zone: tzinfo) -> int:
    """Unix time a little after the local `day` ends, and never less than a minute away
    (a test clock, or a skewed one, must not make a key that expires as it is written)."""
    end = datetime.combine(day + timedelta(days=1), day_time(0), tzinfo=zone) + DAY_GRACE
    return max(math.ceil(end.timestamp()), math.ceil(time.time()) + MIN_TTL_SECONDS)


@lru_cache(maxsize=32)
def parse_rules(text: str) -> Rules:
    """'15/10 seconds; 120/10 minutes' as rules, shortest window first (the order `hit`
    counts them in); empty text: no limit."""
    if not text.strip():
        return ()
    return tuple(sorted(parse_many(text), key=lambda rule: rule.get_expiry()))


def redis_storage(redis: Redis, redis_url: str, key_prefix: str) -> Storage:
    """The `limits` package's async Redis storage on the process's own connection pool
    (redis-py), its keys under `key_prefix`."""
    options: dict[str, Any] = {"connection_pool": redis.connection_pool}
    return RedisStorage(
        f"async+{redis_url}", implementation="redispy", key_prefix=key_prefix, **options
    )


# Refusals remembered per process are capped, so a flood of fresh keys cannot grow memory
# without end; past the cap the expired ones go, and if that is not enough, all of them
# (a forgotten refusal only costs one more question to the storage).
MAX_REFUSALS = 100_000


class RateLimiter:
    def __init__(self, storage: Storage | None = None) -> None:
        # The sliding-window counter keeps two numbers per key, not one timestamp per hit,
        # so a flood costs no memory to count.
        self._limiter = SlidingWindowCounterRateLimiter(storage or MemoryStorage())
        self._outage = RedisOutage("abuse limits (failing open)")
        # Keys the storage refused, with the monotonic time their Retry-After ends.
        self._refused: dict[str, float] = {}
        # Whether the counts live outside this process, each count a round trip.
        self.shared = isinstance(storage, RedisStorage)

    def check(self, key: str, reason: str) -> None:
        """Raise TooMany while a refusal of `key` that this process saw still holds. Asks
        no storage: the cheap look before a write, which turns a flood away while the
        counting itself stays with `hit`."""
        until = self._refused.get(key)
        if until is None:
            return
        left = until - time.monotonic()
        if left <= 0:
            del self._refused[key]
            return
        raise TooMany(reason, retry_after=max(1, math.ceil(left)))

    async def hit(self, rules: Rules, key: str, reason: str) -> None:
        """Count one for `key` under every rule, or raise TooMany. The rules are counted
        in their order, shortest window first as `parse_rules` gives them, each in one
        step that counts nothing when it has no room; so a hit refused by a longer rule
        stays counted under the shorter ones, which forget it within their own (short)
        window."""
        self.check(key, reason)
        if not rules or self._outage.skip():
            return
        try:
            for rule in rules:
                if not await self._limiter.hit(rule, key):
                    retry_after = await self._retry_after(rule, key)
                    self._remember(key, retry_after)
                    raise TooMany(reason, retry_after=retry_after)
        except REDIS_DOWN as exc:
            self._outage.failed(exc)
            return
        self._outage.answered()

    def _remember(self, key: str, retry_after: int) -> None:
        if len(self._refused) >= MAX_REFUSALS:
            now = time.monotonic()
            self._refused = {k: t for k, t in self._refused.items() if t > now}
            if len(self._refused) >= MAX_REFUSALS:
                self._refused.clear()
        self._refused[key] = time.monotonic() + retry_after

    async def _retry_after(self, rule: RateLimitItem, key: str) -> int:
        stats = await self._limiter.get_window_stats(rule, key)
        # Whole seconds, at least one (Retry-After has no fractions), at most the window.
        return max(1, min(rule.get_expiry(), math.ceil(stats.reset_time - time.time())))


# A day's remembered sources are capped, so a flood of fresh tokens cannot grow memory
# without end; past the cap a chatter's source is not remembered (a block then covers the
# chatter alone).
MAX_SOURCES = 200_000


class SourceMemory:
    """Today's sources in memory: the source each chatter last came from, and the sources
    under a block. A block covers its chatter's source for new chats, so a fresh token
    from the same phone does not walk around it; only for the rest of the day, because
    the source's hash changes at midnight and nobody can link the two."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._last: dict[str, str] = {}
        self._blocked: dict[str, datetime] = {}

    def _rotate(self, day: date) -> None:
        if day != self._day:
            self._day, self._last, self._blocked = day, {}, {}

    async def note(self, day: date, chatter_id: str, source: str) -> None:
        self._rotate(day)
        if chatter_id in self._last or len(self._last) < MAX_SOURCES:
            self._last[chatter_id] = source

    async def source_of(self, day: date, chatter_id: str) -> str | None:
        self._rotate(day)
        return self._last.get(chatter_id)

    async def block(self, day: date, source: str, until: datetime) -> None:
        self._rotate(day)
        self._blocked[source] = max(until, self._blocked.get(source, until))

    async def unblock(self, day: date, source: str) -> None:
        self._rotate(day)
        self._blocked.pop(source, None)

    async def blocked_until(self, day: date, source: str, now: datetime) -> datetime | None:
        self._rotate(day)
        until = self._blocked.get(source)
        if until is not None and until <= now:
            del self._blocked[source]
            return None
        return until


# Lua, so the cap and the write are one step for the whole cluster.
NOTE_SCRIPT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
   or redis.call('HLEN', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIREAT', KEYS[1], ARGV[4])
end
return 0
"""
# A block only ever grows longer by a second block, as in memory.
BLOCK_SCRIPT = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if not current or current < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return 0
"""


# A chatter's source is written to Redis again only after this long, on another day, or
# when it changed: every message of a chat says the same, and each would pay a round trip.
# Again after a while, so a Redis that lost its keys (it keeps nothing on disk) learns them
# back.
NOTE_AGAIN_SECONDS = 300.0


class RedisSources(SourceMemory):
    """Today's sources in Redis: two hashes per local day (`<prefix>:sources:<day>:last`,
    chatter id to source, and `...:blocked`, source to the block's end as Unix time), both
    expiring a little after the day. While Redis is away, this process's memory (the
    parent class) stands in."""

    def __init__(self, redis: Redis, prefix: str, zone: tzinfo) -> None:
        super().__init__()
        self._redis = redis
        self._prefix = prefix
        self._zone = zone
        self._outage = RedisOutage("today's sources")
        self._note = redis.register_script(NOTE_SCRIPT)
        self._block = redis.register_script(BLOCK_SCRIPT)
        # What this process last wrote for a chatter: (day, source, when to write again).
        self._noted: dict[str, tuple[date, str, float]] = {}

    def _key(self, day: date, which: str) -> str:
        return f"{self._prefix}:{day.isoformat()}:{which}"

    async def note(self, day: date, chatter_id: str, source: str) -> None:
        noted = self._noted.get(chatter_id)
        now = time.monotonic()
        if noted is not None and noted[:2] == (day, source) and now < noted[2]:
            return
        if not self._outage.skip():
            try:
                await self._note(
                    [self._key(day, "last")],
                    [chatter_id, source, MAX_SOURCES, day_expiry(day, self._zone)],
                )
                self._outage.answered()
                if len(self._noted) >= MAX_SOURCES:
                    self._noted.clear()
                self._noted[chatter_id] = (day, source, now + NOTE_AGAIN_SECONDS)
                return
            except REDIS_DOWN as exc:
                self._outage.failed(exc)
        await super().note(day, chatter_id, source)

    async def source_of(self, day: date, chatter_id: str) -> str | None:
        if not self._outage.skip():
            try:
                value = await self._redis.hget(self._key(day, "last"), chatter_id)
                self._outage.answered()
                if value is not None:
                    return _text(value)
            except REDIS_DOWN as exc:
                self._outage.failed(exc)
        # Noted here while Redis was away, or never noted at all.
        return await super().source_of(day, chatter_id)

    async def block(self, day: date, source: str, until: datetime) -> None:
        if not self._outage.skip():
            try:
                await self._block(
                    [self._key(day, "blocked")],
                    [source, repr(until.timestamp()), day_expiry(day, self._zone)],
                )
                self._outage.answered()
                return
            except REDIS_DOWN as exc:
                self._outage.failed(exc)
        # Memory holds only what Redis could not take, so it never shadows a lift.
        await super().block(day, source, until)

    async def unblock(self, day: date, source: str) -> None:
        # Lifted here and in Redis: it may have been placed in either.
        await super().unblock(day, source)
        if self._outage.skip():
            return
        try:
            await self._redis.hdel(self._key(day, "blocked"), source)
            self._outage.answered()
        except REDIS_DOWN as exc:
            self._outage.failed(exc)

    async def blocked_until(self, day: date, source: str, now: datetime) -> datetime | None:
        local = await super().blocked_until(day, source, now)
        if self._outage.skip():
            return local
        try:
            value = await self._redis.hget(self._key(day, "blocked"), source)
            self._outage.answered()
        except REDIS_DOWN as exc:
            self._outage.failed(exc)
            return local
        if value is None:
            return local
        until = datetime.fromtimestamp(float(_text(value)), tz=UTC)
        if until <= now:
            return local
        return max(until, local) if local is not None else until


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
