"""SQLite writers in one process queue on a lock: they take turns, and a writer opened
inside another on the same task fails at once instead of waiting for itself forever."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from keerpunt.db.engine import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """An SQLite file with one table of numbers."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    async with database.session(write=True) as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
        await session.commit()
    yield database
    await database.dispose()


async def test_a_nested_writer_fails_at_once_and_the_lock_is_free_after(db: Database) -> None:
    async with db.session(write=True) as outer:
        await outer.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(RuntimeError, match="inside another"):
            async with asyncio.timeout(5), db.session(write=True):
                pass
        await outer.commit()
    # The failed attempt left the lock as it found it: the next writer gets it.
    async with asyncio.timeout(5), db.session(write=True) as session:
        await session.execute(text("INSERT INTO t VALUES (2)"))
        await session.commit()
    async with db.session() as session:
        assert list((await session.scalars(text("SELECT n FROM t ORDER BY n"))).all()) == [
            1,
            2,
        ]


async def test_writers_on_other_tasks_take_turns(db: Database) -> None:
    async def add(n: int) -> None:
        async with db.session(write=True) as session:
            # Read, yield to the others, then write what was read plus one: only
            # writers that take turns count every one of them.
            current = (await session.scalar(text("SELECT count(*) FROM t"))) or 0
            await asyncio.sleep(0)
            await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": current + 1})
            await session.commit()

    await asyncio.gather(*(add(n) for n in range(20)))
    async with db.session() as session:
        numbers = list((await session.scalars(text("SELECT n FROM t ORDER BY n"))).all())
    assert numbers == list(range(1, 21))
