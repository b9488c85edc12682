"""Chatter accounts: a user name and a password, nothing else, to come back to earlier
chats; and a chatter only ever sees their own conversations (S12, the chatter cells)."""

from __future__ import annotations

import uuid

import httpx

from keerpunt.accounts import actions as accounts
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from tests.live import Chatter, Counselor, LiveServer, StaffMember, http_client, make_staff

PASSWORD = "lang genoeg wachtwoord"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _account(
    http: httpx.AsyncClient, username: str, token: str | None = None, password: str = PASSWORD
) -> httpx.Response:
    return await http.post(
        "/api/v1/chatter/account",
        json={"username": username, "password": password},
        headers=_bearer(token) if token else {},
    )


async def _me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/api/v1/chatter/me", headers=_bearer(token))


async def _start(http: httpx.AsyncClient, token: str) -> str:
    started = await http.post("/api/v1/conversations", json={}, headers=_bearer(token))
    assert started.status_code == 201, started.text
    assert started.json()["token"] == token
    return str(started.json()["id"])


async def test_an_account_made_before_any_chat_is_a_new_chatter(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        created = await _account(http, "Zonnebloem")
        token = created.json()["token"]
        empty = (await _me(http, token)).json()
        first = await _start(http, token)
        second = await _start(http, token)
        listed = (await _me(http, token)).json()
    assert created.status_code == 201
    # Names compare without case, so the account is stored as the lower-case name.
    assert created.json()["username"] == "zonnebloem"
    assert len(token) >= 43
    assert empty == {"username": "zonnebloem", "conversations": []}
    # Newest first.
    assert [c["id"] for c in listed["conversations"]] == [second, first]
    assert listed["conversations"][0]["status"] == "queued"
    assert set(listed["conversations"][0]) == {"id", "status", "created_at", "ended_at", "last_seq"}


async def test_an_account_made_during_a_chat_binds_that_chatter(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http)
        await anna.accept(youth.conversation)
        assert (await youth.send("ik wil later terugkomen")).status_code == 201
        no_account = await http.post(
            "/api/v1/chatter/account/delete", json={"password": PASSWORD}, headers=youth.headers
        )
        created = await _account(http, "zonnebloem", youth.token)
        # The same chatter goes on: the next chat is theirs too.
        later = await _start(http, youth.token)
        listed = (await _me(http, youth.token)).json()
        second = await _account(http, "andere-naam", youth.token)
        view = await anna.get(f"/api/v1/conversations/{youth.conversation}")
    assert no_account.status_code == 409
    assert no_account.json()["code"] == "no_account"
    assert created.status_code == 201
    assert created.json() == {"token": youth.token, "username": "zonnebloem"}
    assert [c["id"] for c in listed["conversations"]] == [later, youth.conversation]
    assert listed["conversations"][1]["last_seq"] == 2
    assert second.status_code == 409
    assert second.json()["code"] == "has_account"
    assert view.json()["returning"] is True


async def test_user_names_and_passwords_are_checked(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        assert (await _account(http, "zonnebloem")).status_code == 201
        taken = await _account(http, "ZonneBloem")
        short = await _account(http, "ab")
        spaced = await _account(http, "zonne bloem")
        odd = await _account(http, "zonne<b>")
        weak = await _account(http, "maanbloem", password="kort")
        extra = await http.post(
            "/api/v1/chatter/account",
            json={"username": "maanbloem", "password": PASSWORD, "email": "a@b.nl"},
        )
        nothing_made = await http.post(
            "/api/v1/chatter/login", json={"username": "maanbloem", "password": "kort"}
        )
    assert taken.status_code == 409
    assert (taken.json()["code"], taken.json()["field"]) == ("username_taken", "username")
    for answer in (short, spaced, odd):
        assert answer.status_code == 422
        assert (answer.json()["code"], answer.json()["field"]) == ("bad_username", "username")
    assert weak.status_code == 422
    assert (weak.json()["code"], weak.json()["field"]) == ("weak_password", "password")
    assert extra.status_code == 422
    assert extra.json()["code"] == "invalid"
    assert nothing_made.status_code == 401


async def test_logging_in_gives_a_new_token_for_the_same_chatter(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http)
        await anna.accept(youth.conversation)
        await youth.send("eerste gesprek")
        await _account(http, "zonnebloem", youth.token)
        await anna.post(f"/api/v1/conversations/{youth.conversation}/end")

        wrong = await http.post(
            "/api/v1/chatter/login", json={"username": "zonnebloem", "password": "niet dit dus"}
        )
        unknown = await http.post(
            "/api/v1/chatter/login", json={"username": "nergensbloem", "password": PASSWORD}
        )
        login = await http.post(
            "/api/v1/chatter/login", json={"username": "ZONNEBLOEM", "password": PASSWORD}
        )
        token = login.json()["token"]
        old = await Chatter(http, token, youth.conversation).messages()
        back = await _start(http, token)
        listed = (await _me(http, token)).json()
        through_first_token = (await _me(http, youth.token)).json()
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "bad_credentials"
    assert login.status_code == 200
    assert login.json()["username"] == "zonnebloem"
    assert token != youth.token
    assert old.status_code == 200
    assert "eerste gesprek" in [m["body"] for m in old.json()["messages"]]
    assert [c["id"] for c in listed["conversations"]] == [back, youth.conversation]
    assert through_first_token == listed


async def test_logging_out_stops_that_token(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        first = (await _account(http, "zonnebloem")).json()["token"]
        login = await http.post(
            "/api/v1/chatter/login", json={"username": "zonnebloem", "password": PASSWORD}
        )
        second = login.json()["token"]
        out = await http.post("/api/v1/chatter/logout", headers=_bearer(second))
        stopped = await _me(http, second)
        start_with_it = await http.post("/api/v1/conversations", json={}, headers=_bearer(second))
        other_still = await _me(http, first)
        out_first = await http.post("/api/v1/chatter/logout", headers=_bearer(first))
        first_stopped = await _me(http, first)
        again = await http.post(
            "/api/v1/chatter/login", json={"username": "zonnebloem", "password": PASSWORD}
        )
        anonymous = await http.post("/api/v1/chatter/logout")
    assert out.status_code == 204
    assert stopped.status_code == 401
    assert stopped.json()["code"] == "bad_token"
    assert start_with_it.status_code == 401
    assert other_still.status_code == 200
    assert out_first.status_code == 204
    assert first_stopped.status_code == 401
    # The account itself stays: logging in works again.
    assert again.status_code == 200
    assert anonymous.status_code == 401


async def test_s12_a_chatter_sees_only_their_own_conversations_even_after_a_merge(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        a = await Chatter.start(http)
        b = await Chatter.start(http)
        anna = StaffMember(http, (await Counselor.login(http)).cookie)
        for chatter in (a, b):
            await anna.accept(chatter.conversation)
            await chatter.send(f"geheim van {chatter.token[:4]}")
        await _account(http, "chatter-a", a.token)
        await _account(http, "chatter-b", b.token)

        async def probes(token: str, conversation: str) -> list[httpx.Response]:
            as_b = Chatter(http, token, conversation)
            base = f"/api/v1/conversations/{conversation}"
            return [
                await as_b.messages(),
                await as_b.send("hoi"),
                await as_b.end(),
                await http.get(base, headers=as_b.headers),
                await http.post(f"{base}/feedback", json={"answers": {}}, headers=as_b.headers),
            ]

        async def staff_probes(token: str, conversation: str) -> list[httpx.Response]:
            base = f"/api/v1/conversations/{conversation}"
            headers = _bearer(token)
            return [
                await http.get(f"{base}/registration", headers=headers),
                await http.put(f"{base}/registration", json={}, headers=headers),
                await http.get(f"{base}/history", headers=headers),
                await http.get(f"{base}/history/{conversation}/messages", headers=headers),
            ]

        missing = str(uuid.uuid4())
        before = await probes(b.token, a.conversation)
        like_missing = await probes(b.token, missing)
        staff_routes = await staff_probes(b.token, a.conversation)
        staff_missing = await staff_probes(b.token, missing)

        # A counselor judges B to be A again: for staff they are one chatter from now on.
        merged = await anna.post(
            f"/api/v1/conversations/{b.conversation}/duplicate", json={"of": a.conversation}
        )
        after = await probes(b.token, a.conversation)
        the_other_way = await probes(a.token, b.conversation)
        list_a = (await _me(http, a.token)).json()
        list_b = (await _me(http, b.token)).json()
        a_messages = (await a.messages()).json()
    for answer in before + like_missing + after + the_other_way:
        assert answer.status_code == 404, answer.request.url
        assert answer.json() == {"code": "not_found", "detail": "no such conversation"}
    # Staff routes never take a chatter token, whichever conversation it names.
    for answer, same in zip(staff_routes, staff_missing, strict=True):
        assert answer.status_code == 401, answer.request.url
        assert answer.json() == same.json()
        assert answer.json()["code"] == "login_required"
    assert merged.status_code == 200, merged.text
    assert [c["id"] for c in list_a["conversations"]] == [a.conversation]
    assert [c["id"] for c in list_b["conversations"]] == [b.conversation]
    assert f"geheim van {b.token[:4]}" not in [m["body"] for m in a_messages["messages"]]


async def test_a_log_in_token_lasts_twelve_hours(ctx: Context, clock: FrozenClock) -> None:
    made = await accounts.create_chatter_account(ctx, None, "zonnebloem", PASSWORD)
    assert made.token is not None
    login = await accounts.login_chatter(ctx, "zonnebloem", PASSWORD)
    assert login.token is not None
    clock.advance(12 * 3600 - 1)
    assert await accounts.authenticate_chatter(ctx, login.token) == made.chatter
    clock.advance(1)
    assert await accounts.authenticate_chatter(ctx, login.token) is None
    # The token made with the account names the chatter, like a chat's own token.
    assert await accounts.authenticate_chatter(ctx, made.token) == made.chatter
