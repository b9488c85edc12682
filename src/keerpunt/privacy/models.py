from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base, BigId
from keerpunt.db.types import UTCDateTime


class AuditEntry(Base):
    """One staff read, search, export, merge, handover step or deletion (NEN 7513).

    Append-only and hash-chained: each entry's hash covers its fields and the previous
    entry's hash, so a changed or removed row breaks the chain. The conversation is a
    plain column, not a foreign key: the entry outlives a deleted conversation.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    # The actor's roles at the time, comma-separated; "chatter" for a chatter's own action.
    role: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(12))
    conversation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    # What else the entry is about: a merge, a handover, a taxonomy version.
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(200), nullable=True)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RetentionHold(Base):
    """Keeps a conversation's text past the retention period while it is active (not
    released): a supervisor's review, a complaint, a legal request. Any domain may place
    one; retention only asks whether one is active."""

    __tablename__ = "retention_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # What holds it ("review", "complaint"): a code, never free text.
    reason: Mapped[str] = mapped_column(String(40))
    held_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
