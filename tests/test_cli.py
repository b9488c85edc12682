"""The command line, as an operator uses it: real processes, real files."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from keerpunt.accounts import totp
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.bootstrap import ensure_defaults
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.chat import actions as chat
from keerpunt.config import Settings
from keerpunt.context import build_context
from keerpunt.core.clock import FrozenClock
from tests.live import PASSWORD, make_staff

DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def keerpunt(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keerpunt", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
    env.update({"KEERPUNT_DATA_DIR": str(tmp_path / "data"), **extra})
    return env


def test_serve_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = keerpunt("serve", env=clean_env(tmp_path, KEERPUNT_ENV="production"))
    assert result.returncode == 2
    assert "KEERPUNT_ENCRYPTION_KEYS is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_keys_schema_and_users_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, KEERPUNT_ENV="production")
    assert keerpunt("keys", "init", env=env).returncode == 0
    secrets_dir = tmp_path / "data" / "secrets"
    for name in ("keerpunt_encryption_keys", "keerpunt_session_secret"):
        assert (secrets_dir / name).stat().st_mode & 0o777 == 0o600
    before = (secrets_dir / "keerpunt_encryption_keys").read_text()
    keerpunt("keys", "init", env=env)
    assert (secrets_dir / "keerpunt_encryption_keys").read_text() == before  # never replaced

    not_yet = keerpunt("serve", env=env)
    assert not_yet.returncode == 2
    assert "keerpunt db upgrade" in not_yet.stderr

    assert keerpunt("db", "upgrade", env=env).returncode == 0
    assert (tmp_path / "data" / "keerpunt.db").stat().st_mode & 0o077 == 0
    created = keerpunt(
        "user", "create", "anna", "--role", "counselor", "--password-stdin",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    again = keerpunt(
        "user", "create", "anna", "--role", "counselor", "--password-stdin",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert again.returncode == 1
    assert "exists already" in again.stderr
    bad_role = keerpunt(
        "user", "create", "bram", "--role", "police", "--password-stdin",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert bad_role.returncode == 1
    assert "roles must be" in bad_role.stderr
    common = keerpunt(
        "user", "create", "bram", "--role", "counselor", "--password-stdin",
        env=env, stdin="Qwerty123456\n",
    )  # fmt: skip
    assert common.returncode == 1
    assert "list of common passwords" in common.stderr
    for command in ("disable", "enable", "totp-reset"):
        done = keerpunt("user", command, "anna", env=env)
        assert done.returncode == 0, done.stderr
    assert keerpunt("user", "disable", "nobody", env=env).returncode == 2
    assert "Traceback" not in again.stderr + bad_role.stderr

    changed = keerpunt(
        "user", "roles", "anna", "--grant", "supervisor", "--grant", "outreach",
        "--revoke", "counselor", env=env,
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == "anna: outreach, supervisor"
    none_left = keerpunt(
        "user", "roles", "anna", "--revoke", "supervisor", "--revoke", "outreach", env=env
    )
    assert none_left.returncode == 1
    assert "at least one role" in none_left.stderr
    assert "Traceback" not in none_left.stderr


def test_demo_serves_with_the_chosen_password(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    env = clean_env(
        tmp_path,
        KEERPUNT_ENV="development",
        KEERPUNT_DEMO_PASSWORD="demo-wachtwoord-42",
        KEERPUNT_DEMO_TOTP_SECRET=DEMO_SECRET,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "keerpunt", "demo", "--port", port],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "demo did not start"
            time.sleep(0.2)
        # The demo user is enrolled already, with exactly the secret given.
        code = totp.code_at(DEMO_SECRET, totp.step_of(datetime.now(UTC)))
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "demo", "password": "demo-wachtwoord-42", "totp": code},
        )
        assert login.status_code == 200, login.text
        assert set(login.json()["roles"]) >= {"counselor", "analyst"}
        assert login.json()["enrolling"] is False
        # The demo holds a campaign with its chats, so a real report is there at once.
        cookie = login.headers["set-cookie"].split(";", 1)[0]
        report = httpx.post(
            f"{base}/api/v1/reports",
            json={"campaign_id": 1},
            headers={"Cookie": cookie, "X-CSRF-Token": login.json()["csrf_token"]},
        )
        assert report.status_code == 200, report.text
        assert report.json()["chats"]["base"]["n"] == 54
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert "demo-wachtwoord-42" in output
    assert DEMO_SECRET in output
    assert f"otpauth://totp/Keerpunt:demo?secret={DEMO_SECRET}" in output
    assert f"http://127.0.0.1:{port}" in output


def test_a_broken_organisation_file_stops_the_server_with_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "organisation.toml"
    policy.write_text('quick_exit_url = "/"\n[opening_hours]\nmonday = ["22:00-12:00"]\n')
    env = clean_env(tmp_path, KEERPUNT_ENV="development", KEERPUNT_ORGANISATION_FILE=str(policy))
    result = keerpunt("serve", env=env)
    assert result.returncode != 0
    assert "opening_hours.monday" in result.stderr
    assert "ends before it starts" in result.stderr
    assert "Traceback" not in result.stderr


def test_reports_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, KEERPUNT_ENV="production")
    assert keerpunt("keys", "init", env=env).returncode == 0
    assert keerpunt("db", "upgrade", env=env).returncode == 0
    data = tmp_path / "data"
    settings = Settings(data_dir=data, _secrets_dir=data / "secrets")  # type: ignore[call-arg]

    async def make_campaign() -> None:
        ctx = build_context(settings)
        try:
            await ensure_defaults(ctx)
            ada = await make_staff(ctx, "ada", roles=["analyst"])
            principal = StaffPrincipal(ada.id, "ada", frozenset({"analyst"}), "cli-test")
            await campaigns.create(
                ctx,
                principal,
                CampaignIn(
                    name="Rake Woorden",
                    starts_on=date(2026, 3, 2),
                    ends_on=date(2026, 4, 12),
                    channels=[ChannelIn(name="Snapchat")],
                ),
            )
        finally:
            await ctx.close()

    asyncio.run(make_campaign())
    listed = keerpunt("campaign", "list", env=env)
    assert listed.returncode == 0
    assert "Rake Woorden" in listed.stdout
    assert "/c/" in listed.stdout

    target = tmp_path / "rapport.json"
    made = keerpunt("report", "campaign", "1", "--format", "json", "-o", str(target), env=env)
    assert made.returncode == 0, made.stderr
    report = json.loads(target.read_text())
    assert report["campaign"]["name"] == "Rake Woorden"
    assert report["chats"]["base"]["n"] == 0
    assert report["edition"] == "internal"
    partner = tmp_path / "partner.xlsx"
    made = keerpunt(
        "report", "campaign", "1", "--partner", "-f", "xlsx", "-o", str(partner), env=env
    )
    assert made.returncode == 0, made.stderr
    assert partner.read_bytes()[:2] == b"PK"  # a zip: the spreadsheet

    # Bad input: one line saying what, no traceback, no file.
    missing = keerpunt("report", "campaign", "7", "-o", str(tmp_path / "x.html"), env=env)
    bad_format = keerpunt("report", "campaign", "1", "-f", "docx", env=env)
    backwards = keerpunt("report", "period", "--from", "2026-05-01", "--to", "2026-04-01", env=env)
    for result, words in (
        (missing, "no such campaign"),
        (bad_format, "format"),
        (backwards, "ends before it starts"),
    ):
        assert result.returncode != 0
        assert words in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.html").exists()

    # The analyst's enrolment (log-in, TOTP, log-out), the campaign and the two reports are
    # in the access log, and the chain holds, until someone edits a row behind the
    # product's back.
    intact = keerpunt("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 6 entries" in intact.stdout
    with sqlite3.connect(data / "keerpunt.db") as db:
        # The table refuses changes; someone holding the file drops the trigger first.
        db.execute("DROP TRIGGER audit_entries_no_update")
        db.execute("UPDATE audit_entries SET purpose = 'routine' WHERE id = 2")
    broken = keerpunt("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "broken at entry 2" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_retention_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, KEERPUNT_ENV="production")
    assert keerpunt("keys", "init", env=env).returncode == 0
    assert keerpunt("db", "upgrade", env=env).returncode == 0
    data = tmp_path / "data"
    settings = Settings(
        data_dir=data,
        always_open=True,
        _secrets_dir=data / "secrets",  # type: ignore[call-arg]
    )

    async def chat_ended(days_ago: int) -> str:
        clock = FrozenClock(datetime.now(UTC) - timedelta(days=days_ago))
        ctx = build_context(settings, clock=clock)
        try:
            started = await chat.start_conversation(ctx, None)
            me = ChatterPrincipal(started.conversation.chatter_id)
            conversation = started.conversation.id
            for body in ("eerste", "tweede"):
                await chat.send_message(ctx, me, conversation, str(uuid.uuid4()), body)
            await chat.end(ctx, me, conversation)
            return conversation
        finally:
            await ctx.close()

    asyncio.run(chat_ended(100))
    asyncio.run(chat_ended(10))
    before = sqlite3.connect(data / "keerpunt.db").execute("SELECT count(*) FROM messages")
    messages = before.fetchone()[0]

    preview = keerpunt("retention", "run", "--dry-run", env=env)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("would delete the text of 1 conversation ended before")
    assert preview.stdout.rstrip().endswith(
        "3 messages, 0 registration notes, 0 handover summaries"
    )
    with sqlite3.connect(data / "keerpunt.db") as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == messages

    done = keerpunt("retention", "run", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("deleted the text of 1 conversation ended before")
    again = keerpunt("retention", "run", env=env)
    assert again.stdout.startswith("deleted the text of 0 conversations")
    with sqlite3.connect(data / "keerpunt.db") as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == messages - 3
        runs = db.execute("SELECT count FROM audit_entries WHERE action = 'retention_run'")
        assert [row[0] for row in runs] == [1, 0]

    wrong = keerpunt("retention", "run", env={**env, "KEERPUNT_RETENTION_DAYS": "0"})
    assert wrong.returncode == 2
    assert len(wrong.stderr.strip().splitlines()) == 1
    assert "retention_days" in wrong.stderr
    assert "Traceback" not in wrong.stderr
