"""Signed checkpoints of the access log, written to the log now and then.

The hash chain shows a changed or removed entry, but not that its newest entries were
removed. Each checkpoint (the number of entries, the last one's hash, and a MAC under the
session secret) goes to the log, which lives apart from the database:
`keerpunt audit verify --checkpoints LOGFILE` then checks that the newest checkpoint's
entry is still there, unchanged.
"""

from __future__ import annotations

import asyncio
import logging

from keerpunt.context import Context
from keerpunt.privacy import audit

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


async def checkpoints(ctx: Context, every_seconds: float) -> None:
    """A checkpoint every `every_seconds`, until cancelled. The server also writes one as
    it starts and as it stops, so a removal while it was down shows too."""
    while True:
        await asyncio.sleep(every_seconds)
        await checkpoint_now(ctx)
