"""Idle chats: a chatter who stays silent is asked whether they are still there, and the
chat is closed a while later. The chatter writing, or the counselor extending, starts the
silence again. The periodic sweep (`chat/jobs.py`) does the warning and closing; every
process may run it, since each change rechecks the conversation under its row lock and
does only what is still due.

These are conversation actions like those in `chat/actions.py`, kept in their own module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat import store
from keerpunt.chat.access import visible_conversation
from keerpunt.chat.actions import SYSTEM_TEXT, _append, _status
from keerpunt.chat.hours import schedule_now
from keerpunt.chat.models import Conversation
from keerpunt.chat.schemas import IdleRead
from keerpunt.context import Context
from keerpunt.core.errors import Conflict
from keerpunt.hours.schedule import Policy

log = logging.getLogger(__name__)

Due = Literal["warn", "close"]


def idle_read(conv: Conversation, policy: Policy) -> IdleRead | None:
    """Where the silence of an active chat stands; None for a chat not in progress."""
    if conv.status != "active" or conv.accepted_at is None:
        return None
    since = max(
        moment
        for moment in (conv.accepted_at, conv.chatter_last_at, conv.idle_extended_at)
        if moment is not None
    )
    warned = conv.idle_warned_at
    # A warning from before the silence restarted no longer counts.
    if warned is not None and warned <= since:
        warned = None
    closes = warned + timedelta(minutes=policy.idle_close_minutes) if warned else None
    return IdleRead(conversation=conv.id, silent_since=since, warned_at=warned, closes_at=closes)


def due(state: IdleRead | None, policy: Policy, now: datetime) -> Due | None:
    if state is None:
        return None
    if state.closes_at is not None:
        return "close" if now >= state.closes_at else None
    warn_at = state.silent_since + timedelta(minutes=policy.idle_warning_minutes)
    return "warn" if now >= warn_at else None


@dataclass
class Swept:
    warned: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


async def sweep(ctx: Context) -> Swept:
    """Warn the chats silent long enough, close those warned long enough."""
    now = ctx.clock.now()
    async with ctx.read() as session:
        policy = (await schedule_now(ctx, session)).policy
        candidates = [
            conv.id
            for conv in await store.active_conversations(session)
            if due(idle_read(conv, policy), policy, now)
        ]
    swept = Swept()
    for conversation_id in candidates:
        async with ctx.write() as tx:
            conv = await store.conversation(tx.session, conversation_id, lock=True)
            if conv is None:
                continue
            # Read again under the lock: another process may have swept it, or the
            # chatter may have written, a moment ago.
            what = due(idle_read(conv, policy), policy, now)
            if what == "warn":
                conv.idle_warned_at = now
                text = SYSTEM_TEXT["idle_warning"].format(n=policy.idle_close_minutes)
                _append(ctx, tx, conv, "system", text, code="idle_warning")
                swept.warned.append(conv.id)
            elif what == "close":
                conv.status = "ended"
                conv.ended_at = now
                # Nobody decided it: the silence did.
                conv.ended_by = "system"
                _append(ctx, tx, conv, "system", SYSTEM_TEXT["idle_closed"], code="idle_closed")
                _status(tx, conv)
                swept.closed.append(conv.id)
    if swept.warned or swept.closed:
        log.info("idle chats", extra={"warned": len(swept.warned), "closed": len(swept.closed)})
    return swept


async def extend(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> IdleRead:
    """The counselor gives a silent chatter more time: the silence counts from now."""
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, staff, conversation_id, "conversation.idle_extend", lock=True
        )
        if conv.status != "active":
            raise Conflict("this conversation is not active", code="not_active")
        conv.idle_extended_at = ctx.clock.now()
        policy = (await schedule_now(ctx, tx.session)).policy
        state = idle_read(conv, policy)
    assert state is not None
    return state
