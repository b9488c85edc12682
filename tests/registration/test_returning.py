"""A returning chatter: marked in the queue, offered first to the counselor they spoke
with last, and their earlier conversations within reach (transcripts only audited)."""

from __future__ import annotations

import uuid

import pytest

from keerpunt.accounts import actions as accounts
from keerpunt.chat import actions as chat
from keerpunt.chat import reads as chat_reads
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Conflict
from keerpunt.realtime.events import STAFF_CHANNEL, QueueEntry, QueueSnapshot, ServerFrame
from tests.live import (
    Chatter,
    LiveServer,
    StaffMember,
    audit_entries,
    held_form,
    http_client,
    make_staff,
    pair,
    staff_session,
)


async def _first_chat(
    ctx: Context, counselor: accounts.StaffPrincipal
) -> tuple[chat.ChatterPrincipal, str]:
    started = await chat.start_conversation(ctx, None, visitor="youth")
    await chat.accept(ctx, counselor, started.conversation.id)
    await chat.end(ctx, counselor, started.conversation.id)
    return chat.ChatterPrincipal(started.conversation.chatter_id), started.conversation.id


async def _entry(ctx: Context, conversation: str) -> QueueEntry:
    async with ctx.read() as session:
        entries = [entry for entry, _ in await chat.queue_entries(ctx, session)]
    (found,) = [e for e in entries if e.conversation == conversation]
    return found


async def test_a_returning_chatter_is_offered_first_to_their_last_counselor(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    anna_user = await make_staff(ctx, "anna")
    await make_staff(ctx, "bram")
    anna = await staff_session(ctx, "anna")
    bram = await staff_session(ctx, "bram")
    me, _ = await _first_chat(ctx, anna)
    newcomer = await chat.start_conversation(ctx, None)

    # Some minutes later, within the counselor's session (15 minutes idle at most).
    clock.advance(300)
    back = (await chat.start_conversation(ctx, me)).conversation.id
    published = [f for c, f in events if c == STAFF_CHANNEL and isinstance(f, QueueSnapshot)]
    (announced,) = [e for e in published[-1].waiting if e.conversation == back]
    assert (announced.returning, announced.offered_to) == (True, anna_user.id)
    assert announced.offered_seconds == ctx.settings.returning_offer_seconds == 60
    fresh = await _entry(ctx, newcomer.conversation.id)
    assert (fresh.returning, fresh.offered_to, fresh.offered_seconds) == (False, None, None)

    clock.advance(20)
    waiting = await _entry(ctx, back)
    assert (waiting.offered_to, waiting.offered_seconds) == (anna_user.id, 40)
    with pytest.raises(Conflict) as refused:
        await chat.accept(ctx, bram, back)
    assert refused.value.code == "offered_to_colleague"
    # Anyone may take other chats meanwhile.
    await chat.accept(ctx, bram, newcomer.conversation.id)

    clock.advance(41)
    after = await _entry(ctx, back)
    assert (after.returning, after.offered_to, after.offered_seconds) == (True, None, None)
    taken = await chat.accept(ctx, bram, back)
    assert taken.counselor_id == bram.user_id


async def test_the_last_counselor_takes_the_offer_within_the_window(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    me, _ = await _first_chat(ctx, anna)
    back = (await chat.start_conversation(ctx, me)).conversation.id
    clock.advance(10)
    assert (await chat.accept(ctx, anna, back)).counselor_id == anna.user_id
    view = await chat_reads.conversation_view(ctx, anna, back)
    assert view.returning is True


async def test_the_offer_goes_to_the_counselor_of_the_latest_chat(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna")
    bram_user = await make_staff(ctx, "bram")
    anna = await staff_session(ctx, "anna")
    bram = await staff_session(ctx, "bram")
    me, _ = await _first_chat(ctx, anna)

    async def again() -> str:
        clock.advance(60)
        return (await chat.start_conversation(ctx, me)).conversation.id

    # A chat nobody picked up does not count: the chatter left while waiting.
    left = await again()
    await chat.end(ctx, me, left)
    second = await again()
    assert (await _entry(ctx, second)).offered_to == anna.user_id
    # Paused, anna is passed over; bram takes it and becomes the last counselor.
    await accounts.set_paused(ctx, anna, True)
    assert (await _entry(ctx, second)).offered_to is None
    await chat.accept(ctx, bram, second)
    await chat.end(ctx, bram, second)
    await accounts.set_paused(ctx, anna, False)
    latest = await again()
    assert (await _entry(ctx, latest)).offered_to == bram_user.id
    with pytest.raises(Conflict):
        await chat.accept(ctx, anna, latest)


@pytest.mark.parametrize("why", ["paused", "at_capacity", "logged_out"])
async def test_no_offer_when_the_last_counselor_cannot_take_it(ctx: Context, why: str) -> None:
    await make_staff(ctx, "anna", max_chats=1)
    await make_staff(ctx, "bram")
    anna = await staff_session(ctx, "anna")
    bram = await staff_session(ctx, "bram")
    me, _ = await _first_chat(ctx, anna)
    if why == "paused":
        await accounts.set_paused(ctx, anna, True)
    elif why == "at_capacity":
        busy = await chat.start_conversation(ctx, None)
        await chat.accept(ctx, anna, busy.conversation.id)
    else:
        await accounts.logout(ctx, anna)
    back = (await chat.start_conversation(ctx, me)).conversation.id
    entry = await _entry(ctx, back)
    assert (entry.returning, entry.offered_to, entry.offered_seconds) == (True, None, None)
    assert (await chat.accept(ctx, bram, back)).counselor_id == bram.user_id


async def test_the_queue_shows_the_offer_over_http(server: LiveServer, setup_ctx: Context) -> None:
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        await anna.post(f"/api/v1/conversations/{youth.conversation}/end")
        bram = await StaffMember.login(http, "bram")
        again = await http.post("/api/v1/conversations", json={}, headers=youth.headers)
        back = again.json()["id"]
        queue = (await bram.get("/api/v1/queue")).json()["waiting"]
        snapshot = (await bram.get("/api/v1/console/snapshot")).json()["queue"]
        refused = await bram.accept(back)
        me = (await anna.get("/api/v1/me")).json()
        taken = await anna.accept(back)
    (entry,) = queue
    assert entry["conversation"] == back
    assert entry["returning"] is True
    assert entry["offered_to"] == me["id"]
    assert 0 < entry["offered_seconds"] <= 60
    assert snapshot[0]["offered_to"] == me["id"]
    assert refused.status_code == 409
    assert refused.json()["code"] == "offered_to_colleague"
    assert taken.status_code == 200
    assert taken.json()["returning"] is True


async def test_the_history_lists_earlier_chats_without_text_and_transcripts_are_audited(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "bram")
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    secret = "Kanarie-H1: de eerste keer vertelde ik over de schuld"
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        await youth.send(secret)
        first = youth.conversation
        await anna.post(f"/api/v1/conversations/{first}/end")
        form = held_form(crime_forms=["drugs_selling", "burglary"], notes="eerste notitie")
        await anna.post(f"/api/v1/conversations/{first}/registration/complete", json=form)
        stranger = await Chatter.start(http)
        await anna.accept(stranger.conversation)

        back = (await http.post("/api/v1/conversations", json={}, headers=youth.headers)).json()
        assert (await anna.accept(back["id"])).status_code == 200
        now = f"/api/v1/conversations/{back['id']}"
        history = await anna.get(f"{now}/history")
        by_supervisor = await StaffMember.login(http, "toos")
        supervisor_view = await by_supervisor.get(f"{now}/history")
        bram = await StaffMember.login(http, "bram")
        not_bram = await bram.get(f"{now}/history")
        newcomer = (await anna.get(f"/api/v1/conversations/{stranger.conversation}/history")).json()

        transcript = await anna.get(f"{now}/history/{first}/messages")
        not_theirs = await anna.get(f"{now}/history/{stranger.conversation}/messages")
        itself = await anna.get(f"{now}/history/{back['id']}/messages")
        nowhere = await anna.get(f"{now}/history/{uuid.uuid4()}/messages")
        bram_transcript = await bram.get(f"{now}/history/{first}/messages")
        anna_id = (await anna.get("/api/v1/me")).json()["id"]
        bram_id = (await bram.get("/api/v1/me")).json()["id"]
    assert history.status_code == 200
    body = history.json()
    assert body["returning"] is True
    assert body["has_account"] is False
    (earlier,) = body["earlier"]
    assert earlier["conversation"] == first
    assert (earlier["status"], earlier["counselor"]) == ("ended", "anna")
    assert earlier["ended_at"] is not None
    registration = earlier["registration"]
    assert (registration["status"], registration["taxonomy_version"]) == ("complete", 1)
    labels = registration["labels"]
    assert labels["outcome"] == {"nl": "Gesprek gevoerd", "en": "Conversation held"}
    assert labels["region"]["nl"] == "Den Haag"
    assert [t["en"] for t in labels["crime_forms"]] == ["Drugs: selling", "Burglary"]
    # Dates and labels only: no message text, no notes.
    assert secret not in history.text
    assert "eerste notitie" not in history.text
    assert supervisor_view.json() == body
    assert not_bram.status_code == 404
    assert newcomer == {"returning": False, "has_account": False, "earlier": []}

    assert transcript.status_code == 200
    assert secret in [m["body"] for m in transcript.json()["messages"]]
    for refused in (not_theirs, itself, nowhere):
        assert refused.status_code == 404
        assert refused.json() == {"code": "not_found", "detail": "no such conversation"}
    assert bram_transcript.status_code == 404
    entries = await audit_entries(setup_ctx, "read_transcript")
    # Every call is in the log, the refused ones too, with who asked.
    assert [(e.conversation_id, e.outcome, e.user_id) for e in entries] == [
        (first, "ok", anna_id),
        (stranger.conversation, "denied", anna_id),
        (back["id"], "denied", anna_id),
        (entries[3].conversation_id, "denied", anna_id),
        (first, "denied", bram_id),
    ]
    assert all(e.role == "counselor" for e in entries)
