"""What a chatter sees of their own account, and the staff list. Nothing here changes
state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access, store
from keerpunt.accounts.models import User
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.accounts.schemas import ChatterMe, OwnConversation
from keerpunt.chat.models import Conversation
from keerpunt.context import Context


async def chatter_me(ctx: Context, chatter: ChatterPrincipal) -> ChatterMe:
    """Only this chatter's own conversations: a merge made by a counselor never shows a
    chatter what another chatter wrote."""
    async with ctx.read() as session:
        row = await store.chatter(session, chatter.chatter_id)
        result = await session.scalars(
            select(Conversation)
            .where(Conversation.chatter_id == chatter.chatter_id)
            .order_by(Conversation.created_at.desc())
        )
        conversations = [
            OwnConversation(
                id=conv.id,
                status=conv.status,
                created_at=conv.created_at,
                ended_at=conv.ended_at,
                last_seq=conv.last_seq,
            )
            for conv in result.all()
        ]
    return ChatterMe(username=row.username if row else None, conversations=conversations)


async def users(session: AsyncSession, admin: StaffPrincipal) -> list[User]:
    access.require(admin, "users.admin")
    return await store.users(session)
