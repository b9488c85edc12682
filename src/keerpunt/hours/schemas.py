from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# "HH:MM" on a 24-hour clock; "24:00" is midnight at the end of the day.
CLOCK = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
MAX_SPANS = 6
MAX_DATES = 400
# A label is one line of text: no control characters (PostgreSQL refuses NUL outright).
LABEL = r"^[^\x00-\x1f\x7f]+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpanIO(Strict):
    start: str = Field(pattern=CLOCK, examples=["12:00"])
    end: str = Field(pattern=CLOCK, examples=["22:00"])


class WeekIO(Strict):
    """Spans per weekday; a day without spans is closed. A chat open past midnight is two
    spans: 20:00-24:00 on the one day and 00:00-02:00 on the next."""

    monday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)
    tuesday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)
    wednesday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)
    thursday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)
    friday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)
    saturday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)
    sunday: list[SpanIO] = Field(default_factory=list, max_length=MAX_SPANS)


class ClosedDateIO(Strict):
    day: date
    label: str = Field(min_length=1, max_length=80, pattern=LABEL)


class ExceptionIO(Strict):
    """A date with its own hours instead of the weekday's."""

    day: date
    label: str = Field(min_length=1, max_length=80, pattern=LABEL)
    spans: list[SpanIO] = Field(min_length=1, max_length=MAX_SPANS)


class HoursWrite(Strict):
    week: WeekIO
    closed_dates: list[ClosedDateIO] = Field(default_factory=list, max_length=MAX_DATES)
    exceptions: list[ExceptionIO] = Field(default_factory=list, max_length=MAX_DATES)
    # No new chat starts in the last N minutes before closing; running chats go on.
    closing_cutoff_minutes: int = Field(default=10, ge=0, le=240)
    # A silent chatter is warned after this many minutes...
    idle_warning_minutes: int = Field(default=10, ge=1, le=240)
    # ...and the chat closes this many minutes after the warning.
    idle_close_minutes: int = Field(default=5, ge=1, le=120)


class HoursNow(BaseModel):
    state: Literal["open", "closing_soon", "closed"]
    closes_at: datetime | None
    opens_at: datetime | None
    next_opens_at: datetime | None


class HoursRead(HoursWrite):
    # "organisation": nobody saved hours yet, the organisation file's apply.
    source: Literal["organisation", "database"]
    timezone: str
    updated_at: datetime | None
    now: HoursNow
