"""Someone edits the access log behind the product's back: as the table's owner, who can
switch its append-only triggers off (PostgreSQL) or drop them (SQLite, with the file)."""

from __future__ import annotations

from sqlalchemy import Executable, text

from keerpunt.context import Context


async def behind_the_back(ctx: Context, statement: Executable) -> None:
    async with ctx.write() as tx:
        session = tx.session
        if ctx.db.is_sqlite:
            result = await session.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": "audit_entries"},
            )
            triggers = [row[0] for row in result]
            for name in ("audit_entries_no_update", "audit_entries_no_delete"):
                await session.execute(text(f"DROP TRIGGER {name}"))
            await session.execute(statement)
            for sql in triggers:
                await session.execute(text(sql))
        else:
            await session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            await session.execute(statement)
            await session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
