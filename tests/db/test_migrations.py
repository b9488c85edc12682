"""Migrations are reviewed artifacts: an empty database upgraded to head matches the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from keerpunt.db import migrate
from keerpunt.db.base import Base, import_models
from tests.databases import database


def test_upgrading_an_empty_database_gives_exactly_the_models(backend: str, tmp_path: Path) -> None:
    import_models()
    with database(backend, tmp_path) as url:
        assert migrate.current_revision(url) is None
        migrate.upgrade(url)
        assert migrate.is_current(url)
        engine = create_engine(migrate.sync_url(url))
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                differences = compare_metadata(context, Base.metadata)
                tables = set(inspect(conn).get_table_names())
        finally:
            engine.dispose()
        assert differences == []
        assert tables >= {"users", "chatters", "conversations", "messages", "socket_tickets"}
        # And back down to nothing, so a bad release can be rolled back.
        migrate.downgrade(url, "base")
        assert migrate.current_revision(url) is None


def test_migrations_import_no_application_code() -> None:
    versions = Path(migrate.__file__).parent.parent / "migrations" / "versions"
    for path in versions.glob("*.py"):
        assert "keerpunt" not in path.read_text(), path
