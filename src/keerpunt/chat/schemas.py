from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.realtime.events import MAX_BODY_CHARS, OfferOut, QueueEntry, TransferOut
from keerpunt.registration.schemas import TodoItem

Visitor = Literal["youth", "relative", "professional", "unknown"]
Status = Literal["queued", "active", "ended", "abandoned"]
Sender = Literal["chatter", "counselor", "system"]


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visitor: Visitor = "unknown"
    # The chat page's language, so the counselor's canned replies match it.
    locale: Literal["nl", "en"] = "nl"
    # The code of the campaign link (/c/<code>) the chatter came through; an unknown code
    # still starts the chat, as an organic one.
    ref: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


class ConversationCreated(BaseModel):
    id: str
    token: str
    status: Status
    position: int
    estimated_wait_seconds: int | None


class EndRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # "quick_exit": the chatter left with the quick-exit button or Escape.
    reason: Literal["quick_exit"] | None = None


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Question id to choice id, for the questions the chatter answered (all optional).
    answers: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=32)]] = (
        Field(default_factory=dict, max_length=3)
    )


class OpeningRead(BaseModel):
    open: bool
    opens_at: datetime | None
    closes_at: datetime | None
    # open, closing_soon (open, but no new chat starts: the cut-off), or closed.
    state: Literal["open", "closing_soon", "closed"] = "open"
    # While closing soon: when the chat opens again.
    next_opens_at: datetime | None = None


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: UUID
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)


class MessageAck(BaseModel):
    seq: int
    client_id: str
    created_at: datetime


class MessageRead(BaseModel):
    seq: int
    client_id: str
    sender: Sender
    body: str
    created_at: datetime
    code: str | None = None


class MessagePage(BaseModel):
    status: Status
    last_seq: int
    messages: list[MessageRead]
    # True when more messages follow: ask again with after_seq set to the last one here.
    more: bool


class ConversationRead(BaseModel):
    id: str
    status: Status
    visitor: str
    locale: str = "nl"
    # To staff: the chatter has talked with us before (their history is in the console).
    returning: bool = False
    last_seq: int
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    position: int | None = None
    estimated_wait_seconds: int | None = None
    # When retention deleted the text: reading the messages then answers 410 `purged`.
    purged_at: datetime | None = None


class QueueRead(BaseModel):
    waiting: list[QueueEntry]


class IdleRead(BaseModel):
    """A silent chatter's chat: when the warning went out and when the chat closes."""

    conversation: str
    # When the silence started counting: acceptance, the chatter's last message or the
    # last extension, whichever is latest.
    silent_since: datetime
    warned_at: datetime | None
    # When warned: the moment the chat closes unless the chatter writes or it is extended.
    closes_at: datetime | None


class Snapshot(BaseModel):
    """A staff console rebuilds itself from this on every (re)connect."""

    queue: list[QueueEntry]
    conversations: list[ConversationRead]
    # Ended chats of this counselor whose registration is not finished, oldest first.
    to_register: list[TodoItem] = Field(default_factory=list)
    paused: bool
    max_chats: int
    # The console's remaining time: when the chat closes (None: always open, or not
    # today), the cut-off before it, and the silent chats with their idle countdown.
    closes_at: datetime | None = None
    closing_cutoff_minutes: int = 10
    idle_close_minutes: int = 5
    idle: list[IdleRead] = Field(default_factory=list)
    # Automatic assignment: the chat offered to this counselor now, and the transfers
    # colleagues handed them that wait for an answer (the same frames the socket sends).
    offer: OfferOut | None = None
    transfers: list[TransferOut] = Field(default_factory=list)


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A colleague's user id (warm), or "queue" (cold: back to the queue, first in line).
    to: Annotated[int, Field(ge=1, le=2**31 - 1)] | Literal["queue"]
    # For the colleague only; never shown to the chatter. Only with a warm transfer.
    note: str = Field(default="", max_length=2000)


class TransferRead(BaseModel):
    id: int
    conversation: str
    # open (waits for the colleague), accepted, declined, withdrawn; queued for a cold one.
    state: str
    to: int | None


class ColleagueRead(BaseModel):
    id: int
    name: str
    # Chats held now, and the most this colleague holds at once.
    active: int
    max_chats: int


class ColleaguesRead(BaseModel):
    colleagues: list[ColleagueRead]
