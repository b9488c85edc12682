"""The HTTP long-poll: the socket's resume path for clients that cannot keep a socket."""

from __future__ import annotations

import asyncio

from keerpunt.accounts.principals import Principal, StaffPrincipal
from keerpunt.chat import reads
from keerpunt.chat.models import OPEN_STATUSES
from keerpunt.chat.schemas import MessagePage
from keerpunt.context import Context
from keerpunt.privacy import actions as privacy
from keerpunt.realtime.bus import Lagged
from keerpunt.realtime.events import ConversationOut, MessageOut, conversation_channel


async def poll(
    ctx: Context, principal: Principal, conversation_id: str, after_seq: int, wait: float
) -> MessagePage:
    """Messages after `after_seq`; when there are none yet, wait up to `wait` seconds. A
    page of messages given to staff is a read of the chat, and logged as one."""
    page = await _poll(ctx, principal, conversation_id, after_seq, wait)
    if isinstance(principal, StaffPrincipal) and page.messages:
        await privacy.record_chat_read(
            ctx, principal, conversation_id, count=len(page.messages), via="http"
        )
    return page


async def _poll(
    ctx: Context, principal: Principal, conversation_id: str, after_seq: int, wait: float
) -> MessagePage:
    conv, messages, more = await reads.messages_after(ctx, principal, conversation_id, after_seq)
    if messages or wait <= 0 or conv.status not in OPEN_STATUSES:
        return reads.page_of(conv, messages, more)
    subscription = ctx.bus.subscription()
    await subscription.add(conversation_channel(conv.id))
    try:
        # Listen first, then look again: a message committed between the first read and
        # the subscription would otherwise wait for the next one.
        conv, messages, more = await reads.messages_after(ctx, principal, conv.id, after_seq)
        if messages:
            return reads.page_of(conv, messages, more)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while (remaining := deadline - loop.time()) > 0:
            try:
                item = await asyncio.wait_for(subscription.get(), remaining)
            except TimeoutError:
                break
            if isinstance(item, Lagged) or isinstance(item[1], MessageOut | ConversationOut):
                conv, messages, more = await reads.messages_after(
                    ctx, principal, conv.id, after_seq
                )
                if messages or conv.status not in OPEN_STATUSES:
                    return reads.page_of(conv, messages, more)
        conv, messages, more = await reads.messages_after(ctx, principal, conv.id, after_seq)
        return reads.page_of(conv, messages, more)
    finally:
        await subscription.close()
