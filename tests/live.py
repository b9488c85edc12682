"""A real server on a loopback port, and clients that speak the protocol as outsiders do."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import totp
from keerpunt.accounts.models import User
from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.core.clock import Clock, FrozenClock
from keerpunt.main import create_app
from keerpunt.privacy.models import AuditEntry
from keerpunt.server import uvicorn_config

COOKIE = "__Host-keerpunt_session"
PASSWORD = "correct horse battery staple"
# How long a test's client waits for an answer. A loaded CI machine can stall a request for
# seconds (a slow fsync, both cores busy); a test checks what is answered, not how fast
# (bench/ measures that), and a server that hangs still fails it.
CLIENT_TIMEOUT = 30.0
# The same for a frame a socket waits for; a test that checks nothing comes says how long.
FRAME_TIMEOUT = 15.0


def wait_for_a_fresh_window(seconds: int, needed: float) -> float:
    """How long to wait until a window of a limit has at least `needed` seconds left.

    The abuse limits are sliding-window counters over windows that turn on the epoch's
    multiples of their length. A burst that straddles a turn sees the earlier window's
    count already fading (and rounded down), so it may get one more through than the
    limit says: a test that needs a burst refused sends it inside one window."""
    into = time.time() % seconds
    return 0.0 if seconds - into >= needed else seconds - into + 0.05


def http_client(base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client for a live server, with the patient timeout above."""
    kwargs.setdefault("timeout", CLIENT_TIMEOUT)
    return httpx.AsyncClient(base_url=base_url, **kwargs)


