"""Socket tickets: issued over HTTP to an authenticated caller, redeemed once by the socket.

Tickets come in storms: when a server restarts, every page it held asks for a ticket and
redeems it within seconds. Each is a write, so concurrent issues share one transaction,
and so do concurrent redemptions (group commit, `core/batching.py`): one commit for a
batch instead of one commit, and one turn at the write lock, per socket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, update

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
    async with ctx.write() as tx:
        await tx.session.execute(
            delete(SocketTicket).where(SocketTicket.expires_at < now - KEEP_USED)
        )
        expires_at = now + timedelta(seconds=ctx.settings.ticket_seconds)
        await tx.session.execute(
            insert(SocketTicket),
            [
                {
                    "id_hash": r.id_hash,
                    "chatter_id": r.chatter_id,
                    "staff_session_hash": r.staff_session_hash,
                    "expires_at": expires_at,
                }
                for r in requests
            ],
        )
    return [None] * len(requests), _nothing


async def _write_redemptions(requests: Sequence[_Ticket]) -> tuple[list[_Holder | None], After]:
    ctx = requests[0].ctx
    now = ctx.clock.now()
    async with ctx.write() as tx:
        result = await tx.session.execute(
            update(SocketTicket)
            .where(
                SocketTicket.id_hash.in_({r.id_hash for r in requests}),
                SocketTicket.used_at.is_(None),
                SocketTicket.expires_at > now,
            )
            .values(used_at=now)
            .returning(
                SocketTicket.id_hash, SocketTicket.chatter_id, SocketTicket.staff_session_hash
            )
        )
        found = {row.id_hash: _Holder(row.chatter_id, row.staff_session_hash) for row in result}
    # A ticket shown twice in one batch opens one socket: the first to ask gets it.
    return [found.pop(r.id_hash, None) for r in requests], _nothing


async def _nothing() -> None:
    return None


_issues = PerDatabase(_write_issues)
_redemptions = PerDatabase(_write_redemptions)
