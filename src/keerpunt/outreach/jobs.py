"""Outreach jobs: the daily purge of matched text, and the live collector's store on the
database.

The purge deletes the text of matched posts older than `outreach_retention_days`,
unless the post's item is open (new or in review): someone is still working on it. The
posts' rows, hits, items and daily counts stay, so trends and the triage history keep
their numbers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from keerpunt.context import Context
from keerpunt.outreach import actions, store
from keerpunt.outreach.collector import SourceState
from keerpunt.outreach.models import (
    BACKOFF,
    OPEN_STATES,
    UNAVAILABLE,
    Item,
    Post,
    Suggestion,
)
from keerpunt.outreach.posts import Post as Incoming
from keerpunt.outreach.reads import SUGGESTION_MINIMUM
from keerpunt.privacy import actions as privacy
from keerpunt.privacy import audit

log = logging.getLogger(__name__)

PURGE_JOB = "outreach_purge"
CHECK_SECONDS = 600.0


@dataclass(frozen=True)
class Purged:
    cutoff: datetime
    posts: int


async def purge(ctx: Context) -> Purged:
    """Delete the text of matched posts past the retention period, except where an open
    item holds it."""
    now = ctx.clock.now()
    cutoff = now - timedelta(days=ctx.settings.outreach_retention_days)
    open_items = select(Item.id).where(Item.state.in_(OPEN_STATES))
    async with ctx.write() as tx:
        result = await tx.session.execute(
            update(Post)
            .where(
                Post.posted_at < cutoff,
                Post.text.is_not(None),
                Post.item_id.not_in(open_items),
            )
            .values(text=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        # Words seen beside terms only once, long ago, were never shown: forgotten.
        await tx.session.execute(
            delete(Suggestion).where(
                Suggestion.state == "open",
                Suggestion.count < SUGGESTION_MINIMUM,
                Suggestion.first_seen < cutoff,
            )
        )
        await audit.record(ctx, tx, None, "outreach.purge", count=count)
    if count:
        # As for chat text: out of SQLite's write-ahead log, and vacuumed on PostgreSQL.
        await ctx.db.forget_deleted(["outreach_posts"])
    log.info("outreach text purged", extra={"posts": count, "cutoff": cutoff.isoformat()})
    return Purged(cutoff, count)


async def purge_if_due(ctx: Context) -> Purged | None:
    """Run the purge unless some process ran it today already."""
    if not await privacy.claim_day(ctx, PURGE_JOB):
        return None
    return await purge(ctx)


async def daily_purge(ctx: Context, every: float = CHECK_SECONDS) -> None:
    """Until cancelled, beside the retention job. A failed run is logged and tried again
    the next day."""
    while True:
        try:
            await purge_if_due(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outreach purge failed")
        await asyncio.sleep(every)


class DatabaseCollectorStore:
    """The live collector's `CollectorStore` on the database: each batch is stored and
    the source's checkpoint moved in one transaction (`actions.ingest`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def sources(self) -> list[SourceState]:
        async with self.ctx.read() as session:
            rows = await store.sources(session, active_only=True)
        return [
            SourceState(
                source_id=s.id,
                username=s.username,
                peer_id=s.peer_id,
                access_hash=s.access_hash,
                last_seen_id=s.last_seen_id,
                next_run_at=s.next_run_at,
            )
            for s in rows
            if s.state != UNAVAILABLE
        ]

    async def resolved(
        self, source_id: int, peer_id: int, access_hash: int, title: str | None, kind: str
    ) -> None:
        async with self.ctx.write() as tx:
            source = await store.source(tx.session, source_id)
            if source is None:
                return
            source.peer_id, source.access_hash = peer_id, access_hash
            source.title = (title or source.title or "")[:255] or None
            source.kind = kind
            source.state = "ok"

    async def ingest(self, source_id: int, posts: Sequence[Incoming], last_seen_id: int) -> None:
        await actions.ingest(self.ctx, source_id, posts, "live", last_seen_id=last_seen_id)

    async def backoff(self, source_id: int, until: datetime, reason: str) -> None:
        async with self.ctx.write() as tx:
            source = await store.source(tx.session, source_id)
            if source is not None:
                source.state, source.next_run_at, source.note = BACKOFF, until, reason[:300]

    async def unavailable(self, source_id: int, reason: str) -> None:
        async with self.ctx.write() as tx:
            source = await store.source(tx.session, source_id)
            if source is not None:
                source.state, source.note = UNAVAILABLE, reason[:300]
