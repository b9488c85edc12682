"""The access log's search: what an admin may ask, and what they get."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class AuditQuery(BaseModel):
    """Every field narrows the search; none given: the newest entries. Newest first, a
    page at a time: pass the page's `next_before` as `before` for the older ones."""

    model_config = ConfigDict(extra="forbid")

    since: datetime | None = Field(default=None, description="From this moment (UTC), inclusive")
    until: datetime | None = Field(default=None, description="Up to this moment (UTC), exclusive")
    user: str | None = Field(default=None, min_length=1, max_length=64, description="User name")
    action: str | None = Field(default=None, min_length=1, max_length=40)
    outcome: str | None = Field(default=None, min_length=1, max_length=12)
    conversation: str | None = Field(default=None, min_length=1, max_length=36)
    before: int | None = Field(default=None, ge=1, description="Entries older than this id")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # A moment without a zone is read as UTC, the log's own time.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.since and self.until and self.until <= self.since:
            raise ValueError("until must be after since")
        return self

    def described(self) -> str:
        """The filters as one line for the search's own entry: no free text is kept but
        what was asked for."""
        parts = [
            f"{name}={value.isoformat() if isinstance(value, datetime) else value}"
            for name, value in self.model_dump(exclude={"limit"}, exclude_none=True).items()
        ]
        return " ".join(parts) or "all"


class AuditEntryRead(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    user: str | None
    role: str
    action: str
    outcome: str
    conversation: str | None
    subject: str | None
    purpose: str | None
    count: int | None


class AuditPage(BaseModel):
    entries: list[AuditEntryRead]
    # Pass as `before` for the next, older page; null on the last page.
    next_before: int | None
