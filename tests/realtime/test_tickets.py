"""Socket tickets under a reconnect storm: issued and redeemed concurrently, they share
transactions (group commit), and still each opens one socket, once, for its own holder."""

from __future__ import annotations

import asyncio

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.realtime.actions import issue_ticket, redeem_ticket
from tests.live import PASSWORD, make_staff, next_code


async def test_concurrent_tickets_each_open_one_socket_for_their_own_holder(
    ctx: Context,
) -> None:
    chatters = [
        ChatterPrincipal((await chat.start_conversation(ctx, None)).conversation.chatter_id)
        for _ in range(30)
    ]
    await make_staff(ctx, "anna")
    anna = await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))
    staff = await accounts.authenticate_staff(ctx, anna.token)
    assert staff is not None
    holders = [*chatters, staff]

    tickets = await asyncio.gather(*(issue_ticket(ctx, holder) for holder in holders))
    assert len(set(tickets)) == len(holders)
    # Every ticket redeemed twice at once, all in the same moment: one of each pair wins.
    redeemed = await asyncio.gather(
        *(redeem_ticket(ctx, ticket) for ticket in tickets for _ in range(2))
    )
    for index, holder in enumerate(holders):
        pair = redeemed[2 * index : 2 * index + 2]
        assert sum(p is not None for p in pair) == 1, index
        assert next(p for p in pair if p is not None) == holder
    # Used up: a later try opens nothing.
    assert await asyncio.gather(*(redeem_ticket(ctx, t) for t in tickets[:5])) == [None] * 5


async def test_an_unknown_or_expired_ticket_in_a_batch_fails_alone(
    ctx: Context, clock: FrozenClock
) -> None:
    chatter = ChatterPrincipal((await chat.start_conversation(ctx, None)).conversation.chatter_id)
    old = await issue_ticket(ctx, chatter)
    clock.advance(ctx.settings.ticket_seconds + 1)
    fresh = await issue_ticket(ctx, chatter)
    outcomes = await asyncio.gather(
        redeem_ticket(ctx, old), redeem_ticket(ctx, "not-a-ticket"), redeem_ticket(ctx, fresh)
    )
    assert outcomes == [None, None, chatter]
