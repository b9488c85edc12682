"""Queries only. The few that take a Connection run as steps of a batched write (see
db/engine.py) and read plain columns, not ORM objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.abuse import store as abuse_store
from keerpunt.chat.models import Conversation, FeedbackAnswer, Message
from keerpunt.db.prepared import Prepared
from keerpunt.privacy.crypto import Sealed

PICKUPS_FOR_ESTIMATE = 10


async def conversation(
    session: AsyncSession, conversation_id: str, *, lock: bool = False
) -> Conversation | None:
    return await session.scalar(conversation_query(conversation_id, lock=lock))


# The queries below as statements too, for read steps (`Database.read_step`), which run
# them on a synchronous session.


def conversation_query(conversation_id: str, *, lock: bool = False) -> Select[Conversation]:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        # PostgreSQL: the row lock orders concurrent sends and accepts. SQLite ignores it and
        # orders writers with BEGIN IMMEDIATE instead.
        query = query.with_for_update()
    return query


@dataclass(slots=True)
class SendTarget:
    """What a send needs of its conversation, read under the row lock; `last_seq` and the
    chatter's columns change as the batch hands out seqs, and are written back."""

    id: str
    chatter_id: str
    counselor_id: int | None
    status: str
    last_seq: int
    chatter_wrote: bool
    chatter_last_at: datetime | None
    # When the chatter's block in force ends (`abuse.store.blocked_until`); None: none.
    blocked_until: datetime | None


def send_targets(
    conn: Connection, conversation_ids: Iterable[str], now: datetime
) -> dict[str, SendTarget]:
    """Several conversations, each locked as `conversation(lock=True)` does, with their
    chatter's block. Locked in the order of their ids, so two processes' group commits
    never wait for each other in a circle (a deadlock)."""
    rows = _SEND_TARGETS.rows(conn, {"now": now}, ids=sorted(set(conversation_ids)))
    return {row[0]: SendTarget(*row) for row in rows}


# Run on the cursor (db/prepared.py): the statements of a batched write are the same
# every time, and SQLAlchemy's execution layer costs more than running them.
_SEND_TARGETS = Prepared(
    lambda ids: (
        select(
            Conversation.id,
            Conversation.chatter_id,
            Conversation.counselor_id,
            Conversation.status,
            Conversation.last_seq,
            Conversation.chatter_wrote,
            Conversation.chatter_last_at,
            abuse_store.block_in_force_until(Conversation.chatter_id),
        )
        .where(Conversation.id.in_(ids))
        .order_by(Conversation.id)
        .with_for_update()
    )
)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    conversation_id: str
    seq: int
    client_id: str
    sender: str
    body: Sealed
    created_at: datetime
    code: str | None


def messages_by_client_ids(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], StoredMessage]:
    """The stored messages among these (conversation, client_id) pairs, in one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = _BY_CLIENT_IDS.rows(
        conn,
        conversations=sorted({conv for conv, _ in wanted}),
        client_ids=sorted({client_id for _, client_id in wanted}),
    )
    found = (StoredMessage(*row) for row in rows)
    return {
        (m.conversation_id, m.client_id): m
        for m in found
        if (m.conversation_id, m.client_id) in wanted
    }


_BY_CLIENT_IDS = Prepared(
    lambda conversations, client_ids: select(
        Message.conversation_id,
        Message.seq,
        Message.client_id,
        Message.sender,
        Message.body,
        Message.created_at,
        Message.code,
    ).where(
        Message.conversation_id.in_(conversations),
        Message.client_id.in_(client_ids),
    )
)


async def message_by_client_id(
    session: AsyncSession, conversation_id: str, client_id: str
) -> Message | None:
    return await session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.client_id == client_id
        )
    )


def messages_after_query(conversation_id: str, after_seq: int, limit: int) -> Select[Message]:
    return (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )


async def queued(session: AsyncSession) -> Sequence[Conversation]:
    result = await session.scalars(
        select(Conversation)
        .where(Conversation.status == "queued")
        # A chat handed back to the queue (cold transfer) waits ahead of all others.
        .order_by(
            Conversation.requeued_at.is_(None),
            Conversation.requeued_at,
            Conversation.created_at,
            Conversation.id,
        )
    )
    return result.all()


def ahead_in_queue_query(conv: Conversation) -> Select[int]:
    """How many queued chats wait ahead of `conv` in `queued`'s order (its place less
    one), counted in the database instead of loading the whole queue: a waiting
    chatter's socket asks on every subscribe."""
    by_age = (Conversation.created_at < conv.created_at) | (
        (Conversation.created_at == conv.created_at) & (Conversation.id < conv.id)
    )
    if conv.requeued_at is None:
        # Every chat handed back to the queue waits ahead, then the older ones.
        ahead = Conversation.requeued_at.is_not(None) | (
            Conversation.requeued_at.is_(None) & by_age
        )
    else:
        ahead = Conversation.requeued_at.is_not(None) & (
            (Conversation.requeued_at < conv.requeued_at)
            | ((Conversation.requeued_at == conv.requeued_at) & by_age)
        )
    return (
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.status == "queued", Conversation.id != conv.id, ahead)
    )


