"""Erasure: a chatter deletes their account and everything of it."""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select, update

from keerpunt.abuse.models import ChatterBlock
from keerpunt.accounts.models import Chatter, ChatterToken
from keerpunt.accounts.passwords import verify_password
from keerpunt.accounts.principals import ChatterPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat.models import OPEN_STATUSES, Conversation, FeedbackAnswer, Message
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Unauthorized
from keerpunt.handover.models import Handover
from keerpunt.privacy import audit
from keerpunt.realtime.models import SocketTicket
from keerpunt.registration.models import ChatterMerge, Registration

log = logging.getLogger(__name__)


async def delete_chatter_account(ctx: Context, chatter: ChatterPrincipal, password: str) -> int:
    """The chatter's right to be forgotten: the account, the chatter and every
    conversation, message, registration, handover and feedback answer of theirs. A chat
    still open is ended first, so the counselor and the queue hear of it. The audit log
    keeps that it happened (no text). Returns the number of conversations deleted."""
    async with ctx.read() as session:
        row = await session.get(Chatter, chatter.chatter_id)
        result = await session.scalars(
            select(Conversation.id).where(
                Conversation.chatter_id == chatter.chatter_id,
                Conversation.status.in_(OPEN_STATUSES),
            )
        )
        still_open = list(result.all())
    if row is None or row.password_hash is None:
        raise Conflict("there is no account to delete", code="no_account")
    if not verify_password(row.password_hash, password):
        raise Unauthorized("the password is not right", code="bad_credentials")
    for conversation_id in still_open:
        await chat.end(ctx, chatter, conversation_id)
    async with ctx.write() as tx:
        count = await erase_chatter(tx, chatter.chatter_id)
        await audit.record(ctx, tx, chatter, "account_deleted", count=count)
    await ctx.db.forget_deleted()
    log.info("chatter account deleted", extra={"conversations": count})
    return count


async def erase_chatter(tx: Tx, chatter_id: str) -> int:
    """Delete a chatter and everything attached, inside the caller's transaction."""
    session = tx.session
    result = await session.scalars(
        select(Conversation.id).where(Conversation.chatter_id == chatter_id)
    )
    ids = list(result.all())
    await session.execute(delete(SocketTicket).where(SocketTicket.chatter_id == chatter_id))
    await session.execute(delete(ChatterBlock).where(ChatterBlock.chatter_id == chatter_id))
    await session.execute(delete(ChatterToken).where(ChatterToken.chatter_id == chatter_id))
    await session.execute(
        update(Chatter).where(Chatter.merged_into == chatter_id).values(merged_into=None)
    )
    await session.execute(
        delete(ChatterMerge).where(
            or_(
                ChatterMerge.source_chatter == chatter_id,
                ChatterMerge.target_chatter == chatter_id,
                ChatterMerge.conversation_id.in_(ids),
                ChatterMerge.duplicate_of.in_(ids),
            )
        )
    )
    if ids:
        await session.execute(
            update(Registration).where(Registration.duplicate_of.in_(ids)).values(duplicate_of=None)
        )
        for model in (Handover, Registration, FeedbackAnswer, Message):
            await session.execute(delete(model).where(model.conversation_id.in_(ids)))
        await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
    await session.execute(delete(Chatter).where(Chatter.id == chatter_id))
    return len(ids)
