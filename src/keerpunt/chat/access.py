"""Who may act on a conversation, by the access table (`accounts/access.py`). What a
caller may not see is reported exactly as missing."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from keerpunt.accounts import access
from keerpunt.accounts.principals import Principal, StaffPrincipal
from keerpunt.chat import store
from keerpunt.chat.models import Conversation
from keerpunt.core.errors import NotFound, Refused
from keerpunt.supervision import store as supervision_store

NOT_FOUND = access.CONVERSATION


class Parties(Protocol):
    """Who is in a conversation: a Conversation row, or the columns of one a query read."""

    @property
    def id(self) -> str: ...
    @property
    def chatter_id(self) -> str: ...
    @property
    def counselor_id(self) -> int | None: ...


PartiesT = TypeVar("PartiesT", bound=Parties)


def subject(conv: Parties, joined: frozenset[int] = frozenset()) -> access.Subject:
    return access.Subject(chatter_id=conv.chatter_id, counselor_id=conv.counselor_id, joined=joined)


def may(
    principal: Principal, operation: str, conv: Parties, joined: frozenset[int] = frozenset()
) -> bool:
    return access.may(principal, operation, subject(conv, joined))


async def visible_conversation(
    session: AsyncSession,
    principal: Principal,
    conversation_id: str,
    operation: str,
    *,
    lock: bool = False,
) -> Conversation:
    """The conversation, when the table lets the principal perform `operation` on it."""
    access.require_try(principal, operation)
    conv = await store.conversation(session, conversation_id, lock=lock)
    return await require_visible(session, principal, conv, operation)


def visible_conversation_in(
    session: Session, principal: Principal, conversation_id: str, operation: str
) -> Conversation:
    """`visible_conversation` inside a read step (`Database.read_step`), on its
    synchronous session."""
    access.require_try(principal, operation)
    conv = session.scalar(store.conversation_query(conversation_id))
    joined: frozenset[int] = frozenset()
    if conv is not None and may_have_joined(principal):
        joined = frozenset(session.scalars(supervision_store.joined_query(conv.id)).all())
    return require_may(principal, operation, conv, joined)


async def require_visible(
    session: AsyncSession, principal: Principal, conv: Conversation | None, operation: str
) -> Conversation:
    """The check of `visible_conversation` on a row already read."""
    access.require_try(principal, operation)
    if conv is None:
        raise NotFound(NOT_FOUND)
    joined: frozenset[int] = frozenset()
    if may_have_joined(principal):
        joined = await supervision_store.joined(session, conv.id)
    return require_may(principal, operation, conv, joined)


def may_have_joined(principal: Principal) -> bool:
    """Only a supervisor can have joined a chat: nobody else pays for the query."""
    return isinstance(principal, StaffPrincipal) and "supervisor" in principal.roles


def require_may(
    principal: Principal, operation: str, conv: PartiesT | None, joined: frozenset[int]
) -> PartiesT:
    """`require_visible` with the joined supervisors already read (a group commit reads
    its rows and their joins in one query each)."""
    access.require_try(principal, operation)
    if conv is None:
        raise NotFound(NOT_FOUND)
    if not may(principal, operation, conv, joined):
        raise Refused(NOT_FOUND, conversation=conv.id)
    return conv
