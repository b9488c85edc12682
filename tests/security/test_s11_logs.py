"""SECURITY.md S11: CR/LF, terminal escapes and megabyte strings produce one structured
record each, capped; no message text, password, TOTP code or token ever reaches a log.

The first tests write hostile records through the real logging setup into a real log file.
The last runs `keerpunt serve` as a process with a log file, drives it with canary strings
through every path a secret travels (a message over HTTP and over the socket, a log-in, a
wrong password, refused input, a server error), and then searches every log file.
"""

from __future__ import annotations

import json
import logging
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.core.logging import MAX_RECORD_CHARS, configure_logging
from keerpunt.privacy.tokens import new_token
from tests.live import (
    Chatter,
    Counselor,
    ServerProcess,
    Socket,
    http_client,
    make_staff,
    own_origin,
)

CANARY_TEXT = "Kanarie-S11-tekst: mijn neef wil dat ik pakketjes bezorg"
CANARY_PASSWORD = "Kanarie-S11-wachtwoord paardenstaart batterij"
CANARY_TOTP = "913577"
CANARY_TICKET = "Kanarie-S11-ticket"
HOSTILE = {
    "crlf": 'eerste regel\r\n{"level": "ERROR", "event": "vervalst"}\r\nderde',
    "escape": "\x1b[2J\x1b[31mrood\x1b]0;titel\x07\x9b6n einde",
    "separators": "een\u2028twee\u2029drie\x85vier\u202egnirts",
    "megabyte": "x" * 1_000_000,
}


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "keerpunt.log"
    configure_logging("INFO", path)
    try:
        yield path
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers.clear()


def _records(path: Path) -> list[dict[str, object]]:
    raw = path.read_text(encoding="utf-8")
    # Split on "\n" alone: any other line break inside a record would be a forged line to a
    # reader that splits on it, so none may remain.
    lines = raw.split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        assert len(line) <= MAX_RECORD_CHARS
        assert len(line.splitlines()) == 1, line[:200]
        assert "\x1b" not in line
        assert "\x9b" not in line
    return [json.loads(line) for line in lines[:-1]]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_s11_a_hostile_string_gives_one_capped_record_wherever_it_is(
    log_file: Path, kind: str
) -> None:
    value = HOSTILE[kind]
    log = logging.getLogger("keerpunt.test")
    log.warning(value)
    log.warning("an extra field", extra={"visitor": value})
    log.warning("a formatted one: %s", value)
    try:
        raise ValueError(value)
    except ValueError:
        log.exception("an exception")
    records = _records(log_file)
    assert len(records) == 4
    assert records[1]["event"] == "an extra field"
    assert records[3]["error"] == "ValueError"
    for record in records:
        assert str(record["time"]).endswith("+00:00")


def test_s11_a_record_of_many_wide_fields_is_cut_as_a_whole(log_file: Path) -> None:
    wide = {f"field_{i}": "y" * 5000 for i in range(200)}
    logging.getLogger("keerpunt.test").warning("wide", extra=wide)
    (record,) = _records(log_file)
    assert record["event"] == "wide"
    assert record["truncated"] is True


def test_s11_secrets_are_scrubbed_from_messages_fields_and_exceptions(log_file: Path) -> None:
    token = new_token()
    log = logging.getLogger("keerpunt.test")
    log.info("login", extra={"password": CANARY_PASSWORD, "csrf_token": token, "totp": "1"})
    log.info("header Authorization: Bearer %s", token)
    log.info("query ?ticket=%s&x=1, form password=%s", token, CANARY_PASSWORD.split()[0])
    log.info("json %s", json.dumps({"totp": CANARY_TOTP, "new_password": "p"}))
    log.info("a token alone in a path: /api/v1/x/%s/y", token)
    try:
        raise ValueError(f"1 validation error\n  input_value='{CANARY_TEXT}', input_type=str]")
    except ValueError:
        log.exception("validation failed")
    content = log_file.read_text(encoding="utf-8")
    for secret in (token, CANARY_PASSWORD.split()[0], CANARY_TOTP, CANARY_TEXT):
        assert secret not in content
    assert len(_records(log_file)) == 6
    # What is not a secret stays readable: ids, hashes, paths.
    conversation, digest = str(uuid.uuid4()), "ab" * 32
    log.info("read %s %s /srv/keerpunt/venv/lib/python3.11/x.py", conversation, digest)
    assert f"{conversation} {digest} /srv/keerpunt" in log_file.read_text(encoding="utf-8")


async def _refused_hello(server: ServerProcess, ticket: str) -> None:
    url = f"ws://127.0.0.1:{server.port}/api/v1/ws"
    async with connect(url, origin=own_origin(url)) as raw:
        await raw.send(json.dumps({"type": "hello", "ticket": ticket}))
        assert json.loads(await raw.recv())["type"] == "error"