async def recent_pickups(session: AsyncSession, since: datetime) -> list[datetime]:
    result = await session.scalars(recent_pickups_query(since))
    return [t for t in result.all() if t is not None]


def recent_pickups_query(since: datetime) -> Select[datetime | None]:
    return (
        select(Conversation.accepted_at)
        .where(Conversation.accepted_at.is_not(None), Conversation.accepted_at >= since)
        .order_by(Conversation.accepted_at.desc())
        .limit(PICKUPS_FOR_ESTIMATE)
    )


async def active_count(session: AsyncSession, counselor_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.counselor_id == counselor_id, Conversation.status == "active")
    )
    return int(count or 0)


async def counselor_conversations(
    session: AsyncSession, counselor_id: int
) -> Sequence[Conversation]:
    result = await session.scalars(
        select(Conversation)
        .where(Conversation.counselor_id == counselor_id, Conversation.status == "active")
        .order_by(Conversation.accepted_at)
    )
    return result.all()


async def last_seqs(session: AsyncSession, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    result = await session.execute(
        select(Conversation.id, Conversation.last_seq).where(Conversation.id.in_(ids))
    )
    return {row.id: row.last_seq for row in result}


async def has_feedback(session: AsyncSession, conversation_id: str) -> bool:
    found = await session.scalar(
        select(FeedbackAnswer.question)
        .where(FeedbackAnswer.conversation_id == conversation_id)
        .limit(1)
    )
    return found is not None


async def last_counselor(
    session: AsyncSession, chatter_ids: set[str], before: Conversation
) -> int | None:
    """The counselor of the chatter's most recent earlier conversation that had one."""
    return await session.scalar(
        select(Conversation.counselor_id)
        .where(
            Conversation.chatter_id.in_(chatter_ids),
            Conversation.id != before.id,
            Conversation.counselor_id.is_not(None),
            Conversation.created_at <= before.created_at,
        )
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )


async def has_other(session: AsyncSession, chatter_ids: set[str], conversation_id: str) -> bool:
    found = await session.scalar(
        select(Conversation.id)
        .where(Conversation.chatter_id.in_(chatter_ids), Conversation.id != conversation_id)
        .limit(1)
    )
    return found is not None


async def conversation_counts(session: AsyncSession, chatter_ids: set[str]) -> dict[str, int]:
    if not chatter_ids:
        return {}
    result = await session.execute(
        select(Conversation.chatter_id, func.count())
        .where(Conversation.chatter_id.in_(chatter_ids))
        .group_by(Conversation.chatter_id)
    )
    return {row[0]: int(row[1]) for row in result}


async def active_conversations(session: AsyncSession) -> Sequence[Conversation]:
    """Every chat a counselor holds now: the idle sweep looks at their silences."""
    query = select(Conversation).where(Conversation.status == "active")
    return (await session.scalars(query)).all()
