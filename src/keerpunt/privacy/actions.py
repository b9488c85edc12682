"""Erasure (a chatter deletes their account), key rotation (re-sealing every value under
the active key) and retention (deleting text past its period): every change to what is
stored about people goes through here. And the access-log entries that are not part of
another action: a staff member's read of their own chat, and access refused to staff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Table, bindparam, delete, or_, select, update

from keerpunt.abuse.models import ChatterBlock
from keerpunt.accounts import access
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.models import Chatter, ChatterToken
from keerpunt.accounts.passwords import verify_password
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat.models import OPEN_STATUSES, Conversation, FeedbackAnswer, Message, Transfer
from keerpunt.cluster import actions as cluster
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, NotFound, Unauthorized
from keerpunt.db.base import Base, import_models
from keerpunt.db.types import EncryptedText, aad_fields, sealed_columns
from keerpunt.handover.models import Handover
from keerpunt.privacy import audit, store
from keerpunt.privacy.crypto import DecryptError
from keerpunt.privacy.models import RetentionHold
from keerpunt.privacy.schemas import AuditEntryRead, AuditPage, AuditQuery
from keerpunt.realtime.models import SocketTicket
from keerpunt.registration.models import ChatterMerge, Registration
from keerpunt.supervision.models import SupervisorJoin, Whisper

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
        for model in (
            RetentionHold,
            Handover,
            Registration,
            FeedbackAnswer,
            Message,
            Whisper,
            SupervisorJoin,
        ):
            await session.execute(delete(model).where(model.conversation_id.in_(ids)))
        await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
    await session.execute(delete(Chatter).where(Chatter.id == chatter_id))
    return len(ids)


async def record_chat_read(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, *, count: int, via: str
) -> None:
    """A staff member was given messages of their own chat, or a supervisor of a chat they
    observe. One entry per read action (a page over HTTP, a subscription with its replay
    over the socket), not per message; a long-poll that returned nothing read nothing and
    writes nothing."""
    async with ctx.write() as tx:
        conv = await tx.session.get(Conversation, conversation_id)
        own = conv is None or conv.counselor_id == staff.user_id
        await audit.record(
            ctx,
            tx,
            staff,
            "read_chat",
            conversation=conversation_id,
            subject=via,
            purpose="own chat" if own else "supervision",
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
    access.require(staff, "audit.search")
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


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


# Key rotation ----------------------------------------------------------------------------


def bound_columns() -> list[tuple[Table, Column[Any]]]:
    """Every sealed column, found through its type: a column added later is rotated
    too. One without a binding template cannot be re-sealed, and says so."""
    import_models()
    found = sealed_columns(Base.metadata)
    for table, column in found:
        assert isinstance(column.type, EncryptedText)
        if column.type.aad is None:
            raise Conflict(
                f"{table.name}.{column.name} is sealed without a binding template"
                " (EncryptedText(aad=...)): it cannot be re-sealed",
                code="unbound_column",
            )
    return found


@dataclass(frozen=True)
class Resealed:
    values: int
    resealed: int
    # Changed by the server between reading and re-sealing: a second pass takes them.
    skipped: int


def binding(column: Column[Any], row: Any) -> bytes:
    assert isinstance(column.type, EncryptedText)
    assert column.type.aad is not None
    fields = {name: row[name] for name in aad_fields(column.type.aad)}
    return column.type.aad.format(**fields).encode()


async def reseal_all(
    ctx: Context, advance: Callable[[int], None] | None = None, batch: int = 500
) -> Resealed:
    """Seal every value anew under the active key, a batch per transaction. Values sealed
    under it already are left alone, so a run that was stopped is simply run again.
    Safe while servers run: a value is only replaced if it is still the one read. The
    access log records each run that completes, with the count."""
    values = resealed = skipped = 0
    for table, column in bound_columns():
        key = store.row_key(table)
        async for rows in store.sealed_batches(ctx, table, column, batch):
            changes = []
            for row in rows:
                fields = row._mapping
                try:
                    fresh = ctx.keyring.reseal(fields[column.name], binding(column, fields))
                except DecryptError:
                    raise Conflict(
                        f"{table.name} row {fields[key.name]} does not open (changed, moved"
                        " to another row, or sealed by a key no longer listed); the rows"
                        " before it are re-sealed",
                        code="does_not_open",
                    ) from None
                if fresh is not None:
                    changes.append(
                        {"row": fields[key.name], "old": fields[column.name], "fresh": fresh}
                    )
            if changes:
                # One statement for the batch (executemany); its row count is the sum, so
                # what it missed was changed meanwhile.
                statement = (
                    update(table)
                    .where(
                        key == bindparam("row", type_=key.type),
                        column == bindparam("old", type_=column.type),
                    )
                    .values({column.name: bindparam("fresh", type_=column.type)})
                )
                async with ctx.write() as tx:
                    connection = await tx.session.connection()
                    done = _rowcount(await connection.execute(statement, changes))
                resealed += done
                skipped += len(changes) - done
            values += len(rows)
            if advance is not None:
                advance(len(rows))
    async with ctx.write() as tx:
        await audit.record(
            ctx, tx, None, "keys_resealed", subject=f"key:{ctx.keyring.active}", count=resealed
        )
    return Resealed(values, resealed, skipped)


# Retention -------------------------------------------------------------------------------

RETENTION_JOB = "retention"
# Conversations purged per transaction: keeps SQLite's single writer free for chats.
PURGE_BATCH = 200


@dataclass(frozen=True)
class Purged:
    conversations: int
    messages: int
    notes: int
    summaries: int
    cutoff: datetime


def retention_cutoff(ctx: Context) -> datetime:
    return ctx.clock.now() - timedelta(days=ctx.settings.retention_days)


async def purge_expired(ctx: Context, *, batch: int = PURGE_BATCH) -> Purged:
    """Delete the text of every conversation that ended more than the retention period
    ago: its messages, its registration notes and its handover summaries. An unfinished
    handover or an active hold keeps a conversation whole. The conversation row, the
    registration's categories and the access log stay. One audit entry per run, with
    counts only, written with the last batch."""
    cutoff = retention_cutoff(ctx)
    conversations = messages = notes = summaries = 0
    while True:
        async with ctx.write() as tx:
            session = tx.session
            ids = await store.conversations_due(session, cutoff, batch)
            if ids:
                messages += _rowcount(
                    await session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
                )
                # Whispers are staff text about the chat: they go with its transcript.
                await session.execute(delete(Whisper).where(Whisper.conversation_id.in_(ids)))
                notes += _rowcount(
                    await session.execute(
                        update(Registration)
                        .where(
                            Registration.conversation_id.in_(ids), Registration.notes.is_not(None)
                        )
                        .values(notes=None)
                    )
                )
                summaries += _rowcount(
                    await session.execute(
                        update(Handover)
                        .where(Handover.conversation_id.in_(ids), Handover.summary.is_not(None))
                        .values(summary=None)
                    )
                )
                # A transfer's note to the colleague is text about the chat too.
                await session.execute(
                    update(Transfer)
                    .where(Transfer.conversation_id.in_(ids), Transfer.note.is_not(None))
                    .values(note=None)
                )
                await session.execute(
                    update(Conversation)
                    .where(Conversation.id.in_(ids))
                    .values(purged_at=ctx.clock.now())
                )
                conversations += len(ids)
            last = len(ids) < batch
            if last:
                await audit.record(
                    ctx,
                    tx,
                    None,
                    "retention_run",
                    subject=f"messages:{messages} notes:{notes} summaries:{summaries}",
                    purpose=f"ended before {cutoff:%Y-%m-%d %H:%M} UTC"
                    f" ({ctx.settings.retention_days} days)",
                    count=conversations,
                )
        if last:
            break
    if conversations:
        await ctx.db.forget_deleted(
            [
                Message.__tablename__,
                Registration.__tablename__,
                Handover.__tablename__,
                Whisper.__tablename__,
            ]
        )
    log.info(
        "retention run",
        extra={"conversations": conversations, "messages": messages, "notes": notes},
    )
    return Purged(conversations, messages, notes, summaries, cutoff)


async def claim_day(ctx: Context, job: str = RETENTION_JOB) -> bool:
    """Take today (the organisation's local day) for a daily job: true for exactly one
    caller a day, however many server processes ask at once."""
    return await cluster.claim(ctx, job, ctx.today().isoformat())


async def place_hold(
    ctx: Context, actor: StaffPrincipal | None, conversation_id: str, reason: str
) -> RetentionHold:
    """Keep a conversation's text past its retention period until the hold is released
    (a review, a complaint). A purged conversation has nothing left to hold."""
    async with ctx.write() as tx:
        hold = await hold_within(ctx, tx, actor, conversation_id, reason)
    return hold


async def hold_within(
    ctx: Context, tx: Tx, actor: StaffPrincipal | None, conversation_id: str, reason: str
) -> RetentionHold:
    """`place_hold` inside the caller's transaction: for an action that holds a
    conversation as part of its own change (a review drawn or started)."""
    conv = await tx.session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound("no such conversation")
    if conv.purged_at is not None:
        raise Conflict("the text of this conversation is deleted already", code="purged")
    hold = RetentionHold(
        conversation_id=conversation_id,
        reason=reason,
        held_by=actor.user_id if actor is not None else None,
        created_at=ctx.clock.now(),
    )
    tx.session.add(hold)
    await tx.session.flush()
    await audit.record(
        ctx, tx, actor, "retention_hold", conversation=conversation_id, purpose=reason
    )
    return hold


async def release_hold(ctx: Context, actor: StaffPrincipal | None, hold_id: int) -> None:
    async with ctx.write() as tx:
        await release_within(ctx, tx, actor, hold_id)


async def release_within(ctx: Context, tx: Tx, actor: StaffPrincipal | None, hold_id: int) -> None:
    """`release_hold` inside the caller's transaction."""
    hold = await tx.session.get(RetentionHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFound("no such hold")
    hold.released_at = ctx.clock.now()
    await audit.record(
        ctx,
        tx,
        actor,
        "retention_release",
        conversation=hold.conversation_id,
        purpose=hold.reason,
    )
