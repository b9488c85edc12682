from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keerpunt.db.base import Base
from keerpunt.db.types import UTCDateTime


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

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

    `second_factor_at` stays empty until a TOTP step exists; a session is then only
    complete once it is set, without changing the cookie or this table's shape.
    """

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


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
