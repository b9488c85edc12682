"""S04 A purged conversation: once retention deleted its text, every way of reading it
answers the documented error `purged` (410 over HTTP, an `error` frame on the socket),
never an empty transcript."""

from __future__ import annotations

from datetime import timedelta

from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock, SystemClock
from keerpunt.privacy import actions as privacy
from tests.live import Chatter, LiveServer, Socket, StaffMember, audit_entries, http_client, pair

PURGED_DETAIL = "the text of this conversation was deleted 90 days after it ended"


async def test_s04_a_purged_conversation_answers_purged_everywhere(
    server: LiveServer, setup_ctx: Context, settings: Settings
) -> None:
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        assert (await youth.send("Kanarie-S04: dit verdwijnt")).status_code == 201
        first = youth.conversation
        assert (await youth.end()).status_code == 200
        # The chatter comes back in a new chat, which retention leaves alone.
        back = (await http.post("/api/v1/conversations", json={}, headers=youth.headers)).json()
        assert (await anna.accept(back["id"])).status_code == 200
        again = Chatter(http, youth.token, back["id"])

        later = build_context(settings, clock=FrozenClock(SystemClock().now() + timedelta(days=91)))
        try:
            assert (await privacy.purge_expired(later)).conversations == 1
        finally:
            await later.close()

        by_chatter = await youth.messages()
        by_chatter_waiting = await youth.messages(wait=5)
        by_counselor = await anna.get(f"/api/v1/conversations/{first}/messages")
        earlier = await anna.get(f"/api/v1/conversations/{back['id']}/history/{first}/messages")
        view = await anna.get(f"/api/v1/conversations/{first}")
        history = (await anna.get(f"/api/v1/conversations/{back['id']}/history")).json()
        sock = await Socket.open(server.ws_url, await youth.ticket())
        await sock.subscribe(first, 0)
        error = await sock.expect("error")
        # The socket stays usable: the new chat subscribes and reads as before.
        await sock.subscribe(back["id"], 0)
        status = await sock.expect("conversation")
        await sock.close()
        live = await again.messages()

    for answer in (by_chatter, by_chatter_waiting, by_counselor, earlier):
        assert answer.status_code == 410
        assert answer.json() == {"code": "purged", "detail": PURGED_DETAIL}
    assert (error["code"], error["conversation"], error["reason"]) == (
        "purged",
        first,
        PURGED_DETAIL,
    )
    # The conversation itself stays visible, saying when its text went.
    assert view.status_code == 200
    assert view.json()["purged_at"] is not None
    assert view.json()["last_seq"] >= 2
    (listed,) = history["earlier"]
    assert listed["purged"] is True
    assert status["conversation"] == back["id"]
    assert live.status_code == 200
    assert live.json()["messages"]
    # Reading a purged transcript is still an audited access.
    (read,) = await audit_entries(setup_ctx, "read_transcript")
    assert (read.conversation_id, read.outcome) == (first, "ok")
