"""Supervision: whispers, joining a chat and taking it over. Each function is one
transaction; what it tells sockets goes out after the commit."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat.access import visible_conversation
from keerpunt.chat.actions import SYSTEM_TEXT, _append, _status
from keerpunt.chat.models import Conversation
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid
from keerpunt.privacy import audit
from keerpunt.realtime.events import WhisperAuthor, WhisperOut, user_channel
from keerpunt.supervision import store
from keerpunt.supervision.models import SupervisorJoin, Whisper, whisper_aad

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Whispered:
    whisper: WhisperOut
    created: bool


def whisper_out(ctx: Context, row: Whisper, name: str) -> WhisperOut:
    return WhisperOut(
        conversation=row.conversation_id,
        id=row.id,
        client_id=row.client_id,
        author=WhisperAuthor(id=row.author_id, name=name),
        body=ctx.keyring.open(row.body, whisper_aad(row.id)),
        created_at=row.created_at,
    )


async def whisper(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, client_id: str, body: str
) -> Whispered:
    """A line from a supervisor to the chat's counselor, or back. Stored apart from the
    chat's messages and sent only to staff, each on their own channel: the counselor, the
    supervisors who joined, observe or whispered in this chat, and the writer. A repeated
    client_id returns the stored one."""
    client_id = str(uuid.UUID(client_id))
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, staff, conversation_id, "conversation.whisper", lock=True
        )
        existing = await store.whisper_by_client_id(tx.session, conv.id, client_id)
        user = await accounts_store.user_by_id(tx.session, staff.user_id)
        name = user.display_name if user is not None else staff.username
        if existing is not None:
            author = await accounts_store.user_by_id(tx.session, existing.author_id)
            out = whisper_out(ctx, existing, author.display_name if author else "")
            return Whispered(out, created=False)
        if not body.strip():
            raise Invalid("a whisper needs some text", code="empty_message")
        if conv.status != "active":
            raise Conflict("this conversation is not active", code="not_active")
        row_id = str(uuid.uuid4())
        row = Whisper(
            id=row_id,
            conversation_id=conv.id,
            client_id=client_id,
            author_id=staff.user_id,
            body=ctx.keyring.seal(body, whisper_aad(row_id)),
            created_at=ctx.clock.now(),
        )
        tx.session.add(row)
        await tx.session.flush()
        out = WhisperOut(
            conversation=conv.id,
            id=row.id,
            client_id=client_id,
            author=WhisperAuthor(id=staff.user_id, name=name),
            body=body,
            created_at=row.created_at,
        )
        for user_id in await _staff_side(tx, conv):
            tx.publish(user_channel(user_id), out)
    log.info("whisper", extra={"conversation": conv.id, "user_id": staff.user_id})
    return Whispered(out, created=True)


async def _staff_side(tx: Tx, conv: Conversation) -> set[int]:
    """Who hears a chat's whispers: its counselor, the supervisors who joined or observe
    it, and everyone who whispered in it (the writer of this one included)."""
    users = await store.whisper_authors(tx.session, conv.id)
    users |= await store.joined(tx.session, conv.id)
    users |= await store.watching_supervisors(tx.session, conv.id)
    if conv.counselor_id is not None:
        users.add(conv.counselor_id)
    return users


async def join(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> Conversation:
    """The supervisor writes in the chat too. The chatter reads a neutral line, and the
    supervisor's messages look like any counselor's. Joining again changes nothing."""
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, staff, conversation_id, "conversation.join", lock=True
        )
        if conv.status != "active":
            raise Conflict("this conversation is not active", code="not_active")
        if conv.counselor_id == staff.user_id or staff.user_id in await store.joined(
            tx.session, conv.id
        ):
            return conv
        now = ctx.clock.now()
        joined = SupervisorJoin(conversation_id=conv.id, user_id=staff.user_id, created_at=now)
        tx.session.add(joined)
        _append(ctx, tx, conv, "system", SYSTEM_TEXT["colleague_joined"], code="colleague_joined")
        await audit.record(ctx, tx, staff, "supervisor_joined", conversation=conv.id)
    log.info("supervisor joined", extra={"conversation": conv.id, "user_id": staff.user_id})
    return conv


async def take_over(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> Conversation:
    """The chat moves to the supervisor. The chatter reads that a colleague continues; the
    previous counselor reads the same line, then loses the chat (their sockets look at the
    access table again on the status frame). Taking over one's own chat changes nothing."""
    async with ctx.write() as tx:
        conv = await visible_conversation(
            tx.session, staff, conversation_id, "conversation.takeover", lock=True
        )
        if conv.status != "active":
            raise Conflict("this conversation is not active", code="not_active")
        if conv.counselor_id == staff.user_id:
            return conv
        previous = conv.counselor_id
        conv.counselor_id = staff.user_id
        _append(ctx, tx, conv, "system", SYSTEM_TEXT["transferred"], code="transferred")
        _status(tx, conv)
        await audit.record(
            ctx, tx, staff, "taken_over", conversation=conv.id, subject=f"user:{previous}"
        )
    log.info("conversation taken over", extra={"conversation": conv.id, "user_id": staff.user_id})
    return conv
