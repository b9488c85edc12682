"""S16 Staff sessions: the id rotates at login; logout kills it server-side and closes the
user's sockets; 15 minutes idle and 10 hours absolute; disabling a user kills all their
sessions; at most two sessions per user."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from websockets.exceptions import ConnectionClosed

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import totp
from keerpunt.accounts.models import StaffSession
from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.realtime.events import SessionsEnded, user_channel
from tests.live import (
    COOKIE,
    FRAME_TIMEOUT,
    PASSWORD,
    Counselor,
    LiveServer,
    Socket,
    StaffMember,
    http_client,
    make_staff,
    next_code,
    session_cookie,
)


async def _closed(sock: Socket, timeout: float = FRAME_TIMEOUT) -> int | None:
    """Waits for the server to close the socket; answers the close code."""
    try:
        while True:
            await sock.recv(timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def _still_open(sock: Socket) -> bool:
    await sock.send({"type": "ping"})
    return (await sock.expect("pong"))["type"] == "pong"


async def test_s16_the_session_id_rotates_at_login_and_after_enrolment(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "bram", enrol=False)
    async with http_client(server.url) as http:
        # A cookie planted before the log-in is not kept: the log-in sets a new one.
        planted = {"Cookie": f"{COOKIE}=planted-by-someone-else"}
        first = await http.post(
            "/api/v1/auth/login",
            json={"username": "anna", "password": PASSWORD, "totp": next_code("anna")},
            headers=planted,
        )
        assert first.status_code == 200
        assert session_cookie(first) != "planted-by-someone-else"
        second = await Counselor.login(http, "anna")
        assert second.cookie != session_cookie(first)

        # Enrolment: the session of the password alone gives way to a new one.
        login = await http.post(
            "/api/v1/auth/login", json={"username": "bram", "password": PASSWORD}
        )
        assert login.json()["enrolling"] is True
        enrolling = Counselor(http, session_cookie(login), login.json()["csrf_token"])
        assert (await enrolling.get("/api/v1/me")).status_code == 401
        assert (await enrolling.post("/api/v1/ws-ticket")).status_code == 401
        secret = (await enrolling.post("/api/v1/auth/totp/begin")).json()["secret"]
        code = totp.code_at(secret, totp.step_of(setup_ctx.clock.now()))
        confirmed = await enrolling.post("/api/v1/auth/totp/confirm", json={"code": code})
        assert confirmed.status_code == 200, confirmed.text
        assert len(confirmed.json()["recovery_codes"]) == 10
        bram = Counselor(http, session_cookie(confirmed), confirmed.json()["csrf_token"])
        assert bram.cookie != enrolling.cookie
        assert (await bram.get("/api/v1/me")).json()["username"] == "bram"
        assert (await enrolling.post("/api/v1/auth/totp/begin")).status_code == 401


async def test_s16_logout_kills_the_session_and_closes_its_sockets(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        anna = await Counselor.login(http, "anna")
        elsewhere = await Counselor.login(http, "anna")
        sock = await Socket.open(server.ws_url, await anna.ticket())
        other = await Socket.open(server.ws_url, await elsewhere.ticket())
        assert (await anna.post("/api/v1/auth/logout")).status_code == 204
        assert await _closed(sock) == 1008
        assert sock.seen[-1] == {
            "type": "error",
            "code": "closing",
            "reason": "the staff session ended",
            "conversation": None,
            "client_id": None,
            "retry_after": None,
        }
        # Gone on the server, not only in the browser; the other session goes on.
        assert (await anna.get("/api/v1/me")).status_code == 401
        assert (await anna.post("/api/v1/ws-ticket")).status_code == 401
        assert await _still_open(other)
        assert (await elsewhere.get("/api/v1/me")).status_code == 200
        await other.close()


async def test_s16_idle_15_minutes_or_10_hours_in_all_ends_a_session(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna")
    idle = await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))
    clock.advance(14 * 60)
    assert await accounts.authenticate_staff(ctx, idle.token) is not None  # used: touched
    clock.advance(14 * 60)
    assert await accounts.authenticate_staff(ctx, idle.token) is not None
    clock.advance(15 * 60)
    assert await accounts.authenticate_staff(ctx, idle.token) is None

    busy = await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))
    for _ in range(59):  # used every 10 minutes for 9 h 50 min
        clock.advance(10 * 60)
        assert await accounts.authenticate_staff(ctx, busy.token) is not None
    clock.advance(10 * 60)
    assert await accounts.authenticate_staff(ctx, busy.token) is None


async def test_s16_a_third_login_ends_the_oldest_session(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, object]]
) -> None:
    anna = await make_staff(ctx, "anna")
    sessions = []
    for _ in range(3):
        sessions.append(await accounts.login(ctx, "anna", PASSWORD, next_code("anna")))
        clock.advance(1)
    alive = [await accounts.authenticate_staff(ctx, s.token) is not None for s in sessions]
    assert alive == [False, True, True]
    # The first session's sockets are told, after the commit, on anna's channel.
    ended = [frame for channel, frame in events if channel == user_channel(anna.id)]
    assert SessionsEnded(user=anna.id, sessions=[sessions[0].session_hash]) in ended


async def test_s16_disabling_a_user_kills_all_their_sessions_and_sockets(
    server: LiveServer, setup_ctx: Context
) -> None:
    anna_user = await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        admin = StaffMember(http, (await Counselor.login(http, "beheer")).cookie)
        phone = await Counselor.login(http, "anna")
        desk = await Counselor.login(http, "anna")
        sockets = [await Socket.open(server.ws_url, await c.ticket()) for c in (phone, desk)]
        disabled = await admin.post(f"/api/v1/users/{anna_user.id}/disable")
        assert disabled.status_code == 200, disabled.text
        assert [await _closed(s) for s in sockets] == [1008, 1008]
        for session in (phone, desk):
            assert (await session.get("/api/v1/me")).status_code == 401
        # Disabled, the right password and code log in no more, and say nothing more.
        refused = await http.post(
            "/api/v1/auth/login",
            json={"username": "anna", "password": PASSWORD, "totp": next_code("anna")},
        )
        assert refused.status_code == 401
        assert refused.json()["code"] == "bad_credentials"
        listed = {u["username"]: u for u in (await admin.get("/api/v1/users")).json()}
        assert listed["anna"]["is_active"] is False
        # Enabled again, anna logs in.
        assert (await admin.post(f"/api/v1/users/{anna_user.id}/enable")).status_code == 200
        assert (await (await Counselor.login(http, "anna")).get("/api/v1/me")).status_code == 200
        # Only an admin may do this; to others the account is not there.
        assert (await phone.post(f"/api/v1/users/{anna_user.id}/disable")).status_code == 401
        other = await Counselor.login(http, "anna")
        assert (await other.post(f"/api/v1/users/{anna_user.id}/disable")).status_code == 404


async def test_s16_an_admin_lists_anyones_sessions_and_ends_one(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        admin = StaffMember(http, (await Counselor.login(http, "beheer")).cookie)
        anna = StaffMember(http, (await Counselor.login(http, "anna")).cookie)
        sock = await Socket.open(server.ws_url, await anna.ticket())
        listing = await admin.get("/api/v1/sessions")
        assert listing.status_code == 200
        rows = listing.json()
        assert sorted((r["username"], r["roles"], r["current"]) for r in rows) == [
            ("anna", ["counselor"], False),
            ("beheer", ["admin"], True),
        ]
        assert set(rows[0]) == {
            "handle", "user_id", "username", "roles", "created_at", "last_seen_at", "current"
        }  # fmt: skip
        # Never the session id (the cookie), nor an address.
        for secret in (anna.cookie, admin.cookie, "127.0.0.1"):
            assert secret not in listing.text
        handle = next(r["handle"] for r in rows if r["username"] == "anna")
        assert (await anna.delete(f"/api/v1/sessions/{handle}")).status_code == 404
        assert (await anna.get("/api/v1/sessions")).status_code == 404
        ended = await admin.delete(f"/api/v1/sessions/{handle}")
        assert ended.status_code == 204
        assert await _closed(sock) == 1008
        assert (await anna.get("/api/v1/me")).status_code == 401
        assert (await admin.delete(f"/api/v1/sessions/{handle}")).status_code == 404


@pytest.fixture
def quick_heartbeat(settings: Settings) -> Settings:
    return settings.model_copy(update={"heartbeat_seconds": 0.3})


async def test_s16_a_socket_notices_a_session_gone_without_a_message(
    quick_heartbeat: Settings, setup_ctx: Context
) -> None:
    """Were the bus message lost (another process, a broker restart), the heartbeat still
    finds the session gone: here it is removed behind the bus's back."""
    server = LiveServer(quick_heartbeat)
    server.start()
    try:
        await make_staff(setup_ctx, "anna")
        async with http_client(server.url) as http:
            anna = await Counselor.login(http, "anna")
            sock = await Socket.open(server.ws_url, await anna.ticket())
            assert await _still_open(sock)
            async with setup_ctx.write() as tx:
                await tx.session.execute(delete(StaffSession))
            assert await _closed(sock) == 1008
    finally:
        server.stop()
