"""SECURITY.md S01 (idempotent send), S03 (resume) and S04 (bad cursors)."""

from __future__ import annotations

import asyncio
import uuid

from keerpunt.context import Context
from tests.live import Chatter, LiveServer, Socket, http_client, make_staff, pair


def _send_frame(conversation: str, client_id: str, body: str) -> dict[str, str]:
    return {"type": "send", "conversation": conversation, "client_id": client_id, "body": body}


async def test_s01_one_client_id_stores_one_message_over_every_path(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, _ = await pair(http, setup_ctx)
        client_id = str(uuid.uuid4())
        first = await Socket.open(server.ws_url, await youth.ticket())
        await first.send(_send_frame(youth.conversation, client_id, "eerste versie"))
        seqs = [(await first.expect("ack"))["seq"]]
        # Same socket again.
        await first.send(_send_frame(youth.conversation, client_id, "eerste versie"))
        seqs.append((await first.expect("ack"))["seq"])
        # A new socket, with a different body under the same id: the first body stays.
        second = await Socket.open(server.ws_url, await youth.ticket())
        await second.send(_send_frame(youth.conversation, client_id, "andere tekst"))
        seqs.append((await second.expect("ack"))["seq"])
        # And over HTTP: 200, not 201, with the same seq.
        over_http = await youth.send("nog een keer", client_id)
        assert over_http.status_code == 200
        seqs.append(over_http.json()["seq"])
        assert seqs == [2, 2, 2, 2]

        # The same id in another conversation is a new message there.
        await make_staff(setup_ctx, "bram")
        other = Chatter(http, youth.token, "")
        created = await http.post("/api/v1/conversations", headers=youth.headers)
        other.conversation = created.json()["id"]
        elsewhere = await other.send("elders", client_id)
        assert elsewhere.status_code == 201
        assert elsewhere.json()["seq"] == 1

        page = (await youth.messages()).json()
        await first.close()
        await second.close()
    bodies = [m["body"] for m in page["messages"] if m["client_id"] == client_id]
    assert bodies == ["eerste versie"]
    assert [m["seq"] for m in page["messages"]] == [1, 2]


async def test_s03_resume_over_the_socket_gets_exactly_what_was_missed(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        sock = await Socket.open(server.ws_url, await youth.ticket())
        await sock.subscribe(youth.conversation, 0)
        held = (await sock.expect("message"))["seq"]
        await sock.close()  # the phone drops
        missed = [f"bericht {n}" for n in range(25)]
        for body in missed:
            assert (await anna.send(youth.conversation, body)).status_code == 201

        back = await Socket.open(server.ws_url, await youth.ticket())
        await back.subscribe(youth.conversation, held)
        replayed = await back.messages(25)
        assert [m["body"] for m in replayed] == missed
        assert [m["seq"] for m in replayed] == list(range(held + 1, held + 26))
        await back.expect("conversation")
        # Then live.
        await anna.send(youth.conversation, "live")
        live = await back.expect("message")
        assert (live["seq"], live["body"]) == (held + 26, "live")
        assert len([f for f in back.seen if f["type"] == "message"]) == 26
        await back.close()


async def test_s03_resume_over_long_poll(server: LiveServer, setup_ctx: Context) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        held = (await youth.messages()).json()["last_seq"]
        missed = [f"bericht {n}" for n in range(25)]
        for body in missed:
            await anna.send(youth.conversation, body)
        page = (await youth.messages(after_seq=held, wait=25)).json()
        assert [m["body"] for m in page["messages"]] == missed
        assert [m["seq"] for m in page["messages"]] == list(range(held + 1, held + 26))
        held = page["messages"][-1]["seq"]

        # Nothing new: the poll waits, and returns as soon as a message commits.
        poll = asyncio.create_task(youth.messages(after_seq=held, wait=20))
        await asyncio.sleep(0.5)
        assert not poll.done()
        await anna.send(youth.conversation, "live")
        page = (await asyncio.wait_for(poll, 5)).json()
        assert [(m["seq"], m["body"]) for m in page["messages"]] == [(held + 1, "live")]

        # A short wait with nothing new is an empty page, not an error.
        empty = (await youth.messages(after_seq=held + 1, wait=0.2)).json()
        assert empty["messages"] == []
        assert empty["last_seq"] == held + 1


async def test_s04_bad_cursors_get_an_explicit_error(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        stranger = await Chatter.start(http)
        beyond = await youth.messages(after_seq=99)
        assert beyond.status_code == 422
        assert beyond.json()["code"] == "bad_cursor"
        beyond_wait = await youth.messages(after_seq=99, wait=5)
        assert beyond_wait.status_code == 422
        negative = await youth.messages(after_seq=-1)
        assert negative.status_code == 422
        too_long = await youth.messages(wait=31)
        assert too_long.status_code == 422

        theirs = await Chatter(http, stranger.token, youth.conversation).messages()
        nothing = await Chatter(http, stranger.token, str(uuid.uuid4())).messages()
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.json() == nothing.json()

        sock = await Socket.open(server.ws_url, await youth.ticket())
        await sock.subscribe(youth.conversation, 99)
        error = await sock.expect("error")
        assert (error["code"], error["conversation"]) == ("bad_cursor", youth.conversation)
        foreign = await Socket.open(server.ws_url, await stranger.ticket())
        replies = []
        for conversation in (youth.conversation, str(uuid.uuid4())):
            await foreign.subscribe(conversation, 0)
            reply = await foreign.expect("error")
            replies.append((reply["code"], reply["reason"]))
        assert replies[0] == replies[1] == ("not_found", "no such conversation")
        # The refused subscription streams nothing.
        await anna.send(youth.conversation, "geheim")
        await foreign.send({"type": "ping"})
        await foreign.expect("pong")
        assert not [f for f in foreign.seen if f["type"] == "message"]
        await sock.close()
        await foreign.close()
