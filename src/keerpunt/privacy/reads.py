"""Read paths that need more than SQL: which keys seal what, what retention would remove.
Nothing here changes state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from keerpunt.context import Context
from keerpunt.privacy import store
from keerpunt.privacy.actions import Purged, bound_columns, retention_cutoff


async def count_sealed(ctx: Context) -> int:
    async with ctx.read() as session:
        return sum(
            [await store.count_sealed(session, table, column) for table, column in bound_columns()]
        )


async def key_usage(
    ctx: Context, advance: Callable[[int], None] | None = None, batch: int = 2000
) -> Counter[str]:
    """How many stored values each key id seals."""
    usage: Counter[str] = Counter()
    for table, column in bound_columns():
        async for rows in store.sealed_batches(ctx, table, column, batch):
            usage.update(row._mapping[column.name].key_id for row in rows)
            if advance is not None:
                advance(len(rows))
    return usage


async def retention_preview(ctx: Context) -> Purged:
    """What a retention run would delete now (the dry run)."""
    cutoff = retention_cutoff(ctx)
    async with ctx.read() as session:
        ids = await store.conversations_due(session, cutoff)
        messages, notes, summaries = await store.text_counts(session, ids)
    return Purged(len(ids), messages, notes, summaries, cutoff)
