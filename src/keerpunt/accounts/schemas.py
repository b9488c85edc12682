from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.accounts.principals import ROLES, Role


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


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[Role] = Field(min_length=1, max_length=len(ROLES))


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused: bool


class ChatterAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class ChatterAccountRead(BaseModel):
    # The token to use from now on: new at a log-in, the one sent when the account binds
    # the chatter of the current chat.
    token: str
    username: str


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)


class OwnConversation(BaseModel):
    id: str
    status: str
    created_at: datetime
    ended_at: datetime | None
    last_seq: int


class ChatterMe(BaseModel):
    username: str | None
    conversations: list[OwnConversation]
