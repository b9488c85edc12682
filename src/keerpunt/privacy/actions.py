"""Erasure: a chatter deletes their account and everything of it. And the access-log
entries that are not part of another action: a staff member's read of their own chat, and
access refused to staff."""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select, update

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.models import Chatter, ChatterToken
from keerpunt.accounts.passwords import verify_password
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.accounts.roles import require_role
from keerpunt.chat import actions as chat
from keerpunt.chat.models import OPEN_STATUSES, Conversation, FeedbackAnswer, Message
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Unauthorized
from keerpunt.handover.models import Handover
from keerpunt.privacy import audit, store
from keerpunt.privacy.schemas import AuditEntryRead, AuditPage, AuditQuery
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


async def record_chat_read(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, *, count: int, via: str
) -> None:
    """A staff member was given messages of their own chat. One entry per read action (a
    page over HTTP, a subscription with its replay over the socket), not per message; a
    long-poll that returned nothing read nothing and writes nothing."""
    async with ctx.write() as tx:
        await audit.record(
            ctx,
            tx,
            staff,
            "read_chat",
            conversation=conversation_id,
            subject=via,
            purpose="own chat",
            count=count,
        )


async def record_denied(
    ctx: Context, staff: StaffPrincipal, where: str, conversation: str | None
) -> None:
    """Staff asked for something that exists but is not theirs to see (by role or by
    relation) and was told it is not there."""
    async with ctx.write() as tx:
        await audit.record(
            ctx, tx, staff, "access", conversation=conversation, subject=where, outcome="denied"
        )


async def search_log(ctx: Context, staff: StaffPrincipal, query: AuditQuery) -> AuditPage:
    """An admin searches the access log; the search is itself an entry (what was asked and
    how many entries were shown), written with the read."""
    require_role(staff, "admin", what="no such page")
    async with ctx.write() as tx:
        user_id = None
        if query.user is not None:
            user = await accounts_store.user_by_username(tx.session, query.user)
            user_id = user.id if user else None
        rows = []
        if query.user is None or user_id is not None:
            rows = await store.audit_entries(tx.session, query, user_id, query.limit + 1)
        shown = rows[: query.limit]
        await audit.record(
            ctx,
            tx,
            staff,
            "audit.search",
            conversation=query.conversation,
            purpose=query.described(),
            count=len(shown),
        )
    return AuditPage(
        entries=[
            AuditEntryRead(
                id=entry.id,
                at=entry.at,
                user_id=entry.user_id,
                user=username,
                role=entry.role,
                action=entry.action,
                outcome=entry.outcome,
                conversation=entry.conversation_id,
                subject=entry.subject,
                purpose=entry.purpose,
                count=entry.count,
            )
            for entry, username in shown
        ],
        next_before=shown[-1][0].id if len(rows) > query.limit else None,
    )
