"""Automatic assignment and transfer: every change to offers and transfers goes through
here, one transaction each (the chat's own changes go through `chat/actions.py`).

A round offers each waiting chat, longest-waiting first (a chat handed back to the queue
before all), to one counselor (`assignment.choose`). The HTTP edge runs one (`nudge`)
after a chat starts, is taken, ends or is handed back, after a pause or resume and after
an offer is declined, and `chat/assignment_job.py` runs one every few seconds, in
whichever server process: rounds are serialised (an advisory lock on PostgreSQL; SQLite
has one writer) and the database allows one open offer per chat, so two processes never
offer one chat twice. Nothing lives in memory: an offer's expiry is a column, and the
next round after it moves the chat on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.models import User
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat import assignment, store
from keerpunt.chat.access import visible_conversation
from keerpunt.chat.models import Conversation, Offer, Transfer, transfer_note_aad
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid, NotFound, Refused
from keerpunt.realtime.events import OfferOut, TransferOut, user_channel

log = logging.getLogger(__name__)

NO_OFFER = "no such offer"
NO_TRANSFER = "no such transfer"
NO_COLLEAGUE = "no such colleague"
MAX_NOTE_CHARS = 2000
# Any constant both server kinds agree on: the key of the advisory lock rounds take.
ROUND_LOCK = 0x4B5057  # "KPW"


@dataclass(frozen=True)
class Round:
    offered: list[Offer]
    expired: list[Offer]


async def nudge(ctx: Context) -> None:
    """A round after something changed, when automatic assignment is on. A failed round
    fails nothing else: the periodic job runs the next one within seconds."""
    if not ctx.settings.auto_assign:
        return
    try:
        await run_round(ctx)
    except Exception:
        log.warning("assignment round failed", exc_info=True)


async def run_round(ctx: Context) -> Round:
    """Close the offers that expired or can no longer be taken, then offer each waiting
    chat without an open offer to the counselor `assignment.choose` names."""
    if not ctx.settings.auto_assign:
        return Round([], [])
    now = ctx.clock.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    offered: list[Offer] = []
    expired: list[Offer] = []
    async with ctx.write() as tx:
        await _serialise(tx.session)
        # Lock the waiting chats (in queue order) before their offers, as accept and end
        # do: a chat taken while the round runs waits for it, then withdraws its offer.
        queued = await _lock_queued(tx.session, await store.queued(tx.session))
        waiting = {conv.id for conv in queued}
        candidates = await assignment.online_counselors(tx.session, now, idle)
        by_id = {candidate.user_id: candidate for candidate in candidates}
        holding: dict[str, Offer] = {}
        for offer in await assignment.open_offers(tx.session, lock=True):
            holder = by_id.get(offer.user_id)
            if offer.expires_at <= now:
                _close(tx, offer, "expired", now)
                expired.append(offer)
            elif offer.conversation_id not in waiting or holder is None or not holder.has_room:
                _close(tx, offer, "withdrawn", now)
            else:
                holding[offer.conversation_id] = offer
        await tx.session.flush()
        busy = {offer.user_id for offer in holding.values()}
        pending = [conv for conv in queued if conv.id not in holding]
        refused = await assignment.refused(tx.session, [conv.id for conv in pending])
        returning = await chat.returning_offers(ctx, tx.session, pending)
        for conv in pending:
            asked = refused.get(conv.id, set())
            first = returning[conv.id].offered_to
            if first is not None and first in by_id and first not in asked:
                # A returning chatter goes to the counselor they spoke with last; while
                # that counselor answers another offer, the chat waits for them.
                target = by_id[first] if first not in busy else None
            else:
                target = assignment.choose(candidates, refused=asked, busy=busy)
            if target is None:
                continue
            offer = Offer(
                conversation_id=conv.id,
                user_id=target.user_id,
                state="open",
                created_at=now,
                expires_at=now + timedelta(seconds=ctx.settings.offer_seconds),
            )
            tx.session.add(offer)
            busy.add(target.user_id)
            offered.append(offer)
            tx.publish(
                user_channel(target.user_id),
                OfferOut(
                    conversation=conv.id,
                    state="open",
                    expires_at=offer.expires_at,
                    visitor=conv.visitor,
                    returning=returning[conv.id].returning,
                ),
            )
        await tx.session.flush()
    for offer in offered:
        log.info(
            "chat offered", extra={"conversation": offer.conversation_id, "user_id": offer.user_id}
        )
    return Round(offered, expired)


async def _serialise(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROUND_LOCK})


async def _lock_queued(session: AsyncSession, convs: Sequence[Conversation]) -> list[Conversation]:
    if not convs:
        return []
    locked = {
        conv.id
        for conv in (
            await session.scalars(
                select(Conversation)
                .where(Conversation.id.in_([c.id for c in convs]), Conversation.status == "queued")
                .order_by(Conversation.id)
                .with_for_update()
            )
        ).all()
    }
    return [conv for conv in convs if conv.id in locked]


def _close(tx: Tx, offer: Offer, state: str, now: datetime) -> None:
    offer.state = state
    offer.closed_at = now
    tx.publish(
        user_channel(offer.user_id), OfferOut(conversation=offer.conversation_id, state="gone")
    )


async def decline_offer(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> None:
    """The counselor says no to the chat offered to them; it moves on at once, and they are
    not asked about it again."""
    access.require(staff, "offer.decline")
    async with ctx.write() as tx:
        conv = await store.conversation(tx.session, conversation_id, lock=True)
        offer = None if conv is None else await assignment.open_offer(tx.session, conv.id)
        if offer is None or offer.user_id != staff.user_id:
            raise NotFound(NO_OFFER)
        _close(tx, offer, "declined", ctx.clock.now())
    log.info("offer declined", extra={"conversation": conversation_id, "user_id": staff.user_id})


async def transfer(
    ctx: Context,
    staff: StaffPrincipal,
    conversation_id: str,
    to: int | Literal["queue"],
    note: str = "",
) -> Transfer:
    """Hand an active chat on. Warm (`to` a colleague): the colleague is asked, with the
    note, and the chat stays with the sender until they accept. Cold (`to` "queue"): the
    chat waits again at once, ahead of every other, and the chatter hears so."""
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid(
            f"a note is at most {MAX_NOTE_CHARS} characters", code="too_long", field="note"
        )
    if to == "queue" and note:
        raise Invalid(
            "a note goes with a transfer to a colleague; in the queue nobody reads it",
            code="note_for_queue",
            field="note",
        )
    now = ctx.clock.now()
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, staff, conversation_id, "conversation.transfer", lock=True
        )
        if conv.status != "active":
            raise Conflict("this conversation is not active", code="not_active")
        if await assignment.open_transfer(tx.session, conv.id) is not None:
            raise Conflict(
                "this chat is offered to a colleague already: wait for their answer",
                code="transfer_open",
            )
        if to == "queue":
            row = Transfer(
                conversation_id=conv.id,
                from_user_id=staff.user_id,
                to_user_id=None,
                state="queued",
                created_at=now,
                decided_at=now,
            )
            tx.session.add(row)
            conv.status = "queued"
            conv.counselor_id = None
            conv.assigned_at = None
            conv.requeued_at = now
            chat._append(ctx, tx, conv, "system", chat.SYSTEM_TEXT["requeued"], code="requeued")
            chat._status(tx, conv)
            await tx.session.flush()
            await chat._publish_queue(ctx, tx)
        else:
            colleague = await _colleague(ctx, tx.session, staff, to)
            sender = await accounts_store.user_by_id(tx.session, staff.user_id)
            row = Transfer(
                conversation_id=conv.id,
                from_user_id=staff.user_id,
                to_user_id=colleague.id,
                state="open",
                created_at=now,
            )
            tx.session.add(row)
            await tx.session.flush()
            if note:
                row.note = ctx.keyring.seal(note, transfer_note_aad(row.id))
            tx.publish(
                user_channel(colleague.id),
                TransferOut(
                    transfer=row.id,
                    conversation=conv.id,
                    state="open",
                    from_user=staff.user_id,
                    from_name=sender.display_name if sender else None,
                    to_user=colleague.id,
                    to_name=colleague.display_name,
                    note=note or None,
                    visitor=conv.visitor,
                ),
            )
    log.info(
        "conversation transferred",
        extra={"conversation": conversation_id, "user_id": staff.user_id, "warm": to != "queue"},
    )
    return row


async def _colleague(
    ctx: Context, session: AsyncSession, staff: StaffPrincipal, user_id: int
) -> User:
    user = await accounts_store.user_by_id(session, user_id)
    if (
        user is None
        or user.id == staff.user_id
        or not user.is_active
        or not user.role_names & {"counselor", "supervisor"}
    ):
        raise NotFound(NO_COLLEAGUE)
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    if not await accounts_store.has_live_session(session, user.id, ctx.clock.now(), idle):
        raise Conflict(f"{user.display_name} is not logged in now", code="colleague_offline")
    return user


async def _transfer_for(
    session: AsyncSession, staff: StaffPrincipal, transfer_id: int
) -> tuple[Transfer, Conversation]:
    """The transfer addressed to this counselor and its conversation, locked in the order
    every chat action locks: the conversation first."""
    access.require_try(staff, "transfer.respond")
    row = await assignment.transfer(session, transfer_id)
    if row is None:
        raise NotFound(NO_TRANSFER)
    if not access.may(staff, "transfer.respond", access.Subject(counselor_id=row.to_user_id)):
        raise Refused(NO_TRANSFER, conversation=row.conversation_id)
    conv = await store.conversation(session, row.conversation_id, lock=True)
    row = await assignment.transfer(session, transfer_id, lock=True)
    if conv is None or row is None:
        raise NotFound(NO_TRANSFER)
    return row, conv


def _answer(tx: Tx, row: Transfer, state: Literal["accepted", "declined"]) -> None:
    assert row.to_user_id is not None
    for user_id in (row.from_user_id, row.to_user_id):
        tx.publish(
            user_channel(user_id),
            TransferOut(
                transfer=row.id,
                conversation=row.conversation_id,
                state=state,
                from_user=row.from_user_id,
                to_user=row.to_user_id,
            ),
        )


async def accept_transfer(ctx: Context, staff: StaffPrincipal, transfer_id: int) -> Conversation:
    """The colleague takes the chat over: from now on it is theirs, registration draft
    included (it belongs to the conversation), and the sender loses access."""
    async with ctx.write() as tx:
        user = await accounts_store.user_by_id(tx.session, staff.user_id)
        if user is None:
            raise NotFound(NO_TRANSFER)
        await tx.session.refresh(user, with_for_update=True)
        row, conv = await _transfer_for(tx.session, staff, transfer_id)
        if row.state == "accepted" and conv.counselor_id == user.id:
            return conv  # a retried accept
        if row.state != "open":
            raise Conflict(
                "this transfer was withdrawn or answered already", code="transfer_closed"
            )
        if conv.status != "active" or conv.counselor_id != row.from_user_id:
            raise Conflict("this chat has ended or moved on", code="transfer_closed")
        if await store.active_count(tx.session, user.id) >= user.max_chats:
            raise Conflict(f"you already hold {user.max_chats} chats", code="at_capacity")
        now = ctx.clock.now()
        row.state = "accepted"
        row.decided_at = now
        conv.counselor_id = user.id
        conv.assigned_at = now
        chat._append(ctx, tx, conv, "system", chat.SYSTEM_TEXT["transferred"], code="transferred")
        chat._status(tx, conv)
        _answer(tx, row, "accepted")
    log.info("transfer accepted", extra={"conversation": conv.id, "user_id": staff.user_id})
    return conv


async def decline_transfer(ctx: Context, staff: StaffPrincipal, transfer_id: int) -> Transfer:
    """The colleague says no; the chat stays with the sender, who is told."""
    async with ctx.write() as tx:
        row, _ = await _transfer_for(tx.session, staff, transfer_id)
        if row.state == "declined":
            return row
        if row.state != "open":
            raise Conflict(
                "this transfer was withdrawn or answered already", code="transfer_closed"
            )
        row.state = "declined"
        row.decided_at = ctx.clock.now()
        _answer(tx, row, "declined")
    return row
