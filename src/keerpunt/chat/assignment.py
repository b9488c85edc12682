"""Automatic assignment: which counselor a waiting chat is offered to. Queries and the
choice only; offers are made and closed by `chat/assignment_actions.py`.

Fairness is "idle longest first": among the counselors who may take a chat now (logged
in, not paused, room under their cap, not already asked about this chat), the one with
the fewest chats, and among those the one whose last pick-up lies furthest back. A
pick-up is the latest chat they got (accepted, offered or transferred); a counselor who
just logged in or came back from a pause counts from that moment, so coming back does
not jump the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts.models import StaffSession, User, UserRole
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat.models import Conversation, Offer, Transfer, transfer_note_aad
from keerpunt.context import Context
from keerpunt.realtime.events import OfferOut, TransferOut

# Before any pick-up: a counselor who never took a chat is idle longest.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)

# Offer states after which a counselor is not asked about that chat again.
REFUSED = ("declined", "expired")


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    active: int
    max_chats: int
    last_pickup: datetime

    @property
    def has_room(self) -> bool:
        return self.active < self.max_chats


def ranked(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Idle longest first: fewest chats, then the oldest pick-up; the id breaks ties so
    every server process ranks alike."""
    return sorted(candidates, key=lambda c: (c.active, c.last_pickup, c.user_id))


def choose(
    candidates: Sequence[Candidate], *, refused: set[int], busy: set[int]
) -> Candidate | None:
    """The counselor to offer a chat to: first in rank with room, who did not decline or
    let expire an offer of this chat, and holds no other open offer."""
    for candidate in ranked(candidates):
        if candidate.has_room and candidate.user_id not in refused | busy:
            return candidate
    return None


async def online_counselors(
    session: AsyncSession, now: datetime, idle: timedelta
) -> list[Candidate]:
    """Every counselor who is logged in (a session neither expired nor idle too long) and
    not paused, with their load and last pick-up. Full ones are included: the colleague
    list shows them too."""
    rows = await session.execute(
        select(StaffSession.user_id, func.min(StaffSession.created_at))
        .where(StaffSession.expires_at > now, StaffSession.last_seen_at > now - idle)
        .group_by(StaffSession.user_id)
    )
    starts: dict[int, datetime] = {user: at for user, at in rows}
    if not starts:
        return []
    users = (
        await session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == "counselor",
                User.id.in_(starts),
                User.is_active.is_(True),
                User.paused.is_(False),
            )
            .order_by(User.id)
        )
    ).all()
    ids = [user.id for user in users]
    loads = await active_counts(session, ids)
    pickups = await last_pickups(session, ids)
    return [
        Candidate(
            user_id=user.id,
            name=user.display_name,
            active=loads.get(user.id, 0),
            max_chats=user.max_chats,
            last_pickup=max(
                _aware(pickups.get(user.id)),
                _aware(starts.get(user.id)),
                _aware(user.resumed_at),
            ),
        )
        for user in users
    ]


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return NEVER
    # SQLite's aggregates come back without the column type: naive, but UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def active_counts(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Conversation.counselor_id, func.count())
        .where(Conversation.counselor_id.in_(user_ids), Conversation.status == "active")
        .group_by(Conversation.counselor_id)
    )
    return {int(user): int(count) for user, count in rows if user is not None}


async def last_pickups(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, datetime]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(
            Conversation.counselor_id,
            func.max(func.coalesce(Conversation.assigned_at, Conversation.accepted_at)),
        )
        .where(Conversation.counselor_id.in_(user_ids))
        .group_by(Conversation.counselor_id)
    )
    return {int(user): at for user, at in rows if user is not None and at is not None}


async def open_offers(session: AsyncSession, *, lock: bool = False) -> Sequence[Offer]:
    query = select(Offer).where(Offer.state == "open").order_by(Offer.id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).all()


async def open_offer(session: AsyncSession, conversation_id: str) -> Offer | None:
    return await session.scalar(
        select(Offer).where(Offer.conversation_id == conversation_id, Offer.state == "open")
    )


async def offer_of_user(session: AsyncSession, user_id: int) -> Offer | None:
    return await session.scalar(
        select(Offer).where(Offer.user_id == user_id, Offer.state == "open").limit(1)
    )


async def refused(session: AsyncSession, conversation_ids: Sequence[str]) -> dict[str, set[int]]:
    """Per chat, the counselors who declined it or let its offer expire."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(Offer.conversation_id, Offer.user_id).where(
            Offer.conversation_id.in_(conversation_ids), Offer.state.in_(REFUSED)
        )
    )
    found: dict[str, set[int]] = {}
    for conversation_id, user_id in rows:
        found.setdefault(conversation_id, set()).add(user_id)
    return found


async def transfer(
    session: AsyncSession, transfer_id: int, *, lock: bool = False
) -> Transfer | None:
    query = select(Transfer).where(Transfer.id == transfer_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def open_transfer(session: AsyncSession, conversation_id: str) -> Transfer | None:
    return await session.scalar(
        select(Transfer).where(
            Transfer.conversation_id == conversation_id, Transfer.state == "open"
        )
    )


async def transfers_to(session: AsyncSession, user_id: int) -> Sequence[Transfer]:
    """The open transfers waiting for this counselor's answer, oldest first."""
    return (
        await session.scalars(
            select(Transfer)
            .where(Transfer.to_user_id == user_id, Transfer.state == "open")
            .order_by(Transfer.id)
        )
    ).all()


async def colleagues(ctx: Context, staff: StaffPrincipal) -> list[Candidate]:
    """The counselors logged in now and not paused, besides the caller, least busy first:
    whom a chat can be handed to."""
    access.require(staff, "colleagues.read")
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    async with ctx.read() as session:
        found = await online_counselors(session, ctx.clock.now(), idle)
    return [
        c for c in sorted(found, key=lambda c: (c.active, c.name)) if c.user_id != staff.user_id
    ]


async def console_state(
    ctx: Context, session: AsyncSession, user_id: int
) -> tuple[OfferOut | None, list[TransferOut]]:
    """What a reconnecting console shows as dialogs: the open offer and the transfers
    waiting for this counselor, as the frames that announced them."""
    offer = await offer_of_user(session, user_id)
    offer_frame = None
    if offer is not None:
        conv = await session.get(Conversation, offer.conversation_id)
        offer_frame = OfferOut(
            conversation=offer.conversation_id,
            state="open",
            expires_at=offer.expires_at,
            visitor=conv.visitor if conv else None,
        )
    frames = []
    for row in await transfers_to(session, user_id):
        conv = await session.get(Conversation, row.conversation_id)
        sender = await session.get(User, row.from_user_id)
        frames.append(
            TransferOut(
                transfer=row.id,
                conversation=row.conversation_id,
                state="open",
                from_user=row.from_user_id,
                from_name=sender.display_name if sender else None,
                to_user=user_id,
                note=ctx.keyring.open(row.note, transfer_note_aad(row.id)) if row.note else None,
                visitor=conv.visitor if conv else None,
            )
        )
    return offer_frame, frames
