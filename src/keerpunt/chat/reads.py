"""Read paths that need more than SQL: access rules, decryption and the queue's arithmetic.
Nothing here changes state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from keerpunt.accounts import access
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import Principal, StaffPrincipal
from keerpunt.chat import assignment, store
from keerpunt.chat.access import visible_conversation_in
from keerpunt.chat.actions import message_out, queue_entries, returning_groups
from keerpunt.chat.hours import ALWAYS_OPEN, opening_state, schedule_now
from keerpunt.chat.idle import idle_read
from keerpunt.chat.models import Conversation
from keerpunt.chat.queue import estimate_wait
from keerpunt.chat.schemas import ConversationRead, MessagePage, MessageRead, Snapshot
from keerpunt.context import Context
from keerpunt.core.errors import Gone, Invalid, NotFound
from keerpunt.hours.schedule import Schedule
from keerpunt.realtime.events import MessageOut, QueueEntry
from keerpunt.registration import reads as registration_reads

PAGE_SIZE = 500


def bad_cursor(after_seq: int, last_seq: int) -> Invalid:
    return Invalid(
        f"after_seq {after_seq} is beyond the last message ({last_seq})", code="bad_cursor"
    )


def purged(ctx: Context) -> Gone:
    days = ctx.settings.retention_days
    return Gone(
        f"the text of this conversation was deleted {days} days after it ended", code="purged"
    )


async def messages_after(
    ctx: Context,
    principal: Principal,
    conversation_id: str,
    after_seq: int,
    operation: str = "conversation.messages",
) -> tuple[Conversation, list[MessageOut], bool]:
    """The conversation, up to PAGE_SIZE messages after `after_seq`, and whether more follow.

    A cursor past the end is an error, never an empty answer: a client that believes it
    holds messages the server never stored must hear so, not wait forever. So is a
    conversation whose text retention deleted: "purged", not an empty transcript.
    """
    conv, messages, more, _ = await ctx.db.read_step(
        _read_page, ctx, principal, conversation_id, after_seq, operation, full=False
    )
    return conv, messages, more


def _read_page(
    session: Session,
    ctx: Context,
    principal: Principal,
    conversation_id: str,
    after_seq: int,
    operation: str,
    *,
    full: bool,
) -> tuple[Conversation, list[MessageOut], bool, ConversationRead | None]:
    """The read step of `messages_after` and `opening_page`: the access check, the page,
    and with `full` the view with the place in the queue. One step, so a socket's
    subscribe is one hand-over to the database's reader (db/engine.py)."""
    conv = visible_conversation_in(session, principal, conversation_id, operation)
    _, messages, more = _page(session, ctx, conv, after_seq)
    return conv, messages, more, _full_view(session, ctx, conv) if full else None


def _page(
    session: Session, ctx: Context, conv: Conversation, after_seq: int
) -> tuple[Conversation, list[MessageOut], bool]:
    if conv.purged_at is not None:
        raise purged(ctx)
    if after_seq > conv.last_seq:
        raise bad_cursor(after_seq, conv.last_seq)
    rows = session.scalars(store.messages_after_query(conv.id, after_seq, PAGE_SIZE + 1)).all()
    messages = [message_out(ctx, row) for row in rows[:PAGE_SIZE]]
    return conv, messages, len(rows) > PAGE_SIZE


def page_of(conv: Conversation, messages: list[MessageOut], more: bool) -> MessagePage:
    return MessagePage(
        status=conv.status,
        last_seq=conv.last_seq,
        more=more,
        messages=[
            MessageRead(
                seq=m.seq,
                client_id=m.client_id,
                sender=m.sender,
                body=m.body,
                created_at=m.created_at,
                code=m.code,
            )
            for m in messages
        ],
    )


async def require(ctx: Context, principal: Principal, conversation_id: str, operation: str) -> None:
    """Raises NotFound unless the table lets the principal do `operation` on it now."""
    await ctx.db.read_step(visible_conversation_in, principal, conversation_id, operation)


async def conversation_view(
    ctx: Context,
    principal: Principal,
    conversation_id: str,
    operation: str = "conversation.read",
    *,
    full: bool = True,
) -> ConversationRead:
    """The conversation as its reader sees it. `full=False` leaves out what takes queries
    of its own (the place in the queue, the wait, returning) for a caller that only
    checks access, status and position in the stream."""
    conv, view = await ctx.db.read_step(
        _read_view, ctx, principal, conversation_id, operation, full=full
    )
    if full:
        await _add_returning(ctx, principal, conv, view)
    return view


