from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keerpunt.db.base import Base
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

# What a TOTP secret is bound to: its own user, so it opens in no other row.
TOTP_AAD = "totp:{id}"


class User(Base):
    """A staff member. Chatters are never users: they have no name, e-mail or phone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Organisation policy, so it lives in data: how many chats this counselor holds at once.
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the user last came back from a pause: automatic assignment counts idle time
    # from their last pick-up, their session's start, or this, whichever is latest.
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The TOTP secret, sealed with the key ring and bound to this user (`totp:<id>`). Set
    # at the start of enrolment; only a confirmed secret is a second factor.
    totp_secret: Mapped[Sealed | None] = mapped_column(EncryptedText(aad=TOTP_AAD), nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The time step of the last code accepted: a code of that step or an earlier one is
    # refused, so a code works once, also when two processes see it at the same moment.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class StaffSession(Base):
    """A server-side session. The cookie holds a random id; only its keyed hash is stored.

    `second_factor_at` is set when the session was made with a TOTP code (or a recovery
    code). A session without it belongs to a user who still has to enrol, and serves only
    the enrolment routes.
    """

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code (a lost phone). Only its keyed
    hash is kept; it is deleted when used."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """A failed log-in, staff or chatter, under the keyed hash of the account name tried
    (known or not): counted in the database, so a restart or a second process does not
    forget them."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Chatter(Base):
    """An anonymous chatter: a random id and the keyed hash of their bearer token.

    With an account, also a user name the chatter chose and an argon2id hash of their
    password: nothing else, and no way to recover a forgotten password. `merged_into`
    is set when a counselor judged this chatter to be an earlier one (a duplicate)."""

    __tablename__ = "chatters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    username: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    account_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    merged_into: Mapped[str | None] = mapped_column(
        ForeignKey("chatters.id"), nullable=True, index=True
    )


class ChatterToken(Base):
    """A token issued when a chatter logs in to their account (on another device or in a
    new tab); only its keyed hash is kept, and it expires."""

    __tablename__ = "chatter_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    chatter_id: Mapped[str] = mapped_column(ForeignKey("chatters.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
