"""Statements of the hottest write, run on the driver's own cursor.

The group commit of chat messages (`chat.actions._write_sends`) runs the same five
statements for every batch, a few hundred times a second. Through `Connection.execute`
each one pays SQLAlchemy's execution layer: cache key, parameter expansion of the IN
lists, an execution context and a result object. On an SQLite file that layer cost more
than SQLite itself: 558 µs of CPU for a batch of three messages, 291 µs on the cursor
(docs/performance.md).

`Prepared` keeps what SQLAlchemy does well and skips the rest. The statement is still
Core, compiled by SQLAlchemy once per dialect and per length of its IN lists (padded);
values go in and out through the column types' own processors
(`TypeEngine.bind_processor` and `result_processor`, as SQLAlchemy applies them), so an
aware datetime or a sealed body is stored exactly as `Connection.execute` would store it.
Only the running is direct: the compiled string and the processed values go to the DBAPI
cursor of the transaction's connection, inside the transaction SQLAlchemy began.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import BindParameter, Dialect, bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Select
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any] | None


class Prepared:
    """A Core statement built by `build`, run straight on the cursor.

    `build` gets one list of bind parameters for each IN list the statement has, by
    name: `Prepared(lambda ids: select(T.a).where(T.id.in_(ids)))` is run as
    `rows(conn, {...}, ids=[...])`. A list is padded to the next power of two with its
    last value (a value twice in an IN list changes nothing), so a statement is built
    and compiled once per dialect and per few lengths, and kept: a group commit of up to
    200 messages needs at most 9 lengths per list, not 200."""

    def __init__(self, build: Callable[..., ClauseElement]) -> None:
        self._build = build
        self._plans: dict[tuple[str, str, tuple[tuple[str, int], ...], tuple[str, ...]], _Plan] = {}

    def _plan(
        self,
        dialect: Dialect,
        lists: Mapping[str, Sequence[Any]],
        column_keys: tuple[str, ...] = (),
    ) -> _Plan:
        shape = tuple((name, len(values)) for name, values in lists.items())
        # The driver too: two drivers of one database may differ in paramstyle.
        key = (dialect.name, dialect.driver, shape, column_keys)
        plan = self._plans.get(key)
        if plan is None:
            params: dict[str, list[BindParameter[Any]]] = {
                name: [bindparam(f"{name}_{i}") for i in range(size)] for name, size in shape
            }
            plan = self._plans[key] = _Plan(self._build(**params), dialect, column_keys)
        return plan

    def rows(
        self,
        conn: Connection,
        params: Mapping[str, Any] | None = None,
        **lists: Sequence[Any],
    ) -> list[tuple[Any, ...]]:
        """Run a query; its rows, each value converted by its column's type."""
        padded = {name: _padded(items) for name, items in lists.items()}
        plan = self._plan(conn.dialect, padded)
        values = dict(params or {})
        for name, items in padded.items():
            values.update((f"{name}_{i}", item) for i, item in enumerate(items))
        cursor = _cursor(conn)
        try:
            cursor.execute(plan.sql, plan.parameters(values))
            return [plan.row(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement once for each set of values (the DBAPI's executemany). As in
        `Connection.execute`, the keys of the values say which columns an insert sets."""
        if not rows:
            return
        plan = self._plan(conn.dialect, {}, tuple(sorted(rows[0])))
        cursor = _cursor(conn)
        try:
            cursor.executemany(plan.sql, [plan.parameters(row) for row in rows])
        finally:
            cursor.close()


class _Plan:
    """One compiled form of a statement, with the conversions of its values."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: tuple[str, ...]
    ) -> None:
        # Values come as a list for executemany (`run_many`, the only user of column
        # keys): no implicit RETURNING of a new row's id, which PostgreSQL would add.
        compiled = cast(
            SQLCompiler,
            statement.compile(
                dialect=dialect,
                column_keys=list(column_keys),
                for_executemany=bool(column_keys),
            ),
        )
        self.sql = compiled.string
        binds: dict[str, BindParameter[Any]] = dict(compiled.binds)
        self.positional = compiled.positional
        # For a positional paramstyle (SQLite's "?") the order in the string; the names
        # otherwise (psycopg's "%(name)s").
        self.names = list(compiled.positiontup or ()) if self.positional else list(binds)
        self.processors = [_bind_processor(binds[name].type, dialect) for name in self.names]
        columns = statement.selected_columns if isinstance(statement, Select) else ()
        self.results: list[Processor] = [
            _result_processor(column.type, dialect) for column in columns
        ]
        self._convert_row = any(p is not None for p in self.results)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        converted = (
            values[name] if process is None else process(values[name])
            for name, process in zip(self.names, self.processors, strict=True)
        )
        if self.positional:
            return tuple(converted)
        return dict(zip(self.names, converted, strict=True))

    def row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if not self._convert_row:
            return tuple(row)
        return tuple(
            value if process is None else process(value)
            for value, process in zip(row, self.results, strict=True)
        )


def _padded(items: Sequence[Any]) -> Sequence[Any]:
    """`items` up to the next power of two, the last one repeated."""
    size = len(items)
    if size < 2 or size & (size - 1) == 0:
        return items
    return [*items, *[items[-1]] * ((1 << size.bit_length()) - size)]


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    # The column type the driver reports is not needed by any type these statements use.
    return type_.dialect_impl(dialect).result_processor(dialect, None)


def _cursor(conn: Connection) -> Any:
    """A cursor inside the connection's transaction; begins it as `execute` would (on
    SQLite the "begin" hook then emits BEGIN IMMEDIATE, see db/engine.py)."""
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.cursor()
