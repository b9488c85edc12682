"""The socket gateway: one `Connection` per socket.

Thin by design: it authenticates the socket with a ticket, parses frames against the
catalogue, calls chat actions, and forwards bus events in order. Per conversation it keeps
the seq the client holds (`Stream`), so replay and live events meet without loss or
doubles; a gap or an overflowed bus queue is filled from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress

from pydantic import ValidationError
from starlette.websockets import (
    WebSocket,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import (
    ChatterPrincipal,
    Principal,
    StaffPrincipal,
)
from keerpunt.chat import actions as chat
from keerpunt.chat import reads
from keerpunt.chat.access import takes_chats
from keerpunt.context import Context
from keerpunt.core.errors import DomainError
from keerpunt.realtime.actions import redeem_ticket
from keerpunt.realtime.bus import Lagged, Subscription
from keerpunt.realtime.delivery import Decision, Stream
from keerpunt.realtime.events import (
    STAFF_CHANNEL,
    SUPERVISOR_CHANNEL,
    Ack,
    AlertOut,
    ConversationOut,
    ErrorOut,
    Frame,
    Heartbeat,
    Hello,
    MessageOut,
    Ping,
    Pong,
    QueuePosition,
    QueueSnapshot,
    ReadIn,
    ReadOut,
    Ready,
    Send,
    SessionsEnded,
    Subscribe,
    TypingIn,
    TypingOut,
    Unsubscribe,
    client_frame,
    conversation_channel,
    staff_user_channel,
)

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_SUBSCRIPTIONS = 50
# Close codes (RFC 6455).
CLOSE_POLICY = 1008
CLOSE_UNSUPPORTED = 1003
CLOSE_TOO_BIG = 1009
SESSION_ENDED = "the staff session ended"


class Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def socket_endpoint(websocket: WebSocket) -> None:
    ctx: Context = websocket.app.state.ctx
    await websocket.accept()
    try:
        principal = await _handshake(ctx, websocket)
        connection = Connection(ctx, websocket, principal)
        await connection.run()
    except Closing as closing:
        with suppress(Exception):
            await websocket.send_text(
                ErrorOut(code="closing", reason=closing.reason).model_dump_json()
            )
            await websocket.close(closing.code, closing.reason)
    except WebSocketDisconnect:
        pass


async def _receive_text(websocket: WebSocket) -> str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raise Closing(CLOSE_UNSUPPORTED, "only text frames are accepted")
    if len(text) > MAX_FRAME_BYTES // 4 and len(text.encode()) > MAX_FRAME_BYTES:
        raise Closing(CLOSE_TOO_BIG, "frame too large")
    assert isinstance(text, str)
    return text


async def _handshake(ctx: Context, websocket: WebSocket) -> Principal:
    try:
        raw = await asyncio.wait_for(_receive_text(websocket), ctx.settings.hello_timeout_seconds)
    except TimeoutError as exc:
        raise Closing(CLOSE_POLICY, "no hello received in time") from exc
    try:
        frame = client_frame.validate_json(raw)
    except ValidationError as exc:
        raise Closing(CLOSE_POLICY, "the first frame must be hello with a ticket") from exc
    if not isinstance(frame, Hello):
        raise Closing(CLOSE_POLICY, "the first frame must be hello with a ticket")
    principal = await redeem_ticket(ctx, frame.ticket)
    if principal is None:
        raise Closing(CLOSE_POLICY, "unknown, used or expired ticket")
    return principal


def _invalid_reason(exc: ValidationError) -> str:
    # Only the field and the rule: never echo the input back.
    first = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "frame"
    return f"{where}: {first.get('msg', 'invalid')}"


class Connection:
    def __init__(self, ctx: Context, websocket: WebSocket, principal: Principal) -> None:
        self.ctx = ctx
        self.websocket = websocket
        self.principal = principal
        self.streams: dict[str, Stream] = {}
        self.subscription: Subscription = ctx.bus.subscription()
        self._send_lock = asyncio.Lock()
        # Held while a conversation's messages go out, so replay and live events never
        # interleave.
        self._deliver_lock = asyncio.Lock()
        self.role = "chatter" if isinstance(principal, ChatterPrincipal) else "counselor"

    async def send(self, frame: Frame) -> None:
        async with self._send_lock:
            try:
                await self.websocket.send_text(frame.model_dump_json())
            except WebSocketDisconnected as exc:
                # The client left while another task still had frames for it: an ordinary
                # disconnect, and what it missed it gets on resume.
                raise WebSocketDisconnect(1006) from exc

    async def run(self) -> None:
        is_staff = isinstance(self.principal, StaffPrincipal)
        await self.send(
            Ready(
                role="staff" if is_staff else "chatter",
                heartbeat_seconds=self.ctx.settings.heartbeat_seconds,
            )
        )
        if isinstance(self.principal, StaffPrincipal):
            # Log-out, an admin or a disabled account ends the session: the socket closes.
            await self.subscription.add(staff_user_channel(self.principal.user_id))
        if isinstance(self.principal, StaffPrincipal) and takes_chats(self.principal):
            await self.subscription.add(STAFF_CHANNEL)
        if isinstance(self.principal, StaffPrincipal) and self.principal.has("supervisor"):
            await self.subscription.add(SUPERVISOR_CHANNEL)
        tasks = [
            asyncio.create_task(self._read_loop(), name="socket-read"),
            asyncio.create_task(self._pump(), name="socket-pump"),
            asyncio.create_task(self._heartbeat(), name="socket-heartbeat"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.subscription.close()

    # Client to server ------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while True:
            raw = await _receive_text(self.websocket)
            try:
                data = json.loads(raw)
            except ValueError:
                await self.send(ErrorOut(code="bad_json", reason="a frame is one JSON object"))
                continue
            try:
                frame = client_frame.validate_python(data)
            except ValidationError as exc:
                # Name the refused send, so the client can stop retrying that message.
                client_id = data.get("client_id") if isinstance(data, dict) else None
                await self.send(
                    ErrorOut(
                        code="invalid_frame",
                        reason=_invalid_reason(exc),
                        client_id=client_id if isinstance(client_id, str) else None,
                    )
                )
                continue
            await self._handle(frame)

    async def _handle(self, frame: Frame) -> None:
        conversation = getattr(frame, "conversation", None)
        client_id = str(frame.client_id) if isinstance(frame, Send) else None
        try:
            if isinstance(frame, Subscribe):
                await self._subscribe(frame.conversation, frame.after_seq)
            elif isinstance(frame, Unsubscribe):
                await self._unsubscribe(frame.conversation)
            elif isinstance(frame, Send):
                sent = await chat.send_message(
                    self.ctx, self.principal, frame.conversation, str(frame.client_id), frame.body
                )
                await self.send(
                    Ack(
                        conversation=sent.message.conversation,
                        client_id=sent.message.client_id,
                        seq=sent.message.seq,
                        created_at=sent.message.created_at,
                    )
                )
            elif isinstance(frame, TypingIn):
                await chat.signal_typing(self.ctx, self.principal, frame.conversation, frame.active)
            elif isinstance(frame, ReadIn):
                await chat.signal_read(self.ctx, self.principal, frame.conversation, frame.seq)
            elif isinstance(frame, Ping):
                await self.send(Pong(conversations=await self._last_seqs()))
            elif isinstance(frame, Hello):
                await self.send(ErrorOut(code="already_ready", reason="hello was already accepted"))
        except DomainError as error:
            await self.send(
                ErrorOut(
                    code=error.code,
                    reason=error.reason,
                    conversation=conversation,
                    client_id=client_id,
                )
            )

    async def _subscribe(self, conversation_id: str, after_seq: int) -> None:
        if conversation_id not in self.streams and len(self.streams) >= MAX_SUBSCRIPTIONS:
            raise DomainError(
                f"at most {MAX_SUBSCRIPTIONS} subscriptions per socket",
                code="too_many_subscriptions",
            )
        # Checks access and the cursor before anything is registered.
        view = await reads.conversation_view(self.ctx, self.principal, conversation_id)
        if after_seq > view.last_seq:
            raise reads.bad_cursor(after_seq, view.last_seq)
        # Listen before replaying: whatever commits during the replay arrives as a live
        # event and is either delivered next or skipped as already sent.
        await self.subscription.add(conversation_channel(conversation_id))
        async with self._deliver_lock:
            self.streams[conversation_id] = Stream(after_seq)
            await self._catch_up(conversation_id)
        view = await reads.conversation_view(self.ctx, self.principal, conversation_id)
        await self.send(
            ConversationOut(conversation=view.id, status=view.status, last_seq=view.last_seq)
        )
        if view.position is not None:
            await self.send(
                QueuePosition(
                    conversation=view.id,
                    position=view.position,
                    estimated_wait_seconds=view.estimated_wait_seconds,
                )
            )

    async def _unsubscribe(self, conversation_id: str) -> None:
        async with self._deliver_lock:
            self.streams.pop(conversation_id, None)
        await self.subscription.remove(conversation_channel(conversation_id))

    async def _catch_up(self, conversation_id: str) -> None:
        """Send what the database holds after the client's position. Caller holds the lock."""
        stream = self.streams[conversation_id]
        while True:
            _, messages, more = await reads.messages_after(
                self.ctx, self.principal, conversation_id, stream.last
            )
            for message in messages:
                await self.send(message)
                stream.delivered(message.seq)
            if not more:
                return

    # Server to client ------------------------------------------------------------------

    async def _pump(self) -> None:
        while True:
            item = await self.subscription.get()
            if isinstance(item, Lagged):
                async with self._deliver_lock:
                    for conversation_id in list(self.streams):
                        await self._catch_up_or_drop(conversation_id)
                continue
            _, frame = item
            if isinstance(frame, SessionsEnded):
                if (
                    isinstance(self.principal, StaffPrincipal)
                    and self.principal.session_hash in frame.sessions
                ):
                    raise Closing(CLOSE_POLICY, SESSION_ENDED)
            elif isinstance(frame, MessageOut):
                await self._deliver(frame)
            elif isinstance(frame, QueueSnapshot | AlertOut):
                await self.send(frame)
            elif isinstance(frame, TypingOut | ReadOut):
                who = frame.sender if isinstance(frame, TypingOut) else frame.reader
                if frame.conversation in self.streams and who != self.role:
                    await self.send(frame)
            elif (
                isinstance(frame, ConversationOut | QueuePosition)
                and frame.conversation in self.streams
            ):
                await self.send(frame)

    async def _deliver(self, message: MessageOut) -> None:
        async with self._deliver_lock:
            stream = self.streams.get(message.conversation)
            if stream is None:
                return
            decision = stream.decide(message.seq)
            if decision is Decision.DELIVER:
                await self.send(message)
                stream.delivered(message.seq)
            elif decision is Decision.GAP:
                await self._catch_up_or_drop(message.conversation)

    async def _catch_up_or_drop(self, conversation_id: str) -> None:
        """Catch up; if access is gone (the conversation was taken away), stop streaming it.
        Caller holds the lock."""
        try:
            await self._catch_up(conversation_id)
        except DomainError as error:
            self.streams.pop(conversation_id, None)
            await self.subscription.remove(conversation_channel(conversation_id))
            await self.send(
                ErrorOut(code=error.code, reason=error.reason, conversation=conversation_id)
            )

    async def _last_seqs(self) -> dict[str, int]:
        return await reads.last_seqs(self.ctx, list(self.streams))

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.ctx.settings.heartbeat_seconds)
            if self.websocket.client_state is not WebSocketState.CONNECTED:
                return
            # A session that expired (idle or absolute) closes its socket too; checked
            # without marking it used, so an open console alone does not keep it alive.
            if isinstance(self.principal, StaffPrincipal) and (
                await accounts.staff_by_session_hash(
                    self.ctx, self.principal.session_hash, touch=False
                )
                is None
            ):
                raise Closing(CLOSE_POLICY, SESSION_ENDED)
            await self.send(Heartbeat(conversations=await self._last_seqs()))
