"""Socket tickets: issued over HTTP to an authenticated caller, redeemed once by the socket.

Tickets come in storms: when a server restarts, every page it held asks for a ticket and
redeems it within seconds. Each is a write, so concurrent issues share one transaction,
and so do concurrent redemptions (group commit, `core/batching.py`): one commit for a
batch instead of one commit, and one turn at the write lock, per socket. Each batch is
one synchronous step (`Database.write_steps`): one hand-over to SQLite's writer thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, update

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, Principal
from keerpunt.context import Context
from keerpunt.core.batching import After, PerDatabase
from keerpunt.privacy.tokens import new_token
from keerpunt.realtime.models import SocketTicket

TICKET_PURPOSE = "socket-ticket"
# Used and expired tickets are kept a while, then swept when new ones are issued.
KEEP_USED = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class _Ticket:
    ctx: Context
    id_hash: str
    chatter_id: str | None = None
    staff_session_hash: str | None = None


@dataclass(frozen=True, slots=True)
class _Holder:
    chatter_id: str | None
    staff_session_hash: str | None


async def issue_ticket(ctx: Context, principal: Principal) -> str:
    ticket = new_token()
    id_hash = ctx.hasher.digest(ticket, TICKET_PURPOSE)
    if isinstance(principal, ChatterPrincipal):
        request = _Ticket(ctx, id_hash, chatter_id=principal.chatter_id)
    else:
        request = _Ticket(ctx, id_hash, staff_session_hash=principal.session_hash)
    await _issues(ctx.db).submit(request)
    return ticket


async def redeem_ticket(ctx: Context, ticket: str) -> Principal | None:
    """The caller the ticket was issued to, once; None for an unknown, used or expired one."""
    request = _Ticket(ctx, ctx.hasher.digest(ticket, TICKET_PURPOSE))
    holder = await _redemptions(ctx.db).submit(request)
    if holder is None:
        return None
    if holder.chatter_id is not None:
        return ChatterPrincipal(holder.chatter_id)
    if holder.staff_session_hash is None:
        return None
    return await accounts.staff_by_session_hash(ctx, holder.staff_session_hash)


async def _write_issues(requests: Sequence[_Ticket]) -> tuple[list[None], After]:
    ctx = requests[0].ctx
    now = ctx.clock.now()
    expires_at = now + timedelta(seconds=ctx.settings.ticket_seconds)
    rows: list[dict[str, object]] = [
        {
            "id_hash": r.id_hash,
            "chatter_id": r.chatter_id,
            "staff_session_hash": r.staff_session_hash,
            "expires_at": expires_at,
        }
        for r in requests
    ]
    async with ctx.db.write_steps() as steps:
        await steps.finish(_store_issues, rows, now - KEEP_USED)
    return [None] * len(requests), _nothing


def _store_issues(conn: Connection, rows: list[dict[str, object]], swept_before: datetime) -> None:
    conn.execute(_SWEEP, {"before": swept_before})
    conn.execute(_INSERT, rows)


async def _write_redemptions(requests: Sequence[_Ticket]) -> tuple[list[_Holder | None], After]:
    ctx = requests[0].ctx
    async with ctx.db.write_steps() as steps:
        found = await steps.finish(
            _use_tickets, sorted({r.id_hash for r in requests}), ctx.clock.now()
        )
    # A ticket shown twice in one batch opens one socket: the first to ask gets it.
    return [found.pop(r.id_hash, None) for r in requests], _nothing


def _use_tickets(conn: Connection, id_hashes: list[str], now: datetime) -> dict[str, _Holder]:
    rows = conn.execute(_USE, {"id_hashes": id_hashes, "now": now})
    return {row[0]: _Holder(row[1], row[2]) for row in rows}


# Built once: they run in every batch (the statements of db/engine.py's write steps).
_TICKETS = cast(Table, SocketTicket.__table__)
_SWEEP = delete(_TICKETS).where(_TICKETS.c.expires_at < bindparam("before"))
_INSERT = insert(_TICKETS)
_USE = (
    update(_TICKETS)
    .where(
        _TICKETS.c.id_hash.in_(bindparam("id_hashes", expanding=True)),
        _TICKETS.c.used_at.is_(None),
        _TICKETS.c.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
    .returning(_TICKETS.c.id_hash, _TICKETS.c.chatter_id, _TICKETS.c.staff_session_hash)
)


async def _nothing() -> None:
    return None


_issues = PerDatabase(_write_issues)
_redemptions = PerDatabase(_write_redemptions)
