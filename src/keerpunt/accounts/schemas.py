from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    max_chats: int
    paused: bool


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused: bool
