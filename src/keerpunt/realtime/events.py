"""The closed catalogue of socket frames. Nothing else is sent or accepted on a socket.

Client frames are parsed strictly (unknown fields and types are refused); server frames are
built only from these models, so publishing an untyped dict is impossible.
`docs/protocol.md` documents each one, and a test checks the two agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_BODY_CHARS = 4000


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Client to server ------------------------------------------------------------------------


class Hello(Frame):
    type: Literal["hello"]
    ticket: str = Field(min_length=1, max_length=200)


class Subscribe(Frame):
    type: Literal["subscribe"]
    conversation: str = Field(min_length=1, max_length=64)
    after_seq: int = Field(default=0, ge=0)


class Unsubscribe(Frame):
    type: Literal["unsubscribe"]
    conversation: str = Field(min_length=1, max_length=64)


class Send(Frame):
    type: Literal["send"]
    conversation: str = Field(min_length=1, max_length=64)
    client_id: UUID
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)


class TypingIn(Frame):
    type: Literal["typing"]
    conversation: str = Field(min_length=1, max_length=64)
    active: bool = True


class ReadIn(Frame):
    type: Literal["read"]
    conversation: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=0)


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
    SessionsEnded,
    ErrorOut,
)
server_frame: TypeAdapter[ServerFrame] = TypeAdapter(ServerFrame)


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def staff_user_channel(user_id: int) -> str:
    """Where the sockets of one staff member hear that sessions of theirs ended."""
    return f"staff-user:{user_id}"


STAFF_CHANNEL = "staff"
SUPERVISOR_CHANNEL = "supervisors"
