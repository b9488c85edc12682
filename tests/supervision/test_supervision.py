"""Supervisors: the live view, silent observing, whispers, joining and taking over, each
against a real server with the chatter's socket, long-poll and transcript watched."""

from __future__ import annotations

import uuid

import httpx

from keerpunt.context import Context
from tests.live import (
    Chatter,
    LiveServer,
    Socket,
    StaffMember,
    audit_entries,
    held_form,
    http_client,
    make_staff,
)

WHISPER = "Kanarie-fluister: vraag naar de schuld"


Setting = tuple[Chatter, StaffMember, StaffMember]


async def _setting(http: httpx.AsyncClient, ctx: Context) -> Setting:
    """A chat that counselor anna took, and supervisor sven logged in."""
    await make_staff(ctx, "anna", display_name="Anna")
    await make_staff(ctx, "sven", roles=["supervisor"], display_name="Sven")
    youth = await Chatter.start(http)
    anna = await StaffMember.login(http, "anna")
    sven = await StaffMember.login(http, "sven")
    assert (await anna.accept(youth.conversation)).status_code == 200
    assert (await youth.send("hoi, ik zit vast")).status_code == 201
    return youth, anna, sven


async def _pong(sock: Socket) -> None:
    """Read up to a pong: whatever was published before has arrived by then."""
    await sock.send({"type": "ping"})
    await sock.expect("pong")


