"""Counting how often a key did something in a window, for the abuse limits (S18).

The one place that knows how counts are kept: the `limits` package's sliding-window
counter, in this process's memory. Behind several processes the counts belong in Redis
(issue 9): only `RateLimiter.__init__` changes then.

Keys are never an address: callers pass a chatter id or the keyed hash of a source
(`privacy/visitors.py`), whose key lives in memory for one day. The windows run on the
package's own wall clock (and on Redis's, later), not on `ctx.clock`: they are counters in
a cache, and a restart that forgets them only forgives a little early.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from keerpunt.core.errors import TooMany

Rules = Sequence[RateLimitItem]


@lru_cache(maxsize=32)
def parse_rules(text: str) -> tuple[RateLimitItem, ...]:
    """'15/10 seconds; 120/10 minutes' as rules; empty text: no limit."""
    return tuple(parse_many(text)) if text.strip() else ()


class RateLimiter:
    def __init__(self) -> None:
        # The sliding-window counter keeps two numbers per key, not one timestamp per hit,
        # so a flood costs no memory to count.
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def check(self, rules: Rules, key: str, reason: str) -> None:
        """Raise TooMany, without counting, when any rule has no room left for `key`."""
        for rule in rules:
            if not await self._limiter.test(rule, key):
                raise TooMany(reason, retry_after=await self._retry_after(rule, key))

    async def hit(self, rules: Rules, key: str, reason: str) -> None:
        """Count one for `key` under every rule, or raise TooMany and count nothing (unless
        a concurrent hit took the last room between the check and the count)."""
        await self.check(rules, key, reason)
        for rule in rules:
            if not await self._limiter.hit(rule, key):
                raise TooMany(reason, retry_after=await self._retry_after(rule, key))

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

    def note(self, day: date, chatter_id: str, source: str) -> None:
        self._rotate(day)
        if chatter_id in self._last or len(self._last) < MAX_SOURCES:
            self._last[chatter_id] = source

    def source_of(self, day: date, chatter_id: str) -> str | None:
        self._rotate(day)
        return self._last.get(chatter_id)

    def block(self, day: date, source: str, until: datetime) -> None:
        self._rotate(day)
        self._blocked[source] = max(until, self._blocked.get(source, until))

    def unblock(self, day: date, source: str) -> None:
        self._rotate(day)
        self._blocked.pop(source, None)

    def blocked_until(self, day: date, source: str, now: datetime) -> datetime | None:
        self._rotate(day)
        until = self._blocked.get(source)
        if until is not None and until <= now:
            del self._blocked[source]
            return None
        return until
