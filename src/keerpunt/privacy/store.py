"""Queries only: the access log's search, sealed values for key rotation, conversations due
for retention."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Row, Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.models import User
from keerpunt.chat.models import Conversation, Message
from keerpunt.cluster.models import JobRun
from keerpunt.context import Context
from keerpunt.db.types import EncryptedText, aad_fields
from keerpunt.handover.models import OPEN_HANDOVERS, Handover
from keerpunt.privacy.models import AuditEntry, RetentionHold
from keerpunt.privacy.schemas import AuditQuery
from keerpunt.registration.models import Registration


async def audit_entries(
    session: AsyncSession, query: AuditQuery, user_id: int | None, limit: int
) -> list[tuple[AuditEntry, str | None]]:
    """Entries matching the query, newest first, with the user name of each."""
    statement = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
    if query.since is not None:
        statement = statement.where(AuditEntry.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEntry.at < query.until)
    if query.user is not None:
        statement = statement.where(AuditEntry.user_id == user_id)
    if query.action is not None:
        statement = statement.where(AuditEntry.action == query.action)
    if query.outcome is not None:
        statement = statement.where(AuditEntry.outcome == query.outcome)
    if query.conversation is not None:
        statement = statement.where(AuditEntry.conversation_id == query.conversation)
    if query.before is not None:
        statement = statement.where(AuditEntry.id < query.before)
    result = await session.execute(statement.order_by(AuditEntry.id.desc()).limit(limit))
    return [(entry, username) for entry, username in result.all()]


def row_key(table: Table) -> Column[Any]:
    (key,) = table.primary_key.columns
    return key


async def count_sealed(session: AsyncSession, table: Table, column: Column[Any]) -> int:
    query = select(func.count()).select_from(table).where(column.is_not(None))
    return int(await session.scalar(query) or 0)


async def sealed_batches(
    ctx: Context, table: Table, column: Column[Any], batch: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every row holding a value in `column`, a batch at a time, each read in a session of
    its own (so a long walk holds no transaction open)."""
    key = row_key(table)
    after: Any = None
    while True:
        async with ctx.read() as session:
            rows = await sealed_batch(session, table, column, after, batch)
        if not rows:
            return
        yield rows
        after = rows[-1]._mapping[key.name]


async def sealed_batch(
    session: AsyncSession, table: Table, column: Column[Any], after: Any, limit: int
) -> Sequence[Row[Any]]:
    """Rows holding a value in `column`, after the row key `after` (None: from the first),
    with the row key, the sealed value and the fields the row is bound by."""
    assert isinstance(column.type, EncryptedText)
    assert column.type.aad is not None
    key = row_key(table)
    fields = [table.c[name] for name in aad_fields(column.type.aad) if name != key.name]
    query = select(key, column, *fields).where(column.is_not(None)).order_by(key).limit(limit)
    if after is not None:
        query = query.where(key > after)
    return (await session.execute(query)).all()


def due_for_purge(cutoff: datetime) -> Any:
    """Ended on or before `cutoff`, not purged yet, no unfinished handover, no active hold."""
    open_handover = exists().where(
        Handover.conversation_id == Conversation.id, Handover.status.in_(OPEN_HANDOVERS)
    )
    held = exists().where(
        RetentionHold.conversation_id == Conversation.id, RetentionHold.released_at.is_(None)
    )
    return (
        select(Conversation.id)
        .where(
            Conversation.ended_at.is_not(None),
            Conversation.ended_at <= cutoff,
            Conversation.purged_at.is_(None),
            ~open_handover,
            ~held,
        )
        .order_by(Conversation.ended_at, Conversation.id)
    )


async def conversations_due(
    session: AsyncSession, cutoff: datetime, limit: int | None = None
) -> list[str]:
    query = due_for_purge(cutoff)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.scalars(query)).all())


async def text_counts(session: AsyncSession, ids: Sequence[str]) -> tuple[int, int, int]:
    """Messages, registration notes and handover summaries of these conversations."""
    if not ids:
        return 0, 0, 0
    messages = await session.scalar(
        select(func.count()).select_from(Message).where(Message.conversation_id.in_(ids))
    )
    notes = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.conversation_id.in_(ids), Registration.notes.is_not(None))
    )
    summaries = await session.scalar(
        select(func.count())
        .select_from(Handover)
        .where(Handover.conversation_id.in_(ids), Handover.summary.is_not(None))
    )
    return int(messages or 0), int(notes or 0), int(summaries or 0)


async def active_holds(session: AsyncSession, conversation_id: str) -> Sequence[RetentionHold]:
    query = select(RetentionHold).where(
        RetentionHold.conversation_id == conversation_id, RetentionHold.released_at.is_(None)
    )
    return (await session.scalars(query)).all()


async def job_run(session: AsyncSession, name: str) -> JobRun | None:
    return await session.get(JobRun, name)
