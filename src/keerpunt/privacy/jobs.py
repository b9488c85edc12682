"""Retention, once a day, inside the server."""

from __future__ import annotations

import asyncio
import logging

from keerpunt.context import Context
from keerpunt.privacy import actions
from keerpunt.privacy.actions import Purged

log = logging.getLogger(__name__)

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
