"""Conversations and messages: every change goes through here.

Each function is one transaction. The frames it queues on `tx` reach sockets and long-polls
only after the commit, so a listener never hears of a message it cannot read back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.abuse import guard
from keerpunt.accounts import access
from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import (
    ChatterPrincipal,
    Principal,
    StaffPrincipal,
)
from keerpunt.chat import assignment, store
from keerpunt.chat.access import NOT_FOUND, may_have_joined, require_may, visible_conversation
from keerpunt.chat.hours import opening_now
from keerpunt.chat.models import (
    OPEN_STATUSES,
    Conversation,
    FeedbackAnswer,
    Message,
    Offer,
    Transfer,
    message_aad,
)
from keerpunt.chat.queue import estimate_wait
from keerpunt.context import Context, Tx
from keerpunt.core.batching import PerDatabase
from keerpunt.core.errors import Conflict, DomainError, Invalid, NotFound, TooMany
from keerpunt.db.prepared import Prepared
from keerpunt.realtime.events import (
    STAFF_CHANNEL,
    ConversationOut,
    MessageOut,
    OfferOut,
    QueueEntry,
    QueuePosition,
    QueueSnapshot,
    ReadOut,
    ServerFrame,
    TransferOut,
    TypingOut,
    conversation_channel,
    user_channel,
)
from keerpunt.supervision import store as supervision_store

log = logging.getLogger(__name__)

# System messages carry a code for clients and a Dutch text for those that show it as is.
SYSTEM_TEXT = {
    "counselor_joined": "Een hulpverlener is in het gesprek gekomen.",
    "ended_by_chatter": "Je hebt het gesprek beëindigd.",
    "ended_by_counselor": "De hulpverlener heeft het gesprek beëindigd.",
    "quick_exit": "De chatter heeft de chat verlaten met de snelle uitgang.",
    "idle_warning": "Ben je er nog? Als we niets van je horen, sluit de chat over {n} minuten.",
    "idle_closed": (
        "De chat is gesloten omdat we een tijd niets van je hoorden."
        " Je kunt altijd opnieuw beginnen."
    ),
    "transferred": "Je gesprek gaat verder met een collega.",
    "requeued": "Je gesprek gaat zo verder met een collega. Nog even geduld.",
    "colleague_joined": "Een collega is ook in het gesprek gekomen.",
}

EndReason = Literal["quick_exit"]


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    token: str | None
    position: int
    estimated_wait_seconds: int | None


@dataclass(frozen=True)
class Sent:
    message: MessageOut
    created: bool


def message_out(ctx: Context, message: Message | store.StoredMessage) -> MessageOut:
    """A stored message as a frame: a row, or its columns as a group commit read them."""
    return MessageOut(
        conversation=message.conversation_id,
        seq=message.seq,
        client_id=message.client_id,
        sender=message.sender,
        body=ctx.keyring.open(message.body, message_aad(message.conversation_id, message.seq)),
        created_at=message.created_at,
        code=message.code,
    )


async def start_conversation(
    ctx: Context,
    chatter: ChatterPrincipal | None,
    *,
    visitor: str = "unknown",
    channel_id: int | None = None,
    locale: str = "nl",
    source: str | None = None,
) -> Started:
    """A new conversation in the queue; without a chatter, a new anonymous identity too.
    Outside opening hours nobody would answer, so the chat does not start. `source` is
    today's keyed hash of the request's address, for the abuse limits."""
    opening = await opening_now(ctx)
    if not opening.open:
        raise Conflict("the chat is closed now; see the opening hours", code="closed")
    if opening.closing_soon:
        raise Conflict(
            "the chat closes soon, so no new chat starts now; see the opening hours",
            code="closing_soon",
        )
    await guard.before_new_chat(ctx, source, chatter.chatter_id if chatter else None)
    async with ctx.write() as tx:
        token = None
        if chatter is not None:
            await guard.check_blocked(ctx, tx.session, chatter.chatter_id)
        else:
            chatter, token = await accounts.new_chatter(tx, ctx)
        conv = Conversation(
            id=str(uuid.uuid4()),
            chatter_id=chatter.chatter_id,
            visitor=visitor,
            channel_id=channel_id,
            locale=locale,
            status="queued",
            last_seq=0,
            created_at=ctx.clock.now(),
        )
        tx.session.add(conv)
        await tx.session.flush()
        positions = await _publish_queue(ctx, tx)
        position, wait = positions.get(conv.id, (1, None))
    await guard.started(ctx, conv.chatter_id, source)
    log.info("conversation started", extra={"conversation": conv.id, "visitor": visitor})
    return Started(conv, token, position, wait)


async def send_message(
    ctx: Context,
    principal: Principal,
    conversation_id: str,
    client_id: str,
    body: str,
    *,
    source: str | None = None,
) -> Sent:
    """Store a message once. A repeated client_id returns the stored message, even when the
    body differs: the first write wins and nothing else changes. A chatter's new message
    counts toward the abuse limits of the chatter and of `source` (today's keyed hash of
    the request's address); over a limit, or blocked, nothing is stored.

    Concurrent sends share one transaction (group commit, `core/batching.py`); each
    returns only after that transaction committed."""
    if len(body) > ctx.settings.max_message_chars:
        raise Invalid(
            f"a message is at most {ctx.settings.max_message_chars} characters", code="too_long"
        )
    client_id = str(uuid.UUID(client_id))
    if isinstance(principal, ChatterPrincipal):
        try:
            guard.before_send(ctx, principal.chatter_id, source)
        except TooMany:
            # A retry of a message already stored is acknowledged, whatever the limits say.
            async with ctx.read() as session:
                conv = await visible_conversation(
                    session, principal, conversation_id, "conversation.send"
                )
                if await store.message_by_client_id(session, conv.id, client_id) is None:
                    raise
    request = _SendRequest(ctx, principal, conversation_id, client_id, body, source)
    return await _sends(ctx.db).submit(request)


@dataclass(frozen=True, slots=True)
class _SendRequest:
    ctx: Context
    principal: Principal
    conversation_id: str
    client_id: str
    body: str
    source: str | None


async def _write_sends(
    requests: Sequence[_SendRequest],
) -> tuple[list[Sent | BaseException], Callable[[], Awaitable[None]]]:
    """Several sends in one transaction. Every row is locked, and every client_id looked
    up, in one query each, before anything changes; a request that is refused (not found,
    ended, over a limit) is refused before it changed anything, so it fails alone and the
    others commit. The messages are inserted together at the end. As `Context.write`
    does, the events go out only after the commit: the batcher publishes them once it
    has answered the senders.

    The statements run as two synchronous steps (`Database.write_steps`) in plain Core:
    this is the hottest write, and at a few messages a commit the ORM and a thread
    hand-over per statement cost far more than the database does."""
    ctx = requests[0].ctx
    outcomes: list[Sent | BaseException] = [_NOT_SENT] * len(requests)
    events: list[tuple[str, ServerFrame]] = []
    async with ctx.db.write_steps() as steps:
        reads = await steps.run(_read_sends, requests, ctx.clock.now())
        stored = {key: message_out(ctx, message) for key, message in reads.stored.items()}
        rows: list[dict[str, object]] = []

        async def in_order(indexes: Sequence[int]) -> None:
            for i in indexes:
                try:
                    outcomes[i] = await _send_one(requests[i], reads, stored, rows, events)
                except DomainError as error:
                    outcomes[i] = error

        if ctx.limiter.shared:
            # Counting a chatter's message asks Redis, a round trip each: the chats count
            # side by side, so the transaction waits about as long as for one of them.
            # Within a chat, its messages go in order, so what is refused is its last.
            chats: dict[str, list[int]] = {}
            for i, request in enumerate(requests):
                chats.setdefault(request.conversation_id, []).append(i)
            async with asyncio.TaskGroup() as group:
                for indexes in chats.values():
                    group.create_task(in_order(indexes))
        else:
            await in_order(range(len(requests)))
        if rows:
            changed = {str(row["conversation_id"]) for row in rows}
            await steps.finish(_store_sends, rows, [reads.targets[c] for c in sorted(changed)])
    return outcomes, functools.partial(ctx.publish, events)


_sends = PerDatabase(_write_sends)
# A place holder in a batch's outcomes, each replaced by its request's own.
_NOT_SENT = RuntimeError("not sent")


@dataclass(frozen=True, slots=True)
class _SendReads:
    targets: dict[str, store.SendTarget]
    stored: dict[tuple[str, str], store.StoredMessage]
    joined: dict[str, frozenset[int]]


def _read_sends(conn: Connection, requests: Sequence[_SendRequest], now: datetime) -> _SendReads:
    return _SendReads(
        targets=store.send_targets(conn, (r.conversation_id for r in requests), now),
        stored=store.messages_by_client_ids(
            conn, ((r.conversation_id, r.client_id) for r in requests)
        ),
        joined=supervision_store.joined_many(
            conn, (r.conversation_id for r in requests if may_have_joined(r.principal))
        ),
    )


def _store_sends(
    conn: Connection, rows: list[dict[str, object]], targets: list[store.SendTarget]
) -> None:
    _INSERT_MESSAGES.run_many(conn, rows)
    _UPDATE_SEQS.run_many(
        conn,
        [
            {
                "target": t.id,
                "last_seq": t.last_seq,
                "chatter_wrote": t.chatter_wrote,
                "chatter_last_at": t.chatter_last_at,
            }
            for t in targets
        ],
    )


# Run on the cursor (db/prepared.py), as the reads of `_read_sends` are. Core, not the
# ORM's bulk insert: the rows are complete, and the ORM would look at each one again.
_INSERT_MESSAGES = Prepared(lambda: insert(cast(Table, Message.__table__)))
_CONVERSATIONS = cast(Table, Conversation.__table__)
_UPDATE_SEQS = Prepared(
    lambda: (
        update(_CONVERSATIONS)
        .where(_CONVERSATIONS.c.id == bindparam("target"))
        .values(
            last_seq=bindparam("last_seq"),
            chatter_wrote=bindparam("chatter_wrote"),
            chatter_last_at=bindparam("chatter_last_at"),
        )
    )
)


async def _send_one(
    request: _SendRequest,
    reads: _SendReads,
    stored: dict[tuple[str, str], MessageOut],
    rows: list[dict[str, object]],
    events: list[tuple[str, ServerFrame]],
) -> Sent:
    """One send of a group commit, as a send alone would go: under the row lock, the
    idempotency lookup first (the batch's own new messages included), then the checks."""
    ctx, principal, client_id, body = (
        request.ctx,
        request.principal,
        request.client_id,
        request.body,
    )
    conv = require_may(
        principal,
        "conversation.send",
        reads.targets.get(request.conversation_id),
        reads.joined.get(request.conversation_id, frozenset()),
    )
    existing = stored.get((conv.id, client_id))
    if existing is not None:
        return Sent(existing, created=False)
    if not body.strip():
        raise Invalid("a message needs some text", code="empty_message")
    if isinstance(principal, ChatterPrincipal) and conv.status in OPEN_STATUSES:
        # The sender is the chat's chatter (checked above), so the chat's block is theirs.
        await guard.count_send(ctx, principal.chatter_id, request.source, conv.blocked_until)
    if isinstance(principal, StaffPrincipal):
        if conv.status != "active":
            raise Conflict("this conversation is not active", code="not_active")
        sender: Literal["chatter", "counselor"] = "counselor"
    else:
        if conv.status not in OPEN_STATUSES:
            raise Conflict("this conversation has ended", code="conversation_ended")
        sender = "chatter"
    user_id = principal.user_id if isinstance(principal, StaffPrincipal) else None
    values, out = _next_message(ctx, conv, sender, body, client_id=client_id, user_id=user_id)
    rows.append(values)
    # A retry of this message later in the same batch finds it here.
    stored[(conv.id, client_id)] = out
    events.append((conversation_channel(conv.id), out))
    return Sent(out, created=True)


def _next_message(
    ctx: Context,
    conv: Conversation | store.SendTarget,
    sender: Literal["chatter", "counselor", "system"],
    body: str,
    *,
    client_id: str | None = None,
    user_id: int | None = None,
    code: str | None = None,
) -> tuple[dict[str, object], MessageOut]:
    """The next message's row and frame; the caller holds the conversation's row lock."""
    conv.last_seq += 1
    now = ctx.clock.now()
    if sender == "chatter":
        conv.chatter_wrote = True
        conv.chatter_last_at = now
    seq = conv.last_seq
    client_id = client_id or str(uuid.uuid4())
    values: dict[str, object] = {
        "conversation_id": conv.id,
        "seq": seq,
        "client_id": client_id,
        "sender": sender,
        "sender_user_id": user_id,
        "code": code,
        "body": ctx.keyring.seal(body, message_aad(conv.id, seq)),
        "created_at": now,
    }
    out = MessageOut(
        conversation=conv.id,
        seq=seq,
        client_id=client_id,
        sender=sender,
        body=body,
        created_at=now,
        code=code,
    )
    return values, out


def _append(
    ctx: Context,
    tx: Tx,
    conv: Conversation,
    sender: Literal["chatter", "counselor", "system"],
    body: str,
    *,
    client_id: str | None = None,
    user_id: int | None = None,
    code: str | None = None,
) -> MessageOut:
    """Add a message under the next seq; the caller holds the conversation's row lock."""
    values, out = _next_message(
        ctx, conv, sender, body, client_id=client_id, user_id=user_id, code=code
    )
    tx.session.add(Message(**values))
    tx.publish(conversation_channel(conv.id), out)
    return out


def _status(tx: Tx, conv: Conversation) -> None:
    tx.publish(
        conversation_channel(conv.id),
        ConversationOut(
            conversation=conv.id,
            status=conv.status,
            last_seq=conv.last_seq,
        ),
    )


async def accept(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> Conversation:
    """Take a waiting chat. Of several counselors accepting at once exactly one wins; the
    others get a Conflict."""
    access.require(staff, "conversation.claim")
    async with ctx.write() as tx:
        # Lock the counselor first and the chat second, always in this order, so two
        # accepts by one counselor cannot both slip under the cap.
        user = await accounts_store.user_by_id(tx.session, staff.user_id)
        if user is None:
            raise NotFound(NOT_FOUND)
        await tx.session.refresh(user, with_for_update=True)
        conv = await store.conversation(tx.session, conversation_id, lock=True)
        if conv is None:
            raise NotFound(NOT_FOUND)
        if conv.status == "active" and conv.counselor_id == user.id:
            return conv  # a retried accept by the winner
        if conv.status != "queued":
            raise Conflict("another counselor took this chat, or it ended", code="taken")
        if user.paused:
            raise Conflict("you are paused: resume to take chats", code="paused")
        offer = (await returning_offers(ctx, tx.session, [conv]))[conv.id]
        offered = await assignment.open_offer(tx.session, conv.id)
        holds_offer = offered is not None and offered.user_id == user.id
        if offer.offered_to is not None and offer.offered_to != user.id and not holds_offer:
            raise Conflict(
                "this returning chatter is offered first to the counselor they spoke with"
                f" last, for {offer.offered_seconds} more seconds",
                code="offered_to_colleague",
            )
        if await store.active_count(tx.session, user.id) >= user.max_chats:
            raise Conflict(f"you already hold {user.max_chats} chats", code="at_capacity")
        conv.status = "active"
        conv.counselor_id = user.id
        conv.accepted_at = conv.accepted_at or ctx.clock.now()
        conv.assigned_at = ctx.clock.now()
        settle_handoffs(ctx, tx, offered, None, taken_by=user.id)
        _append(ctx, tx, conv, "system", SYSTEM_TEXT["counselor_joined"], code="counselor_joined")
        _status(tx, conv)
        await tx.session.flush()
        await _publish_queue(ctx, tx)
    log.info("conversation accepted", extra={"conversation": conv.id, "user_id": user.id})
    return conv


async def end(
    ctx: Context, principal: Principal, conversation_id: str, reason: EndReason | None = None
) -> Conversation:
    """Either side ends the chat. A chat that ends before pick-up is abandoned. Ending an
    ended chat again changes nothing. A chatter who leaves by quick exit says so, so the
    counselor knows why the chat stopped mid-sentence."""
    if reason == "quick_exit" and not isinstance(principal, ChatterPrincipal):
        raise Invalid("only the chatter leaves by quick exit", code="invalid_reason")
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, principal, conversation_id, "conversation.end", lock=True
        )
        if conv.status not in OPEN_STATUSES:
            return conv
        by_chatter = isinstance(principal, ChatterPrincipal)
        code = reason or ("ended_by_chatter" if by_chatter else "ended_by_counselor")
        await _close(ctx, tx, conv, by_chatter=by_chatter, code=code)
    log.info("conversation ended", extra={"conversation": conv.id, "status": conv.status})
    return conv


async def end_locked(ctx: Context, tx: Tx, conv: Conversation) -> None:
    """End an open chat on staff's behalf inside the caller's transaction (which holds the
    conversation's row lock): a block ends the chat it was decided in."""
    if conv.status in OPEN_STATUSES:
        await _close(ctx, tx, conv, by_chatter=False, code="ended_by_counselor")


async def _close(ctx: Context, tx: Tx, conv: Conversation, *, by_chatter: bool, code: str) -> None:
    was_queued = conv.status == "queued"
    # A chat handed back to the queue was picked up before: it ends, never "abandoned".
    conv.status = "abandoned" if was_queued and conv.accepted_at is None else "ended"
    settle_handoffs(
        ctx,
        tx,
        await assignment.open_offer(tx.session, conv.id),
        await assignment.open_transfer(tx.session, conv.id),
    )
    conv.ended_at = ctx.clock.now()
    conv.ended_by = "chatter" if by_chatter else "counselor"
    _append(ctx, tx, conv, "system", SYSTEM_TEXT[code], code=code)
    _status(tx, conv)
    if was_queued:
        await tx.session.flush()
        await _publish_queue(ctx, tx)


@dataclass(frozen=True)
class Returning:
    returning: bool
    offered_to: int | None = None
    offered_seconds: int | None = None


async def returning_groups(
    session: AsyncSession, convs: Sequence[Conversation]
) -> dict[str, set[str]]:
    """The conversations whose chatter has talked with us before, each with every chatter
    that counts as the same person (merges included). The common case, a first-time
    chatter in no merge, costs two queries for all of them together, not several each:
    this runs inside the transactions that publish the queue."""
    ids = {conv.chatter_id for conv in convs}
    counts = await store.conversation_counts(session, ids)
    merged = await accounts_store.in_merges(session, ids)
    groups: dict[str, set[str]] = {}
    for conv in convs:
        if conv.chatter_id in merged:
            group = await accounts_store.chatter_group(session, conv.chatter_id)
            if await store.has_other(session, group, conv.id):
                groups[conv.id] = group
        elif counts.get(conv.chatter_id, 0) > 1:
            groups[conv.id] = {conv.chatter_id}
    return groups


async def returning_offers(
    ctx: Context, session: AsyncSession, convs: Sequence[Conversation]
) -> dict[str, Returning]:
    """For each waiting chat: whether the chatter has been here before and, for a short
    while, which counselor it is offered to first: the one they spoke with last, if logged
    in, not paused and with room. Trust takes several chats; a familiar counselor keeps it."""
    groups = await returning_groups(session, convs)
    return {
        conv.id: await _offer(ctx, session, conv, groups[conv.id])
        if conv.id in groups
        else NEW_CHATTER
        for conv in convs
    }


NEW_CHATTER = Returning(returning=False)


async def _offer(
    ctx: Context, session: AsyncSession, conv: Conversation, group: set[str]
) -> Returning:
    left = ctx.settings.returning_offer_seconds - int(
        (ctx.clock.now() - conv.created_at).total_seconds()
    )
    if left <= 0:
        return Returning(returning=True)
    counselor_id = await store.last_counselor(session, group, conv)
    if counselor_id is None:
        return Returning(returning=True)
    user = await accounts_store.user_by_id(session, counselor_id)
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    if (
        user is None
        or not user.is_active
        or user.paused
        or await store.active_count(session, user.id) >= user.max_chats
        or not await accounts_store.has_live_session(session, user.id, ctx.clock.now(), idle)
    ):
        return Returning(returning=True)
    return Returning(returning=True, offered_to=user.id, offered_seconds=left)


async def queue_entries(ctx: Context, session: AsyncSession) -> list[tuple[QueueEntry, int | None]]:
    """The waiting queue, oldest first, each with its estimated wait."""
    now = ctx.clock.now()
    window = timedelta(minutes=ctx.settings.wait_estimate_window_minutes)
    pickups = await store.recent_pickups(session, now - window)
    entries = []
    queued = await store.queued(session)
    offers = await returning_offers(ctx, session, queued)
    for position, conv in enumerate(queued, start=1):
        offer = offers[conv.id]
        entry = QueueEntry(
            conversation=conv.id,
            position=position,
            visitor=conv.visitor,
            waiting_seconds=max(0, int((now - conv.created_at).total_seconds())),
            returning=offer.returning,
            offered_to=offer.offered_to,
            offered_seconds=offer.offered_seconds,
        )
        entries.append((entry, estimate_wait(pickups, now, position, window)))
    return entries


async def _publish_queue(ctx: Context, tx: Tx) -> dict[str, tuple[int, int | None]]:
    """Tell staff the queue and every waiting chatter their place; returns the places."""
    entries = await queue_entries(ctx, tx.session)
    tx.publish(STAFF_CHANNEL, QueueSnapshot(waiting=[entry for entry, _ in entries]))
    places: dict[str, tuple[int, int | None]] = {}
    for entry, wait in entries:
        places[entry.conversation] = (entry.position, wait)
        tx.publish(
            conversation_channel(entry.conversation),
            QueuePosition(
                conversation=entry.conversation,
                position=entry.position,
                estimated_wait_seconds=wait,
            ),
        )
    return places


async def signal_typing(
    ctx: Context, principal: Principal, conversation_id: str, active: bool
) -> None:
    """Typing is passed on, never stored."""
    async with ctx.read() as session:
        conv = await visible_conversation(
            session, principal, conversation_id, "conversation.typing"
        )
    if conv.status not in OPEN_STATUSES:
        return
    sender: Literal["chatter", "counselor"] = (
        "chatter" if isinstance(principal, ChatterPrincipal) else "counselor"
    )
    await ctx.bus.publish(
        conversation_channel(conv.id),
        TypingOut(conversation=conv.id, sender=sender, active=active),
    )


async def signal_read(ctx: Context, principal: Principal, conversation_id: str, seq: int) -> None:
    """Read receipts are passed on, never stored."""
    async with ctx.read() as session:
        conv = await visible_conversation(
            session, principal, conversation_id, "conversation.read_receipt"
        )
    if seq > conv.last_seq:
        raise Invalid("seq is beyond the end of the conversation", code="bad_cursor")
    reader: Literal["chatter", "counselor"] = (
        "chatter" if isinstance(principal, ChatterPrincipal) else "counselor"
    )
    await ctx.bus.publish(
        conversation_channel(conv.id), ReadOut(conversation=conv.id, reader=reader, seq=seq)
    )


async def give_feedback(
    ctx: Context, chatter: ChatterPrincipal, conversation_id: str, answers: dict[str, str]
) -> None:
    """The chatter's answers to the organisation's feedback questions, once per chat and
    only after it ended. Every question is optional; unknown questions or choices change
    nothing."""
    questions = {q.id: {c.id for c in q.choices} for q in ctx.organisation.feedback}
    for question, answer in answers.items():
        if answer not in questions.get(question, set()):
            raise Invalid(f"no such question or choice: {question}", code="invalid_feedback")
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, chatter, conversation_id, "conversation.feedback", lock=True
        )
        if conv.status in OPEN_STATUSES:
            raise Conflict("feedback comes after the chat has ended", code="still_open")
        if await store.has_feedback(tx.session, conv.id):
            raise Conflict("feedback for this chat was already given", code="feedback_given")
        now = ctx.clock.now()
        for question, answer in sorted(answers.items()):
            tx.session.add(
                FeedbackAnswer(
                    conversation_id=conv.id, question=question, answer=answer, created_at=now
                )
            )


def settle_handoffs(
    ctx: Context,
    tx: Tx,
    offer: Offer | None,
    transfer: Transfer | None,
    *,
    taken_by: int | None = None,
) -> None:
    """Close a chat's open offer and open transfer because the chat was taken or ended:
    the offer is "accepted" when its own counselor took it, else withdrawn, and whoever
    had a dialog for it hears it is gone. The caller holds the conversation's row lock."""
    now = ctx.clock.now()
    if offer is not None and offer.state == "open":
        offer.state = "accepted" if offer.user_id == taken_by else "withdrawn"
        offer.closed_at = now
        tx.publish(
            user_channel(offer.user_id),
            OfferOut(conversation=offer.conversation_id, state="gone"),
        )
    if transfer is not None and transfer.state == "open" and transfer.to_user_id is not None:
        transfer.state = "withdrawn"
        transfer.decided_at = now
        for user_id in (transfer.to_user_id, transfer.from_user_id):
            tx.publish(
                user_channel(user_id),
                TransferOut(
                    transfer=transfer.id,
                    conversation=transfer.conversation_id,
                    state="gone",
                    from_user=transfer.from_user_id,
                    to_user=transfer.to_user_id,
                ),
            )
