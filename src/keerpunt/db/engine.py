"""Engine and sessions. Writers and readers get different transactions on SQLite.

SQLite allows one writer at a time. A deferred transaction that reads and then writes can
fail at once with SQLITE_BUSY when another writer committed in between; a writer that
starts with BEGIN IMMEDIATE instead waits its turn (busy timeout) and never fails that way.
Readers keep deferred transactions, so in WAL mode they never wait for writers.

Within one process, writers also queue on an asyncio lock before they begin: SQLite's busy
handler waits by sleeping (up to 100 ms at a time), so concurrent writers that met in
SQLite would spend most of their time asleep; in the lock, the next one starts the moment
the last one committed.

`Database.write_steps()` is the way for hot, batched writers (group commit): the
transaction's work runs as plain synchronous steps. On an SQLite file each step is one
hand-over to a writer thread that holds its own connection, instead of one per cursor
call (aiosqlite hands every cursor, execute, fetch and close to its thread, about a
tenth of a millisecond each); on PostgreSQL a step runs on the psycopg connection as
usual (`AsyncConnection.run_sync`).

`Database.read_step()` is the same for a hot read (a socket's subscribe, a page of
messages): its queries run as one synchronous step on a sync `Session`. On an SQLite
file the step runs on a reader thread, one hand-over for all its queries; an
AsyncSession on aiosqlite hands over every cursor call, and a subscribe of five queries
cost about 2.4 ms of CPU that way against 0.9 ms as one step (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import functools
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

P = ParamSpec("P")
T = TypeVar("T")

WRITE_OPTION = "keerpunt_write"
NO_TRANSACTION_OPTION = "keerpunt_no_transaction"
SQLITE_BUSY_TIMEOUT_S = 30
# Reader threads of `read_step` on an SQLite file: two, so one slow read (a long page)
# does not hold up every subscribe behind it, and few, since the step holds the GIL for
# its Python work anyway.
SQLITE_READERS = 2


def _sqlite_pragmas(synchronous: str) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook emit BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten, so a deleted account leaves no bytes in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get(NO_TRANSACTION_OPTION, False):
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION, False) else "BEGIN")


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare_sqlite_file(url: str) -> None:
    """Create the folder and an empty file readable by the owner only: SQLite then creates
    its -wal and -shm files with the same permissions."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


