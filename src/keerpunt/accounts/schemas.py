from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.accounts.principals import ROLES, Role


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    # The app's 6 digits, or a recovery code; empty for a user who has still to enrol.
    totp: str = Field(default="", max_length=32)


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


class SessionUserRead(UserRead):
    """The user, and what a page needs to go on: the token to send with every change
    (X-CSRF-Token), and whether this session may only enrol TOTP."""

    csrf_token: str
    enrolling: bool = False


class EnrolmentRead(BaseModel):
    # Shown once: the secret as text to type, the otpauth URI, the QR code as SVG data URI.
    secret: str
    uri: str
    qr: str


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)


class EnrolledRead(SessionUserRead):
    # Shown once; only keyed hashes are kept.
    recovery_codes: list[str]


class StaffUserRead(UserRead):
    """A staff account as an admin sees it."""

    is_active: bool
    totp_enrolled: bool
    created_at: datetime


class StaffSessionRead(BaseModel):
    """A session as an admin sees it: never its id, nor any address."""

    handle: str
    user_id: int
    username: str
    roles: list[str]
    created_at: datetime
    last_seen_at: datetime
    current: bool


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
