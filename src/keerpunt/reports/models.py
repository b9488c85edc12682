from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import UTCDateTime


class PartnerRelease(Base):
    """What one partner edition showed: its scope, period and regions, and the value of
    every cell it did not suppress. A later partner edition that overlaps it is checked
    against these, so no two can be subtracted to reveal a small number."""

    __tablename__ = "partner_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "campaign:<id>" for a campaign's report, "programme" for any other period.
    scope: Mapped[str] = mapped_column(String(40), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Region codes the report was limited to; empty: all regions.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    cells: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
