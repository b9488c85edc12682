"""Signed checkpoints of the access log, written to the log now and then.

The hash chain shows a changed or removed entry, but not that its newest entries were
removed. Each checkpoint (the number of entries, the last one's hash, and a MAC under the
session secret) goes to the log, which lives apart from the database:
`keerpunt audit verify --checkpoints LOGFILE` then checks that the newest checkpoint's
entry is still there, unchanged.

And retention, once a day, inside the server.
"""

from __future__ import annotations

import asyncio
import logging

from keerpunt.cluster import actions as cluster
from keerpunt.context import Context
from keerpunt.privacy import actions, audit
from keerpunt.privacy.actions import Purged

log = logging.getLogger(__name__)


async def write_checkpoint(ctx: Context) -> audit.Anchor:
    anchor = await audit.current_anchor(ctx)
    log.info(
        audit.CHECKPOINT_EVENT,
        extra={"entries": anchor.count, "head": anchor.head, "mac": audit.seal(ctx, anchor)},
    )
    return anchor


async def checkpoint_now(ctx: Context) -> None:
    """A checkpoint, or a warning: a database away for a moment must not stop the server."""
    try:
        await write_checkpoint(ctx)
    except Exception:
        log.warning("audit checkpoint failed", exc_info=True)


CHECKPOINT_JOB = "audit_checkpoint"


async def checkpoint_if_due(ctx: Context, every_seconds: float) -> bool:
    """A checkpoint, unless another process wrote this slot's already."""
    try:
        if not await cluster.claim(ctx, CHECKPOINT_JOB, cluster.slot(ctx, every_seconds)):
            return False
    except Exception:
        log.warning("audit checkpoint claim failed", exc_info=True)
        return False
    await checkpoint_now(ctx)
    return True


async def checkpoints(ctx: Context, every_seconds: float) -> None:
    """A checkpoint every `every_seconds` for the whole cluster, until cancelled. Each
    server also writes one as it starts and as it stops, so a removal while it was down
    shows too."""
    while True:
        await asyncio.sleep(every_seconds)
        await checkpoint_if_due(ctx, every_seconds)


# How often a server asks whether today's run is still to be done. Every process asks;
# the first to claim the day runs it (see actions.claim_day).
CHECK_SECONDS = 600.0


async def retention_if_due(ctx: Context) -> Purged | None:
    """Run retention unless some process ran it today already."""
    if not await actions.claim_day(ctx, actions.RETENTION_JOB):
        return None
    return await actions.purge_expired(ctx)


async def daily_retention(ctx: Context, every: float = CHECK_SECONDS) -> None:
    """Until cancelled. A failed run is logged and waits for the next day: the text it
    left is past its period tomorrow too."""
    while True:
        try:
            await retention_if_due(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention run failed")
        await asyncio.sleep(every)
