"""Supervision queries. Nothing here changes state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.models import StaffSession, User, UserRole
from keerpunt.chat.models import Conversation, Message
from keerpunt.db.prepared import Prepared
from keerpunt.privacy.models import AuditEntry
from keerpunt.registration.models import Registration
from keerpunt.supervision.models import SupervisorJoin, Whisper


async def joined(session: AsyncSession, conversation_id: str) -> frozenset[int]:
    return frozenset((await session.scalars(joined_query(conversation_id))).all())


def joined_query(conversation_id: str) -> Select[int]:
    """`joined` as a statement, for a read step (`Database.read_step`)."""
    return select(SupervisorJoin.user_id).where(SupervisorJoin.conversation_id == conversation_id)


def joined_many(conn: Connection, conversation_ids: Iterable[str]) -> dict[str, frozenset[int]]:
    """`joined` for several chats in one query (a write step, see db/engine.py); a chat
    nobody joined is left out."""
    ids = set(conversation_ids)
    if not ids:
        return {}
    found: dict[str, set[int]] = {}
    rows = _JOINED_MANY.rows(conn, ids=sorted(ids))
    for conversation_id, user_id in rows:
        found.setdefault(conversation_id, set()).add(user_id)
    return {conversation_id: frozenset(users) for conversation_id, users in found.items()}


_JOINED_MANY = Prepared(
    lambda ids: select(SupervisorJoin.conversation_id, SupervisorJoin.user_id).where(
        SupervisorJoin.conversation_id.in_(ids)
    )
)


async def whisper_by_client_id(
    session: AsyncSession, conversation_id: str, client_id: str
) -> Whisper | None:
    return await session.scalar(
        select(Whisper).where(
            Whisper.conversation_id == conversation_id, Whisper.client_id == client_id
        )
    )


async def whispers(session: AsyncSession, conversation_id: str) -> Sequence[Whisper]:
    rows = await session.scalars(
        select(Whisper)
        .where(Whisper.conversation_id == conversation_id)
        .order_by(Whisper.created_at, Whisper.id)
    )
    return rows.all()


async def whisper_authors(session: AsyncSession, conversation_id: str) -> set[int]:
    rows = await session.scalars(
        select(Whisper.author_id).where(Whisper.conversation_id == conversation_id).distinct()
    )
    return set(rows.all())


async def watching_supervisors(session: AsyncSession, conversation_id: str) -> set[int]:
    """Supervisors who opened the conversation: the access log holds every opening (a
    socket subscription, a page over HTTP), so no process needs to remember observers."""
    rows = await session.scalars(
        select(AuditEntry.user_id)
        .join(UserRole, UserRole.user_id == AuditEntry.user_id)
        .where(
            AuditEntry.conversation_id == conversation_id,
            AuditEntry.action == "read_chat",
            UserRole.role == "supervisor",
        )
        .distinct()
    )
    return {user_id for user_id in rows.all() if user_id is not None}


async def counselors(session: AsyncSession) -> Sequence[User]:
    rows = await session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "counselor", User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return rows.unique().all()


async def online_users(session: AsyncSession, now: datetime, since: datetime) -> set[int]:
    """Users with a session that is neither expired nor idle."""
    rows = await session.scalars(
        select(StaffSession.user_id)
        .where(StaffSession.expires_at > now, StaffSession.last_seen_at > since)
        .distinct()
    )
    return set(rows.all())


async def running(session: AsyncSession) -> Sequence[Conversation]:
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.status == "active")
        .order_by(Conversation.accepted_at, Conversation.id)
    )
    return rows.all()


async def last_ended(session: AsyncSession, user_ids: set[int]) -> dict[int, datetime]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Conversation.counselor_id, func.max(Conversation.ended_at))
        .where(Conversation.counselor_id.in_(user_ids), Conversation.ended_at.is_not(None))
        .group_by(Conversation.counselor_id)
    )
    return {user_id: at for user_id, at in rows.all() if user_id is not None and at is not None}


async def last_senders(
    session: AsyncSession, conversation_ids: list[str]
) -> dict[str, tuple[str, datetime]]:
    """Per conversation, who wrote the last non-system message, and when."""
    if not conversation_ids:
        return {}
    latest = (
        select(Message.conversation_id, func.max(Message.seq).label("seq"))
        .where(Message.conversation_id.in_(conversation_ids), Message.sender != "system")
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = await session.execute(
        select(Message.conversation_id, Message.sender, Message.created_at).join(
            latest,
            (Message.conversation_id == latest.c.conversation_id) & (Message.seq == latest.c.seq),
        )
    )
    return {conv: (sender, at) for conv, sender, at in rows.all()}


async def last_chatter_message(
    session: AsyncSession, conversation_ids: list[str]
) -> dict[str, datetime]:
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(Message.conversation_id, func.max(Message.created_at))
        .where(Message.conversation_id.in_(conversation_ids), Message.sender == "chatter")
        .group_by(Message.conversation_id)
    )
    return {conv: at for conv, at in rows.all()}


async def acute(session: AsyncSession, conversation_ids: list[str]) -> set[str]:
    if not conversation_ids:
        return set()
    rows = await session.execute(
        select(Registration.conversation_id, Registration.safety).where(
            Registration.conversation_id.in_(conversation_ids)
        )
    )
    return {conv for conv, safety in rows.all() if "acute_danger" in (safety or [])}


async def users_by_id(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(ids)))
    return {user.id: user for user in rows.unique().all()}