class LiveServer:
    """uvicorn in a thread with its own event loop, serving a freshly created app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # IPPROTO_TCP named, so asyncio sets TCP_NODELAY on each accepted connection: with
        # proto 0 it does not, and Nagle plus delayed ACKs add 40 ms to every answer.
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        config = uvicorn_config(create_app(settings), settings, port=self.port)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.socket.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`keerpunt serve` as a child process, killed and restarted on the same port."""

    def __init__(self, settings: Settings, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KEERPUNT_ENV": "production",
            "KEERPUNT_ALWAYS_OPEN": "true",
            "KEERPUNT_COOKIE_SECURE": str(settings.cookie_secure).lower(),
            "KEERPUNT_RETENTION_SCHEDULE": str(settings.retention_schedule).lower(),
            "KEERPUNT_DATABASE_URL": settings.resolved_database_url(),
            "KEERPUNT_ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),  # type: ignore[union-attr]
            "KEERPUNT_SESSION_SECRET": settings.session_secret.get_secret_value(),  # type: ignore[union-attr]
            "KEERPUNT_SECRETS_DIR": str(log.parent),
            # A test that raises or lifts the abuse limits (S18) does so in its settings.
            "KEERPUNT_LIMIT_NEW_CHATS_PER_SOURCE": settings.limit_new_chats_per_source,
            "KEERPUNT_LIMIT_MESSAGES_PER_CHATTER": settings.limit_messages_per_chatter,
            "KEERPUNT_LIMIT_MESSAGES_PER_SOURCE": settings.limit_messages_per_source,
            **env,
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start_process(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "keerpunt", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=out,
            )

    def healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited: see {self.log}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    async def start(self) -> None:
        self.start_process()
        for _ in range(300):
            if await asyncio.to_thread(self.healthy):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def start_sync(self) -> None:
        self.start_process()
        for _ in range(300):
            if self.healthy():
                return
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Authenticator:
    """A test user's authenticator app: the secret, the clock of the server it was enrolled
    on, and the codes it has used up. A code works once, and a frozen clock knows only
    three steps (the one before, now, the one after), so it hands out each step once, in
    order, and then the recovery codes."""

    secret: str
    clock: Clock
    last_step: int
    recovery_codes: list[str] = field(default_factory=list)

    def next_code(self) -> str:
        current = totp.step_of(self.clock.now())
        step = max(self.last_step + 1, current - 1)
        if step <= current + 1:
            self.last_step = step
            return totp.code_at(self.secret, step)
        if self.recovery_codes:
            return self.recovery_codes.pop(0)
        if isinstance(self.clock, FrozenClock):
            raise AssertionError("this test user has no unused code left: move the clock")
        # On the real clock, as a person would: wait for the app's next code.
        time.sleep(max(0.0, (current + 1) * totp.STEP_SECONDS - self.clock.now().timestamp()))
        return self.next_code()


# By user name: the authenticators of the users make_staff enrolled.
AUTHENTICATORS: dict[str, Authenticator] = {}
# By session cookie: its CSRF token, for a StaffMember made from a Counselor's cookie.
CSRF_TOKENS: dict[str, str] = {}


def next_code(username: str) -> str:
    """A TOTP code (or recovery code) of this user not used before; "" for a user whose
    TOTP was not set up here (who is asked to enrol)."""
    app = AUTHENTICATORS.get(username)
    return app.next_code() if app is not None else ""


async def make_staff(
    ctx: Context,
    username: str = "anna",
    *,
    roles: list[str] | None = None,
    max_chats: int = 3,
    enrol: bool = True,
    password: str = PASSWORD,
    display_name: str | None = None,
) -> User:
    """A staff user, with TOTP enrolled through the same steps a person takes (unless
    `enrol` is False: such a user enrols at the first log-in)."""
    user = await accounts.create_user(
        ctx,
        username,
        password,
        roles or ["counselor"],
        max_chats=max_chats,
        display_name=display_name,
    )
    AUTHENTICATORS.pop(username, None)
    if enrol:
        await enrol_totp(ctx, username, password)
    return user


async def enrol_totp(ctx: Context, username: str, password: str = PASSWORD) -> list[str]:
    """Log in with the password, scan the secret, confirm with a code, log out; answers the
    recovery codes. The code of the step before now is used to confirm, leaving the
    current step and the next for log-ins with a frozen clock."""
    first = await accounts.login(ctx, username, password)
    assert first.enrolling
    enrolling = await accounts.authenticate_enrolling(ctx, first.token)
    assert enrolling is not None
    enrolment = await accounts.begin_enrolment(ctx, enrolling)
    step = totp.step_of(ctx.clock.now()) - 1
    done = await accounts.confirm_enrolment(ctx, enrolling, totp.code_at(enrolment.secret, step))
    staff = await accounts.authenticate_staff(ctx, done.token)
    assert staff is not None
    await accounts.logout(ctx, staff)
    AUTHENTICATORS[username] = Authenticator(
        enrolment.secret, ctx.clock, step, list(done.recovery_codes)
    )
    return done.recovery_codes


async def pair(http: httpx.AsyncClient, ctx: Context) -> tuple[Chatter, Counselor]:
    """A chatter whose chat counselor "anna" has accepted: the start of most tests."""
    await make_staff(ctx, "anna")
    youth = await Chatter.start(http)
    anna = await Counselor.login(http)
    assert (await anna.accept(youth.conversation)).status_code == 200
    return youth, anna


class Chatter:
    """An anonymous chatter over HTTP."""

    def __init__(self, http: httpx.AsyncClient, token: str, conversation: str) -> None:
        self.http = http
        self.token = token
        self.conversation = conversation

    @classmethod
    async def start(cls, http: httpx.AsyncClient, visitor: str = "youth") -> Chatter:
        response = await http.post("/api/v1/conversations", json={"visitor": visitor})
        assert response.status_code == 201, response.text
        data = response.json()
        return cls(http, data["token"], data["id"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def send(self, body: str, client_id: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/conversations/{self.conversation}/messages",
            json={"client_id": client_id or str(uuid.uuid4()), "body": body},
            headers=self.headers,
        )

    async def messages(self, after_seq: int = 0, wait: float = 0) -> httpx.Response:
        return await self.http.get(
            f"/api/v1/conversations/{self.conversation}/messages",
            params={"after_seq": after_seq, "wait": wait},
            headers=self.headers,
            timeout=wait + 10,
        )

    async def end(self) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/conversations/{self.conversation}/end", headers=self.headers
        )

    async def ticket(self) -> str:
        response = await self.http.post("/api/v1/ws-ticket", headers=self.headers)
        assert response.status_code == 200, response.text
        return str(response.json()["ticket"])


class Counselor:
    """A staff member over HTTP. httpx keeps no Secure cookie on plain HTTP, so the session
    cookie is taken from Set-Cookie and sent by hand, with the session's CSRF token."""

    def __init__(self, http: httpx.AsyncClient, cookie: str, csrf: str = "") -> None:
        self.http = http
        self.cookie = cookie
        self.csrf = csrf or CSRF_TOKENS.get(cookie, "")

    @classmethod
    async def login(
        cls,
        http: httpx.AsyncClient,
        username: str = "anna",
        password: str = PASSWORD,
        code: str | None = None,
    ) -> Counselor:
        """Logs in with the user's next unused TOTP code (or `code`, when given)."""
        response = await http.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": password,
                "totp": next_code(username) if code is None else code,
            },
        )
        assert response.status_code == 200, response.text
        cookie = session_cookie(response)
        CSRF_TOKENS[cookie] = response.json()["csrf_token"]
        return cls(http, cookie)

    @property
    def headers(self) -> dict[str, str]:
        # The token goes on every request: GETs ignore it, changes need it (S15).
        return {"Cookie": f"{COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf}

    async def accept(self, conversation: str) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/conversations/{conversation}/accept", headers=self.headers
        )

    async def send(
        self, conversation: str, body: str, client_id: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/conversations/{conversation}/messages",
            json={"client_id": client_id or str(uuid.uuid4()), "body": body},
            headers=self.headers,
        )

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, headers=self.headers, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(path, headers=self.headers, **kwargs)

    async def ticket(self) -> str:
        response = await self.http.post("/api/v1/ws-ticket", headers=self.headers)
        assert response.status_code == 200, response.text
        return str(response.json()["ticket"])


