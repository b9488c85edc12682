"""The abuse limits' counter in one process (core/ratelimit.py): counting refuses at the
limit, and a refusal is remembered, so the cheap look before a write turns the next
attempt away until the Retry-After it gave has passed."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from limits.aio.storage import MemoryStorage

from keerpunt.core import ratelimit
from keerpunt.core.errors import TooMany
from keerpunt.core.ratelimit import RateLimiter, parse_rules


async def test_hits_are_refused_at_the_limit_and_other_keys_are_untouched() -> None:
    limiter = RateLimiter()
    rules = parse_rules("3/10 seconds; 100/10 minutes")
    for _ in range(3):
        await limiter.hit(rules, "send:anna", "too many")
    with pytest.raises(TooMany) as refused:
        await limiter.hit(rules, "send:anna", "too many")
    assert refused.value.retry_after is not None
    assert 1 <= refused.value.retry_after <= 10
    await limiter.hit(rules, "send:bram", "too many")
    limiter.check("send:bram", "too many")


async def test_a_refusal_holds_for_its_retry_after_in_the_look_before_a_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    # The limiter's own clock only: the event loop keeps the real one.
    monkeypatch.setattr(
        ratelimit, "time", SimpleNamespace(monotonic=lambda: now[0], time=time.time)
    )
    limiter = RateLimiter()
    rules = parse_rules("1/minute")
    limiter.check("send-from:x", "too many")  # nothing refused yet
    await limiter.hit(rules, "send-from:x", "too many")
    with pytest.raises(TooMany) as first:
        await limiter.hit(rules, "send-from:x", "too many")
    retry_after = first.value.retry_after
    assert retry_after is not None
    with pytest.raises(TooMany) as look:
        limiter.check("send-from:x", "too many")
    assert look.value.retry_after == retry_after
    now[0] += retry_after - 0.5
    with pytest.raises(TooMany) as later:
        limiter.check("send-from:x", "too many")
    assert later.value.retry_after == 1
    now[0] += 1
    limiter.check("send-from:x", "too many")


async def test_a_refusal_by_the_short_rule_counts_nothing_under_the_long_one() -> None:
    storage = MemoryStorage()
    limiter = RateLimiter(storage)
    # Written longest first: `parse_rules` puts the shortest window first all the same.
    rules = parse_rules("3/10 minutes; 2/10 seconds")
    await limiter.hit(rules, "send:anna", "too many")
    await limiter.hit(rules, "send:anna", "too many")
    with pytest.raises(TooMany):
        await limiter.hit(rules, "send:anna", "too many")
    # The ten-minute rule holds two: one more fits under it alone, as another process
    # (which saw no refusal) finds.
    other = RateLimiter(storage)
    long_rule = parse_rules("3/10 minutes")
    await other.hit(long_rule, "send:anna", "too many")
    with pytest.raises(TooMany):
        await other.hit(long_rule, "send:anna", "too many")


async def test_without_rules_nothing_is_counted_or_refused() -> None:
    limiter = RateLimiter()
    for _ in range(100):
        await limiter.hit((), "send:anna", "too many")
    limiter.check("send:anna", "too many")
