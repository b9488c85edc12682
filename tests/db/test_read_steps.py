"""A read step (`Database.read_step`) runs its queries on a synchronous session, in one
read transaction, on SQLite and PostgreSQL: it reads what was committed, gives back what
it returns and raises what it raises, never commits, and on an SQLite file runs beside
the event loop instead of on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from keerpunt.core.errors import NotFound
from keerpunt.db.engine import Database

metadata = MetaData()
notes = Table(
    "read_step_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(40), nullable=False),
)


@pytest.fixture
async def db(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(notes), [{"id": 1, "text": "een"}, {"id": 2, "text": "twee"}])
    yield db
    await db.dispose()


def texts(session: Session, start: int) -> list[str]:
    return list(session.scalars(select(notes.c.text).where(notes.c.id >= start)).all())


def missing(session: Session, note_id: int) -> str:
    found = session.scalar(select(notes.c.text).where(notes.c.id == note_id))
    if found is None:
        raise NotFound(f"no note {note_id}")
    return found


def write_in_a_step(session: Session) -> int:
    session.execute(insert(notes).values(id=3, text="drie"))
    return len(texts(session, 1))


async def test_a_step_reads_what_was_committed_with_its_arguments(db: Database) -> None:
    assert await db.read_step(texts, 1) == ["een", "twee"]
    assert await db.read_step(texts, start=2) == ["twee"]
    async with db.engine.begin() as conn:
        await conn.execute(insert(notes).values(id=4, text="vier"))
    assert await db.read_step(texts, 2) == ["twee", "vier"]


async def test_what_a_step_raises_reaches_the_caller(db: Database) -> None:
    with pytest.raises(NotFound, match="no note 9"):
        await db.read_step(missing, 9)
    # The reader is free again afterwards.
    assert await db.read_step(missing, 1) == "een"


async def test_a_step_is_never_committed(db: Database) -> None:
    # Inside the step its own insert is visible; nothing of it stays.
    assert await db.read_step(write_in_a_step) == 3
    assert await db.read_step(texts, 1) == ["een", "twee"]


async def test_on_an_sqlite_file_a_slow_step_leaves_the_event_loop_running(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'steps.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

        def slow(session: Session) -> list[str]:
            time.sleep(0.5)
            return texts(session, 1)

        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        try:
            assert await db.read_step(slow) == []
        finally:
            ticker.cancel()
        # Half a second of a step on the loop itself would leave no tick at all.
        assert ticks >= 10
    finally:
        await db.dispose()