async def _make_messages_fail(ctx: Context) -> None:
    """From now on storing a message fails inside the database: a real server error."""
    async with ctx.write() as tx:
        if ctx.db.is_sqlite:
            await tx.session.execute(
                text(
                    "CREATE TRIGGER s11_boom BEFORE INSERT ON messages"
                    " BEGIN SELECT RAISE(ABORT, 's11 boom'); END"
                )
            )
        else:
            await tx.session.execute(
                text(
                    "CREATE FUNCTION s11_boom() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION 's11 boom'; END $$"
                )
            )
            await tx.session.execute(
                text(
                    "CREATE TRIGGER s11_boom BEFORE INSERT ON messages"
                    " FOR EACH ROW EXECUTE FUNCTION s11_boom()"
                )
            )


async def test_s11_no_canary_or_token_reaches_any_log_file(
    settings: Settings, setup_ctx: Context, tmp_path: Path
) -> None:
    await make_staff(setup_ctx, "anna", password=CANARY_PASSWORD)
    log_file = tmp_path / "logs" / "keerpunt.log"
    output = tmp_path / "server-output.log"
    server = ServerProcess(
        settings, output, KEERPUNT_LOG_FILE=str(log_file), KEERPUNT_LOG_LEVEL="DEBUG"
    )
    await server.start()
    used: list[str] = []
    try:
        async with http_client(server.url) as http:
            youth = await Chatter.start(http)
            assert (await youth.send(CANARY_TEXT)).status_code == 201
            # A wrong password, and a code in a TOTP field (refused or used, it must not
            # be written), before the real log-in.
            wrong = {"username": "anna", "password": CANARY_PASSWORD + " fout"}
            assert (await http.post("/api/v1/auth/login", json=wrong)).status_code == 401
            with_code = {"username": "anna", "password": CANARY_PASSWORD, "totp": CANARY_TOTP}
            assert (await http.post("/api/v1/auth/login", json=with_code)).status_code == 401
            anna = await Counselor.login(http, "anna", CANARY_PASSWORD)
            assert (await anna.accept(youth.conversation)).status_code == 200
            assert (await anna.send(youth.conversation, CANARY_TEXT[::-1])).status_code == 201
            assert (await youth.messages()).status_code == 200
            path = f"/api/v1/conversations/{youth.conversation}/messages"
            assert (await anna.get(path)).status_code == 200

            ticket = await youth.ticket()
            sock = await Socket.open(f"ws://127.0.0.1:{server.port}/api/v1/ws", ticket)
            frame = {"type": "send", "conversation": youth.conversation, "body": CANARY_TEXT}
            await sock.send({**frame, "client_id": str(uuid.uuid4())})
            await sock.expect("ack")
            await sock.send({**frame, "client_id": "geen-uuid"})
            await sock.expect("error")
            await sock.connection.send("{niet json " + CANARY_TEXT)
            await sock.expect("error")
            await sock.close()
            await _refused_hello(server, ticket)  # used already
            await _refused_hello(server, CANARY_TICKET)

            # Refused input of every kind: too long, malformed, unknown, a bad token.
            too_long = CANARY_TEXT * 200
            assert (await youth.send(too_long)).status_code == 422
            malformed = {**youth.headers, "content-type": "application/json"}
            bad = await http.post(path, content="{" + CANARY_TEXT, headers=malformed)
            assert bad.status_code == 422
            forged = {"Authorization": f"Bearer {CANARY_TICKET}-{new_token()}"}
            assert (await http.get(path, headers=forged)).status_code == 401
            # A server error while the canary is being stored.
            await _make_messages_fail(setup_ctx)
            failed = await youth.send(CANARY_TEXT + " (mislukt)")
            assert failed.status_code == 500
            used += [youth.token, anna.cookie, ticket]
    finally:
        # Stopped, not killed: the error record may still be on its way out.
        server.signal(signal.SIGTERM)
        server.stop()

    files = [log_file, output]
    records = _records(log_file)
    assert any(r["event"] == "conversation started" for r in records)
    assert not any(r["logger"] in ("aiosqlite", "sqlalchemy.engine.Engine") for r in records)
    assert any(r["level"] == "ERROR" and "traceback" in r for r in records)
    assert all(str(r["time"]).endswith("+00:00") for r in records)
    assert log_file.stat().st_mode & 0o077 == 0
    for file in files:
        content = file.read_text(encoding="utf-8", errors="replace")
        for canary in (CANARY_TEXT, CANARY_TEXT[::-1], CANARY_PASSWORD, CANARY_TOTP):
            assert canary not in content, (file.name, canary)
        assert "Kanarie-S11" not in content, file.name
        for secret in used:
            assert secret not in content, file.name
