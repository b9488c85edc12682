"""The closed catalogue of socket frames. Nothing else is sent or accepted on a socket.

Client frames are parsed strictly (unknown fields and types are refused); server frames are
built only from these models, so publishing an untyped dict is impossible.
`docs/protocol.md` documents each one, and a test checks the two agree.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_BODY_CHARS = 4000
# seq is a 32-bit column; a larger cursor is refused as invalid before it reaches SQL.
MAX_SEQ = 2**31 - 1


# Conversation ids are UUIDs; letters, digits and dashes keep NUL bytes and quotes away
# from the database (PostgreSQL refuses NUL in text) while anything else id-like still
# answers not_found.
ConversationId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @cached_property
    def wire(self) -> str:
        """The frame as sent, made once: one message goes to every socket that follows
        the conversation, and serialising it for each of them is the same work again.
        Frames are frozen (and never `model_copy`-ed), so the text cannot go stale."""
        return self.model_dump_json()


# Client to server ------------------------------------------------------------------------


class Hello(Frame):
    type: Literal["hello"]
    ticket: str = Field(min_length=1, max_length=200)


class Subscribe(Frame):
    type: Literal["subscribe"]
    conversation: ConversationId
    after_seq: int = Field(default=0, ge=0, le=MAX_SEQ)


class Unsubscribe(Frame):
    type: Literal["unsubscribe"]
    conversation: ConversationId


class Send(Frame):
    type: Literal["send"]
    conversation: ConversationId
    client_id: UUID
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)


class TypingIn(Frame):
    type: Literal["typing"]
    conversation: ConversationId
    active: bool = True


class ReadIn(Frame):
    type: Literal["read"]
    conversation: ConversationId
    seq: int = Field(ge=0, le=MAX_SEQ)


class Ping(Frame):
    type: Literal["ping"]


ClientFrame = Annotated[
    Hello | Subscribe | Unsubscribe | Send | TypingIn | ReadIn | Ping,
    Field(discriminator="type"),
]
client_frame: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


# Server to client ------------------------------------------------------------------------


class Ready(Frame):
    type: Literal["ready"] = "ready"
    role: Literal["chatter", "staff"]
    heartbeat_seconds: float


class MessageOut(Frame):
    type: Literal["message"] = "message"
    conversation: str
    seq: int
    client_id: str
    sender: Literal["chatter", "counselor", "system"]
    body: str
    created_at: datetime
    code: str | None = None


class Ack(Frame):
    type: Literal["ack"] = "ack"
    conversation: str
    client_id: str
    seq: int
    created_at: datetime
    # The stored message itself, when it is the next one this socket's stream of the
    # conversation is due: then it is not sent again as a `message` frame. A frame in
    # place of two is a third of a sent message's frames (ack, echo, delivery).
    message: MessageOut | None = None


class ConversationOut(Frame):
    type: Literal["conversation"] = "conversation"
    conversation: str
    status: Literal["queued", "active", "ended", "abandoned"]
    last_seq: int


class QueuePosition(Frame):
    """To a waiting chatter: where they stand."""

    type: Literal["queue"] = "queue"
    conversation: str
    position: int
    estimated_wait_seconds: int | None


class QueueEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation: str
    position: int
    visitor: str
    waiting_seconds: int
    # The chatter has talked with us before (an account, or a merged duplicate).
    returning: bool = False
    # Offered first to the counselor the chatter spoke with last, for this many seconds.
    offered_to: int | None = None
    offered_seconds: int | None = None


class QueueSnapshot(Frame):
    """To staff: the whole waiting queue, oldest first."""

    type: Literal["queue"] = "queue"
    waiting: list[QueueEntry]


class TypingOut(Frame):
    type: Literal["typing"] = "typing"
    conversation: str
    sender: Literal["chatter", "counselor"]
    active: bool


class ReadOut(Frame):
    type: Literal["read"] = "read"
    conversation: str
    reader: Literal["chatter", "counselor"]
    seq: int


class Heartbeat(Frame):
    """Sent every heartbeat interval: the latest seq of each subscribed conversation, so a
    client that missed a frame sees the gap and subscribes again from what it holds."""

    type: Literal["heartbeat"] = "heartbeat"
    conversations: dict[str, int]


class Pong(Frame):
    type: Literal["pong"] = "pong"
    conversations: dict[str, int]


class AlertOut(Frame):
    """To supervisors online: a counselor marked acute danger in a conversation."""

    type: Literal["alert"] = "alert"
    kind: Literal["acute_danger"]
    conversation: str
    counselor: str
    at: datetime


class OfferOut(Frame):
    """To one counselor: a waiting chat is offered to them (automatic assignment) until
    `expires_at`; "gone" when it was taken, declined, expired or withdrawn."""

    type: Literal["offer"] = "offer"
    conversation: str
    state: Literal["open", "gone"]
    expires_at: datetime | None = None
    visitor: str | None = None
    returning: bool = False


class TransferOut(Frame):
    """To the colleague a chat is handed to ("open", with the sender's note; "gone" when
    it was withdrawn), and back to the sender ("accepted" or "declined")."""

    type: Literal["transfer"] = "transfer"
    transfer: int
    conversation: str
    state: Literal["open", "accepted", "declined", "gone"]
    from_user: int
    from_name: str | None = None
    to_user: int
    to_name: str | None = None
    note: str | None = None
    visitor: str | None = None


class WhisperAuthor(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str


class WhisperOut(Frame):
    """Between a supervisor and a chat's counselor, never to the chatter: sent only on the
    staff members' own channels (`user_channel`), never on the conversation's."""

    # "from" is a Python keyword: the field is `author`, and "from" on the wire.
    model_config = ConfigDict(
        extra="forbid", frozen=True, serialize_by_alias=True, validate_by_name=True
    )

    type: Literal["whisper"] = "whisper"
    conversation: str
    id: str
    client_id: str
    author: WhisperAuthor = Field(alias="from")
    body: str
    created_at: datetime


class AccessChanged(Frame):
    """Between processes only, never sent to a client: what this staff member may do
    changed (roles granted or taken away), so their sockets look at the access table
    again and drop what it no longer allows."""

    type: Literal["access_changed"] = "access_changed"
    user: int


class SessionsEnded(Frame):
    """Between server processes only, never sent to a client: these staff sessions ended
    (a log-out, an admin, a disabled account, a third log-in), so their sockets close."""

    type: Literal["sessions_ended"] = "sessions_ended"
    user: int
    sessions: list[str]


class ErrorOut(Frame):
    type: Literal["error"] = "error"
    code: str
    reason: str
    conversation: str | None = None
    client_id: str | None = None
    # With `rate_limited` and `blocked`: send that message again after this many seconds.
    retry_after: int | None = None


ServerFrame = (
    Ready
    | MessageOut
    | Ack
    | ConversationOut
    | QueuePosition
    | QueueSnapshot
    | TypingOut
    | ReadOut
    | Heartbeat
    | Pong
    | AlertOut
    | OfferOut
    | TransferOut
    | WhisperOut
    | AccessChanged
    | SessionsEnded
    | ErrorOut
)
SERVER_FRAMES: tuple[type[Frame], ...] = (
    Ready,
    MessageOut,
    Ack,
    ConversationOut,
    QueuePosition,
    QueueSnapshot,
    TypingOut,
    ReadOut,
    Heartbeat,
    Pong,
    AlertOut,
    OfferOut,
    TransferOut,
    WhisperOut,
    AccessChanged,
    SessionsEnded,
    ErrorOut,
)
server_frame: TypeAdapter[ServerFrame] = TypeAdapter(ServerFrame)


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def user_channel(user_id: int) -> str:
    """Where the sockets of one staff member hear that their roles changed or that
    sessions of theirs ended."""
    return f"user:{user_id}"


STAFF_CHANNEL = "staff"
SUPERVISOR_CHANNEL = "supervisors"
