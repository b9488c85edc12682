"""Queries only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts.models import (
    Chatter,
    ChatterToken,
    LoginFailure,
    StaffSession,
    User,
)


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def users(session: AsyncSession) -> list[User]:
    return list((await session.scalars(select(User).order_by(User.username))).all())


async def has_live_session(
    session: AsyncSession, user_id: int, now: datetime, idle: timedelta
) -> bool:
    """Whether the user is logged in now: a session neither expired nor idle too long."""
    found = await session.scalar(
        select(StaffSession.id_hash)
        .where(
            StaffSession.user_id == user_id,
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > now - idle,
        )
        .limit(1)
    )
    return found is not None


async def staff_session(session: AsyncSession, id_hash: str) -> StaffSession | None:
    return await session.get(StaffSession, id_hash)


async def sessions_with_users(
    session: AsyncSession, id_hashes: Iterable[str]
) -> list[tuple[StaffSession, User]]:
    """These sessions with their users (and the users' roles), in one query each."""
    wanted = list(id_hashes)
    if not wanted:
        return []
    result = await session.execute(
        select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.id_hash.in_(wanted))
    )
    return [(row[0], row[1]) for row in result.all()]


async def user_sessions(session: AsyncSession, user_id: int) -> list[StaffSession]:
    """Every session row of a user, newest first (expired ones too, until swept)."""
    result = await session.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user_id)
        .order_by(StaffSession.created_at.desc(), StaffSession.id_hash)
    )
    return list(result.all())


async def live_sessions(
    session: AsyncSession, now: datetime, idle: timedelta
) -> list[tuple[StaffSession, User]]:
    """Every staff session in use now, with its user, oldest first."""
    result = await session.execute(
        select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.expires_at > now, StaffSession.last_seen_at > now - idle)
        .order_by(StaffSession.created_at, StaffSession.id_hash)
    )
    return [(row[0], row[1]) for row in result.all()]


async def failures_since(session: AsyncSession, name_hash: str, since: datetime) -> list[datetime]:
    """When log-ins under this name failed since then, oldest first."""
    result = await session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.name_hash == name_hash, LoginFailure.at > since)
        .order_by(LoginFailure.at)
    )
    return list(result.all())


async def chatter_by_token_hash(session: AsyncSession, token_hash: str) -> Chatter | None:
    return await session.scalar(select(Chatter).where(Chatter.token_hash == token_hash))


async def chatter_token(session: AsyncSession, token_hash: str) -> ChatterToken | None:
    return await session.get(ChatterToken, token_hash)


async def chatter_by_username(session: AsyncSession, username: str) -> Chatter | None:
    return await session.scalar(select(Chatter).where(Chatter.username == username))


async def chatter(session: AsyncSession, chatter_id: str) -> Chatter | None:
    return await session.get(Chatter, chatter_id)


async def canonical_chatter(session: AsyncSession, chatter_id: str) -> str:
    """The chatter this one was merged into, followed to the end (merges form a tree)."""
    seen = {chatter_id}
    current = chatter_id
    while True:
        parent = await session.scalar(select(Chatter.merged_into).where(Chatter.id == current))
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent


async def chatter_group(session: AsyncSession, chatter_id: str) -> set[str]:
    """Every chatter that counts as the same person as this one: the canonical chatter and
    everything merged into it, directly or through others."""
    root = await canonical_chatter(session, chatter_id)
    group = {root}
    frontier = [root]
    while frontier:
        result = await session.scalars(select(Chatter.id).where(Chatter.merged_into.in_(frontier)))
        frontier = [cid for cid in result.all() if cid not in group]
        group.update(frontier)
    return group


async def in_merges(session: AsyncSession, chatter_ids: set[str]) -> set[str]:
    """Those of these chatters that were merged into another or had one merged into them."""
    if not chatter_ids:
        return set()
    result = await session.execute(
        select(Chatter.id, Chatter.merged_into).where(
            (Chatter.id.in_(chatter_ids) & Chatter.merged_into.is_not(None))
            | Chatter.merged_into.in_(chatter_ids)
        )
    )
    found: set[str] = set()
    for chatter_id, merged_into in result:
        found.update(c for c in (chatter_id, merged_into) if c in chatter_ids)
    return found
