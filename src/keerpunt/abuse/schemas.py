from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Period = Literal["1h", "24h", "7d"]
PERIODS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
MAX_REASON_CHARS = 500


class BlockCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Period
    # Why, for colleagues and the supervisor: never shown to the chatter.
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)

    @field_validator("reason")
    @classmethod
    def _some_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why")
        return value.strip()


class BlockRead(BaseModel):
    id: str
    # Where it was decided (none once that conversation was removed).
    conversation: str | None
    by: str
    reason: str
    created_at: datetime
    until: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    # In force now: not lifted and not yet ended.
    active: bool
