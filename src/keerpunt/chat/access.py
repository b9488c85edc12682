"""Who may see a conversation. What a caller may not see is reported exactly as missing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.principals import CHAT_ROLES, ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.chat import store
from keerpunt.chat.models import Conversation
from keerpunt.core.errors import NotFound, Refused

NOT_FOUND = "no such conversation"


def may_see(principal: Principal, conv: Conversation) -> bool:
    if isinstance(principal, ChatterPrincipal):
        return conv.chatter_id == principal.chatter_id
    return conv.counselor_id == principal.user_id


def takes_chats(staff: StaffPrincipal) -> bool:
    """Counselors and supervisors work the queue; other staff roles never see it."""
    return bool(staff.roles & CHAT_ROLES)


def require_chat_staff(staff: StaffPrincipal) -> None:
    if not takes_chats(staff):
        raise Refused(NOT_FOUND)


async def visible_conversation(
    session: AsyncSession, principal: Principal, conversation_id: str, *, lock: bool = False
) -> Conversation:
    conv = await store.conversation(session, conversation_id, lock=lock)
    if conv is None:
        raise NotFound(NOT_FOUND)
    if not may_see(principal, conv):
        raise Refused(NOT_FOUND, conversation=conv.id)
    return conv
