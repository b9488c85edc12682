from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.realtime.events import MAX_BODY_CHARS, QueueEntry


class WhisperCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: UUID
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)


class WhisperRead(BaseModel):
    id: str
    conversation: str
    client_id: str
    from_user: int
    from_name: str
    body: str
    created_at: datetime


class CounselorLoad(BaseModel):
    id: int
    name: str
    state: str  # online, paused, offline
    active_chats: int
    max_chats: int
    # With no chat open: since when (the end of the last one); none while chatting or
    # when they never had one.
    idle_since: datetime | None


class RunningChat(BaseModel):
    conversation: str
    counselor_id: int | None
    counselor: str
    visitor: str
    started_at: datetime | None
    # When the chatter last wrote; none before their first message.
    chatter_last_at: datetime | None
    # The last word (apart from system lines) is the chatter's: they wait for an answer.
    waiting_for_reply: bool
    acute_danger: bool
    # Supervisors who joined it.
    joined: list[int]


class LiveRead(BaseModel):
    at: datetime
    queue: list[QueueEntry]
    counselors: list[CounselorLoad]
    running: list[RunningChat]
