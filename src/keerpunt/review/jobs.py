"""The weekly review sample, drawn inside the server.

Every process asks now and then (once a day at most, see `privacy.actions.claim_day`)
whether the last complete ISO week has its sample; drawing is idempotent per week, so
the first asker draws and the rest find it drawn.
"""

from __future__ import annotations

import asyncio
import logging

from keerpunt.context import Context
from keerpunt.privacy import actions as privacy
from keerpunt.review import actions
from keerpunt.review.schemas import SampleDrawn

log = logging.getLogger(__name__)

SAMPLE_JOB = "review_sample"
CHECK_SECONDS = 600.0


async def sample_if_due(ctx: Context) -> SampleDrawn | None:
    if not await privacy.claim_day(ctx, SAMPLE_JOB):
        return None
    return await actions.draw_sample(ctx)


async def weekly_sample(ctx: Context, every: float = CHECK_SECONDS) -> None:
    """Until cancelled. A failed run is logged and tried again the next day."""
    while True:
        try:
            await sample_if_due(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("review sample failed")
        await asyncio.sleep(every)
