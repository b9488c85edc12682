from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.organisation import Text
from keerpunt.review.method import Answer

Status = Literal["draft", "done"]
MAX_COMMENT_CHARS = 4000
WEEK_PATTERN = r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$"


class ReviewWrite(BaseModel):
    """A draft may leave items, the score and the comment open; finishing may not leave
    items or the score open."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Answer] = Field(default_factory=dict, max_length=30)
    score: int | None = Field(default=None, ge=1, le=5)
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)
    finish: bool = False


class MethodItemRead(BaseModel):
    code: str
    label: Text


class ReviewRead(BaseModel):
    id: int
    conversation: str
    status: Status
    answers: dict[str, str]
    score: int | None
    comment: str | None
    week: str
    counselor: str | None
    reviewer: str | None
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None


class Candidate(BaseModel):
    """An ended conversation that may be reviewed: no text, only what finds it."""

    conversation: str
    ended_at: datetime | None
    counselor: str | None
    counselor_id: int | None
    week: str
    # The week whose sample drew it, or none (found by search).
    sampled: str | None
    review: Status | None
    review_id: int | None
    reviewer: str | None
    messages: int


class ToReview(BaseModel):
    method: list[MethodItemRead]
    # The newest sample's week, if any was drawn.
    week: str | None
    sample: list[Candidate]


class TranscriptLine(BaseModel):
    seq: int
    sender: str
    code: str | None
    body: str
    created_at: datetime


class ReviewOpen(BaseModel):
    """What the form needs: the conversation's transcript and the review so far."""

    conversation: Candidate
    messages: list[TranscriptLine]
    review: ReviewRead | None
    method: list[MethodItemRead]


class ItemShares(BaseModel):
    code: str
    done: float
    partly: float
    not_done: float
    # Reviews that answered the item with something else than "not applicable".
    answered: int


class WeekQuality(BaseModel):
    week: str
    reviews: int
    mean_score: float | None
    items: list[ItemShares]


class Quality(BaseModel):
    method: list[MethodItemRead]
    weeks: list[WeekQuality]
    chart_svg: str | None = None


class SampleDrawn(BaseModel):
    week: str
    drawn: int
    # True when the week had been drawn before: nothing new was drawn.
    already: bool


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: date | None = None
    until: date | None = None
    counselor: int | None = Field(default=None, ge=1, le=2**31 - 1)
