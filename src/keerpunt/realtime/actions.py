"""Socket tickets: issued over HTTP to an authenticated caller, redeemed once by the socket."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, Principal
from keerpunt.context import Context
from keerpunt.privacy.tokens import new_token
from keerpunt.realtime.models import SocketTicket

TICKET_PURPOSE = "socket-ticket"
# Used and expired tickets are kept a while, then swept when new ones are issued.
KEEP_USED = timedelta(hours=1)


async def issue_ticket(ctx: Context, principal: Principal) -> str:
    ticket = new_token()
    now = ctx.clock.now()
    async with ctx.write() as tx:
        await tx.session.execute(
            delete(SocketTicket).where(SocketTicket.expires_at < now - KEEP_USED)
        )
        row = SocketTicket(
            id_hash=ctx.hasher.digest(ticket, TICKET_PURPOSE),
            expires_at=now + timedelta(seconds=ctx.settings.ticket_seconds),
        )
        if isinstance(principal, ChatterPrincipal):
            row.chatter_id = principal.chatter_id
        else:
            row.staff_session_hash = principal.session_hash
        tx.session.add(row)
    return ticket


async def redeem_ticket(ctx: Context, ticket: str) -> Principal | None:
    """The caller the ticket was issued to, once; None for an unknown, used or expired one."""
    now = ctx.clock.now()
    async with ctx.write() as tx:
        result = await tx.session.execute(
            update(SocketTicket)
            .where(
                SocketTicket.id_hash == ctx.hasher.digest(ticket, TICKET_PURPOSE),
                SocketTicket.used_at.is_(None),
                SocketTicket.expires_at > now,
            )
            .values(used_at=now)
            .returning(SocketTicket.chatter_id, SocketTicket.staff_session_hash)
        )
        row = result.one_or_none()
    if row is None:
        return None
    if row.chatter_id is not None:
        return ChatterPrincipal(row.chatter_id)
    if row.staff_session_hash is None:
        return None
    return await accounts.staff_by_session_hash(ctx, row.staff_session_hash)
