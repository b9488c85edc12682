"""The abuse limits (S18) and blocks, as the chat actions apply them to chatters.

Staff are never limited here. A chatter is counted by their id, and a request's source
by today's keyed hash of its address (`privacy/visitors.py`): never by the address. What
is refused is refused before anything is stored, so every message acknowledged before
the limit stays, and other chatters are untouched.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.abuse import store
from keerpunt.context import Context
from keerpunt.core.errors import Blocked
from keerpunt.core.ratelimit import parse_rules

NEW_CHATS = "too many new chats from here; try again later"
MESSAGES = "too many messages at once; the message is kept, send it again in a moment"
BLOCKED = "you cannot chat with us for a while"


def _seconds_until(ctx: Context, until: datetime) -> int:
    return max(1, math.ceil((until - ctx.clock.now()).total_seconds()))


async def check_blocked(ctx: Context, session: AsyncSession, chatter_id: str) -> None:
    until = await store.blocked_until(session, chatter_id, ctx.clock.now())
    if until is not None:
        raise Blocked(BLOCKED, retry_after=_seconds_until(ctx, until))


async def before_new_chat(ctx: Context, source: str | None, chatter_id: str | None = None) -> None:
    """Before the write transaction, in memory or Redis only: refuse a new chat from a blocked
    source, or over the source's limit. (A known chatter's own block is checked inside
    the transaction, `check_blocked`.)

    A source's block ends with the day, when its keyed hash does; a known chatter's own
    block may last longer. When the source is blocked, the answer names the later end of
    the two, so a chatter told to come back then is not refused again."""
    if source is None:
        return
    now = ctx.clock.now()
    until = await ctx.sources.blocked_until(ctx.today(), source, now)
    if until is not None:
        if chatter_id is not None:
            async with ctx.read() as session:
                own = await store.blocked_until(session, chatter_id, now)
            until = max(until, own) if own is not None else until
        raise Blocked(BLOCKED, retry_after=_seconds_until(ctx, until))
    rules = parse_rules(ctx.settings.limit_new_chats_per_source)
    await ctx.limiter.hit(rules, f"new-chat:{source}", NEW_CHATS)


async def started(ctx: Context, chatter_id: str, source: str | None) -> None:
    """Remember where a chatter came from today, so a block can cover that source too."""
    if source is not None:
        await ctx.sources.note(ctx.today(), chatter_id, source)


def before_send(ctx: Context, chatter_id: str, source: str | None) -> None:
    """A cheap look before the write transaction, so a flood never queues for the
    database's write lock: refuse while a refusal of the chatter or the source, seen by
    this process, still holds. It asks no storage; the count inside the transaction
    (`count_send`) is what refuses first."""
    ctx.limiter.check(f"send:{chatter_id}", MESSAGES)
    if source is not None:
        ctx.limiter.check(f"send-from:{source}", MESSAGES)


async def count_send(
    ctx: Context, chatter_id: str, source: str | None, until: datetime | None
) -> None:
    """Inside the send's transaction, once the message is known to be new (a retry of a
    stored one is acknowledged, never counted), with the chatter's block as read there
    (`until`; a group commit reads each chat's block with the chat's row,
    `store.block_in_force_until`). Counted first, so a blocked chatter who keeps sending
    soon meets the cheap look in `before_send` instead of the database."""
    await ctx.limiter.hit(
        parse_rules(ctx.settings.limit_messages_per_chatter), f"send:{chatter_id}", MESSAGES
    )
    if source is not None:
        await started(ctx, chatter_id, source)
        await ctx.limiter.hit(
            parse_rules(ctx.settings.limit_messages_per_source), f"send-from:{source}", MESSAGES
        )
    if until is not None:
        raise Blocked(BLOCKED, retry_after=_seconds_until(ctx, until))
