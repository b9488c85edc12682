"""Queries only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.models import Chatter, StaffSession, User


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def staff_session(session: AsyncSession, id_hash: str) -> StaffSession | None:
    return await session.get(StaffSession, id_hash)


async def chatter_by_token_hash(session: AsyncSession, token_hash: str) -> Chatter | None:
    return await session.scalar(select(Chatter).where(Chatter.token_hash == token_hash))
