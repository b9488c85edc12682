"""Supervision: whispers between a supervisor and a chat's counselor, and the supervisors
who joined a chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

# A whisper's body is bound to its own row, like a message's.
WHISPER_AAD = "whisper:{id}"


class Whisper(Base):
    """A line between staff about a running chat. Never a message: it lives apart from
    `messages`, so no path that reads a transcript (the chatter's, long-poll, replay)
    can ever carry one to the chatter."""

    __tablename__ = "whispers"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_id"),
        Index("ix_whispers_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    client_id: Mapped[str] = mapped_column(String(36))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[Sealed] = mapped_column(EncryptedText(aad=WHISPER_AAD))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def whisper_aad(whisper_id: str) -> bytes:
    return WHISPER_AAD.format(id=whisper_id).encode()


class SupervisorJoin(Base):
    """A supervisor who joined a chat: from then on a party to it, writing as a counselor."""

    __tablename__ = "supervisor_joins"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
