"""Alembic environment. Migrations import no application code except the metadata used
for autogenerate comparisons; each revision file spells out its own tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from keerpunt.db.base import Base, import_models

import_models()
target_metadata = Base.metadata
config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
