"""Queries only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.models import User
from keerpunt.privacy.models import AuditEntry
from keerpunt.privacy.schemas import AuditQuery


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
