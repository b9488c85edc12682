from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base
from keerpunt.db.types import UTCDateTime


class JobRun(Base):
    """The period a scheduled job last ran in, and which process ran it. Claiming a period
    is one compare-and-set (`cluster.actions.claim`), so with several server processes
    exactly one runs the job in each period."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Text that names the period in the job's own terms: a local date, a time slot.
    period: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Host and process id of the winner: for an operator, never for a decision.
    holder: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
