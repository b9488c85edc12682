"""SECURITY.md S21: one access-log entry per staff read, search, export, merge, handover,
deletion and denied access, with time (UTC), action, outcome, user, role, purpose and the
conversation; reading the log is itself logged; the table refuses change, and
`keerpunt audit verify` finds a changed row, a removed one and, given the anchor a previous
run printed, removed newest rows.

The transcript, merge, handover, export and deletion entries are tested where those
actions are (tests/privacy/test_audit.py, tests/registration, tests/handover); here are the
reads of a counselor's own chat, refused access, the search, and the chain's defences.
"""

from __future__ import annotations

import json
import signal
import uuid
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.models import User
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.privacy import audit
from keerpunt.privacy.models import AuditEntry
from tests.live import (
    Chatter,
    LiveServer,
    ServerProcess,
    Socket,
    StaffMember,
    audit_entries,
    http_client,
    make_staff,
    pair,
    staff_session,
)
from tests.privacy.tamper import behind_the_back
from tests.test_cli import keerpunt


async def _all(ctx: Context) -> list[AuditEntry]:
    async with ctx.read() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


async def test_s21_a_counselor_reading_their_own_chat_is_one_entry_per_read(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        for text_ in ("hallo", "ben je er?"):
            assert (await youth.send(text_)).status_code == 201
        path = f"/api/v1/conversations/{youth.conversation}/messages"
        # The system's "a counselor is here" and the chatter's two.
        page = (await anna.get(path)).json()
        assert len(page["messages"]) == 3
        # A poll that brings nothing new read nothing; the chatter's own reads are not
        # staff reads.
        assert (await anna.get(path, params={"after_seq": 3})).status_code == 200
        assert (await youth.messages()).status_code == 200
        (read,) = await audit_entries(setup_ctx, "read_chat")
        assert read.at.tzinfo == UTC
        assert (read.action, read.outcome, read.role) == ("read_chat", "ok", "counselor")
        assert (read.conversation_id, read.purpose, read.count) == (
            youth.conversation,
            "own chat",
            3,
        )
        assert (read.subject, read.user_id) == ("http", (await staff_session(setup_ctx)).user_id)

        # Over the socket, the subscription is the read: its replay and what comes live.
        sock = await Socket.open(server.ws_url, await anna.ticket())
        await sock.subscribe(youth.conversation, after_seq=2)
        await sock.messages(1)
        await sock.expect("conversation")
        assert (await youth.send("nog iets")).status_code == 201
        await sock.messages(1)
        await sock.close()
    reads = await audit_entries(setup_ctx, "read_chat")
    assert [(r.subject, r.count) for r in reads] == [("http", 3), ("socket", 1)]


async def test_s21_refused_access_is_logged_and_answers_like_a_missing_thing(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "bert")
    await make_staff(setup_ctx, "ilse", roles=["analyst"])
    async with http_client(server.url) as http:
        youth, _anna = await pair(http, setup_ctx)
        other = await Chatter.start(http, "relative")
        bert = await StaffMember.login(http, "bert")
        ilse = await StaffMember.login(http, "ilse")
        path = f"/api/v1/conversations/{youth.conversation}/messages"
        refused = await bert.get(path)
        missing = await bert.get(f"/api/v1/conversations/{uuid.uuid4()}/messages")
        assert refused.status_code == missing.status_code == 404
        assert refused.json() == missing.json()
        assert (await ilse.get("/api/v1/queue")).status_code == 404
        # A chatter knocking on another chatter's door is not staff access.
        knock = await http.get(path, headers=other.headers)
        assert knock.status_code == 404

        sock = await Socket.open(server.ws_url, await bert.ticket())
        await sock.subscribe(youth.conversation)
        error = await sock.expect("error")
        assert error["code"] == "not_found"
        await sock.close()

    denied = await audit_entries(setup_ctx, "access")
    bert_id = (await staff_session(setup_ctx, "bert")).user_id
    ilse_id = (await staff_session(setup_ctx, "ilse")).user_id
    messages = "GET /conversations/{conversation_id}/messages"
    assert [(e.user_id, e.role, e.outcome, e.conversation_id, e.subject) for e in denied] == [
        (bert_id, "counselor", "denied", youth.conversation, messages),
        (ilse_id, "analyst", "denied", None, "GET /queue"),
        (bert_id, "counselor", "denied", youth.conversation, "socket subscribe"),
    ]
    assert all(e.at.tzinfo == UTC for e in denied)


async def test_s21_the_log_search_is_for_admins_and_is_itself_logged(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        assert (await youth.send("hallo")).status_code == 201
        path = f"/api/v1/conversations/{youth.conversation}/messages"
        for _ in range(3):
            assert len((await anna.get(path)).json()["messages"]) == 2
        admin = await StaffMember.login(http, "beheer")

        found = await admin.get("/api/v1/audit", params={"user": "anna", "action": "read_chat"})
        assert found.status_code == 200, found.text
        page = found.json()
        assert [e["action"] for e in page["entries"]] == ["read_chat"] * 3
        assert page["next_before"] is None
        first = page["entries"][0]
        assert first["user"] == "anna"
        assert first["conversation"] == youth.conversation
        assert first["at"].endswith("Z") or first["at"].endswith("+00:00")

        # Paged, newest first.
        one = (await admin.get("/api/v1/audit", params={"action": "read_chat", "limit": 1})).json()
        assert [e["id"] for e in one["entries"]] == [page["entries"][0]["id"]]
        rest = await admin.get(
            "/api/v1/audit", params={"action": "read_chat", "before": one["next_before"]}
        )
        assert [e["id"] for e in rest.json()["entries"]] == [e["id"] for e in page["entries"][1:]]

        # By conversation, outcome and time.
        by_conversation = await admin.get(
            "/api/v1/audit", params={"conversation": youth.conversation, "outcome": "ok"}
        )
        assert {e["action"] for e in by_conversation.json()["entries"]} >= {"read_chat"}
        later = await admin.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"})
        assert later.json()["entries"] == []
        earlier = await admin.get("/api/v1/audit", params={"until": "2000-01-01T00:00:00Z"})
        assert earlier.json()["entries"] == []
        window = {"since": "2000-01-01T00:00:00", "until": "2999-01-01", "action": "read_chat"}
        assert len((await admin.get("/api/v1/audit", params=window)).json()["entries"]) == 3
        nobody = await admin.get("/api/v1/audit", params={"user": "niemand"})
        assert nobody.json()["entries"] == []

        # Refused input changes nothing and says why.
        unknown = await admin.get("/api/v1/audit", params={"actor": "anna"})
        assert unknown.status_code == 422
        backwards = await admin.get(
            "/api/v1/audit", params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01"}
        )
        assert backwards.status_code == 422
        assert backwards.json()["code"] == "invalid"

        # Not an admin: not there, and the attempt is logged.
        assert (await anna.get("/api/v1/audit")).status_code == 404

    searches = await audit_entries(setup_ctx, "audit.search")
    assert len(searches) == 8
    assert searches[0].purpose == "user=anna action=read_chat"
    assert searches[0].count == 3
    assert searches[3].conversation_id == youth.conversation
    assert {s.role for s in searches} == {"admin"}
    (refused,) = await audit_entries(setup_ctx, "access")
    assert (refused.outcome, refused.subject) == ("denied", "GET /audit")


async def _some_entries(ctx: Context, count: int) -> list[AuditEntry]:
    from keerpunt.privacy import actions as privacy

    # Made, not logged in: the log then holds exactly the entries written here.
    user = await make_staff(ctx, "anna", enrol=False)
    anna = StaffPrincipal(user.id, user.username, user.role_names, "")
    assert await _all(ctx) == []
    for n in range(count):
        await privacy.record_chat_read(ctx, anna, str(uuid.uuid4()), count=n, via="http")
    return await _all(ctx)


async def test_s21_the_table_refuses_update_and_delete(ctx: Context) -> None:
    entries = await _some_entries(ctx, 3)
    attempts = [
        update(AuditEntry).where(AuditEntry.id == entries[1].id).values(purpose="niets"),
        delete(AuditEntry).where(AuditEntry.id == entries[2].id),
        delete(AuditEntry),
    ]
    if not ctx.db.is_sqlite:
        attempts.append(text("TRUNCATE audit_entries"))  # type: ignore[arg-type]
    for attempt in attempts:
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.write() as tx:
                await tx.session.execute(attempt)
    after = await _all(ctx)
    assert [(e.id, e.hash, e.purpose) for e in after] == [
        (e.id, e.hash, e.purpose) for e in entries
    ]


async def test_s21_verify_finds_a_changed_row_a_removed_row_and_removed_newest_rows(
    ctx: Context,
) -> None:
    entries = await _some_entries(ctx, 6)
    intact = await audit.verify(ctx, batch=4)
    assert intact.intact
    assert (intact.entries, intact.head) == (6, entries[-1].hash)
    anchor = audit.Anchor(intact.entries, intact.head)
    assert (await audit.verify(ctx, anchor=anchor)).intact
    # The log grows on: an older anchor still holds.
    await _more(ctx)
    assert (await audit.verify(ctx, batch=3, anchor=anchor)).intact
    assert not (await audit.verify(ctx, anchor=audit.Anchor(6, "0" * 64))).intact

    # The newest entries removed: the chain alone still checks out, the anchor does not.
    newest = (await _all(ctx))[5:]
    await behind_the_back(ctx, delete(AuditEntry).where(AuditEntry.id >= newest[0].id))
    chain_only = await audit.verify(ctx)
    assert chain_only.broken_at is None
    assert chain_only.entries == 5
    anchored = await audit.verify(ctx, anchor=anchor)
    assert anchored.anchor_lost
    assert not anchored.intact
    # ... and writing new entries after the removal does not hide it.
    await _more(ctx)
    assert (await audit.verify(ctx, anchor=anchor)).anchor_lost

    # A changed row, and a removed row in the middle.
    rows = await _all(ctx)
    await behind_the_back(
        ctx, update(AuditEntry).where(AuditEntry.id == rows[2].id).values(count=99)
    )
    assert (await audit.verify(ctx)).broken_at == rows[2].id
    await behind_the_back(
        ctx, update(AuditEntry).where(AuditEntry.id == rows[2].id).values(count=2)
    )
    assert (await audit.verify(ctx)).intact
    await behind_the_back(ctx, delete(AuditEntry).where(AuditEntry.id == rows[1].id))
    assert (await audit.verify(ctx, batch=2)).broken_at == rows[2].id


async def _more(ctx: Context) -> None:
    from keerpunt.privacy import actions as privacy

    user = await user_by_name(ctx, "anna")
    anna = StaffPrincipal(user.id, user.username, user.role_names, "")
    await privacy.record_chat_read(ctx, anna, str(uuid.uuid4()), count=1, via="socket")


async def user_by_name(ctx: Context, username: str) -> User:
    async with ctx.read() as session:
        user = await accounts_store.user_by_username(session, username)
    assert user is not None
    return user


def _cli_env(settings: Settings) -> dict[str, str]:
    import os

    assert settings.encryption_keys is not None
    assert settings.session_secret is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
    env.update(
        KEERPUNT_DATABASE_URL=settings.resolved_database_url(),
        KEERPUNT_ENCRYPTION_KEYS=settings.encryption_keys.get_secret_value(),
        KEERPUNT_SESSION_SECRET=settings.session_secret.get_secret_value(),
    )
    return env


async def test_s21_audit_verify_on_the_command_line_keeps_an_anchor(
    ctx: Context, settings: Settings
) -> None:
    await _some_entries(ctx, 4)
    env = _cli_env(settings)
    first = keerpunt("audit", "verify", env=env)
    assert first.returncode == 0, first.stderr
    assert "intact: 4 entries" in first.stdout
    head = first.stdout.split("--expect-head ")[1].split()[0]
    anchored = ["audit", "verify", "--expect-count", "4", "--expect-head", head]
    assert keerpunt(*anchored, env=env).returncode == 0

    rows = await _all(ctx)
    await behind_the_back(ctx, delete(AuditEntry).where(AuditEntry.id == rows[-1].id))
    assert keerpunt("audit", "verify", env=env).returncode == 0  # the chain alone is fooled
    lost = keerpunt(*anchored, env=env)
    assert lost.returncode == 1
    assert "no longer holds entry 4" in lost.stderr
    assert "Traceback" not in lost.stderr
    half = keerpunt("audit", "verify", "--expect-count", "4", env=env)
    assert half.returncode == 2


async def test_s21_entries_outlive_what_they_are_about(ctx: Context) -> None:
    """Erasing a chatter deletes their conversations, never the log's entries about them."""
    from keerpunt.accounts import actions as accounts
    from keerpunt.chat import actions as chat
    from keerpunt.privacy import actions as privacy
    from keerpunt.registration import actions as registration

    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    started = await chat.start_conversation(ctx, None)
    await chat.accept(ctx, anna, started.conversation.id)
    await registration.search_duplicates(ctx, anna, started.conversation.id)
    me = chat.ChatterPrincipal(started.conversation.chatter_id)
    await accounts.create_chatter_account(ctx, me, "zonnebloem", "lang genoeg wachtwoord")
    await privacy.delete_chatter_account(ctx, me, "lang genoeg wachtwoord")
    entries = [e for e in await _all(ctx) if not e.action.startswith("auth.")]
    assert [e.action for e in entries] == ["search", "account_deleted"]
    assert entries[0].conversation_id == started.conversation.id
    assert (await audit.verify(ctx)).intact


async def test_s21_the_servers_signed_checkpoints_anchor_verify(
    settings: Settings, setup_ctx: Context, tmp_path: Path
) -> None:
    """The server writes a signed checkpoint to its log at start and at stop; verify takes
    the newest one whose signature holds, so removed newest entries show without an anchor
    kept by hand."""
    await _some_entries(setup_ctx, 3)
    log_file = tmp_path / "keerpunt.log"
    server = ServerProcess(
        settings, tmp_path / "server-output.log", KEERPUNT_LOG_FILE=str(log_file)
    )
    await server.start()
    server.signal(signal.SIGTERM)
    checkpoints = [
        r
        for r in map(json.loads, log_file.read_text().splitlines())
        if r["event"] == "audit checkpoint"
    ]
    assert [c["entries"] for c in checkpoints] == [3, 3]
    env = _cli_env(settings)
    anchored = keerpunt("audit", "verify", "--checkpoints", str(log_file), env=env)
    assert anchored.returncode == 0, anchored.stderr
    assert "still holds entry 3" in anchored.stdout

    # A checkpoint forged without the session secret is not believed.
    forged = {**checkpoints[-1], "entries": 9, "mac": "0" * 64}
    with log_file.open("a") as log:
        log.write(json.dumps(forged) + "\n")
    assert keerpunt("audit", "verify", "--checkpoints", str(log_file), env=env).returncode == 0

    rows = await _all(setup_ctx)
    await behind_the_back(setup_ctx, delete(AuditEntry).where(AuditEntry.id == rows[-1].id))
    await _more(setup_ctx)  # and the log goes on: the count is 3 again, the head is not
    lost = keerpunt("audit", "verify", "--checkpoints", str(log_file), env=env)
    assert lost.returncode == 1
    assert "no longer holds entry 3" in lost.stderr
    empty = tmp_path / "other.log"
    empty.write_text('{"event": "conversation started"}\n')
    assert keerpunt("audit", "verify", "--checkpoints", str(empty), env=env).returncode == 2
