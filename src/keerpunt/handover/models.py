from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

# A handover in one of these is not finished: it keeps the conversation from retention.
OPEN_HANDOVERS = ("proposed", "contacted", "accepted")

SUMMARY_AAD = "handover-summary:{id}"


class ContactPerson(Base):
    """A region's fixed contact person for warm handovers: a professional, so a name and
    how to reach them are stored as given."""

    __tablename__ = "contact_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    reach: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Handover(Base):
    """A warm handover of one conversation's chatter to a region's contact person, made
    only with the chatter's explicit consent, sharing only what the chatter agreed to."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact_persons.id"))
    counselor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    share: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[Sealed | None] = mapped_column(EncryptedText(aad=SUMMARY_AAD), nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


def summary_aad(handover_id: int) -> bytes:
    return SUMMARY_AAD.format(id=handover_id).encode()
