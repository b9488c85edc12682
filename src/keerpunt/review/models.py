from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

COMMENT_AAD = "review-comment:{id}"
# Why review holds a conversation from retention (privacy.RetentionHold.reason).
HOLD_REASON = "review"


class ReviewWeek(Base):
    """An ISO week whose sample was drawn. Its row makes drawing idempotent: a second run
    for the week (another process, the CLI after the job) finds it and draws nothing."""

    __tablename__ = "review_weeks"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # "2026-W49"
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    share: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class ReviewSample(Base):
    """A conversation drawn into a week's sample. Its retention hold lasts until the
    conversation's review is done."""

    __tablename__ = "review_samples"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    week: Mapped[str] = mapped_column(ForeignKey("review_weeks.week"), index=True)
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("retention_holds.id"), nullable=True)


class Review(Base):
    """A supervisor's review of one ended conversation against the method: an answer per
    item, a score and a comment. Draft until finished; a done review no longer changes."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id"), unique=True, index=True
    )
    # The counselor who held the conversation: the one who sees the review once done.
    counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(8))  # draft, done
    # Method item code -> done, partly, not_done, not_applicable.
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[Sealed | None] = mapped_column(EncryptedText(aad=COMMENT_AAD), nullable=True)
    # The ISO week the conversation ended in: what the quality page groups by.
    week: Mapped[str] = mapped_column(String(8), index=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("retention_holds.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def comment_aad(review_id: int) -> bytes:
    return COMMENT_AAD.format(id=review_id).encode()
