from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

NOTES_AAD = "registration-notes:{conversation_id}"


class TaxonomyVersion(Base):
    """A loaded taxonomy file, kept verbatim: a version never changes once loaded."""

    __tablename__ = "taxonomy_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Registration(Base):
    """What the counselor registered about one conversation, in the codes of one taxonomy
    version, and the facts the system derived. Categorical data stays for reports after
    retention removes the transcript; the notes go with it."""

    __tablename__ = "registrations"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    taxonomy_version: Mapped[int] = mapped_column(ForeignKey("taxonomy_versions.version"))
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # draft, complete
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    visitor: Mapped[str | None] = mapped_column(String(40), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(40), nullable=True)
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    crime_involvement: Mapped[str | None] = mapped_column(String(40), nullable=True)
    crime_forms: Mapped[list[str]] = mapped_column(JSON, default=list)
    other_problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    help_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    help_offered: Mapped[list[str]] = mapped_column(JSON, default=list)
    safety: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[Sealed | None] = mapped_column(EncryptedText(aad=NOTES_AAD), nullable=True)
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    # Derived by the system, never typed.
    source: Mapped[str] = mapped_column(String(10))  # campaign, organic
    campaign_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    has_account: Mapped[bool] = mapped_column(Boolean)
    chatter_sent_message: Mapped[bool] = mapped_column(Boolean)
    wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    earlier_conversations: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def notes_aad(conversation_id: str) -> bytes:
    return NOTES_AAD.format(conversation_id=conversation_id).encode()


class ChatterMerge(Base):
    """A counselor's judgement that a conversation's chatter is an earlier chatter: the
    source chatter then counts as the target in reports and history. Undone, not deleted,
    so the record of both stays."""

    __tablename__ = "chatter_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    duplicate_of: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    source_chatter: Mapped[str] = mapped_column(ForeignKey("chatters.id"), index=True)
    target_chatter: Mapped[str] = mapped_column(ForeignKey("chatters.id"), index=True)
    by_user: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
