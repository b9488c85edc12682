"""The periodic round of automatic assignment: expired offers move on even when nothing
else happens. Every server process runs it; rounds are serialised in the database
(see `assignment_actions.run_round`), so more processes only mean more frequent checks."""

from __future__ import annotations

import asyncio

from keerpunt.chat import assignment_actions
from keerpunt.context import Context

ROUND_SECONDS = 3.0


async def rounds(ctx: Context, every_seconds: float = ROUND_SECONDS) -> None:
    """A round every `every_seconds`, until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        await assignment_actions.nudge(ctx)
