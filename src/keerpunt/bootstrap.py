"""The data a fresh database starts with: the shipped taxonomy and canned replies.

Run at every start (and by `keerpunt db upgrade`). Each step only fills an empty table,
so it is safe to repeat and safe for several processes starting at once."""

from __future__ import annotations

from keerpunt.canned import actions as canned
from keerpunt.context import Context
from keerpunt.registration import actions as registration


async def ensure_defaults(ctx: Context) -> None:
    await registration.ensure_taxonomy(ctx)
    await canned.ensure_defaults(ctx)
