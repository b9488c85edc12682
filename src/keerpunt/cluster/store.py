"""Job claims: queries only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.cluster.models import JobRun


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


async def job_run(session: AsyncSession, name: str) -> JobRun | None:
    return await session.get(JobRun, name)


async def insert_claim(
    session: AsyncSession, sqlite: bool, job: str, period: str, holder: str, at: datetime
) -> bool:
    """Insert the job's first row; false when the row is there already (whoever made it)."""
    insert = sqlite_insert if sqlite else pg_insert
    statement = (
        insert(JobRun)
        .values(name=job, period=period, holder=holder, claimed_at=at)
        .on_conflict_do_nothing(index_elements=["name"])
        # RETURNING, not the row count: an ORM insert does not report one on every driver.
        .returning(JobRun.name)
    )
    return (await session.execute(statement)).first() is not None


async def update_claim(
    session: AsyncSession, job: str, period: str, holder: str, at: datetime
) -> bool:
    """Move the job's row to `period` unless it is there already. The condition is
    checked by the database on the row it locks, so of two racing updates one changes the
    row and the other finds the period taken."""
    statement = (
        update(JobRun)
        .where(JobRun.name == job, or_(JobRun.period.is_(None), JobRun.period != period))
        .values(period=period, holder=holder, claimed_at=at)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement)) == 1
