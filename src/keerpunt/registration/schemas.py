from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.core.errors import MAX_ROW_ID
from keerpunt.organisation import Text

Code = Annotated[str, Field(min_length=1, max_length=40)]
Codes = Annotated[list[Code], Field(max_length=60)]
MAX_NOTES_CHARS = 4000


class ItemRead(BaseModel):
    code: str
    label: Text
    retired: bool


class TaxonomyRead(BaseModel):
    version: int
    lists: dict[str, list[ItemRead]]
    multiple: list[str]
    loaded_at: datetime | None = None


class TaxonomyLoad(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The text of a taxonomy file (TOML), as `keerpunt/data/taxonomy.toml`.
    source: str = Field(min_length=1, max_length=200_000)


class VersionRead(BaseModel):
    version: int
    loaded_at: datetime
    loaded_by: str | None


class RegistrationFields(BaseModel):
    """The whole form, sent on every save; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    taxonomy_version: int = Field(ge=1, le=MAX_ROW_ID)
    outcome: Code | None = None
    visitor: Code | None = None
    age_band: Code | None = None
    region: Code | None = None
    crime_involvement: Code | None = None
    crime_forms: Codes = Field(default_factory=list)
    other_problems: Codes = Field(default_factory=list)
    signals: Codes = Field(default_factory=list)
    help_questions: Codes = Field(default_factory=list)
    help_offered: Codes = Field(default_factory=list)
    safety: Codes = Field(default_factory=list)
    notes: str = Field(default="", max_length=MAX_NOTES_CHARS)


class Derived(BaseModel):
    """Filled in by the system, never typed."""

    source: Literal["campaign", "organic"]
    campaign_ref: str | None
    has_account: bool
    chatter_sent_message: bool
    wait_seconds: int | None
    duration_seconds: int | None
    earlier_conversations: int


class RegistrationRead(RegistrationFields):
    conversation: str
    status: Literal["new", "draft", "complete"]
    duplicate_of: str | None
    current_version: int
    updated_at: datetime | None
    completed_at: datetime | None
    derived: Derived
    # The escalation protocol, while the form says acute danger.
    escalation: Text | None


class TodoItem(BaseModel):
    conversation: str
    visitor: str
    ended_at: datetime | None
    status: Literal["new", "draft"]


class Summary(BaseModel):
    """A registration as labels of its own taxonomy version: no free text."""

    status: Literal["new", "draft", "complete"]
    taxonomy_version: int | None
    labels: dict[str, Text | list[Text] | None]


class EarlierConversation(BaseModel):
    conversation: str
    created_at: datetime
    ended_at: datetime | None
    status: str
    counselor: str | None
    registration: Summary
    # Retention deleted the text: there is no transcript to open.
    purged: bool = False


class History(BaseModel):
    returning: bool
    has_account: bool
    earlier: list[EarlierConversation]


class DuplicateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    of: str = Field(min_length=1, max_length=64)


class MergeRead(BaseModel):
    id: int
    conversation: str
    duplicate_of: str
    by: str | None
    at: datetime
    undone_at: datetime | None
    undone_by: str | None


class Duplicated(BaseModel):
    merge: MergeRead
    registration: RegistrationRead
