"""S15 CSRF: state-changing requests with a cross-site `Sec-Fetch-Site`, a foreign Origin or
a missing token are refused and change nothing; no GET changes state."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import select

from keerpunt import api
from keerpunt.accounts import store
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.db.base import Base, import_models
from keerpunt.deps import optional_enrolling, optional_staff
from tests.live import (
    COOKIE,
    PASSWORD,
    Chatter,
    Counselor,
    LiveServer,
    StaffMember,
    http_client,
    make_staff,
    next_code,
    session_cookie,
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
    async with http_client(server.url) as http:
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
    async with http_client(server.url) as http:
        admin = await Counselor.login(http, "beheer")
        cookie = {"Cookie": f"{COOKIE}={admin.cookie}"}
        checked = 0
        for route in _routes():
            if not _uses(route.dependant, optional_staff):
                continue  # public, or for chatters (a bearer token): no cookie counts
            for method in sorted((route.methods or set()) - {"GET", "HEAD"}):
                path = _fill(route.path, "00000000-0000-0000-0000-000000000000")
                response = await http.request(method, path, headers=cookie, json={})
                assert response.status_code == 403, (method, route.path, response.text)
                assert response.json()["code"] == "csrf"
                checked += 1
        assert checked > 20
        assert (await admin.get("/api/v1/me")).status_code == 200
        # The enrolment routes, on a session that may only enrol, alike.
        await make_staff(setup_ctx, "noor", enrol=False)
        login = await http.post(
            "/api/v1/auth/login", json={"username": "noor", "password": PASSWORD}
        )
        enrolling = {"Cookie": f"{COOKIE}={session_cookie(login)}"}
        for route in _routes():
            if _uses(route.dependant, optional_enrolling):
                response = await http.post(route.path, headers=enrolling, json={"code": "1"})
                assert response.status_code == 403, route.path
                assert response.json()["code"] == "csrf"


async def test_s15_login_refuses_another_sites_page(server: LiveServer, setup_ctx: Context) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
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
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        assert (await youth.send("hallo")).status_code == 201
        assert (await youth.end()).status_code == 200


async def test_s15_no_get_changes_state(server: LiveServer, setup_ctx: Context) -> None:
    """Every GET route, as an admin who holds every role, with real ids where the path
    takes one: every table is the same afterwards. Three kinds of write are the point of
    a read and left out: the access log's entry for each read (S21), a session's
    last-seen time (the idle timeout, S16), and the daily count of distinct visitors of
    the chat page (a count per day and campaign link, no visitor in it; loading the page
    from anywhere counts, which is what it measures)."""
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "beheer", roles=["counselor", "supervisor", "analyst", "admin"])
    anna = await staff_session(setup_ctx, "anna")
    started = await chat.start_conversation(setup_ctx, None, visitor="youth")
    conversation = started.conversation.id
    await chat.accept(setup_ctx, anna, conversation)
    await chat.send_message(setup_ctx, anna, conversation, str(uuid.uuid4()), "hoi")
    async with http_client(server.url) as http:
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


def _uses(dependant: Dependant, dependency: object) -> bool:
    return dependant.call is dependency or any(_uses(d, dependency) for d in dependant.dependencies)


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
            if table.name in ("audit_entries", "traffic_days"):
                continue
            columns = [c for c in table.columns if c.name != "last_seen_at"]
            rows = (await session.execute(select(*columns))).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables
