"""The socket gateway: one `Connection` per socket.

Thin by design: it authenticates the socket with a ticket, parses frames against the
catalogue, calls chat actions, and forwards bus events in order. Per conversation it keeps
the seq the client holds (`Stream`), so replay and live events meet without loss or
doubles; a gap or an overflowed bus queue is filled from the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from pydantic import ValidationError
from pydantic_core import ErrorDetails, from_json
from starlette.websockets import (
    WebSocket,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)

from keerpunt.accounts import access
from keerpunt.accounts import actions as accounts
from keerpunt.accounts import reads as accounts_reads
from keerpunt.accounts.principals import (
    ChatterPrincipal,
    Principal,
    StaffPrincipal,
)
from keerpunt.chat import actions as chat
from keerpunt.chat import reads
from keerpunt.context import Context
from keerpunt.core.errors import Blocked, DomainError, Refused, TooMany
from keerpunt.core.origin import own_origin_matches
from keerpunt.deps import source_of
from keerpunt.privacy import actions as privacy
from keerpunt.realtime.actions import redeem_ticket
from keerpunt.realtime.bus import Lagged, Subscription
from keerpunt.realtime.delivery import Decision, Stream
from keerpunt.realtime.events import (
    STAFF_CHANNEL,
    SUPERVISOR_CHANNEL,
    AccessChanged,
    Ack,
    AlertOut,
    ConversationOut,
    ErrorOut,
    Frame,
    Heartbeat,
    Hello,
    MessageOut,
    OfferOut,
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
    TransferOut,
    TypingIn,
    TypingOut,
    Unsubscribe,
    WhisperOut,
    client_frame,
    conversation_channel,
    user_channel,
)

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_SUBSCRIPTIONS = 50
# Close codes (RFC 6455).
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
SESSION_ENDED = "the staff session ended"

# The access table's operation for each client frame that acts on a conversation (the
# chat actions check the same ones); `hello` and `ping` act on nothing.
SOCKET_OPERATIONS = {
    "subscribe": "conversation.subscribe",
    "send": "conversation.send",
    "typing": "conversation.typing",
    "read": "conversation.read_receipt",
}
# The channels a staff socket hears, each while the table grants its operation.
STAFF_CHANNELS = {STAFF_CHANNEL: "queue.read", SUPERVISOR_CHANNEL: "alerts.receive"}


class Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def socket_endpoint(websocket: WebSocket) -> None:
    ctx: Context = websocket.app.state.ctx
    # A page on another site may open a socket to us in its visitor's browser (cookies
    # and all): only our own pages get one. Refused before the upgrade, so the browser
    # sees HTTP 403 and the foreign page learns nothing more.
    if not own_origin_matches(
        websocket.headers.get("origin"), websocket.headers.get("host"), ctx.settings.public_origin
    ):
        await websocket.close(CLOSE_POLICY)
        return
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
        # 1008 rather than 1003: SECURITY.md S09 names 1007/1008/1009 as the closes a
        # client may meet, and a binary frame breaks the protocol's policy of JSON text.
        raise Closing(CLOSE_POLICY, "only text frames are accepted")
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


# pydantic's messages for these quote the input (a frame type, a character of a UUID);
# the reason names the rule only.
_FIXED_MESSAGES = {
    "union_tag_invalid": "unknown frame type",
    "union_tag_not_found": "a frame needs a type",
    "model_attributes_type": "a frame is one JSON object",
    "model_type": "a frame is one JSON object",
    "uuid_parsing": "Input should be a valid UUID",
    "uuid_type": "Input should be a valid UUID",
    "extra_forbidden": "unknown field",
    "json_invalid": "not valid JSON",
}


def _invalid_reason(exc: ValidationError, data: Any) -> str:
    """The frame, the field and the rule, never the input: not a value, not a key the
    client made up, not a frame type that does not exist."""
    first: ErrorDetails = exc.errors(include_input=False, include_url=False)[0]
    loc = [str(part) for part in first.get("loc", ())]
    if first["type"] == "extra_forbidden":
        loc = loc[:-1]  # the unknown key itself is the client's text
    where = ".".join(loc) or "frame"
    message = _FIXED_MESSAGES.get(first["type"], first.get("msg", "invalid"))
    if any(len(value) >= 3 and value in message for value in _strings(data)):
        message = "invalid value"
    return f"{where}: {message}"


def _strings(data: Any) -> list[str]:
    """The top-level strings of a frame (its values and keys), to keep out of reasons."""
    if isinstance(data, dict):
        return [str(key) for key in data] + [v for v in data.values() if isinstance(v, str)]
    return [data] if isinstance(data, str) else []


def _as_id(value: object) -> str | None:
    """An id from a frame, fit to repeat in an error (so the client knows which chat or
    message it concerns): a UUID in its canonical form, or nothing. Whatever else a client
    wrote does not come back."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(UUID(value))
    except ValueError:
        return None


class FrameBudget:
    """A token bucket over the frames one socket sends: `burst` at once, then `rate` a
    second. `take` says how long to wait before handling the frame just read; the read
    loop waits that long, so a flooding client is read more slowly (TCP pushes back on
    it) and no other socket or the database feels it (SECURITY.md S09)."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.now = now
        self.at = now()

    def take(self) -> float:
        moment = self.now()
        self.tokens = min(self.burst, self.tokens + (moment - self.at) * self.rate)
        self.at = moment
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Connection:
    def __init__(self, ctx: Context, websocket: WebSocket, principal: Principal) -> None:
        self.ctx = ctx
        self.websocket = websocket
        self.principal = principal
        self.streams: dict[str, Stream] = {}
        self.subscription: Subscription = ctx.bus.subscription()
        self._send_lock = asyncio.Lock()
        self._now = asyncio.get_running_loop().time
        # When the last frame went out (see `beat`).
        self._sent_at = self._now()
        # Held while a conversation's messages go out, so replay and live events never
        # interleave.
        self._deliver_lock = asyncio.Lock()
        self.role = "chatter" if isinstance(principal, ChatterPrincipal) else "counselor"
        self.budget = FrameBudget(
            ctx.settings.socket_frames_per_second,
            ctx.settings.socket_frame_burst,
            asyncio.get_running_loop().time,
        )
        # Today's keyed hash of the address the socket came from, for the abuse limits.
        self.source = source_of(websocket.scope)
        # Set when a heartbeat finds that the socket must close (its staff session ended).
        self._stopped: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._stopped.add_done_callback(_retrieve)

    async def send(self, frame: Frame) -> None:
        async with self._send_lock:
            try:
                await self.websocket.send_text(frame.wire)
                self._sent_at = self._now()
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
            await self.subscription.add(user_channel(self.principal.user_id))
            await self._follow_roles()
        # The reading runs in this task and the pump beside it. Either way out, the pump
        # failing or a heartbeat's stop, interrupts the reading; a second task and an
        # asyncio.wait would cost every idle socket about 2 KiB.
        reader = asyncio.current_task()
        assert reader is not None
        interrupted = False

        def interrupt(_: object) -> None:
            nonlocal interrupted
            if not interrupted:
                interrupted = True
                reader.cancel()

        pump = asyncio.create_task(self._pump(), name="socket-pump")
        pump.add_done_callback(interrupt)
        self._stopped.add_done_callback(interrupt)
        heartbeats = _heartbeats(self.ctx)
        heartbeats.join(self)
        try:
            try:
                await self._read_loop()
            except asyncio.CancelledError:
                if not interrupted or reader.uncancel() > 0:
                    raise  # cancelled from outside too: the server is stopping
            # Interrupted: end with the reason.
            if self._stopped.done():
                self._stopped.result()
            pump.result()
        finally:
            heartbeats.leave(self)
            pump.remove_done_callback(interrupt)
            self._stopped.remove_done_callback(interrupt)
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            await self.subscription.close()

    # Client to server ------------------------------------------------------------------

    async def _read_loop(self) -> None:
        slowed = 0  # frames in a row that came over budget
        while True:
            raw = await _receive_text(self.websocket)
            wait = self.budget.take()
            if wait:
                slowed += 1
                # Twice the burst over budget without a pause is no page: a page sends a
                # few frames a minute. An honest client is only ever slowed, never cut.
                if slowed > 2 * self.budget.burst:
                    raise Closing(CLOSE_POLICY, "too many frames")
                if slowed == 1:
                    # Nothing is refused: the frames are read later.
                    await self.send(
                        ErrorOut(code="slow_down", reason="too many frames: reading more slowly")
                    )
                await asyncio.sleep(wait)
            else:
                slowed = 0
            try:
                # Parsed and checked in one pass (jiter, which stops at a nesting depth of
                # 200 with an error where json.loads recurses until RecursionError).
                frame = client_frame.validate_json(raw)
            except ValidationError as exc:
                # Parsed again, only for a refusal: what to name and what to leave out.
                try:
                    data = from_json(raw)
                except ValueError:
                    await self.send(ErrorOut(code="bad_json", reason="a frame is one JSON object"))
                    continue
                await self.send(
                    ErrorOut(
                        code="invalid_frame",
                        reason=_invalid_reason(exc, data),
                        # A refused send is named, so the client stops retrying it.
                        client_id=_as_id(data.get("client_id")) if isinstance(data, dict) else None,
                    )
                )
                continue
            await self._handle(frame)

    async def _handle(self, frame: Frame) -> None:
        conversation = _as_id(getattr(frame, "conversation", None))
        client_id = str(frame.client_id) if isinstance(frame, Send) else None
        try:
            if isinstance(frame, Subscribe):
                await self._subscribe(frame.conversation, frame.after_seq)
            elif isinstance(frame, Unsubscribe):
                await self._unsubscribe(frame.conversation)
            elif isinstance(frame, Send):
                sent = await chat.send_message(
                    self.ctx,
                    self.principal,
                    frame.conversation,
                    str(frame.client_id),
                    frame.body,
                    source=self.source,
                )
                await self._acknowledge(sent.message)
            elif isinstance(frame, TypingIn):
                await chat.signal_typing(self.ctx, self.principal, frame.conversation, frame.active)
            elif isinstance(frame, ReadIn):
                await chat.signal_read(self.ctx, self.principal, frame.conversation, frame.seq)
            elif isinstance(frame, Ping):
                await self.send(Pong(conversations=await self._last_seqs()))
            elif isinstance(frame, Hello):
                await self.send(ErrorOut(code="already_ready", reason="hello was already accepted"))
        except DomainError as error:
            if isinstance(error, Refused) and isinstance(self.principal, StaffPrincipal):
                await privacy.record_denied(
                    self.ctx,
                    self.principal,
                    f"socket {getattr(frame, 'type', '')}",
                    error.conversation,
                )
            # Over a limit or blocked, the send was not stored: the client keeps it and
            # sends it again after `retry_after`, with the same client_id. The socket stays.
            await self.send(
                ErrorOut(
                    code=error.code,
                    reason=error.reason,
                    conversation=conversation,
                    client_id=client_id,
                    retry_after=error.retry_after if isinstance(error, TooMany | Blocked) else None,
                )
            )

    async def _acknowledge(self, message: MessageOut) -> None:
        """The ack of a stored send. When the message is the next one this socket's
        stream is due, the ack carries it and the stream counts it delivered, so the
        live event skips this socket; otherwise (not subscribed, a retry already shown,
        an earlier message still on its way) the ack goes alone and the stream delivers
        the message in its turn."""
        async with self._deliver_lock:
            stream = self.streams.get(message.conversation)
            if stream is not None and stream.decide(message.seq) is not Decision.DELIVER:
                stream = None
            await self.send(
                Ack(
                    conversation=message.conversation,
                    client_id=message.client_id,
                    seq=message.seq,
                    created_at=message.created_at,
                    message=message if stream is not None else None,
                )
            )
            if stream is not None:
                stream.delivered(message.seq)

    async def _subscribe(self, conversation_id: str, after_seq: int) -> None:
        if conversation_id not in self.streams and len(self.streams) >= MAX_SUBSCRIPTIONS:
            raise DomainError(
                f"at most {MAX_SUBSCRIPTIONS} subscriptions per socket",
                code="too_many_subscriptions",
            )
        # Listen before reading: whatever commits after the read arrives as a live event
        # and is either delivered next or skipped as already sent. One read checks access
        # and the cursor, and holds the first page and the full view (with the place in
        # the queue); when it refuses, the listening stops again.
        channel = conversation_channel(conversation_id)
        listening = conversation_id in self.streams
        await self.subscription.add(channel)
        operation = SOCKET_OPERATIONS["subscribe"]
        async with self._deliver_lock:
            try:
                view, messages, more = await reads.opening_page(
                    self.ctx, self.principal, conversation_id, after_seq, operation
                )
            except BaseException:
                if not listening:
                    await self.subscription.remove(channel)
                raise
            stream = self.streams[conversation_id] = Stream(after_seq)
            for message in messages:
                await self.send(message)
                stream.delivered(message.seq)
            if more:
                await self._catch_up(conversation_id)
            replayed = stream.last - after_seq
        if isinstance(self.principal, StaffPrincipal):
            # The subscription is the read: its replay and what arrives live after it.
            await privacy.record_chat_read(
                self.ctx, self.principal, conversation_id, count=replayed, via="socket"
            )
        # A replay of several pages may have read past the view's snapshot.
        last_seq = max(view.last_seq, stream.last)
        await self.send(
            ConversationOut(conversation=view.id, status=view.status, last_seq=last_seq)
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
                self.ctx,
                self.principal,
                conversation_id,
                stream.last,
                SOCKET_OPERATIONS["subscribe"],
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
            elif isinstance(frame, AccessChanged):
                await self._recheck_all()
            elif isinstance(frame, QueueSnapshot | AlertOut | WhisperOut):
                await self.send(frame)
            elif isinstance(frame, OfferOut | TransferOut):
                # Published only on the user channel of the counselor concerned.
                await self.send(frame)
            elif isinstance(frame, TypingOut | ReadOut):
                who = frame.sender if isinstance(frame, TypingOut) else frame.reader
                if frame.conversation in self.streams and who != self.role:
                    await self.send(frame)
            elif isinstance(frame, ConversationOut) and frame.conversation in self.streams:
                # A change of status or of counselor may take the conversation away.
                if await self._still_allowed(frame.conversation):
                    await self.send(frame)
            elif isinstance(frame, QueuePosition) and frame.conversation in self.streams:
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

    async def _follow_roles(self) -> None:
        """Hear the staff channels the table grants now, and only those."""
        for channel, operation in STAFF_CHANNELS.items():
            if access.may(self.principal, operation):
                await self.subscription.add(channel)
            else:
                await self.subscription.remove(channel)

    async def _reload_session(self) -> bool:
        """The staff session as it is now, read without marking it used (an open console
        alone does not keep a session alive). Closes the socket when the session ended
        (logged out, expired, the account disabled); answers whether the roles changed."""
        assert isinstance(self.principal, StaffPrincipal)
        return self._renew(
            await accounts.staff_by_session_hash(self.ctx, self.principal.session_hash, touch=False)
        )

    def _renew(self, principal: StaffPrincipal | None) -> bool:
        """Take the session as read now (None: it ended, and the socket closes); answers
        whether the roles changed."""
        assert isinstance(self.principal, StaffPrincipal)
        if principal is None:
            raise Closing(CLOSE_POLICY, SESSION_ENDED)
        changed = principal.roles != self.principal.roles
        self.principal = principal
        return changed

    async def _recheck_all(self) -> None:
        """The staff member's roles changed: act as the session now allows."""
        await self._reload_session()
        await self._apply_roles()

    async def _apply_roles(self) -> None:
        await self._follow_roles()
        for conversation_id in list(self.streams):
            await self._still_allowed(conversation_id)

    async def _still_allowed(self, conversation_id: str) -> bool:
        """Whether the table still lets this socket follow the conversation; if not, the
        stream stops and the client is told it is not there, as on a refused subscribe."""
        try:
            await reads.require(
                self.ctx, self.principal, conversation_id, SOCKET_OPERATIONS["subscribe"]
            )
        except DomainError as error:
            async with self._deliver_lock:
                self.streams.pop(conversation_id, None)
            await self.subscription.remove(conversation_channel(conversation_id))
            await self.send(
                ErrorOut(code=error.code, reason=error.reason, conversation=conversation_id)
            )
            return False
        return True

    async def _last_seqs(self) -> dict[str, int]:
        return await reads.last_seqs(self.ctx, list(self.streams))

    async def beat(self, seqs: dict[str, int], staff: Mapping[str, StaffPrincipal]) -> None:
        """One heartbeat, with the latest seqs and staff sessions the process's ticker read
        for all sockets. The fallback for a bus event that never came: an ended session
        closes the socket, and changed roles take effect, at the next heartbeat at the
        latest."""
        if self.websocket.client_state is not WebSocketState.CONNECTED:
            return
        try:
            if isinstance(self.principal, StaffPrincipal) and self._renew(
                staff.get(self.principal.session_hash)
            ):
                await self._apply_roles()
            mine = {cid: seqs[cid] for cid in self.streams if cid in seqs}
            if self._beat_says_something(mine):
                await self.send(Heartbeat(conversations=mine))
        except Closing as closing:
            if not self._stopped.done():
                self._stopped.set_exception(closing)
        except (WebSocketDisconnect, OSError, RuntimeError):
            pass  # the socket is going; its own tasks see it and end
        except Exception:
            # The database is away, say: this socket's next heartbeat tries again.
            log.warning("heartbeat failed", exc_info=True)

    def _beat_says_something(self, latest: Mapping[str, int]) -> bool:
        """A beat tells the client two things: the link is alive, and the latest seqs.
        When another frame went out within the last half interval, and this socket has
        already sent every conversation it follows up to the latest seq, the client
        knows both: a busy socket (a console, a chat in full swing) is spared most
        beats. A quiet socket, or one a message has not reached yet, gets its beat.
        Half an interval, so the beat after a skipped one is never skipped (beats come
        an interval apart, give or take the spread of a second): a client hears a frame
        at least every one and a half intervals plus that, well within the two
        intervals and 5 s after which the pages count a link as dead."""
        if self._now() - self._sent_at >= self.ctx.settings.heartbeat_seconds / 2:
            return True
        return any(
            stream.last < latest.get(cid, stream.last) for cid, stream in self.streams.items()
        )


class Heartbeats:
    """One ticker per process for all its sockets. Every heartbeat interval it reads the
    latest seq of every conversation any socket follows, and the staff sessions of its
    consoles, in one query per 1,000 each, and hands each socket its share: 20,000 idle
    sockets cost a few queries per interval, not 800 a second, and no sleeping task each.
    The beats go out as tasks of their own, so a socket whose client reads slowly holds
    up nobody else."""

    CHUNK = 1000
    # A page counts a socket as dead after two heartbeats and 5 s without a frame, so a
    # beat a second late is harmless.
    SLICE = 50
    SPREAD_SECONDS = 1.0

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.connections: set[Connection] = set()
        self._task: asyncio.Task[None] | None = None
        self._beats: set[asyncio.Task[None]] = set()

    def join(self, connection: Connection) -> None:
        self.connections.add(connection)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="socket-heartbeats")

    def leave(self, connection: Connection) -> None:
        self.connections.discard(connection)

    async def _run(self) -> None:
        while self.connections:
            await asyncio.sleep(self.ctx.settings.heartbeat_seconds)
            connections = list(self.connections)
            try:
                seqs = await self._last_seqs(connections)
                staff = await accounts_reads.staff_by_session_hashes(
                    self.ctx,
                    {
                        c.principal.session_hash
                        for c in connections
                        if isinstance(c.principal, StaffPrincipal)
                    },
                )
            except Exception:
                # The database is away: this beat is skipped, the next one tries again.
                log.warning("heartbeat: could not read the latest seqs", exc_info=True)
                continue
            await self._beat_all(connections, seqs, staff)

    async def _beat_all(
        self,
        connections: list[Connection],
        seqs: dict[str, int],
        staff: Mapping[str, StaffPrincipal],
    ) -> None:
        """The beats go out a slice at a time, spread over up to SPREAD_SECONDS: thousands of
        sockets beaten in one turn of the loop would hold every chat message up behind
        them for a good part of a second."""
        spread = min(self.SPREAD_SECONDS, self.ctx.settings.heartbeat_seconds / 5)
        pause = spread * self.SLICE / max(len(connections), 1)
        for start in range(0, len(connections), self.SLICE):
            if start:
                await asyncio.sleep(pause)
            for connection in connections[start : start + self.SLICE]:
                beat = asyncio.create_task(connection.beat(seqs, staff), name="socket-heartbeat")
                self._beats.add(beat)
                beat.add_done_callback(self._beats.discard)

    async def _last_seqs(self, connections: list[Connection]) -> dict[str, int]:
        ids = sorted({cid for connection in connections for cid in connection.streams})
        seqs: dict[str, int] = {}
        for start in range(0, len(ids), self.CHUNK):
            seqs.update(await reads.last_seqs(self.ctx, ids[start : start + self.CHUNK]))
        return seqs


def _retrieve(future: asyncio.Future[None]) -> None:
    """A stop that comes after the socket ended anyway is read here, not logged."""
    if not future.cancelled():
        future.exception()


# One ticker per bus, that is per process in practice (a test may run several apps).
_tickers: WeakKeyDictionary[object, Heartbeats] = WeakKeyDictionary()


def _heartbeats(ctx: Context) -> Heartbeats:
    ticker = _tickers.get(ctx.bus)
    if ticker is None:
        ticker = _tickers[ctx.bus] = Heartbeats(ctx)
    return ticker
