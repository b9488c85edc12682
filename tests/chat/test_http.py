"""The HTTP contract outside clients rely on."""

from __future__ import annotations

import uuid

from keerpunt.context import Context
from tests.live import (
    COOKIE,
    PASSWORD,
    Chatter,
    Counselor,
    LiveServer,
    http_client,
    make_staff,
    next_code,
)


async def test_starting_a_chat_needs_nothing_and_returns_a_token(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        bare = await http.post("/api/v1/conversations")
        typed = await http.post(
            "/api/v1/conversations", json={"visitor": "relative", "ref": "tiktok-2026"}
        )
    assert bare.status_code == 201
    body = bare.json()
    assert set(body) >= {"id", "token", "status", "position"}
    assert body["status"] == "queued"
    assert body["position"] == 1
    assert len(body["token"]) >= 43  # 256 random bits, URL-safe base64
    assert typed.status_code == 201
    assert typed.json()["position"] == 2
    assert typed.json()["token"] != body["token"]


async def test_a_returning_chatter_keeps_their_token(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        first = await Chatter.start(http)
        again = await http.post("/api/v1/conversations", headers=first.headers, json={})
        assert again.status_code == 201
        assert again.json()["token"] == first.token
        assert again.json()["id"] != first.conversation
        # Both conversations answer to the one token.
        second = Chatter(http, first.token, again.json()["id"])
        assert (await second.send("weer hier")).status_code == 201
        assert (await first.send("ook hier")).status_code == 201
        unknown = await http.post(
            "/api/v1/conversations", headers={"Authorization": "Bearer not-a-token"}
        )
    assert unknown.status_code == 401


async def test_bad_input_is_refused_with_a_reason_and_changes_nothing(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        cases = [
            {"client_id": "not-a-uuid", "body": "x"},
            {"client_id": str(uuid.uuid4()), "body": ""},
            {"client_id": str(uuid.uuid4()), "body": "x" * 4001},
            {"client_id": str(uuid.uuid4())},
            {"client_id": str(uuid.uuid4()), "body": "x", "extra": 1},
        ]
        for payload in cases:
            response = await http.post(
                f"/api/v1/conversations/{youth.conversation}/messages",
                json=payload,
                headers=youth.headers,
            )
            assert response.status_code == 422, payload
            assert response.json()["code"] == "invalid"
            assert "x" * 50 not in response.text  # the input is not echoed back
        blank = await youth.send("   \n ")
        assert blank.status_code == 422
        assert blank.json()["code"] == "empty_message"
        bad_visitor = await http.post("/api/v1/conversations", json={"visitor": "police"})
        assert bad_visitor.status_code == 422
        bad_ref = await http.post("/api/v1/conversations", json={"ref": "<script>"})
        assert bad_ref.status_code == 422
        page = (await youth.messages()).json()
    assert page["messages"] == []
    assert page["last_seq"] == 0


async def test_a_conversation_of_someone_else_looks_exactly_like_none(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        mine = await Chatter.start(http)
        other = await Chatter.start(http)
        anna = await Counselor.login(http, "anna")
        bram = await Counselor.login(http, "bram")
        assert (await anna.accept(other.conversation)).status_code == 200
        missing = str(uuid.uuid4())
        answers = []
        for conversation in (other.conversation, missing):
            as_chatter = Chatter(http, mine.token, conversation)
            answers.append(await as_chatter.messages())
            answers.append(await as_chatter.send("hoi"))
            answers.append(await as_chatter.end())
            answers.append(await bram.get(f"/api/v1/conversations/{conversation}/messages"))
            answers.append(await bram.send(conversation, "hoi"))
        for response in answers:
            assert response.status_code == 404
            assert response.json() == {"code": "not_found", "detail": "no such conversation"}


async def test_staff_log_in_with_a_strict_host_cookie_and_out_again(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        wrong = await http.post(
            "/api/v1/auth/login", json={"username": "anna", "password": "wrong password!"}
        )
        nobody = await http.post(
            "/api/v1/auth/login", json={"username": "nobody", "password": PASSWORD}
        )
        assert wrong.status_code == nobody.status_code == 401
        assert wrong.json() == nobody.json()

        response = await http.post(
            "/api/v1/auth/login",
            json={"username": "anna", "password": PASSWORD, "totp": next_code("anna")},
        )
        assert response.status_code == 200
        assert response.json()["roles"] == ["counselor"]
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        for attribute in ("HttpOnly", "Path=/", "SameSite=strict", "Secure"):
            assert attribute.lower() in cookie.lower()
        assert "domain=" not in cookie.lower()

        anna = await Counselor.login(http, "anna")
        assert (await anna.get("/api/v1/me")).json()["username"] == "anna"
        assert (await anna.post("/api/v1/auth/logout")).status_code == 204
        # The session is gone on the server, not only in the browser.
        assert (await anna.get("/api/v1/me")).status_code == 401
        assert (await anna.get("/api/v1/queue")).status_code == 401
        assert (await http.get("/api/v1/queue")).status_code == 401


async def test_chatters_cannot_use_staff_routes(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        other = await Chatter.start(http)
        queue = await http.get("/api/v1/queue", headers=youth.headers)
        accept = await http.post(
            f"/api/v1/conversations/{other.conversation}/accept", headers=youth.headers
        )
    assert queue.status_code == 401
    assert accept.status_code == 401


async def test_queue_accept_and_end(server: LiveServer, setup_ctx: Context) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        first = await Chatter.start(http, "youth")
        second = await Chatter.start(http, "relative")
        anna = await Counselor.login(http)
        waiting = (await anna.get("/api/v1/queue")).json()["waiting"]
        assert [(w["conversation"], w["position"], w["visitor"]) for w in waiting] == [
            (first.conversation, 1, "youth"),
            (second.conversation, 2, "relative"),
        ]
        accepted = await anna.accept(first.conversation)
        assert accepted.status_code == 200
        assert accepted.json()["status"] == "active"
        # A retried accept by the counselor who holds the chat is answered as the first was.
        again = await anna.accept(first.conversation)
        assert again.status_code == 200
        assert again.json()["status"] == "active"
        # The second chatter moved up.
        view = await http.get(
            f"/api/v1/conversations/{second.conversation}", headers=second.headers
        )
        assert view.json()["position"] == 1

        assert (await anna.send(first.conversation, "Hoi, ik ben Anna.")).status_code == 201
        ended = await anna.post(f"/api/v1/conversations/{first.conversation}/end")
        assert ended.json()["status"] == "ended"
        late = await first.send("nog iets")
        assert late.status_code == 409
        assert late.json()["code"] == "conversation_ended"
        # The chatter who leaves before pick-up abandoned the chat.
        left = await second.end()
        assert left.json()["status"] == "abandoned"
        assert (await anna.get("/api/v1/queue")).json()["waiting"] == []
        page = (await first.messages()).json()
    assert page["status"] == "ended"
    assert [(m["sender"], m["code"]) for m in page["messages"]] == [
        ("system", "counselor_joined"),
        ("counselor", None),
        ("system", "ended_by_counselor"),
    ]


async def test_the_counselor_cap_and_the_pause_switch(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna", max_chats=2)
    async with http_client(server.url) as http:
        chats = [await Chatter.start(http) for _ in range(4)]
        anna = await Counselor.login(http)
        assert (await anna.accept(chats[0].conversation)).status_code == 200
        assert (await anna.accept(chats[1].conversation)).status_code == 200
        full = await anna.accept(chats[2].conversation)
        assert full.status_code == 409
        assert full.json()["code"] == "at_capacity"
        await anna.post(f"/api/v1/conversations/{chats[0].conversation}/end")
        paused = await anna.post("/api/v1/me/pause", json={"paused": True})
        assert paused.json()["paused"] is True
        refused = await anna.accept(chats[2].conversation)
        assert refused.status_code == 409
        assert refused.json()["code"] == "paused"
        await anna.post("/api/v1/me/pause", json={"paused": False})
        assert (await anna.accept(chats[2].conversation)).status_code == 200
        snapshot = (await anna.get("/api/v1/console/snapshot")).json()
    assert {c["id"] for c in snapshot["conversations"]} == {
        chats[1].conversation,
        chats[2].conversation,
    }
    assert [w["conversation"] for w in snapshot["queue"]] == [chats[3].conversation]


async def test_health_and_headers(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        health = await http.get("/healthz")
        started = await http.post("/api/v1/conversations")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "bus": "memory"}
    assert started.headers["cache-control"] == "no-store"
    assert started.headers["x-content-type-options"] == "nosniff"
    assert started.headers["referrer-policy"] == "no-referrer"
    assert "server" not in started.headers