async def test_a_supervisor_observes_silently_and_whispers_reach_staff_only(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna, sven = await _setting(http, setup_ctx)
        conv = youth.conversation
        await make_staff(setup_ctx, "sara", roles=["supervisor"], display_name="Sara")
        sara = await StaffMember.login(http, "sara")
        phone = await Socket.open(server.ws_url, await youth.ticket())
        console = await Socket.open(server.ws_url, await anna.ticket())
        watcher = await Socket.open(server.ws_url, await sven.ticket())
        # A second supervisor only observes; whispers reach her too.
        second = await Socket.open(server.ws_url, await sara.ticket())
        await second.subscribe(conv)
        await second.expect("conversation")
        for sock in (phone, console):
            await sock.subscribe(conv)
            await sock.expect("conversation")

        # Observing: the replay and live messages, like the counselor's console.
        await watcher.subscribe(conv)
        replay = await watcher.messages(2)
        assert [m["body"] for m in replay][1] == "hoi, ik zit vast"
        await watcher.expect("conversation", status="active")
        # An observer sends no read receipt or typing into the chat: refused as not there.
        for frame in (
            {"type": "read", "conversation": conv, "seq": 2},
            {"type": "typing", "conversation": conv, "active": True},
            {"type": "send", "conversation": conv, "client_id": str(uuid.uuid4()), "body": "x"},
        ):
            await watcher.send(frame)
            refused = await watcher.expect("error", conversation=conv)
            assert refused["code"] == "not_found"
        refused_http = await sven.send(conv, "ik ben er ook")
        assert refused_http.status_code == 404

        # Whisper, and the counselor whispers back.
        sent = await sven.post(
            f"/api/v1/conversations/{conv}/whispers",
            json={"client_id": (client := str(uuid.uuid4())), "body": WHISPER},
        )
        assert sent.status_code == 201, sent.text
        again = await sven.post(
            f"/api/v1/conversations/{conv}/whispers", json={"client_id": client, "body": "anders"}
        )
        assert (again.status_code, again.json()["id"]) == (200, sent.json()["id"])
        heard = await console.expect("whisper", conversation=conv)
        assert (heard["body"], heard["from"]["name"]) == (WHISPER, "Sven")
        assert (await second.expect("whisper", conversation=conv))["body"] == WHISPER
        back = await anna.post(
            f"/api/v1/conversations/{conv}/whispers",
            json={"client_id": str(uuid.uuid4()), "body": "Dank, doe ik"},
        )
        assert back.status_code == 201, back.text
        assert (await watcher.expect("whisper", body="Dank, doe ik"))["from"]["name"] == "Anna"
        listed = await anna.get(f"/api/v1/conversations/{conv}/whispers")
        assert [w["body"] for w in listed.json()] == [WHISPER, "Dank, doe ik"]

        # The chatter: no whisper, no trace of the observer, over the socket...
        assert (await anna.send(conv, "Vertel maar")).status_code == 201
        await phone.expect("message", body="Vertel maar")
        await _pong(phone)
        kinds = {frame["type"] for frame in phone.seen}
        assert "whisper" not in kinds
        assert "read" not in kinds
        assert "typing" not in kinds
        assert not any(WHISPER in str(frame) for frame in phone.seen)
        # ... over long-poll and the transcript ...
        page = (await youth.messages(0)).json()
        assert [m["sender"] for m in page["messages"]] == ["system", "chatter", "counselor"]
        assert WHISPER not in str(page)
        # ... and not for the chatter over the whisper routes either.
        for verb in ("GET", "POST"):
            answer = await http.request(
                verb,
                f"/api/v1/conversations/{conv}/whispers",
                headers=youth.headers,
                json={"client_id": str(uuid.uuid4()), "body": "x"} if verb == "POST" else None,
            )
            assert answer.status_code == 401
        for sock in (phone, console, watcher, second):
            await sock.close()
    # Opening the chat to observe it is a read of it, logged as one.
    reads = await audit_entries(setup_ctx, "read_chat")
    assert any(
        (e.conversation_id, e.subject, e.role, e.purpose)
        == (conv, "socket", "supervisor", "supervision")
        for e in reads
    )


async def test_a_long_poll_of_the_chatter_never_carries_a_whisper(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, _anna, sven = await _setting(http, setup_ctx)
        conv = youth.conversation
        sent = await sven.post(
            f"/api/v1/conversations/{conv}/whispers",
            json={"client_id": str(uuid.uuid4()), "body": WHISPER},
        )
        assert sent.status_code == 201
        # Nothing new for the chatter: the whisper did not wake the poll, and the page
        # holds only the chat's two messages.
        page = (await youth.messages(2, wait=1)).json()
        assert page["messages"] == []
        assert WHISPER not in str((await youth.messages(0)).json())


async def test_join_lets_the_supervisor_write_and_the_chatter_reads_a_neutral_line(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna, sven = await _setting(http, setup_ctx)
        conv = youth.conversation
        joined = await sven.post(f"/api/v1/conversations/{conv}/join")
        assert joined.status_code == 200, joined.text
        assert (await sven.post(f"/api/v1/conversations/{conv}/join")).status_code == 200
        assert (await sven.send(conv, "Ik kijk even mee, hoor.")).status_code == 201
        page = (await youth.messages(0)).json()["messages"]
        assert [(m["sender"], m["code"]) for m in page[2:]] == [
            ("system", "colleague_joined"),
            ("counselor", None),
        ]
        assert page[2]["body"] == "Een collega is ook in het gesprek gekomen."
        # The counselor keeps the chat.
        assert (await anna.send(conv, "Fijn")).status_code == 201
    assert [e.conversation_id for e in await audit_entries(setup_ctx, "supervisor_joined")] == [
        conv
    ]


async def test_take_over_moves_the_chat_and_the_counselor_loses_it_at_once(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna, sven = await _setting(http, setup_ctx)
        conv = youth.conversation
        console = await Socket.open(server.ws_url, await anna.ticket())
        await console.subscribe(conv)
        await console.expect("conversation")
        taken = await sven.post(f"/api/v1/conversations/{conv}/takeover")
        assert taken.status_code == 200, taken.text
        # The counselor reads the neutral line, then the chat goes away.
        line = await console.expect("message", code="transferred")
        assert line["body"] == "Je gesprek gaat verder met een collega."
        gone = await console.expect("error", timeout=1, conversation=conv)
        assert gone["code"] == "not_found"
        assert (await anna.send(conv, "nog iets")).status_code == 404
        assert (await sven.send(conv, "Ik neem het over.")).status_code == 201
        page = (await youth.messages(0)).json()["messages"]
        assert [m["code"] for m in page[2:]] == ["transferred", None]
        snapshot = (await sven.get("/api/v1/supervision/live")).json()
        assert [(c["conversation"], c["counselor"]) for c in snapshot["running"]] == [
            (conv, "Sven")
        ]
        await console.close()
    logged = await audit_entries(setup_ctx, "taken_over")
    assert [e.conversation_id for e in logged] == [conv]


async def test_the_live_view_shows_queue_counselors_and_running_chats(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna, sven = await _setting(http, setup_ctx)
        waiting = await Chatter.start(http, visitor="relative")
        danger = held_form(safety=["acute_danger"])
        path = f"/api/v1/conversations/{youth.conversation}/registration"
        assert (await anna.put(path, json=danger)).status_code == 200
        live = (await sven.get("/api/v1/supervision/live")).json()
        assert [(q["conversation"], q["visitor"]) for q in live["queue"]] == [
            (waiting.conversation, "relative")
        ]
        assert [(c["name"], c["state"], c["active_chats"]) for c in live["counselors"]] == [
            ("Anna", "online", 1)
        ]
        (chat,) = live["running"]
        assert chat["conversation"] == youth.conversation
        assert chat["counselor"] == "Anna"
        assert chat["waiting_for_reply"] is True
        assert chat["acute_danger"] is True
        assert chat["chatter_last_at"] is not None
        assert "hoi" not in str(live)
        # Only supervisors see it.
        assert (await anna.get("/api/v1/supervision/live")).status_code == 404
        assert (await http.get("/api/v1/supervision/live")).status_code == 401
