from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from keerpunt.core.errors import MAX_ROW_ID
from keerpunt.core.text import plain_name
from keerpunt.organisation import Text

ContactRole = Literal["zorgcoordinator", "avim", "municipality", "youth_care", "other"]
Status = Literal["proposed", "contacted", "accepted", "completed", "declined"]
# What the chatter may agree to share with the contact person.
Shareable = Literal[
    "summary", "visitor", "age_band", "crime_forms", "signals", "help_questions", "safety"
]
MAX_SUMMARY_CHARS = 4000


class ContactWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: ContactRole
    name: str = Field(min_length=1, max_length=100)
    # How to reach them: a phone number, an e-mail address, a secure mail box.
    reach: str = Field(min_length=1, max_length=200)

    # Both are shown inside sentences on the admin page and the console (S10).
    @field_validator("name", "reach")
    @classmethod
    def _plain(cls, value: str) -> str:
        return plain_name(value)


class ContactUpdate(ContactWrite):
    active: bool = True


class ContactRead(BaseModel):
    id: int
    region: str
    role: ContactRole
    name: str
    reach: str
    active: bool


class RegionRead(BaseModel):
    code: str
    label: Text
    contacts: list[ContactRead]


class HandoverCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact: int = Field(ge=1, le=MAX_ROW_ID)
    # The chatter said yes, explicitly, to this handover. Nothing happens without it.
    consent: bool
    share: list[Shareable] = Field(default_factory=list, max_length=7)
    summary: str = Field(default="", max_length=MAX_SUMMARY_CHARS)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["contacted", "accepted", "completed", "declined"]


class HandoverRead(BaseModel):
    id: int
    conversation: str
    region: str
    region_label: Text | None
    contact: ContactRead
    status: Status
    share: list[str]
    summary: str | None = None
    created_at: datetime
    status_at: datetime
    age_seconds: int
    counselor: str | None
    # Who proposed it: they and supervisors move it on and read its summary.
    counselor_id: int