class WriteSteps:
    """One write transaction made of synchronous steps (see `Database.write_steps`)."""

    def __init__(self, run: Callable[[Callable[[Connection], Any]], Awaitable[Any]]) -> None:
        self._run = run
        self.committed = False

    async def run(
        self, step: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `step(connection, *args)` inside the transaction."""
        if self.committed:
            raise RuntimeError("the transaction has been committed")
        result: T = await self._run(lambda connection: step(connection, *args, **kwargs))
        return result

    async def finish(
        self, step: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """The last step: run it and commit in the same hand-over."""

        def step_and_commit(connection: Connection) -> T:
            result = step(connection, *args, **kwargs)
            connection.commit()
            return result

        result: T = await self.run(step_and_commit)
        self.committed = True
        return result


class _SqliteWriter:
    """The writer thread of one event loop, with the connection it alone uses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self.connection: Connection | None = None

    def _connection(self) -> Connection:
        if self.connection is None or self.connection.closed or self.connection.invalidated:
            self.connection = self.engine.connect().execution_options(**{WRITE_OPTION: True})
        return self.connection

    async def call(self, step: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: step(self._connection()))

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def close(self) -> None:
        self.executor.submit(self._close).result()
        self.executor.shutdown()


def _commit(connection: Connection) -> None:
    connection.commit()


def _rollback(connection: Connection) -> None:
    try:
        connection.rollback()
    except Exception:
        # A connection that cannot even roll back is dropped; the next step opens another.
        connection.invalidate()


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL", echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # Error messages must not carry row values into logs (bodies, token hashes).
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            prepare_sqlite_file(url)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 20
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas(sqlite_synchronous))
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # The synchronous engine of the writer threads (`write_steps`); an in-memory
        # database is one per connection, so it has none.
        self._sync_engine: Engine | None = None
        if self.is_sqlite and sqlite_path(url) is not None:
            self._sync_engine = create_engine(
                parsed.set(drivername="sqlite+pysqlite"),
                echo=echo,
                hide_parameters=True,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            )
            event.listen(self._sync_engine, "connect", _sqlite_pragmas(sqlite_synchronous))
            event.listen(self._sync_engine, "begin", _sqlite_begin)
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SqliteWriter] = (
            weakref.WeakKeyDictionary()
        )
        # The reader threads of `read_step`, made on first use; their connections come
        # from the sync engine's pool, so any thread may run any step.
        self._readers: ThreadPoolExecutor | None = None
        # One lock per event loop (tests run a server's loop beside their own; an asyncio
        # lock belongs to one loop).
        self._write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # The task in each lock, so a nested writer fails at once instead of deadlocking.
        self._write_holders: dict[asyncio.Lock, asyncio.Task[Any] | None] = {}

    def _write_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            lock = self._write_locks[loop] = asyncio.Lock()
        return lock

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine that writes, for tests that make a commit fail."""
        engines = [self.engine.sync_engine]
        if self._sync_engine is not None:
            engines.append(self._sync_engine)
        return engines

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """Hold this loop's SQLite write lock (see the module's docstring)."""
        lock = self._write_lock()
        task = asyncio.current_task()
        if task is not None and self._write_holders.get(lock) is task:
            # The lock is not re-entrant: waiting for it here would wait forever.
            raise RuntimeError("a write transaction opened inside another one")
        async with lock:
            self._write_holders[lock] = task
            try:
                yield
            finally:
                del self._write_holders[lock]

    @asynccontextmanager
    async def write_steps(self) -> AsyncIterator[WriteSteps]:
        """A write transaction whose work runs as synchronous steps, `await
        steps.run(step, ...)`, each given the transaction's Connection. It commits when
        the block ends normally (or with `steps.finish(step, ...)`, in the last step's
        hand-over) and rolls back when it raises."""
        if self._sync_engine is None:
            async with self._async_steps() as steps:
                yield steps
            return
        async with self._writing():
            loop = asyncio.get_running_loop()
            writer = self._writers.get(loop)
            if writer is None:
                writer = self._writers[loop] = _SqliteWriter(self._sync_engine)
            steps = WriteSteps(writer.call)
            try:
                yield steps
                if not steps.committed:
                    await writer.call(_commit)
            except BaseException:
                await writer.call(_rollback)
                raise

    @asynccontextmanager
    async def _async_steps(self) -> AsyncIterator[WriteSteps]:
        lock = self._writing() if self.is_sqlite else _nothing()
        async with lock, self.engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
            await conn.begin()
            steps = WriteSteps(functools.partial(_run_sync, conn))
            try:
                yield steps
                if not steps.committed:
                    await conn.commit()
            except BaseException:
                await conn.rollback()
                raise

    async def read_step(
        self, step: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `step(session, *args)` in one read transaction on a synchronous `Session`,
        and return what it returns (or raise what it raises). The step only reads: it is
        never committed. What it returns leaves the session: ORM objects come detached,
        with the columns their queries loaded."""
        if self._sync_engine is None:
            async with self.session() as session:
                return await session.run_sync(lambda sync: step(sync, *args, **kwargs))
        engine = self._sync_engine
        if self._readers is None:
            self._readers = ThreadPoolExecutor(
                max_workers=SQLITE_READERS, thread_name_prefix="sqlite-reader"
            )

        def run() -> T:
            with Session(engine, expire_on_commit=False, autoflush=False) as session:
                return step(session, *args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    @asynccontextmanager
    async def session(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in one transaction. A writer must commit; leaving without it rolls back."""
        if write and self.is_sqlite:
            async with self._writing(), self._sessions() as session:
                await session.connection(execution_options={WRITE_OPTION: True})
                yield session
            return
        async with self._sessions() as session:
            if write:
                await session.connection(execution_options={WRITE_OPTION: True})
            yield session

    async def forget_deleted(self, tables: Sequence[str] = ()) -> None:
        """After a deletion on SQLite: copy the write-ahead log into the database file and
        empty it, so deleted rows (overwritten there by secure_delete) linger in no file.
        Best effort: a long-running reader may hold parts of the log a while longer.

        On PostgreSQL, VACUUM the given tables: deleted rows stay in the table files as
        dead tuples until a vacuum frees their space for reuse. It does not overwrite
        them, and the write-ahead log and backups keep them until they expire; see
        docs/architecture/privacy.md for what makes them unreadable."""
        if not self.is_sqlite:
            if tables:
                async with self.engine.connect() as conn:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    # Table names come from the models, never from input.
                    await conn.exec_driver_sql(f"VACUUM {', '.join(tables)}")
            return
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**{NO_TRANSACTION_OPTION: True})
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        for writer in list(self._writers.values()):
            await asyncio.to_thread(writer.close)
        self._writers.clear()
        if self._readers is not None:
            readers, self._readers = self._readers, None
            await asyncio.to_thread(readers.shutdown)
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        await self.engine.dispose()


async def _run_sync(conn: AsyncConnection, step: Callable[[Connection], T]) -> T:
    return await conn.run_sync(step)


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield
