from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.core.errors import MAX_ROW_ID


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # An existing channel keeps its id (and its link); without one, a new channel.
    id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    name: str = Field(min_length=1, max_length=40)


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    goal: str = Field(default="", max_length=4000)
    target_group: str = Field(default="", max_length=200)
    starts_on: date
    ends_on: date
    regions: list[str] = Field(default_factory=list, max_length=20)
    channels: list[ChannelIn] = Field(default_factory=list, max_length=12)


class ChannelRead(BaseModel):
    id: int
    name: str
    code: str
    # The tracking link's path: the organisation puts its own address in front.
    link: str


class CampaignRead(BaseModel):
    id: int
    name: str
    goal: str
    target_group: str
    starts_on: date
    ends_on: date
    regions: list[str]
    channels: list[ChannelRead]
    created_at: datetime
    updated_at: datetime