def session_cookie(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            return rest.split(";", 1)[0]
    raise AssertionError("no session cookie set")


def own_origin(url: str) -> Origin:
    """The Origin our own pages send for a server at `url` (http(s) or ws(s)), as the
    socket handshake requires (S14)."""
    scheme, rest = url.split("://", 1)
    web = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return Origin(f"{web}://{rest.split('/', 1)[0]}")


class Socket:
    """A socket client: frames are dicts; `expect` skips frames of other types."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.seen: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, ws_url: str, ticket: str, headers: dict[str, str] | None = None) -> Socket:
        connection = await connect(
            ws_url, open_timeout=10, origin=own_origin(ws_url), additional_headers=headers
        )
        sock = cls(connection)
        await sock.send({"type": "hello", "ticket": ticket})
        await sock.expect("ready")
        return sock

    @classmethod
    async def following(cls, ws_url: str, chatter: Chatter) -> Socket:
        """A socket of `chatter`'s, subscribed to its chat from the start, the replay
        done (its `conversation` frame came)."""
        sock = await cls.open(ws_url, await chatter.ticket())
        await sock.subscribe(chatter.conversation, 0)
        await sock.expect("conversation")
        return sock

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(frame))

    async def subscribe(self, conversation: str, after_seq: int = 0) -> None:
        await self.send({"type": "subscribe", "conversation": conversation, "after_seq": after_seq})

    async def recv(self, timeout: float = FRAME_TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        frame: dict[str, Any] = json.loads(raw)
        self.seen.append(frame)
        return frame

    async def expect(
        self, frame_type: str, timeout: float = FRAME_TIMEOUT, **match: Any
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {frame_type} frame matching {match}; saw {self.seen[-5:]}")
            frame = await self.recv(remaining)
            if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def messages(self, count: int, timeout: float = FRAME_TIMEOUT) -> list[dict[str, Any]]:
        return [await self.expect("message", timeout) for _ in range(count)]

    def delivered(self) -> list[dict[str, Any]]:
        """The messages this socket received so far, as a client shows them: each
        `message` frame, and the message an `ack` carries for the socket that sent it."""
        out: list[dict[str, Any]] = []
        for frame in self.seen:
            if frame["type"] == "message":
                out.append(frame)
            elif frame["type"] == "ack" and frame.get("message") is not None:
                out.append(frame["message"])
        return out

    async def close(self) -> None:
        await self.connection.close()


# Issue 4 helpers: registration, case tools and chatter accounts ---------------------------


class StaffMember(Counselor):
    """A logged-in staff member of any role, with the verbs the case tools use."""

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.put(path, headers=self.headers, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.delete(path, headers=self.headers, **kwargs)


def held_form(version: int = 1, **changes: Any) -> dict[str, Any]:
    """A registration that may be finished: a conversation held, about selling drugs."""
    form: dict[str, Any] = {
        "taxonomy_version": version,
        "outcome": "conversation_held",
        "visitor": "youth",
        "age_band": "16_17",
        "region": "den_haag",
        "crime_involvement": "yes",
        "crime_forms": ["drugs_selling"],
        "other_problems": [],
        "signals": ["threatened"],
        "help_questions": ["how_to_stop"],
        "help_offered": ["clarified"],
        "safety": ["safety_discussed"],
        "notes": "",
    }
    form.update(changes)
    return form


async def staff_session(ctx: Context, username: str = "anna") -> accounts.StaffPrincipal:
    """A logged-in staff principal, as the session dependency builds it: the session is
    live, so the returning-chatter offer counts this staff member as logged in."""
    result = await accounts.login(ctx, username, PASSWORD, next_code(username))
    principal = await accounts.authenticate_staff(ctx, result.token)
    assert principal is not None
    return principal


async def audit_entries(ctx: Context, action: str) -> list[AuditEntry]:
    """The access log's entries for one action, oldest first."""
    async with ctx.read() as session:
        result = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(result.all())
