"""Supervision reads: the live view and a chat's whispers. Nothing here changes state."""

from __future__ import annotations

from datetime import timedelta

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat import store as chat_store
from keerpunt.chat.access import visible_conversation
from keerpunt.chat.actions import queue_entries
from keerpunt.context import Context
from keerpunt.realtime.events import WhisperOut
from keerpunt.supervision import store
from keerpunt.supervision.actions import whisper_out
from keerpunt.supervision.schemas import CounselorLoad, LiveRead, RunningChat


async def whispers(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> list[WhisperOut]:
    async with ctx.read() as session:
        conv = await visible_conversation(session, staff, conversation_id, "conversation.whisper")
        rows = await store.whispers(session, conv.id)
        users = await store.users_by_id(session, {row.author_id for row in rows})
        names = {user_id: user.display_name for user_id, user in users.items()}
        return [whisper_out(ctx, row, names.get(row.author_id, "")) for row in rows]


async def live(ctx: Context, staff: StaffPrincipal) -> LiveRead:
    """The queue, every counselor's state and load, and every running chat. No text of
    any chat: a supervisor opens one to read it (and that opening is logged)."""
    access.require(staff, "supervision.live")
    now = ctx.clock.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    async with ctx.read() as session:
        queue = [entry for entry, _ in await queue_entries(ctx, session)]
        running = await store.running(session)
        ids = [conv.id for conv in running]
        counselors = await store.counselors(session)
        online = await store.online_users(session, now, now - idle)
        ended = await store.last_ended(session, {user.id for user in counselors})
        senders = await store.last_senders(session, ids)
        chatter_at = await store.last_chatter_message(session, ids)
        acute = await store.acute(session, ids)
        names = await store.users_by_id(
            session, {conv.counselor_id for conv in running if conv.counselor_id is not None}
        )
        chats: list[RunningChat] = []
        for conv in running:
            counselor = names.get(conv.counselor_id) if conv.counselor_id is not None else None
            last = senders.get(conv.id)
            chats.append(
                RunningChat(
                    conversation=conv.id,
                    counselor_id=conv.counselor_id,
                    counselor=counselor.display_name if counselor else "",
                    visitor=conv.visitor,
                    started_at=conv.accepted_at,
                    chatter_last_at=chatter_at.get(conv.id),
                    waiting_for_reply=last is not None and last[0] == "chatter",
                    acute_danger=conv.id in acute,
                    joined=sorted(await store.joined(session, conv.id)),
                )
            )
        loads: list[CounselorLoad] = []
        for user in counselors:
            active = await chat_store.active_count(session, user.id)
            state = "offline" if user.id not in online else "paused" if user.paused else "online"
            loads.append(
                CounselorLoad(
                    id=user.id,
                    name=user.display_name,
                    state=state,
                    active_chats=active,
                    max_chats=user.max_chats,
                    idle_since=ended.get(user.id) if active == 0 else None,
                )
            )
    return LiveRead(at=now, queue=queue, counselors=loads, running=chats)
