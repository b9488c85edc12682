"""The periodic round of automatic assignment: expired offers move on even when nothing
else happens. Every server process asks each slot; the one that claims it runs the round
(rounds are serialised in the database too, see `assignment_actions.run_round`). Rounds
after a change (`nudge`) are not claimed: they answer that change at once."""

from __future__ import annotations

import asyncio
import logging

from keerpunt.chat import assignment_actions
from keerpunt.cluster import actions as cluster
from keerpunt.context import Context

log = logging.getLogger(__name__)

ROUND_SECONDS = 3.0
ROUND_JOB = "assignment_round"


async def rounds(ctx: Context, every_seconds: float = ROUND_SECONDS) -> None:
    """A round every `every_seconds`, until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            won = await cluster.claim(ctx, ROUND_JOB, cluster.slot(ctx, every_seconds))
        except Exception:
            log.warning("assignment round claim failed", exc_info=True)
            continue
        if won:
            await assignment_actions.nudge(ctx)
