"""S15 CSRF: state-changing requests with a cross-site `Sec-Fetch-Site`, a foreign Origin or
a missing token are refused and change nothing; no GET changes state."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import APIRoute
from sqlalchemy import select

from keerpunt import api
from keerpunt.accounts import store
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.db.base import Base, import_models
from tests.live import (
    COOKIE,
    PASSWORD,
    Chatter,
    Counselor,
    LiveServer,
    StaffMember,
    make_staff,
    next_code,
    staff_session,
)


async def _paused(ctx: Context, username: str) -> bool:
    async with ctx.read() as session:
        user = await store.user_by_username(session, username)
        assert user is not None
        return user.paused


async def test_s15_a_change_without_the_token_or_from_another_site_is_refused(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with httpx.AsyncClient(base_url=server.url) as http:
        anna = await Counselor.login(http, "anna")
        other = await Counselor.login(http, "anna")
        cookie = {"Cookie": f"{COOKIE}={anna.cookie}"}
        token = {"X-CSRF-Token": anna.csrf}
        attempts: dict[str, dict[str, str]] = {
            "no token": cookie,
            "a wrong token": {**cookie, "X-CSRF-Token": "0" * 64},
            "the token of another session": {**cookie, "X-CSRF-Token": other.csrf},
            "a cross-site fetch": {**cookie, **token, "Sec-Fetch-Site": "cross-site"},
            "a same-site fetch": {**cookie, **token, "Sec-Fetch-Site": "same-site"},
            "a foreign origin": {**cookie, **token, "Origin": "https://evil.example"},
            "an opaque origin": {**cookie, **token, "Origin": "null"},
        }
        for what, headers in attempts.items():
            for method in ("POST", "PUT", "PATCH", "DELETE"):
                response = await http.request(
                    method, "/api/v1/me/pause", json={"paused": True}, headers=headers
                )
                if method == "POST":
                    assert response.status_code == 403, what
                    assert response.json()["code"] == "csrf", what
            assert await _paused(setup_ctx, "anna") is False, what
        # From our own page, with the token: it works.
        own = {**cookie, **token, "Sec-Fetch-Site": "same-origin", "Origin": server.url}
        done = await http.post("/api/v1/me/pause", json={"paused": True}, headers=own)
        assert done.status_code == 200, done.text
        assert await _paused(setup_ctx, "anna") is True


async def test_s15_every_cookie_change_route_needs_the_token(
    server: LiveServer, setup_ctx: Context
) -> None:
    """Each unsafe route, called with a staff cookie and no token, answers 403 `csrf`
    (or 405/404 where the path does not exist for that method): never a change."""
    await make_staff(setup_ctx, "beheer", roles=["counselor", "supervisor", "analyst", "admin"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        admin = await Counselor.login(http, "beheer")
        cookie = {"Cookie": f"{COOKIE}={admin.cookie}"}
        for route in _routes():
            for method in sorted((route.methods or set()) - {"GET", "HEAD"}):
                if route.path == "/api/v1/auth/login":
                    continue
                path = _fill(route.path, "00000000-0000-0000-0000-000000000000")
                response = await http.request(method, path, headers=cookie, json={})
                assert response.status_code == 403, (method, route.path, response.text)
                assert response.json()["code"] == "csrf"
        assert (await admin.get("/api/v1/me")).status_code == 200


async def test_s15_login_refuses_another_sites_page(server: LiveServer, setup_ctx: Context) -> None:
    await make_staff(setup_ctx, "anna")
    async with httpx.AsyncClient(base_url=server.url) as http:
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
            response = await http.post(
                "/api/v1/auth/login",
                json={"username": "anna", "password": PASSWORD, "totp": next_code("anna")},
                headers=headers,
            )
            assert response.status_code == 403
            assert response.json()["code"] == "csrf"
            assert "set-cookie" not in response.headers
        own = await http.post(
            "/api/v1/auth/login",
            json={"username": "anna", "password": PASSWORD, "totp": next_code("anna")},
            headers={"Sec-Fetch-Site": "same-origin", "Origin": server.url},
        )
        assert own.status_code == 200


async def test_s15_chatters_send_a_bearer_token_and_need_no_csrf_token(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        youth = await Chatter.start(http)
        assert (await youth.send("hallo")).status_code == 201
        assert (await youth.end()).status_code == 200


async def test_s15_no_get_changes_state(server: LiveServer, setup_ctx: Context) -> None:
    """Every GET route, as an admin who holds every role, with real ids where the path
    takes one: every table is the same afterwards. Two kinds of write are the point of a
    read and left out: the access log's entry for each read (S21), and a session's
    last-seen time (the idle timeout, S16)."""
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "beheer", roles=["counselor", "supervisor", "analyst", "admin"])
    anna = await staff_session(setup_ctx, "anna")
    started = await chat.start_conversation(setup_ctx, None, visitor="youth")
    conversation = started.conversation.id
    await chat.accept(setup_ctx, anna, conversation)
    await chat.send_message(
        setup_ctx, anna, conversation, "6f1c0e7a-0000-4000-8000-000000000001", "hoi"
    )
    async with httpx.AsyncClient(base_url=server.url) as http:
        admin = StaffMember(http, (await Counselor.login(http, "beheer")).cookie)
        before = await _tables(setup_ctx)
        answered = []
        for route in _routes():
            if "GET" not in (route.methods or set()):
                continue
            response = await admin.get(_fill(route.path, conversation))
            assert response.status_code < 500, route.path
            answered.append(route.path)
        after = await _tables(setup_ctx)
    assert "/api/v1/conversations/{conversation_id}" in answered
    assert len(answered) > 25
    changed = {name for name in before if before[name] != after[name]}
    assert changed == set(), changed


def _routes() -> list[APIRoute]:
    return [
        route for router in api.ROUTERS for route in router.routes if isinstance(route, APIRoute)
    ]


def _fill(path: str, conversation: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if "conversation" in name or name in {"id", "earlier_id"}:
            return conversation
        return "1" if name.endswith("id") or name == "version" else "unknown"

    return re.sub(r"\{([a-z_]+)\}", value, path)


async def _tables(ctx: Context) -> dict[str, list[Any]]:
    import_models()
    tables: dict[str, list[Any]] = {}
    async with ctx.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_entries":
                continue
            columns = [c for c in table.columns if c.name != "last_seen_at"]
            rows = (await session.execute(select(*columns))).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables
