"""Transfer: a counselor hands a chat to a colleague (warm, with a note the chatter never
sees) or back to the queue (cold, first in line). The registration draft belongs to the
conversation, so it travels: whoever has the chat next reads and continues it, and the
one who handed it on no longer can."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from keerpunt.chat import actions as chat
from keerpunt.chat import assignment_actions
from keerpunt.chat.models import Transfer
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.privacy import actions as privacy
from tests.live import (
    Chatter,
    LiveServer,
    StaffMember,
    held_form,
    http_client,
    make_staff,
    staff_session,
)

NOTE = "Let op: NOTITIE-KANARIE over schulden bij zijn neef"


def _path(conversation: str, rest: str = "") -> str:
    return f"/api/v1/conversations/{conversation}{rest}"


async def _chat_with_draft(http: httpx.AsyncClient, anna: StaffMember) -> Chatter:
    """A chat Anna took, with a message from the chatter and a registration draft."""
    youth = await Chatter.start(http)
    assert (await anna.accept(youth.conversation)).status_code == 200
    assert (await youth.send("ik zit vast")).status_code == 201
    draft = held_form(notes="Eerste indruk van Anna")
    saved = await anna.put(_path(youth.conversation, "/registration"), json=draft)
    assert saved.status_code == 200, saved.text
    return youth


async def test_a_warm_transfer_hands_the_chat_and_its_draft_to_the_colleague(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna", display_name="Anna")
    bram_user = await make_staff(setup_ctx, "bram", display_name="Bram")
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        bram = await StaffMember.login(http, "bram")
        youth = await _chat_with_draft(http, anna)
        conv = youth.conversation

        # The picker lists the colleagues online, with their load; not oneself.
        colleagues = (await anna.get("/api/v1/colleagues")).json()["colleagues"]
        assert [(c["name"], c["active"]) for c in colleagues] == [("Bram", 0)]

        made = await anna.post(_path(conv, "/transfers"), json={"to": bram_user.id, "note": NOTE})
        assert made.status_code == 201, made.text
        assert made.json()["state"] == "open"
        # Until Bram answers, the chat is Anna's; his console lists the transfer.
        assert (await anna.send(conv, "even geduld")).status_code == 201
        waiting = (await bram.get("/api/v1/console/snapshot")).json()["transfers"]
        assert [(t["conversation"], t["from_name"], t["note"]) for t in waiting] == [
            (conv, "Anna", NOTE)
        ]
        # A second transfer of the same chat waits for the first.
        again = await anna.post(_path(conv, "/transfers"), json={"to": bram_user.id})
        assert (again.status_code, again.json()["code"]) == (409, "transfer_open")

        accepted = await bram.post(f"/api/v1/transfers/{made.json()['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "active"

        # The draft is Bram's to read and continue; Anna's access is gone.
        form = (await bram.get(_path(conv, "/registration"))).json()
        assert (form["status"], form["notes"]) == ("draft", "Eerste indruk van Anna")
        more = held_form(notes="Eerste indruk van Anna. Bram: wil stoppen.")
        assert (await bram.put(_path(conv, "/registration"), json=more)).status_code == 200
        assert (await anna.get(_path(conv, "/registration"))).status_code == 404
        assert (await anna.send(conv, "nog iets")).status_code == 404
        assert (await bram.send(conv, "Hoi, ik ben Bram")).status_code == 201
        anna_chats = (await anna.get("/api/v1/console/snapshot")).json()["conversations"]
        bram_chats = (await bram.get("/api/v1/console/snapshot")).json()["conversations"]
        assert (anna_chats, [c["id"] for c in bram_chats]) == ([], [conv])

        # The chatter sees a neutral line, and never the note.
        page = (await youth.messages()).json()
        codes = [m["code"] for m in page["messages"] if m["sender"] == "system"]
        assert codes == ["counselor_joined", "transferred"]
        assert "NOTITIE-KANARIE" not in str(page)
        assert "NOTITIE-KANARIE" not in (await http.get(_path(conv), headers=youth.headers)).text

    # At rest the note is sealed.
    async with setup_ctx.read() as session:
        row = await session.scalar(select(Transfer))
        assert row is not None
        assert row.note is not None
        assert b"NOTITIE-KANARIE" not in row.note.to_bytes()


async def test_a_declined_transfer_stays_with_the_sender(
    server: LiveServer, setup_ctx: Context
) -> None:
    anna_user = await make_staff(setup_ctx, "anna")
    bram_user = await make_staff(setup_ctx, "bram")
    cas_user = await make_staff(setup_ctx, "cas", roles=["analyst"])
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        bram = await StaffMember.login(http, "bram")
        youth = await _chat_with_draft(http, anna)
        conv = youth.conversation
        # Bad transfers change nothing: to oneself, to someone without a chat role, to
        # nobody; a note for the queue; a note too long.
        for to in (anna_user.id, cas_user.id, 999999):
            refused = await anna.post(_path(conv, "/transfers"), json={"to": to})
            assert refused.status_code == 404, (to, refused.text)
        for body in ({"to": "queue", "note": "x"}, {"to": bram_user.id, "note": "x" * 2001}):
            assert (await anna.post(_path(conv, "/transfers"), json=body)).status_code == 422
        # Someone else's chat is not there for Bram to hand on.
        assert (await bram.post(_path(conv, "/transfers"), json={"to": "queue"})).status_code == 404

        made = (await anna.post(_path(conv, "/transfers"), json={"to": bram_user.id})).json()
        # Only the colleague it is addressed to answers it.
        assert (await anna.post(f"/api/v1/transfers/{made['id']}/accept")).status_code == 404
        declined = await bram.post(f"/api/v1/transfers/{made['id']}/decline")
        assert (declined.status_code, declined.json()["state"]) == (200, "declined")
        late = await bram.post(f"/api/v1/transfers/{made['id']}/accept")
        assert (late.status_code, late.json()["code"]) == (409, "transfer_closed")
        assert (await anna.send(conv, "ik blijf bij je")).status_code == 201
        assert (await anna.get(_path(conv, "/registration"))).status_code == 200
        codes = [m["code"] for m in (await youth.messages()).json()["messages"]]
        assert "transferred" not in codes


async def test_a_cold_transfer_puts_the_chat_first_in_the_queue_with_its_draft(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        bram = await StaffMember.login(http, "bram")
        youth = await _chat_with_draft(http, anna)
        conv = youth.conversation
        older = await Chatter.start(http)  # waiting already when Anna hands hers back

        made = await anna.post(_path(conv, "/transfers"), json={"to": "queue"})
        assert made.status_code == 201, made.text
        assert (made.json()["state"], made.json()["to"]) == ("queued", None)
        queue = (await bram.get("/api/v1/queue")).json()["waiting"]
        assert [e["conversation"] for e in queue] == [conv, older.conversation]
        state = (await youth.messages()).json()
        assert state["status"] == "queued"
        assert state["messages"][-1]["code"] == "requeued"
        assert (await anna.get(_path(conv, "/registration"))).status_code == 404

        assert (await bram.accept(conv)).status_code == 200
        form = (await bram.get(_path(conv, "/registration"))).json()
        assert form["notes"] == "Eerste indruk van Anna"
        ended = await bram.post(_path(conv, "/end"))
        assert ended.json()["status"] == "ended"

        # A chatter who leaves while handed back was helped before: "ended", not
        # "abandoned".
        second = await _chat_with_draft(http, anna)
        assert (
            await anna.post(_path(second.conversation, "/transfers"), json={"to": "queue"})
        ).is_success
        assert (await second.end()).json()["status"] == "ended"


async def test_retention_deletes_the_transfer_note_with_the_transcript(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna")
    await make_staff(ctx, "bram")
    anna = await staff_session(ctx, "anna")
    bram = await staff_session(ctx, "bram")
    started = await chat.start_conversation(ctx, None)
    conv = started.conversation.id
    await chat.accept(ctx, anna, conv)
    row = await assignment_actions.transfer(ctx, anna, conv, bram.user_id, NOTE)
    await assignment_actions.accept_transfer(ctx, bram, row.id)
    await chat.end(ctx, bram, conv)
    clock.advance(timedelta(days=ctx.settings.retention_days + 1).total_seconds())
    await privacy.purge_expired(ctx)
    async with ctx.read() as session:
        kept = await session.get(Transfer, row.id)
        assert kept is not None
        assert (kept.state, kept.note) == ("accepted", None)
