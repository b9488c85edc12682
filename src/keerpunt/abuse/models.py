"""A counselor's block of a chatter: no new chats and no messages until it ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

# What a reason is bound to: its own block, so it opens in no other row.
REASON_AAD = "chatter-block:{id}"


class ChatterBlock(Base):
    """Kept after it ends (or is lifted), so a supervisor sees what happened; it goes with
    the chatter when they delete their account."""

    __tablename__ = "chatter_blocks"
    __table_args__ = (Index("ix_chatter_blocks_chatter_id_until", "chatter_id", "until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chatter_id: Mapped[str] = mapped_column(ForeignKey("chatters.id", ondelete="CASCADE"))
    # Where it was decided; the block outlives the conversation's transcript.
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    by_user: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Staff text about a chatter: sealed like registration notes, bound to this row.
    reason: Mapped[Sealed] = mapped_column(EncryptedText(aad=REASON_AAD))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


def reason_aad(block_id: str) -> bytes:
    return REASON_AAD.format(id=block_id).encode()
