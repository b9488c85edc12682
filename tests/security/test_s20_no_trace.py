"""S20: a chatter's address and user agent, passed by a trusted reverse proxy, leave no
trace: not in the database (SQLite's files with the WAL, or every row on PostgreSQL), not
in the server's log, not in the access log, not in what staff see. The abuse limits still
work, through the day's keyed hash of the address."""

from __future__ import annotations

import base64
import ipaddress
import uuid

import pytest
from sqlalchemy import select, text

from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.db.base import Base, import_models
from keerpunt.db.engine import sqlite_path
from keerpunt.privacy.models import AuditEntry
from tests.conftest import SHIPPED_LIMITS, make_settings
from tests.live import Chatter, ServerProcess, Socket, StaffMember, http_client, make_staff

CANARY_IP = "203.0.113.197"
CANARY_AGENT = "Mozilla/5.0 (Linux; Android 13; Kanarie-Zebra-7391) Mobile Safari/537.36"
ELSEWHERE = "198.51.100.23"


def _needles() -> dict[str, bytes]:
    """Each canary in every encoding it could plausibly be stored or logged in."""
    packed = ipaddress.ip_address(CANARY_IP).packed
    agent_marker = "Kanarie-Zebra-7391"
    needles = {
        "ip": CANARY_IP.encode(),
        "ip utf-16": CANARY_IP.encode("utf-16-le"),
        "ip packed": packed,
        "ip hex": packed.hex().encode(),
        "ip integer": str(int(ipaddress.ip_address(CANARY_IP))).encode(),
        "ip base64": base64.b64encode(CANARY_IP.encode()).rstrip(b"="),
        "ip packed base64": base64.b64encode(packed).rstrip(b"="),
        "ip mapped v6": f"::ffff:{CANARY_IP}".encode(),
        "agent": agent_marker.encode(),
        "agent utf-16": agent_marker.encode("utf-16-le"),
        "agent hex": agent_marker.encode().hex().encode(),
        "agent base64": base64.b64encode(CANARY_AGENT.encode())[:24],
    }
    return needles


def _found(haystack: bytes) -> list[str]:
    lowered = haystack.lower()
    return [name for name, needle in _needles().items() if needle.lower() in lowered]


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url, **SHIPPED_LIMITS)


async def _database_bytes(ctx: Context) -> bytes:
    """The embedded database's files as they are on disk; on PostgreSQL every row of every
    table, each value as text and as bytes."""
    path = sqlite_path(ctx.settings.resolved_database_url())
    if path is not None:
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert any(p.name.endswith("-wal") for p in files)
        return b"".join(p.read_bytes() for p in files)
    import_models()
    chunks: list[bytes] = []
    async with ctx.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for value in row:
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
        # Anything PostgreSQL keeps about clients it logged itself is not ours; but no
        # table may have grown a column we do not know of either.
        names = await session.scalars(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema='public'")
        )
        known = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
        assert set(names.all()) <= known
    return b"\n".join(chunks)


async def test_s20_a_chatter_through_the_proxy_leaves_no_address_or_user_agent(
    proxied: ServerProcess, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "sam", roles=["supervisor"])
    canary = {"X-Forwarded-For": CANARY_IP, "User-Agent": CANARY_AGENT}
    ws_url = proxied.url.replace("http://", "ws://") + "/api/v1/ws"
    async with (
        http_client(proxied.url, headers=canary) as phone,
        http_client(proxied.url) as desk,
    ):
        # The pages, as a youth's first taps.
        for path in ("/", "/chat", "/c/onbekend"):
            assert (await phone.get(path)).status_code == 200
        youth = await Chatter.start(phone)
        assert (await youth.send("hoi, ik ben er")).status_code == 201
        sock = await Socket.open(ws_url, await youth.ticket(), headers=canary)
        await sock.send(
            {
                "type": "send",
                "conversation": youth.conversation,
                "client_id": str(uuid.uuid4()),
                "body": "via de socket",
            }
        )
        await sock.expect("ack")
        # An account, and logging in with it.
        account = {"username": "kanarie", "password": "lang genoeg wachtwoord"}
        made = await phone.post("/api/v1/chatter/account", json=account, headers=youth.headers)
        assert made.status_code == 201, made.text
        youth.token = made.json()["token"]
        logged_in = await phone.post("/api/v1/chatter/login", json=account)
        assert logged_in.status_code == 200
        youth.token = logged_in.json()["token"]
        bad_login = await phone.post(
            "/api/v1/chatter/login", json={**account, "password": "fout fout fout"}
        )
        assert bad_login.status_code == 401

        # The counselor takes the chat, from a desk elsewhere.
        anna = await StaffMember.login(desk, "anna")
        assert (await anna.accept(youth.conversation)).status_code == 200

        # A flood: the per-chatter limit answers 429, through the hash of the address.
        answers = [await youth.send(f"spam {n}") for n in range(16)]
        assert answers[-1].status_code == 429
        assert answers[-1].headers["Retry-After"]
        await sock.close()

        # Staff screens show no address or user agent.
        staff_views = [
            await anna.get("/api/v1/console/snapshot"),
            await anna.get(f"/api/v1/conversations/{youth.conversation}"),
            await anna.get(f"/api/v1/conversations/{youth.conversation}/messages"),
        ]

        # Blocked: the fresh token of a new anonymous chat from the same phone is refused
        # too, which only the keyed hash of the address can tell.
        blocked = await anna.post(
            f"/api/v1/conversations/{youth.conversation}/block",
            json={"period": "1h", "reason": "bleef spammen"},
        )
        assert blocked.status_code == 201
        again = await phone.post("/api/v1/conversations", json={})
        assert (again.status_code, again.json()["code"]) == (403, "blocked")
        elsewhere = await phone.post(
            "/api/v1/conversations", json={}, headers={"X-Forwarded-For": ELSEWHERE}
        )
        assert elsewhere.status_code == 201

        sam = await StaffMember.login(desk, "sam")
        staff_views.append(await sam.get("/api/v1/blocks"))
        staff_views.append(await sam.get("/console"))

    for answer in staff_views:
        assert answer.status_code == 200, answer.request.url
        assert _found(answer.content) == [], answer.request.url

    # The server's own log: stdout and stderr of `keerpunt serve`, at its usual level.
    proxied.stop()
    log = proxied.log.read_bytes()
    assert b"conversation started" in log  # the log was written, and is being searched
    assert _found(log) == []

    async with setup_ctx.read() as session:
        entries = (await session.scalars(select(AuditEntry))).all()
    assert {e.action for e in entries} >= {"chatter_blocked"}
    audit_text = "\n".join(
        f"{e.at} {e.user_id} {e.role} {e.action} {e.outcome} {e.conversation_id} "
        f"{e.subject} {e.purpose} {e.count} {e.hash}"
        for e in entries
    )
    assert _found(audit_text.encode()) == []

    assert _found(await _database_bytes(setup_ctx)) == []
