"""Reports count chatters, not conversations: a merged duplicate counts once."""

from __future__ import annotations

from datetime import timedelta

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.registration import actions, reads
from tests.live import make_staff


async def _staff(ctx: Context, username: str, roles: list[str]) -> StaffPrincipal:
    user = await make_staff(ctx, username, roles=roles)
    return StaffPrincipal(user.id, user.username, frozenset(roles), "test-session")


async def test_a_merged_duplicate_counts_as_one_chatter_until_the_merge_is_undone(
    ctx: Context, clock: FrozenClock
) -> None:
    anna = await _staff(ctx, "anna", ["counselor"])
    lead = await _staff(ctx, "lead", ["supervisor"])
    start = clock.now()
    first = await chat.start_conversation(ctx, None, visitor="youth")
    await chat.accept(ctx, anna, first.conversation.id)
    await chat.end(ctx, anna, first.conversation.id)
    # The same youth, back under a fresh identity after the connection broke.
    again = await chat.start_conversation(ctx, None, visitor="youth")
    other = await chat.start_conversation(ctx, None, visitor="relative")
    await chat.accept(ctx, anna, again.conversation.id)
    end = clock.now() + timedelta(seconds=1)
    assert await reads.unique_chatters(ctx, start, end) == 3

    merge, _ = await actions.mark_duplicate(ctx, anna, again.conversation.id, first.conversation.id)
    assert await reads.unique_chatters(ctx, start, end) == 2
    async with ctx.read() as session:
        root = await accounts_store.canonical_chatter(session, again.conversation.chatter_id)
    assert root == first.conversation.chatter_id
    # The chatter of the other conversation is untouched.
    assert ChatterPrincipal(other.conversation.chatter_id).chatter_id != root

    await actions.undo_merge(ctx, lead, merge.id)
    assert await reads.unique_chatters(ctx, start, end) == 3
