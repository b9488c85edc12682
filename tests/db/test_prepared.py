"""Statements run on the cursor (`db/prepared.py`) store and read values exactly as
SQLAlchemy's own execution does, on SQLite and PostgreSQL, inside the transaction of a
batched write: what one wrote the other reads back the same, down to the stored text of a
datetime, and a rollback takes it all back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    text,
)

from keerpunt.db.engine import Database
from keerpunt.db.prepared import Prepared
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import KeyRing, Sealed

metadata = MetaData()
things = Table(
    "prepared_things",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("at", UTCDateTime(), nullable=True),
    Column("secret", EncryptedText(), nullable=True),
)
COLUMNS = ("id", "n", "flag", "at", "secret")

INSERT = Prepared(
    lambda: insert(things).values({c: bindparam(c, type_=things.c[c].type) for c in COLUMNS})
)
BY_IDS = Prepared(
    lambda ids: (
        select(*(things.c[c] for c in COLUMNS))
        .where(things.c.id.in_(ids), things.c.at < bindparam("before", type_=UTCDateTime()))
        .order_by(things.c.id)
    )
)

KEYS = KeyRing.ephemeral()
MOMENT = datetime(2026, 12, 7, 9, 30, 0, 120_000, tzinfo=UTC)


def _row(i: int, *, at: datetime | None = MOMENT, body: str | None = "geheim") -> dict[str, Any]:
    return {
        "id": f"id-{i:03d}",
        "n": i,
        "flag": i % 2 == 0,
        # Whole seconds too: a text form that drops ".000000" would sort differently.
        "at": None if at is None else at + timedelta(seconds=i, microseconds=-120_000 * (i % 2)),
        "secret": None if body is None else KEYS.seal(f"{body} {i}", b"test"),
    }


@pytest.fixture
async def db(url: str) -> AsyncIterator[Database]:
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'prepared.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


def _plain(row: Any) -> tuple[Any, ...]:
    """A row with sealed values opened, to compare."""
    return tuple(KEYS.open(v, b"test") if isinstance(v, Sealed) else v for v in row)


async def test_written_on_the_cursor_reads_back_the_same_through_sqlalchemy(
    db: Database,
) -> None:
    rows = [_row(i) for i in range(6)] + [_row(6, at=None, body=None)]
    async with db.write_steps() as steps:
        await steps.finish(INSERT.run_many, rows)
    async with db.engine.connect() as conn:
        found = (await conn.execute(select(*(things.c[c] for c in COLUMNS)).order_by("id"))).all()
    assert [_plain(r) for r in found] == [_plain(tuple(r.values())) for r in rows]
    # Aware UTC datetimes come back, the booleans as booleans.
    assert found[1][3] == MOMENT + timedelta(seconds=1, microseconds=-120_000)
    assert found[1][3].tzinfo is not None
    assert found[2][2] is True


async def test_read_on_the_cursor_as_sqlalchemy_wrote_it(db: Database) -> None:
    rows = [_row(i) for i in range(8)]
    async with db.engine.begin() as conn:
        await conn.execute(insert(things), rows)
    wanted = ["id-001", "id-002", "id-005", "id-007", "id-nope"]

    def read(conn: Connection, ids: list[str]) -> list[tuple[Any, ...]]:
        return BY_IDS.rows(conn, {"before": MOMENT + timedelta(seconds=6)}, ids=ids)

    async with db.write_steps() as steps:
        got = await steps.run(read, wanted)
        # Another length of the IN list is another statement; both stay right.
        one = await steps.run(read, ["id-002"])
    # id-007 is after `before`; id-nope does not exist.
    assert [_plain(r) for r in got] == [_plain(tuple(rows[i].values())) for i in (1, 2, 5)]
    assert [r[0] for r in one] == ["id-002"]
    assert isinstance(got[0][4], Sealed)
    assert got[0][2] is False
    assert got[1][2] is True


async def test_the_stored_text_of_a_datetime_on_sqlite_is_the_same_either_way(
    sqlite_db: Database,
) -> None:
    """SQLite keeps datetimes as text and compares them as text: a row written on the
    cursor must sort among rows SQLAlchemy wrote. (PostgreSQL keeps timestamps.)"""
    async with sqlite_db.write_steps() as steps:
        await steps.finish(INSERT.run_many, [_row(0), _row(1)])
    async with sqlite_db.engine.begin() as conn:
        await conn.execute(insert(things), [_row(2), _row(3)])
        stored = (await conn.execute(text("SELECT id, at FROM prepared_things ORDER BY id"))).all()
    cursor_written, sqlalchemy_written = stored[:2], stored[2:]
    assert [len(at) for _, at in cursor_written] == [len(at) for _, at in sqlalchemy_written]
    assert cursor_written[0][1] == "2026-12-07 09:30:00.120000"
    assert cursor_written[1][1] == "2026-12-07 09:30:01.000000"


async def test_a_failed_batch_takes_back_what_the_cursor_wrote(db: Database) -> None:
    def insert_then_fail(conn: Connection) -> None:
        INSERT.run_many(conn, [_row(1), _row(2)])
        raise RuntimeError("the batch fails after its insert")

    with pytest.raises(RuntimeError, match="fails after"):
        async with db.write_steps() as steps:
            await steps.run(insert_then_fail)
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM prepared_things"))).scalar() == 0
    # The writer's connection is fine afterwards.
    async with db.write_steps() as steps:
        await steps.finish(INSERT.run_many, [_row(3)])
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM prepared_things"))).scalar() == 1


async def test_in_lists_of_any_length_find_their_rows_with_a_few_statements(
    db: Database,
) -> None:
    """A long-running server meets every batch size from 1 to 200: the lists are padded,
    so the kept statements stay few instead of one per length (or per pair of lengths)."""
    rows = [_row(i) for i in range(40)]
    async with db.engine.begin() as conn:
        await conn.execute(insert(things), rows)
    by_ids = Prepared(
        lambda ids: select(things.c.id).where(things.c.id.in_(ids)).order_by(things.c.id)
    )

    def read(conn: Connection, ids: list[str]) -> list[str]:
        return [row[0] for row in by_ids.rows(conn, ids=ids)]

    async with db.write_steps() as steps:
        for size in range(1, 34):
            wanted = [f"id-{i:03d}" for i in range(0, 2 * size, 2)]
            expected = [w for w in wanted if int(w[3:]) < 40]
            assert await steps.run(read, wanted) == expected
    # Lengths 1, 2, 4, 8, 16, 32 and 64.
    assert len(by_ids._plans) == 7
