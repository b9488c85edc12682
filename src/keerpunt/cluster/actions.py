"""Claiming a scheduled job's period, so the cluster runs each job once per period.

Every server process runs the same job loops. Before doing the work, a loop names the
period it is in (the local date, a time slot) and claims it here; the one process whose
claim changes the job's row does the work, every other one skips it. The database
decides, so this holds on SQLite and PostgreSQL, also when processes race.
"""

from __future__ import annotations

import math
import os
import socket
from datetime import UTC, datetime

from keerpunt.cluster import store
from keerpunt.context import Context

# Who ran a job, for an operator reading the table.
HOLDER = f"{socket.gethostname()}:{os.getpid()}"[:120]


async def claim(ctx: Context, job: str, period: str) -> bool:
    """True for exactly one caller per job and period, however many processes ask."""
    now = ctx.clock.now()
    async with ctx.write() as tx:
        if await store.insert_claim(tx.session, ctx.db.is_sqlite, job, period, HOLDER, now):
            return True
        return await store.update_claim(tx.session, job, period, HOLDER, now)


def slot(ctx: Context, seconds: float) -> str:
    """The time slot of `seconds` that now falls in, named by its start in UTC: every
    process that asks within one slot gets the same name."""
    start = math.floor(ctx.clock.now().timestamp() / seconds) * seconds
    return datetime.fromtimestamp(start, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
