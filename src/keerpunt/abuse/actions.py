"""Blocks: every change goes through here, each in one transaction with its audit entry."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta

from keerpunt.abuse import store
from keerpunt.abuse.models import ChatterBlock, reason_aad
from keerpunt.abuse.schemas import PERIODS, BlockCreate
from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat.access import visible_conversation
from keerpunt.context import Context
from keerpunt.core.errors import NotFound
from keerpunt.privacy import audit

log = logging.getLogger(__name__)

NO_SUCH_BLOCK = "no such block"


def end_of_today(ctx: Context) -> datetime:
    """Midnight at the end of the organisation's day, when the source hashes change."""
    zone = ctx.organisation.zone
    tomorrow = ctx.today() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone)


async def block(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, body: BlockCreate
) -> ChatterBlock:
    """The conversation's counselor, or a supervisor, stops its chatter from starting chats
    and sending messages for a period. An open chat ends with it. For the rest of the day
    the chatter's source may start no new chat either, so a fresh token from the same
    phone does not walk around the block."""
    now = ctx.clock.now()
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, staff, conversation_id, "conversation.block", lock=True
        )
        row = ChatterBlock(
            id=str(uuid.uuid4()),
            chatter_id=conv.chatter_id,
            conversation_id=conv.id,
            by_user=staff.user_id,
            created_at=now,
            until=now + PERIODS[body.period],
        )
        row.reason = ctx.keyring.seal(body.reason, reason_aad(row.id))
        tx.session.add(row)
        await audit.record(
            ctx,
            tx,
            staff,
            "chatter_blocked",
            conversation=conv.id,
            subject=f"block:{row.id}",
            purpose=f"period {body.period}",
        )
        await chat.end_locked(ctx, tx, conv)
    source = await ctx.sources.source_of(ctx.today(), row.chatter_id)
    if source is not None:
        await ctx.sources.block(ctx.today(), source, min(row.until, end_of_today(ctx)))
    log.info("chatter blocked", extra={"conversation": conversation_id, "block": row.id})
    return row


async def lift(ctx: Context, staff: StaffPrincipal, block_id: str) -> ChatterBlock:
    """A supervisor ends a block early. Lifting a lifted or ended block changes nothing."""
    access.require(staff, "blocks.admin")
    now = ctx.clock.now()
    async with ctx.write() as tx:
        row = await store.block(tx.session, block_id, lock=True)
        if row is None:
            raise NotFound(NO_SUCH_BLOCK)
        if row.lifted_at is not None or row.until <= now:
            return row
        row.lifted_at, row.lifted_by = now, staff.user_id
        await audit.record(
            ctx,
            tx,
            staff,
            "chatter_block_lifted",
            conversation=row.conversation_id,
            subject=f"block:{row.id}",
        )
    source = await ctx.sources.source_of(ctx.today(), row.chatter_id)
    if source is not None:
        await ctx.sources.unblock(ctx.today(), source)
    log.info("chatter block lifted", extra={"block": row.id})
    return row
