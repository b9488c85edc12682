"""What a chatter sees of their own account, and an admin of staff accounts and
sessions. Nothing here changes state."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import select

from keerpunt.accounts import access, store
from keerpunt.accounts.actions import live_principal, session_handle
from keerpunt.accounts.models import User
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.accounts.schemas import (
    ChatterMe,
    OwnConversation,
    StaffSessionRead,
    StaffUserRead,
    UserRead,
)
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


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=sorted(user.role_names),
        max_chats=user.max_chats,
        paused=user.paused,
    )


async def staff_users(ctx: Context, admin: StaffPrincipal) -> list[StaffUserRead]:
    access.require(admin, "users.admin")
    async with ctx.read() as session:
        users = await store.users(session)
    return [
        StaffUserRead(
            **user_read(user).model_dump(),
            is_active=user.is_active,
            totp_enrolled=user.totp_confirmed_at is not None,
            created_at=user.created_at,
        )
        for user in users
    ]


async def staff_sessions(ctx: Context, admin: StaffPrincipal) -> list[StaffSessionRead]:
    """Every live staff session, the admin's own marked."""
    access.require(admin, "users.admin")
    now = ctx.clock.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    async with ctx.read() as session:
        rows = await store.live_sessions(session, now, idle)
    return [
        StaffSessionRead(
            handle=session_handle(ctx, row.id_hash),
            user_id=user.id,
            username=user.username,
            roles=sorted(user.role_names),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=row.id_hash == admin.session_hash,
        )
        for row, user in rows
        if row.second_factor_at is not None
    ]


# Enough hashes for one statement on either database.
SESSION_CHUNK = 1000


async def staff_by_session_hashes(
    ctx: Context, id_hashes: Collection[str]
) -> dict[str, StaffPrincipal]:
    """The staff member of each of these sessions that still holds (as
    `staff_by_session_hash` without touching): a heartbeat for every console of a
    process in a few queries, not three per socket."""
    wanted = sorted(set(id_hashes))
    found: dict[str, StaffPrincipal] = {}
    if not wanted:
        return found  # no console on this process: no read at every tick
    async with ctx.read() as session:
        for start in range(0, len(wanted), SESSION_CHUNK):
            chunk = wanted[start : start + SESSION_CHUNK]
            for row, user in await store.sessions_with_users(session, chunk):
                principal = live_principal(ctx, row, user)
                if principal is not None:
                    found[row.id_hash] = principal
    return found
