"""Periodic chat work: the idle sweep."""

from __future__ import annotations

import asyncio
import logging

from keerpunt.chat import idle
from keerpunt.context import Context

log = logging.getLogger(__name__)

# Warnings and closings are due to the minute; a sweep this often keeps them within a
# quarter of one, at one small query per process.
IDLE_SWEEP_SECONDS = 20.0


async def idle_sweeps(ctx: Context, every: float = IDLE_SWEEP_SECONDS) -> None:
    """Until cancelled. A failed sweep is logged; the next one does what is still due."""
    while True:
        try:
            await idle.sweep(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("idle sweep failed")
        await asyncio.sleep(every)
