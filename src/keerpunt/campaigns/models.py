from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import UTCDateTime

# traffic_days.channel_id for visitors who came through no campaign link.
NO_CHANNEL = 0


class Campaign(Base):
    """A social-media campaign: what it is for, when and where it runs. Its chats are
    counted by period; the chats through its links are the direct ones."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    goal: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Region codes of the taxonomy where the campaign ran (text on the report).
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Channel(Base):
    """One platform a campaign runs on, with its own tracking link /c/<code>."""

    __tablename__ = "campaign_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrafficDay(Base):
    """Distinct visitors per local day, per channel (0: no campaign link) and measure:
    `visit` (the chat page opened, through a tracking link or not) or `click` (the
    visitor pressed to start a chat). Only counts: who they were is never stored."""

    __tablename__ = "traffic_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    visitors: Mapped[int] = mapped_column(Integer, default=0)
