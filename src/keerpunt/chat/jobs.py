"""Periodic chat work: the idle sweep."""

from __future__ import annotations

import asyncio
import logging

from keerpunt.chat import idle
from keerpunt.cluster import actions as cluster
from keerpunt.context import Context

log = logging.getLogger(__name__)

# Warnings and closings are due to the minute; a sweep this often keeps them within a
# quarter of one, at one small query per process.
IDLE_SWEEP_SECONDS = 20.0


IDLE_SWEEP_JOB = "idle_sweep"


async def idle_sweeps(ctx: Context, every: float = IDLE_SWEEP_SECONDS) -> None:
    """Until cancelled. A failed sweep is logged; the next one does what is still due.
    Every process asks each slot; the one that claims it sweeps (a second sweep would be
    safe, under row locks, but is work for nothing)."""
    while True:
        try:
            if await cluster.claim(ctx, IDLE_SWEEP_JOB, cluster.slot(ctx, every)):
                await idle.sweep(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("idle sweep failed")
        await asyncio.sleep(every)
