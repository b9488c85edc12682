"""Automatic assignment: a waiting chat is offered to one counselor, the one idle longest
with room under the cap; an offer not taken in time moves on; a returning chatter goes
first to the counselor they spoke with last; a chat pulled from the queue withdraws its
offer. The shift below is simulated with a frozen clock, its rounds run as the periodic
job would run them."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat import assignment, assignment_actions
from keerpunt.chat.models import Offer
from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Conflict, NotFound
from keerpunt.realtime.events import OfferOut, ServerFrame, user_channel
from tests.conftest import make_settings
from tests.live import (
    Chatter,
    Counselor,
    LiveServer,
    Socket,
    http_client,
    make_staff,
    staff_session,
)

OFFER_SECONDS = 30


@pytest.fixture
def settings(db_url: str) -> Settings:
    # A counselor's console keeps the session alive; here nobody touches it for hours.
    return make_settings(
        db_url, auto_assign=True, offer_seconds=OFFER_SECONDS, session_idle_minutes=600
    )


async def _counselor(ctx: Context, name: str, max_chats: int = 2) -> StaffPrincipal:
    await make_staff(ctx, name, max_chats=max_chats)
    return await staff_session(ctx, name)


async def _offers(ctx: Context) -> list[Offer]:
    async with ctx.read() as session:
        return list((await session.scalars(select(Offer).order_by(Offer.id))).all())


def _offer_frames(events: list[tuple[str, ServerFrame]], user_id: int) -> list[OfferOut]:
    return [f for c, f in events if c == user_channel(user_id) and isinstance(f, OfferOut)]


async def test_a_waiting_chat_is_offered_to_the_counselor_idle_longest(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    anna = await _counselor(ctx, "anna")
    clock.advance(60)
    bram = await _counselor(ctx, "bram")
    started = await chat.start_conversation(ctx, None, visitor="youth")
    made = await assignment_actions.run_round(ctx)
    # Anna logged in first and took nothing since: she has waited longest.
    assert [(o.conversation_id, o.user_id) for o in made.offered] == [
        (started.conversation.id, anna.user_id)
    ]
    [frame] = _offer_frames(events, anna.user_id)
    assert (frame.state, frame.visitor, frame.returning) == ("open", "youth", False)
    assert _offer_frames(events, bram.user_id) == []
    # A second round changes nothing: one open offer per chat.
    assert (await assignment_actions.run_round(ctx)).offered == []
    # Anna takes it through the ordinary accept; her next pick-up makes Bram the idler.
    await chat.accept(ctx, anna, started.conversation.id)
    assert [o.state for o in await _offers(ctx)] == ["accepted"]
    nxt = await chat.start_conversation(ctx, None)
    assert [o.user_id for o in (await assignment_actions.run_round(ctx)).offered] == [bram.user_id]
    del nxt


async def test_an_offer_not_taken_in_time_moves_on_and_never_comes_back(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    anna = await _counselor(ctx, "anna")
    clock.advance(1)
    bram = await _counselor(ctx, "bram")
    conv = (await chat.start_conversation(ctx, None)).conversation.id
    await assignment_actions.run_round(ctx)
    clock.advance(OFFER_SECONDS - 1)
    assert (await assignment_actions.run_round(ctx)).offered == []  # still Anna's
    clock.advance(1)
    moved = await assignment_actions.run_round(ctx)
    assert [o.user_id for o in moved.expired] == [anna.user_id]
    assert [o.user_id for o in moved.offered] == [bram.user_id]
    assert _offer_frames(events, anna.user_id)[-1].state == "gone"
    # Bram declines: nobody is left who was not asked, so the chat waits for a pull.
    await assignment_actions.decline_offer(ctx, bram, conv)
    assert (await assignment_actions.run_round(ctx)).offered == []
    assert [o.state for o in await _offers(ctx)] == ["expired", "declined"]
    # Declining twice, or what was never yours: not there.
    with pytest.raises(NotFound):
        await assignment_actions.decline_offer(ctx, bram, conv)
    # Pulling stays possible for everyone, the ones who said no included.
    await chat.accept(ctx, anna, conv)


async def test_a_chat_pulled_from_the_queue_withdraws_its_offer(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    anna = await _counselor(ctx, "anna")
    clock.advance(1)
    bram = await _counselor(ctx, "bram")
    conv = (await chat.start_conversation(ctx, None)).conversation.id
    await assignment_actions.run_round(ctx)
    await chat.accept(ctx, bram, conv)
    assert [(o.user_id, o.state) for o in await _offers(ctx)] == [(anna.user_id, "withdrawn")]
    assert [f.state for f in _offer_frames(events, anna.user_id)] == ["open", "gone"]
    with pytest.raises(Conflict) as taken:
        await chat.accept(ctx, anna, conv)
    assert taken.value.code == "taken"
    # A chatter who leaves before anyone answers withdraws the offer too.
    gone = await chat.start_conversation(ctx, None)
    await assignment_actions.run_round(ctx)
    await chat.end(ctx, ChatterPrincipal(gone.conversation.chatter_id), gone.conversation.id)
    assert (await _offers(ctx))[-1].state == "withdrawn"
    async with ctx.read() as session:
        assert await assignment.offer_of_user(session, anna.user_id) is None


async def test_paused_offline_and_full_counselors_get_no_offers(
    ctx: Context, clock: FrozenClock
) -> None:
    anna = await _counselor(ctx, "anna", max_chats=1)
    await make_staff(ctx, "bram")  # never logs in
    cas = await _counselor(ctx, "cas")
    await accounts.set_paused(ctx, cas, True)
    first = (await chat.start_conversation(ctx, None)).conversation.id
    await chat.accept(ctx, anna, first)  # Anna is full now
    await chat.start_conversation(ctx, None)
    assert (await assignment_actions.run_round(ctx)).offered == []
    # Cas comes back: the chat is theirs to answer.
    clock.advance(5)
    await accounts.set_paused(ctx, cas, False)
    assert [o.user_id for o in (await assignment_actions.run_round(ctx)).offered] == [cas.user_id]
    # Pausing with an offer open withdraws it at the next round.
    await accounts.set_paused(ctx, cas, True)
    await assignment_actions.run_round(ctx)
    assert [o.state for o in await _offers(ctx)] == ["withdrawn"]


async def test_a_returning_chatter_is_offered_first_to_their_previous_counselor(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    anna = await _counselor(ctx, "anna", max_chats=3)
    clock.advance(1)
    bram = await _counselor(ctx, "bram")
    earlier = await chat.start_conversation(ctx, None)
    await chat.accept(ctx, anna, earlier.conversation.id)
    youth = ChatterPrincipal(earlier.conversation.chatter_id)
    await chat.end(ctx, youth, earlier.conversation.id)
    clock.advance(60)
    # Bram has been idle longer, but the chatter spoke with Anna last.
    again = await chat.start_conversation(ctx, youth)
    made = await assignment_actions.run_round(ctx)
    assert [o.user_id for o in made.offered] == [anna.user_id]
    assert _offer_frames(events, anna.user_id)[-1].returning is True
    # If Anna lets it pass, it goes to Bram, who may take it although the chatter's
    # time for Anna has not run out.
    clock.advance(OFFER_SECONDS)
    assert [o.user_id for o in (await assignment_actions.run_round(ctx)).offered] == [bram.user_id]
    await chat.accept(ctx, bram, again.conversation.id)


async def test_rounds_at_once_offer_each_chat_once(ctx: Context, clock: FrozenClock) -> None:
    """Several server processes run rounds at the same moment: each chat still gets one
    open offer (rounds are serialised; the database allows one open offer per chat)."""
    for name in ("anna", "bram", "cas"):
        await _counselor(ctx, name)
        clock.advance(1)
    for _ in range(2):
        await chat.start_conversation(ctx, None)
    await asyncio.gather(*(assignment_actions.run_round(ctx) for _ in range(4)))
    offers = [o for o in await _offers(ctx) if o.state == "open"]
    assert len(offers) == 2
    assert len({o.conversation_id for o in offers}) == 2
    assert len({o.user_id for o in offers}) == 2


# The simulated shift ---------------------------------------------------------------------


@dataclass
class Worker:
    principal: StaffPrincipal
    max_chats: int
    last_pickup: datetime
    active: set[str] = field(default_factory=set)
    paused: bool = False
    taken: int = 0


@dataclass
class Plan:
    """How a counselor answers one offer: accept or decline at a moment, or let it pass."""

    user_id: int
    answer: str
    at: datetime


STEP = 10  # seconds between rounds, as the periodic job
SHIFT = 2 * 60 * 60


async def test_a_simulated_shift_is_fair(ctx: Context, clock: FrozenClock) -> None:
    rng = random.Random(20261206)
    workers: dict[int, Worker] = {}
    for name in ("anna", "bram", "cas", "dewi"):
        principal = await _counselor(ctx, name, max_chats=2)
        workers[principal.user_id] = Worker(principal, 2, clock.now())
        clock.advance(1)
    late_name = "eva"  # logs in an hour into the shift
    ends: dict[str, datetime] = {}  # an active chat and when its counselor ends it
    patience: dict[str, datetime] = {}  # a waiting chat and when its chatter gives up
    chatters: dict[str, ChatterPrincipal] = {}
    plans: dict[str, Plan] = {}  # the open offers, by conversation
    refused: dict[str, set[int]] = {}
    expired_moves = 0
    full_now = 0  # counselor-rounds at the cap: the cap did bind
    for tick in range(SHIFT // STEP):
        clock.advance(STEP)
        now = clock.now()
        if tick == (60 * 60) // STEP:
            late = await _counselor(ctx, late_name, max_chats=2)
            workers[late.user_id] = Worker(late, 2, now)
        if tick == (30 * 60) // STEP:
            # Bram pauses for a quarter of an hour (once no offer of his is open).
            bram = next(w for w in workers.values() if w.principal.username == "bram")
            if all(p.user_id != bram.principal.user_id for p in plans.values()):
                await accounts.set_paused(ctx, bram.principal, True)
                bram.paused = True
        if tick == (45 * 60) // STEP:
            for worker in workers.values():
                if worker.paused:
                    await accounts.set_paused(ctx, worker.principal, False)
                    worker.paused = False
                    worker.last_pickup = max(worker.last_pickup, now)
        # Chatters arrive (one every two and a half minutes or so: a busy evening), and
        # some give up waiting.
        if rng.random() < STEP / 140:
            started = await chat.start_conversation(ctx, None)
            conv = started.conversation.id
            chatters[conv] = ChatterPrincipal(started.conversation.chatter_id)
            patience[conv] = _later(now, rng.randint(120, 1500))
        for conv, until in list(patience.items()):
            if until <= now:
                await chat.end(ctx, chatters[conv], conv)
                del patience[conv]
                plans.pop(conv, None)
        # Counselors end chats, and answer their offers.
        for conv, until in list(ends.items()):
            if until <= now:
                worker = next(w for w in workers.values() if conv in w.active)
                await chat.end(ctx, worker.principal, conv)
                worker.active.discard(conv)
                del ends[conv]
        for conv, plan in list(plans.items()):
            if plan.answer == "let_pass" or plan.at > now:
                continue
            worker = workers[plan.user_id]
            del plans[conv]
            if plan.answer == "accept":
                await chat.accept(ctx, worker.principal, conv)
                worker.active.add(conv)
                worker.taken += 1
                worker.last_pickup = now
                ends[conv] = _later(now, rng.randint(5 * 60, 35 * 60))
                del patience[conv]
            else:
                await assignment_actions.decline_offer(ctx, worker.principal, conv)
                refused.setdefault(conv, set()).add(plan.user_id)
        # The round, checked against the rule.
        made = await assignment_actions.run_round(ctx)
        for offer in made.expired:
            plan = plans.pop(offer.conversation_id)
            assert plan.user_id == offer.user_id
            refused.setdefault(offer.conversation_id, set()).add(offer.user_id)
        busy = {plan.user_id for plan in plans.values()}
        for offer in made.offered:
            eligible = [
                w
                for w in workers.values()
                if not w.paused
                and len(w.active) < w.max_chats
                and w.principal.user_id not in busy | refused.get(offer.conversation_id, set())
            ]
            idlest = min(
                eligible, key=lambda w: (len(w.active), w.last_pickup, w.principal.user_id)
            )
            assert offer.user_id == idlest.principal.user_id, (tick, offer.conversation_id)
            if offer.user_id in refused.get(offer.conversation_id, set()):
                raise AssertionError("offered again to someone who said no")
            if refused.get(offer.conversation_id):
                expired_moves += 1
            busy.add(offer.user_id)
            roll = rng.random()
            answer = "accept" if roll < 0.75 else "decline" if roll < 0.87 else "let_pass"
            plans[offer.conversation_id] = Plan(
                offer.user_id, answer, _later(now, rng.choice((0, 10, 20)))
            )
        # A waiting chat without an offer has nobody left to offer it to.
        offered_now = set(plans)
        for conv in patience:
            if conv in offered_now:
                continue
            free = [
                w
                for w in workers.values()
                if not w.paused
                and len(w.active) < w.max_chats
                and w.principal.user_id not in busy | refused.get(conv, set())
            ]
            assert free == [], (tick, conv)
        # Nobody above the cap, by the database's count.
        async with ctx.read() as session:
            loads = await assignment.active_counts(session, list(workers))
        assert all(loads.get(uid, 0) <= w.max_chats for uid, w in workers.items())
        full_now += sum(loads.get(uid, 0) == w.max_chats for uid, w in workers.items())
        assert all(loads.get(uid, 0) == len(w.active) for uid, w in workers.items())
    # The three who worked the whole shift alike (Bram paused) took about as many chats.
    full = [w.taken for w in workers.values() if w.principal.username in {"anna", "cas", "dewi"}]
    assert min(full) >= 5, full
    assert max(full) - min(full) <= max(3, sum(full) // len(full) // 4), full
    assert expired_moves > 0  # offers did move on after a no or a timeout
    assert full_now > 0  # and counselors were full at times, so the cap was put to the test


def _later(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)


# Over the wire ---------------------------------------------------------------------------


async def test_the_offer_frame_reaches_only_that_counselor(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        anna = await Counselor.login(http, "anna")
        bram = await Counselor.login(http, "bram")  # logged in later: less idle
        anna_sock = await Socket.open(server.ws_url, await anna.ticket())
        bram_sock = await Socket.open(server.ws_url, await bram.ticket())
        youth = await Chatter.start(http)
        offer = await anna_sock.expect("offer", conversation=youth.conversation)
        assert (offer["state"], offer["visitor"], offer["returning"]) == ("open", "youth", False)
        # A reconnecting console finds it in the snapshot.
        snapshot = (await anna.get("/api/v1/console/snapshot")).json()
        assert snapshot["offer"]["conversation"] == youth.conversation
        assert (await bram.get("/api/v1/console/snapshot")).json()["offer"] is None
        # Up to a pong, Bram's socket has heard of no offer.
        await bram_sock.send({"type": "ping"})
        await bram_sock.expect("pong")
        assert [f for f in bram_sock.seen if f["type"] == "offer"] == []

        # Anna declines: the chat moves on to Bram at once; Anna's dialog closes.
        declined = await anna.post(f"/api/v1/conversations/{youth.conversation}/offer/decline")
        assert declined.status_code == 204
        await anna_sock.expect("offer", state="gone")
        await bram_sock.expect("offer", state="open", conversation=youth.conversation)
        assert (await bram.accept(youth.conversation)).status_code == 200
        await bram_sock.expect("offer", state="gone")
        for sock in (anna_sock, bram_sock):
            await sock.close()