def _read_view(
    session: Session,
    ctx: Context,
    principal: Principal,
    conversation_id: str,
    operation: str,
    *,
    full: bool,
) -> tuple[Conversation, ConversationRead]:
    conv = visible_conversation_in(session, principal, conversation_id, operation)
    return conv, _full_view(session, ctx, conv) if full else _view(conv)


def _full_view(session: Session, ctx: Context, conv: Conversation) -> ConversationRead:
    """The view with, while the chat waits, its place in the queue and the estimated
    wait (all but `returning`, see `_add_returning`)."""
    view = _view(conv)
    if conv.status == "queued":
        now = ctx.clock.now()
        window = timedelta(minutes=ctx.settings.wait_estimate_window_minutes)
        ahead = session.scalar(store.ahead_in_queue_query(conv))
        pickups = session.scalars(store.recent_pickups_query(now - window)).all()
        view.position = int(ahead or 0) + 1
        view.estimated_wait_seconds = estimate_wait(
            [t for t in pickups if t is not None], now, view.position, window
        )
    return view


async def _add_returning(
    ctx: Context, principal: Principal, conv: Conversation, view: ConversationRead
) -> None:
    """Whether the chatter has been here before, which only staff see. It takes several
    queries of its own (merges of chatters), read after the step; staff are few."""
    if isinstance(principal, StaffPrincipal):
        async with ctx.read() as session:
            view.returning = conv.id in await returning_groups(session, [conv])


async def opening_page(
    ctx: Context, principal: Principal, conversation_id: str, after_seq: int, operation: str
) -> tuple[ConversationRead, list[MessageOut], bool]:
    """What a socket's subscribe reads, in one read step: the access check, the first
    page after `after_seq` (`messages_after`) and the full view (`conversation_view`)."""
    conv, messages, more, view = await ctx.db.read_step(
        _read_page, ctx, principal, conversation_id, after_seq, operation, full=True
    )
    assert view is not None
    await _add_returning(ctx, principal, conv, view)
    return view, messages, more


def _view(conv: Conversation) -> ConversationRead:
    return ConversationRead(
        id=conv.id,
        status=conv.status,
        visitor=conv.visitor,
        locale=conv.locale,
        last_seq=conv.last_seq,
        created_at=conv.created_at,
        accepted_at=conv.accepted_at,
        ended_at=conv.ended_at,
        purged_at=conv.purged_at,
    )


async def waiting(ctx: Context, staff: StaffPrincipal) -> list[QueueEntry]:
    access.require(staff, "queue.read")
    async with ctx.read() as session:
        return [entry for entry, _ in await queue_entries(ctx, session)]


async def snapshot(ctx: Context, staff: StaffPrincipal) -> Snapshot:
    access.require(staff, "queue.read")
    async with ctx.read() as session:
        user = await accounts_store.user_by_id(session, staff.user_id)
        if user is None:
            raise NotFound("no such user")
        entries = await queue_entries(ctx, session)
        own = await store.counselor_conversations(session, staff.user_id)
        returning = await returning_groups(session, own)
        views = [_view(conv) for conv in own]
        for view in views:
            view.returning = view.id in returning
        schedule = await schedule_now(ctx, session)
        offer, transfers = await assignment.console_state(ctx, session, staff.user_id)
    return Snapshot(
        queue=[entry for entry, _ in entries],
        conversations=views,
        to_register=await registration_reads.todo(ctx, staff),
        paused=user.paused,
        max_chats=user.max_chats,
        **_hours(ctx, schedule, own),
        offer=offer,
        transfers=transfers,
    )


def _hours(ctx: Context, schedule: Schedule, own: Sequence[Conversation]) -> dict[str, Any]:
    opening = ALWAYS_OPEN if ctx.settings.always_open else opening_state(schedule, ctx.clock.now())
    policy = schedule.policy
    return {
        "closes_at": opening.closes_at,
        "closing_cutoff_minutes": policy.closing_cutoff_minutes,
        "idle_close_minutes": policy.idle_close_minutes,
        "idle": [state for conv in own if (state := idle_read(conv, policy)) is not None],
    }


async def last_seqs(ctx: Context, conversation_ids: list[str]) -> dict[str, int]:
    async with ctx.read() as session:
        return await store.last_seqs(session, conversation_ids)


async def transcript(ctx: Context, conversation_id: str, after_seq: int) -> MessagePage:
    """A page of a transcript for a caller whose access was checked (and audited) already."""
    return page_of(*await ctx.db.read_step(_read_transcript, ctx, conversation_id, after_seq))


def _read_transcript(
    session: Session, ctx: Context, conversation_id: str, after_seq: int
) -> tuple[Conversation, list[MessageOut], bool]:
    conv = session.scalar(store.conversation_query(conversation_id))
    if conv is None:
        raise NotFound("no such conversation")
    return _page(session, ctx, conv, after_seq)
