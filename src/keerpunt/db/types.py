"""Column types shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime
from string import Formatter
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, LargeBinary, MetaData, Table
from sqlalchemy.types import TypeDecorator

from keerpunt.privacy.crypto import Sealed


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[Sealed]):
    """Text encrypted at rest. The column holds version, key id, nonce and ciphertext; the
    key ring seals and opens it with the row's identity as associated data.

    `aad` says how a row is bound, as a format string over the row's columns
    ("message:{conversation_id}:{seq}"): key rotation finds every sealed column through
    this type and re-seals each value without knowing the domain it belongs to."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, aad: str | None = None) -> None:
        super().__init__()
        self.aad = aad

    def process_bind_param(self, value: Sealed | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise TypeError("an encrypted column only takes sealed values")
        return value.to_bytes()

    def process_result_value(self, value: Any, dialect: Dialect) -> Sealed | None:
        if value is None:
            return None
        return Sealed.from_bytes(bytes(value))


def aad_fields(template: str) -> list[str]:
    """The column names a binding template uses, in order."""
    return [field for _, field, _, _ in Formatter().parse(template) if field]


def sealed_columns(metadata: MetaData) -> list[tuple[Table, Column[Any]]]:
    """Every encrypted column of every table, in a stable order."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]
