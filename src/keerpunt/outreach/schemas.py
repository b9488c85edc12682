"""The outreach JSON API's bodies and answers (see docs: the outreach pages use them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.core.errors import MAX_ROW_ID

TermKind = Literal["exact", "fuzzy", "pattern"]
ActionKind = Literal["dm_sent", "info_posted", "referral", "no_action", "police"]
ItemState = Literal["new", "in_review", "dismissed", "escalated", "contacted"]
# Telegram's marked peer ids: -100<id> for channels, far inside a BIGINT.
PEER_ID_LIMIT = 10**15
NOTE_LIMIT = 1000


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    purpose: str = Field(max_length=2000)
    dpia_ref: str = Field(max_length=120)
    approved_by: str = Field(max_length=120)
    peer_id: int | None = Field(default=None, ge=-PEER_ID_LIMIT, le=PEER_ID_LIMIT)
    title: str | None = Field(default=None, max_length=255)


class SourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(max_length=2000)
    dpia_ref: str = Field(max_length=120)
    approved_by: str = Field(max_length=120)
    active: bool


class SourceRead(BaseModel):
    id: int
    username: str
    title: str | None
    kind: str | None
    peer_id: int | None
    purpose: str
    dpia_ref: str
    approved_by: str
    added_by: str | None
    created_at: datetime
    active: bool
    state: str
    last_seen_id: int
    last_collected_at: datetime | None
    next_run_at: datetime | None
    note: str
    matched_posts: int


class TermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=200)
    kind: TermKind
    category: str = Field(min_length=1, max_length=20)
    weight: float = Field(default=1.0, ge=0.0, le=10.0)


class TermUpdate(TermIn):
    active: bool


class TermRead(BaseModel):
    id: int
    text: str
    kind: str
    category: str
    weight: float
    active: bool
    created_at: datetime
    created_by: str | None
    matches_28d: int


class TermList(BaseModel):
    version: int
    categories: list[str]
    terms: list[TermRead]


class Person(BaseModel):
    id: int
    name: str


class ItemRow(BaseModel):
    id: int
    state: str
    score: float
    count: int
    first_seen: datetime
    last_seen: datetime
    source: str
    categories: list[str]
    excerpt: str | None
    assignee: Person | None
    actions: int


class ItemList(BaseModel):
    items: list[ItemRow]
    total: int


class Highlight(BaseModel):
    start: int
    end: int
    term: str
    category: str
    form: str


class ContributionRead(BaseModel):
    name: str
    points: float
    detail: str


class ItemSource(BaseModel):
    title: str | None
    username: str
    count: int


class ItemPost(BaseModel):
    source: str
    posted_at: datetime
    message_id: int


class HistoryRead(BaseModel):
    at: datetime
    by: str | None
    what: str


class ChannelPick(BaseModel):
    id: int
    campaign: str
    name: str
    link: str


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ActionKind
    note: str = Field(default="", max_length=NOTE_LIMIT)
    channel_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)


class ActionRead(BaseModel):
    id: int
    kind: str
    note: str
    channel: ChannelPick | None
    by: str | None
    at: datetime


class ItemRead(BaseModel):
    """An item's row fields, its text and why it scored, where it was seen, and what was
    done. `actions` is the log here (a count in ItemRow)."""

    id: int
    state: str
    score: float
    count: int
    first_seen: datetime
    last_seen: datetime
    source: str
    categories: list[str]
    excerpt: str | None
    assignee: Person | None
    actions: list[ActionRead]
    # The representative post's redacted text; None once purged.
    text: str | None
    # Code-point offsets into text.
    highlights: list[Highlight]
    contributions: list[ContributionRead]
    scorer_version: str
    threshold: float
    list_version: int
    sources: list[ItemSource]
    posts: list[ItemPost]
    history: list[HistoryRead]


class StateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ItemState
    reason: str | None = Field(default=None, max_length=300)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = Field(ge=1, le=MAX_ROW_ID)


class Series(BaseModel):
    term_id: int
    term: str
    category: str
    raw: list[int]
    unique: list[int]
    rising: bool
    baseline: float


class CategorySeries(BaseModel):
    category: str
    raw: list[int]
    unique: list[int]


class SourceSeries(BaseModel):
    source: str
    raw: list[int]


class Trends(BaseModel):
    days: list[date]
    series: list[Series]
    categories: list[CategorySeries]
    sources: list[SourceSeries]
    scanned: list[int]
    matched: list[int]


class SuggestionRead(BaseModel):
    id: int
    text: str
    category_hint: str | None
    cooccurs_with: list[str]
    count: int
    first_seen: datetime


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TermKind
    category: str = Field(min_length=1, max_length=20)
