"""Counting distinct visitors, and limiting abuse, without knowing who they are.

Each request's address and user agent are turned into a keyed hash (HMAC-SHA256) the
moment it arrives, and the address is then dropped (`main.forget_client_address`). The key
is random, made for the current local day and replaced at midnight: it is never written
to the database or a log, so yesterday's hashes can no longer be linked to anybody, not
even by us. "Seen today" marks go with the key.

A second hash, of the address alone under its own key, names the request's source for
the abuse limits (`abuse/guard.py`): a user agent is trivial to change, an address less
so.

One process (no Redis): the keys and marks live in this process's memory
(`DailyVisitors`). Several processes (issue 9): one pair of keys a day for the whole
cluster lives in Redis's memory with a TTL a little past the local day, and so do the
marks (`RedisVisitors`); each process fetches the keys once a day and keeps them in its
memory. Redis should run without persistence; a persisted key is deleted at its TTL all
the same. While Redis is away a process uses keys of its own: for that time a visitor
can be counted once per process, and the limits per source count per process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, tzinfo

from redis.asyncio import Redis
from redis.exceptions import RedisError

from keerpunt.core.ratelimit import REDIS_DOWN, RedisOutage, day_expiry

# A day's marks are capped so a flood cannot grow memory without end; past the cap a
# visitor is counted again rather than remembered.
MAX_MARKS = 500_000
KEY_BYTES = 32


class DailyVisitors:
    """The day's keys and marks in this process's memory."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._key = b""
        self._source_key = b""
        self._seen: set[tuple[str, str]] = set()

    def _rotate(self, day: date) -> None:
        if day != self._day:
            self._day, self._key = day, secrets.token_bytes(KEY_BYTES)
            self._source_key = secrets.token_bytes(KEY_BYTES)
            self._seen = set()

    async def _keys(self, day: date) -> tuple[bytes, bytes]:
        self._rotate(day)
        return self._key, self._source_key

    async def digest(self, day: date, address: str, agent: str) -> str:
        key, _ = await self._keys(day)
        message = f"{address}\x00{agent}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

    async def source(self, day: date, address: str) -> str:
        """Today's keyed hash of the address alone: where a request came from, for limits."""
        _, source_key = await self._keys(day)
        return hmac.new(source_key, address.encode(), hashlib.sha256).hexdigest()[:32]

    async def first(self, day: date, what: str, digest: str) -> bool:
        """True the first time today this visitor is seen doing `what`."""
        self._rotate(day)
        mark = (what, digest)
        if mark in self._seen:
            return False
        if len(self._seen) < MAX_MARKS:
            self._seen.add(mark)
        return True


# One step for the cluster: the cap, the mark and its expiry. 1: first time today.
FIRST_SCRIPT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return 0
end
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIREAT', KEYS[1], ARGV[3])
end
return 1
"""


class RedisVisitors(DailyVisitors):
    """The day's keys and marks in Redis, shared by every process:
    `<prefix>:<day>:keys` (the two keys, made once with SET NX) and `<prefix>:<day>:seen`
    (a set of marks), both expiring a little after the local day. The parent class's
    memory stands in while Redis is away."""

    def __init__(self, redis: Redis, prefix: str, zone: tzinfo) -> None:
        super().__init__()
        self._redis = redis
        self._prefix = prefix
        self._zone = zone
        self._outage = RedisOutage("visitor keys")
        self._shared: tuple[date, bytes, bytes] | None = None
        self._first = redis.register_script(FIRST_SCRIPT)

    def _redis_key(self, day: date, which: str) -> str:
        return f"{self._prefix}:{day.isoformat()}:{which}"

    async def _keys(self, day: date) -> tuple[bytes, bytes]:
        if self._shared is not None and self._shared[0] == day:
            return self._shared[1], self._shared[2]
        if not self._outage.skip():
            try:
                shared = await self._fetch(day)
                self._outage.answered()
                self._shared = (day, *shared)
                return shared
            except REDIS_DOWN as exc:
                self._outage.failed(exc)
        return await super()._keys(day)

    async def _fetch(self, day: date) -> tuple[bytes, bytes]:
        name = self._redis_key(day, "keys")
        fresh = secrets.token_bytes(2 * KEY_BYTES)
        # The first process to ask makes the day's keys; every other one reads them.
        await self._redis.set(name, fresh, nx=True, exat=day_expiry(day, self._zone))
        value = await self._redis.get(name)
        if not isinstance(value, bytes) or len(value) != 2 * KEY_BYTES:
            raise RedisError("the day's visitor keys are missing or damaged")
        return value[:KEY_BYTES], value[KEY_BYTES:]

    async def first(self, day: date, what: str, digest: str) -> bool:
        if not self._outage.skip():
            try:
                added = await self._first(
                    [self._redis_key(day, "seen")],
                    [f"{what}\x00{digest}", MAX_MARKS, day_expiry(day, self._zone)],
                )
                self._outage.answered()
                return bool(added)
            except REDIS_DOWN as exc:
                self._outage.failed(exc)
        return await super().first(day, what, digest)
