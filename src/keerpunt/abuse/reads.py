"""What staff see of blocks."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.abuse import store
from keerpunt.abuse.models import ChatterBlock, reason_aad
from keerpunt.abuse.schemas import BlockRead
from keerpunt.accounts import access
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.privacy import audit


async def block_read(ctx: Context, session: AsyncSession, row: ChatterBlock) -> BlockRead:
    async def name(user_id: int | None) -> str | None:
        if user_id is None:
            return None
        user = await accounts_store.user_by_id(session, user_id)
        return user.username if user is not None else None

    return BlockRead(
        id=row.id,
        conversation=row.conversation_id,
        by=await name(row.by_user) or "",
        reason=ctx.keyring.open(row.reason, reason_aad(row.id)),
        created_at=row.created_at,
        until=row.until,
        lifted_at=row.lifted_at,
        lifted_by=await name(row.lifted_by),
        active=row.lifted_at is None and row.until > ctx.clock.now(),
    )


async def in_force(ctx: Context, staff: StaffPrincipal) -> list[BlockRead]:
    """Every block in force, for supervisors, who may lift them. Their reasons are staff
    text about chatters, so the read is in the access log."""
    access.require(staff, "blocks.admin")
    async with ctx.write() as tx:
        rows = await store.in_force(tx.session, ctx.clock.now())
        await audit.record(ctx, tx, staff, "blocks_read", count=len(rows))
        return [await block_read(ctx, tx.session, row) for row in rows]
