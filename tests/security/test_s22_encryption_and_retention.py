"""S22 Encryption at rest and retention.

Every sealed value is bound to its row; `keerpunt keys rotate` re-seals all of them under
a new key while the server runs, after which the old key alone opens nothing; the
retention run deletes the text of conversations past their period (messages, notes,
summaries) unless a handover or a hold keeps it, keeps the conversation, the
registration's categories and the access log, and on SQLite leaves none of the text in
the database files.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from keerpunt.abuse.models import reason_aad
from keerpunt.chat.models import Conversation, Message, message_aad, transfer_note_aad
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock, SystemClock
from keerpunt.core.errors import Conflict
from keerpunt.db.engine import sqlite_path
from keerpunt.handover.models import Handover, summary_aad
from keerpunt.outreach.models import action_aad, post_aad
from keerpunt.privacy import actions as privacy
from keerpunt.privacy import audit, store
from keerpunt.privacy import reads as privacy_reads
from keerpunt.privacy.crypto import DecryptError, KeyRing, Sealed
from keerpunt.privacy.models import AuditEntry
from keerpunt.registration.models import Registration, notes_aad
from keerpunt.review.models import comment_aad
from keerpunt.supervision.models import whisper_aad
from tests.conftest import make_settings
from tests.live import (
    Chatter,
    LiveServer,
    ServerProcess,
    StaffMember,
    audit_entries,
    held_form,
    http_client,
    make_staff,
)

CANARY = {
    "message": "Kanarie-R1: ik moet morgen weer naar de haven",
    "reply": "Kanarie-R2: we zoeken samen een veilige plek",
    "notes": "Kanarie-R3: schuld van 3000 bij de groep",
    "summary": "Kanarie-R4: jongen 17, wil uit het netwerk",
}
PENDING = "Kanarie-P1: de overdracht loopt nog"
HELD = "Kanarie-H1: dit gesprek wordt besproken"
LIVE = "Kanarie-L1: ik ben er nog"


@dataclass
class Case:
    """Four conversations: `done` (ended, registered with notes, a completed handover with
    a summary), `pending` (ended, a handover still proposed), `held` (ended, kept by a
    hold) and `live` (still going)."""

    anna: StaffMember
    done: Chatter
    pending: Chatter
    held: Chatter
    live: Chatter
    handover: int
    sealed: list[bytes] = field(default_factory=list)


async def _handover(anna: StaffMember, conversation: str, contact: int, summary: str) -> int:
    proposed = await anna.post(
        f"/api/v1/conversations/{conversation}/handovers",
        json={"contact": contact, "consent": True, "share": ["summary"], "summary": summary},
    )
    assert proposed.status_code == 201, proposed.text
    return int(proposed.json()["id"])


async def make_case(http: httpx.AsyncClient, ctx: Context) -> Case:
    await make_staff(ctx, "anna", max_chats=5)
    await make_staff(ctx, "beheer", roles=["admin"])
    anna = await StaffMember.login(http, "anna")
    admin = await StaffMember.login(http, "beheer")
    contact = (
        await admin.post(
            "/api/v1/regions/den_haag/contacts",
            json={"role": "avim", "name": "Team AVIM", "reach": "070"},
        )
    ).json()["id"]

    chats = []
    for text in (CANARY["message"], PENDING, HELD, LIVE):
        chatter = await Chatter.start(http)
        assert (await anna.accept(chatter.conversation)).status_code == 200
        assert (await chatter.send(text)).status_code == 201
        chats.append(chatter)
    done, pending, held, live = chats
    sent = await anna.send(done.conversation, CANARY["reply"])
    assert sent.status_code == 201

    handover = await _handover(anna, done.conversation, contact, CANARY["summary"])
    for status in ("contacted", "accepted", "completed"):
        moved = await anna.post(f"/api/v1/handovers/{handover}/status", json={"status": status})
        assert moved.status_code == 200, moved.text
    await _handover(anna, pending.conversation, contact, PENDING)
    for chatter in (done, pending, held):
        assert (await chatter.end()).status_code == 200
    form = held_form(notes=CANARY["notes"], help_offered=["clarified", "warm_handover"])
    completed = await anna.post(
        f"/api/v1/conversations/{done.conversation}/registration/complete", json=form
    )
    assert completed.status_code == 200, completed.text
    await privacy.place_hold(ctx, None, held.conversation, "review")

    case = Case(anna, done, pending, held, live, handover)
    async with ctx.read() as session:
        for column, of in (
            (Message.body, Message.conversation_id),
            (Registration.notes, Registration.conversation_id),
            (Handover.summary, Handover.conversation_id),
        ):
            result = await session.scalars(select(column).where(of == done.conversation))
            case.sealed += [s.to_bytes() for s in result.all() if s is not None]
    return case


def later(settings: Settings, days: float) -> Context:
    """A context whose clock stands `days` after now: retention as it will run then."""
    clock = FrozenClock(SystemClock().now() + timedelta(days=days))
    return build_context(settings, clock=clock)


async def bodies(chatter: Chatter) -> list[str]:
    page = await chatter.messages()
    assert page.status_code == 200, page.text
    return [m["body"] for m in page.json()["messages"]]


# Binding: every sealed column, found through its type --------------------------------------


def test_s22_every_sealed_column_is_found_and_bound_as_its_domain_binds_it() -> None:
    found = {f"{table.name}.{column.name}" for table, column in privacy.bound_columns()}
    assert found == {
        "messages.body",
        "registrations.notes",
        "handovers.summary",
        "chatter_blocks.reason",
        "users.totp_secret",
        "outreach_posts.text",
        "outreach_actions.note",
        "transfers.note",
        "reviews.comment",
        "whispers.body",
    }
    # The template a rotation uses gives the same binding the domain seals with.
    rows: dict[str, dict[str, Any]] = {
        "messages.body": {"conversation_id": "c-1", "seq": 7, "id": 3},
        "registrations.notes": {"conversation_id": "c-1"},
        "handovers.summary": {"id": 12, "conversation_id": "c-1"},
        "chatter_blocks.reason": {"id": "b-1"},
        "users.totp_secret": {"id": 5},
        "outreach_posts.text": {"id": 9, "peer_id": -1001, "message_id": 5},
        "outreach_actions.note": {"id": 4, "item_id": 7},
        "transfers.note": {"id": 6, "conversation_id": "c-1"},
        "reviews.comment": {"id": 6, "conversation_id": "c-1"},
        "whispers.body": {"id": "w-1", "conversation_id": "c-1"},
    }
    expected = {
        "messages.body": message_aad("c-1", 7),
        "registrations.notes": notes_aad("c-1"),
        "handovers.summary": summary_aad(12),
        "chatter_blocks.reason": reason_aad("b-1"),
        "users.totp_secret": b"totp:5",
        "outreach_posts.text": post_aad(-1001, 5),
        "outreach_actions.note": action_aad(7),
        "transfers.note": transfer_note_aad(6),
        "reviews.comment": comment_aad(6),
        "whispers.body": whisper_aad("w-1"),
    }
    for table, column in privacy.bound_columns():
        name = f"{table.name}.{column.name}"
        assert privacy.binding(column, rows[name]) == expected[name]


async def test_s22_a_ciphertext_moved_to_another_row_does_not_open(
    server: LiveServer, setup_ctx: Context, settings: Settings
) -> None:
    async with http_client(server.url) as http:
        case = await make_case(http, setup_ctx)
        # Each sealed column: the value of one row copied into another row of that column.
        async with setup_ctx.write() as tx:
            for table, column in privacy.bound_columns():
                key = store.row_key(table)
                rows = await store.sealed_batch(tx.session, table, column, None, 2)
                if len(rows) < 2:
                    continue
                first, second = (r._mapping for r in rows)
                with pytest.raises(DecryptError):
                    setup_ctx.keyring.open(first[column.name], privacy.binding(column, second))
                await tx.session.execute(
                    update(table)
                    .where(key == second[key.name])
                    .values({column.name: first[column.name]})
                )
        # Where the chatter reads: refused, never shown.
        refused = await case.done.messages()
    assert refused.status_code == 500
    assert CANARY["message"] not in refused.text
    # Rotation stops at such a value and names it, rather than re-sealing it as good.
    assert settings.encryption_keys is not None
    rotated = make_settings(
        settings.resolved_database_url(),
        encryption_keys=SecretStr(
            KeyRing.encode_spec({"k2": KeyRing.generate_key()})
            + ","
            + settings.encryption_keys.get_secret_value()
        ),
    )
    ctx = build_context(rotated)
    try:
        with pytest.raises(Conflict) as stopped:
            await privacy.reseal_all(ctx)
    finally:
        await ctx.close()
    assert stopped.value.code == "does_not_open"
    assert " row 2 does not open (changed, moved to another row" in stopped.value.reason


# Rotation ---------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keerpunt", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_s22_rotation_reseals_everything_while_the_server_runs(
    settings: Settings, setup_ctx: Context, tmp_path: Path
) -> None:
    """The embedded set-up: keys in the secrets folder, a server running, `keerpunt keys
    rotate` in another process."""
    assert settings.encryption_keys is not None
    assert settings.session_secret is not None
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    keys_file = secrets / "keerpunt_encryption_keys"
    keys_file.write_text(settings.encryption_keys.get_secret_value())
    old = settings.keyring_spec()
    server = ServerProcess(settings, tmp_path / "server.log", KEERPUNT_SECRETS_DIR=str(secrets))
    del server.env["KEERPUNT_ENCRYPTION_KEYS"]  # the file is where the keys live
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
    env |= {
        "KEERPUNT_ENV": "production",
        "KEERPUNT_DATABASE_URL": settings.resolved_database_url(),
        "KEERPUNT_SESSION_SECRET": settings.session_secret.get_secret_value(),
        "KEERPUNT_SECRETS_DIR": str(secrets),
    }
    await server.start()
    try:
        async with http_client(server.url) as http:
            case = await make_case(http, setup_ctx)
            total = await privacy_reads.count_sealed(setup_ctx)
            assert dict(await privacy_reads.key_usage(setup_ctx)) == {"k1": total}

            rotated = await asyncio.to_thread(cli, "keys", "rotate", env=env)
            assert rotated.returncode == 0, rotated.stderr
            assert f"{total} of {total} values re-sealed under k2" in rotated.stdout
            assert keys_file.read_text().startswith("k2:")
            assert keys_file.stat().st_mode & 0o077 == 0
            assert dict(await privacy_reads.key_usage(setup_ctx)) == {"k2": total}
            (logged,) = await audit_entries(setup_ctx, "keys_resealed")
            assert (logged.subject, logged.count, logged.role) == ("key:k2", total, "system")

            # The running server reads every re-sealed value: messages, notes, summary.
            assert CANARY["message"] in await bodies(case.done)
            assert LIVE in await bodies(case.live)
            done = case.done.conversation
            form = await case.anna.get(f"/api/v1/conversations/{done}/registration")
            assert form.json()["notes"] == CANARY["notes"]
            handover = await case.anna.get(f"/api/v1/handovers/{case.handover}")
            assert handover.json()["summary"] == CANARY["summary"]
            # ...and seals what comes next under the new key.
            assert (await case.live.send("na de wissel")).status_code == 201
            async with setup_ctx.read() as session:
                newest = await session.scalar(
                    select(Message.body).order_by(Message.id.desc()).limit(1)
                )
            assert newest is not None
            assert newest.key_id == "k2"

            # Run again: nothing left to do (idempotent, so an interrupted run resumes).
            again = await asyncio.to_thread(cli, "keys", "rewrap", env=env)
            assert again.returncode == 0, again.stderr
            assert f"0 of {total + 1} values re-sealed" in again.stdout

            # The old key alone opens nothing; the new ring opens everything.
            old_ring = KeyRing({"k1": old["k1"]})
            new_ring = KeyRing(Settings(encryption_keys=keys_file.read_text()).keyring_spec())
            opened = 0
            async with setup_ctx.read() as session:
                for table, column in privacy.bound_columns():
                    for row in await store.sealed_batch(session, table, column, None, 10_000):
                        fields = row._mapping
                        aad = privacy.binding(column, fields)
                        with pytest.raises(DecryptError):
                            old_ring.open(fields[column.name], aad)
                        new_ring.open(fields[column.name], aad)
                        opened += 1
            assert opened == total + 1

            retired = await asyncio.to_thread(cli, "keys", "retire", env=env)
            assert retired.returncode == 0, retired.stderr
            assert "retired k1" in retired.stdout
            assert [p.split(":")[0] for p in keys_file.read_text().split(",")] == ["k2"]
            status = await asyncio.to_thread(cli, "keys", "status", env=env)
            assert f"k2  {total + 1} values" in status.stdout
            assert CANARY["message"] in await bodies(case.done)
    finally:
        server.stop()


async def test_s22_retiring_a_key_that_still_seals_something_is_refused(
    settings: Settings, ctx: Context, tmp_path: Path
) -> None:
    from keerpunt.chat import actions as chat

    started = await chat.start_conversation(ctx, None)
    me = chat.ChatterPrincipal(started.conversation.chatter_id)
    await chat.send_message(ctx, me, started.conversation.id, str(uuid.uuid4()), "hallo")
    assert settings.encryption_keys is not None
    assert settings.session_secret is not None
    spec = settings.encryption_keys.get_secret_value()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
    env |= {
        "KEERPUNT_ENV": "production",
        "KEERPUNT_DATABASE_URL": settings.resolved_database_url(),
        "KEERPUNT_SESSION_SECRET": settings.session_secret.get_secret_value(),
        "KEERPUNT_DATA_DIR": str(tmp_path),
        # The new key is listed first by hand, as an operator does with the environment.
        "KEERPUNT_ENCRYPTION_KEYS": f"{KeyRing.encode_spec({'k2': KeyRing.generate_key()})},{spec}",
    }
    refused = await asyncio.to_thread(cli, "keys", "retire", env=env)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: old keys still seal stored values: k1 (1 value): run 'keerpunt keys rewrap'"
    ]
    # From the environment, rotate cannot write the key: it says what to do instead.
    rotate = await asyncio.to_thread(cli, "keys", "rotate", env=env)
    assert rotate.returncode == 2
    assert "put a new key first in it" in rotate.stderr
    assert "Traceback" not in rotate.stderr

    done = await asyncio.to_thread(cli, "keys", "rewrap", env=env)
    assert "1 of 1 values re-sealed under k2" in done.stdout
    retire = await asyncio.to_thread(cli, "keys", "retire", env=env)
    assert retire.returncode == 0
    assert "no value uses k1: remove them from KEERPUNT_ENCRYPTION_KEYS" in retire.stdout


# Retention --------------------------------------------------------------------------------


async def test_s22_retention_removes_the_text_past_its_period_and_keeps_the_rest(
    server: LiveServer, setup_ctx: Context, settings: Settings
) -> None:
    async with http_client(server.url) as http:
        case = await make_case(http, setup_ctx)
        async with setup_ctx.read() as session:
            registration_before = await session.get(Registration, case.done.conversation)
            log_before = list((await session.scalars(select(AuditEntry))).all())
        assert registration_before is not None

        # A day before the period is over, nothing goes; a dry run changes nothing.
        early = later(settings, 89)
        try:
            assert (await privacy.purge_expired(early)).conversations == 0
        finally:
            await early.close()
        late = later(settings, 91)
        try:
            preview = await privacy_reads.retention_preview(late)
            assert (preview.conversations, preview.messages) == (1, 4)
            assert (preview.notes, preview.summaries) == (1, 1)
            assert CANARY["message"] in await bodies(case.done)
            done = await privacy.purge_expired(late)
        finally:
            await late.close()
        assert (done.conversations, done.messages, done.notes, done.summaries) == (1, 4, 1, 1)

        async with setup_ctx.read() as session:
            conv = await session.get(Conversation, case.done.conversation)
            left = (
                await session.scalars(
                    select(Message).where(Message.conversation_id == case.done.conversation)
                )
            ).all()
            registration = await session.get(Registration, case.done.conversation)
            handover = await session.get(Handover, case.handover)
            log_after = list((await session.scalars(select(AuditEntry))).all())
        # The text is gone; the conversation, its registration's categories and the
        # handover's course stay for reports.
        assert conv is not None
        assert conv.purged_at is not None
        assert conv.last_seq == 4
        assert left == []
        assert registration is not None
        assert registration.notes is None
        for name in ("outcome", "region", "crime_forms", "help_offered", "status", "source"):
            assert getattr(registration, name) == getattr(registration_before, name), name
        assert handover is not None
        assert handover.summary is None
        assert handover.status == "completed"
        # An unfinished handover, a hold and a running chat keep their text.
        assert PENDING in await bodies(case.pending)
        assert HELD in await bodies(case.held)
        assert LIVE in await bodies(case.live)

        # The access log keeps every entry and gains one for the run, counts only.
        assert [e.hash for e in log_after[: len(log_before)]] == [e.hash for e in log_before]
        early_run, run = await audit_entries(setup_ctx, "retention_run")
        assert early_run.count == 0
        assert (run.role, run.user_id, run.count) == ("system", None, 1)
        assert run.subject == "messages:4 notes:1 summaries:1"
        assert (await audit.verify(setup_ctx)).broken_at is None

        # Released, the held conversation goes with the next run.
        async with setup_ctx.read() as session:
            (hold,) = await store.active_holds(session, case.held.conversation)
        await privacy.release_hold(setup_ctx, None, hold.id)
        again = later(settings, 92)
        try:
            assert (await privacy.purge_expired(again)).conversations == 1
        finally:
            await again.close()
        assert (await case.held.messages()).json()["code"] == "purged"
        assert PENDING in await bodies(case.pending)


# A check of the embedded database's files, so SQLite only.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_s22_purged_text_is_in_none_of_the_database_files(
    server: LiveServer, setup_ctx: Context, settings: Settings, backend: str
) -> None:
    async with http_client(server.url) as http:
        case = await make_case(http, setup_ctx)
        late = later(settings, 91)
        try:
            assert (await privacy.purge_expired(late)).conversations == 1
        finally:
            await late.close()
        # The server goes on; other chats write after the run.
        assert (await case.live.send("en verder")).status_code == 201
    assert len(case.sealed) == 6  # four messages, the notes, the summary
    path = sqlite_path(settings.resolved_database_url())
    assert path is not None
    files = [p for p in path.parent.iterdir() if p.name in (path.name, f"{path.name}-wal")]
    assert files
    for file in files:
        raw = file.read_bytes()
        for text in CANARY.values():
            assert text.encode() not in raw, file
        for sealed in case.sealed:
            assert sealed not in raw, file
    # The kept conversations are still there, encrypted.
    async with setup_ctx.read() as session:
        kept = await session.scalar(
            select(Message.body).where(Message.conversation_id == case.held.conversation)
        )
    assert isinstance(kept, Sealed)


# The daily run ---------------------------------------------------------------------------


async def test_s22_the_retention_job_runs_once_a_day_across_processes(
    settings: Settings, ctx: Context, clock: FrozenClock
) -> None:
    # A second context on the same database: a second server process.
    other = build_context(settings, clock=clock)
    try:
        first = await asyncio.gather(
            privacy.claim_day(ctx), privacy.claim_day(other), privacy.claim_day(ctx)
        )
        assert sorted(first) == [False, False, True]
        assert not await privacy.claim_day(other)
        clock.advance(24 * 3600)
        assert await privacy.claim_day(other)
        assert not await privacy.claim_day(ctx)
    finally:
        await other.close()


async def _runs(ctx: Context, count: int) -> list[AuditEntry]:
    for _ in range(500):
        entries = await audit_entries(ctx, "retention_run")
        if len(entries) >= count:
            return entries
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} retention runs")


async def test_s22_the_server_runs_retention_daily_by_its_frozen_clock(
    ctx: Context, clock: FrozenClock
) -> None:
    from keerpunt.privacy.jobs import daily_retention, retention_if_due

    task = asyncio.create_task(daily_retention(ctx, every=0.01))
    try:
        assert len(await _runs(ctx, 1)) == 1
        # The same day, whoever asks: no second run.
        assert await retention_if_due(ctx) is None
        assert len(await audit_entries(ctx, "retention_run")) == 1
        clock.advance(24 * 3600)
        assert len(await _runs(ctx, 2)) == 2
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_s22_the_server_starts_the_daily_run(db_url: str) -> None:
    settings = make_settings(db_url, retention_schedule=True)
    live = LiveServer(settings)
    live.start()
    try:
        ctx = build_context(settings)
        try:
            (run,) = await _runs(ctx, 1)
        finally:
            await ctx.close()
    finally:
        live.stop()
    assert run.count == 0


async def test_s22_a_hold_keeps_the_text_until_released_and_both_are_on_the_record(
    ctx: Context, clock: FrozenClock
) -> None:
    from keerpunt.chat import actions as chat
    from keerpunt.core.errors import NotFound

    started = await chat.start_conversation(ctx, None)
    me = chat.ChatterPrincipal(started.conversation.chatter_id)
    conversation = started.conversation.id
    await chat.send_message(ctx, me, conversation, str(uuid.uuid4()), HELD)
    await chat.end(ctx, me, conversation)
    hold = await privacy.place_hold(ctx, None, conversation, "review")
    clock.advance(91 * 24 * 3600)
    assert (await privacy.purge_expired(ctx)).conversations == 0
    await privacy.release_hold(ctx, None, hold.id)
    with pytest.raises(NotFound):
        await privacy.release_hold(ctx, None, hold.id)  # once only
    assert (await privacy.purge_expired(ctx)).conversations == 1
    # Nothing is left to hold once the text is gone.
    with pytest.raises(Conflict) as refused:
        await privacy.place_hold(ctx, None, conversation, "review")
    assert refused.value.code == "purged"

    (placed,) = await audit_entries(ctx, "retention_hold")
    (released,) = await audit_entries(ctx, "retention_release")
    for entry in (placed, released):
        assert (entry.conversation_id, entry.purpose, entry.role) == (
            conversation,
            "review",
            "system",
        )
