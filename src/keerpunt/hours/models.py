"""Opening hours as the admin page keeps them. Until the first save there are no rows and
the organisation file's hours apply; the first save writes the whole schedule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base, BigId
from keerpunt.db.types import UTCDateTime


class HoursPolicy(Base):
    """One row (id 1): its presence says the schedule lives in the database."""

    __tablename__ = "hours_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No new chat starts this many minutes before closing; running chats go on.
    closing_cutoff_minutes: Mapped[int] = mapped_column(Integer)
    # A silent chatter is asked "are you still there?" after this many minutes...
    idle_warning_minutes: Mapped[int] = mapped_column(Integer)
    # ...and the chat is closed this many minutes after that question.
    idle_close_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class HoursSpan(Base):
    """An opening period in minutes after local midnight (end 1440: midnight). Either a
    weekly one (weekday 0 is Monday) or one of an exception date (day)."""

    __tablename__ = "hours_spans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class HoursDate(Base):
    """A date that does not follow the week: closed all day (a holiday), or open only in
    its own spans (an exception such as 24 December 12:00-17:00)."""

    __tablename__ = "hours_dates"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    closed: Mapped[bool] = mapped_column(Boolean)
    label: Mapped[str] = mapped_column(String(80))
