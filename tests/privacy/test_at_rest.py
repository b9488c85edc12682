"""Message text is encrypted at rest, bound to its row; logs hold no text, token or address."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import select, update

from keerpunt.chat.models import Message
from keerpunt.context import Context
from keerpunt.db.engine import sqlite_path
from keerpunt.privacy.crypto import DecryptError, KeyRing, Sealed
from tests.live import Chatter, Counselor, LiveServer, Socket, http_client, make_staff

CANARY = "Kanarie-7Q: ik moet pakketjes ophalen in de haven"


def test_a_sealed_value_opens_only_with_its_key_and_row() -> None:
    old_key = KeyRing.generate_key()
    ring = KeyRing({"k1": old_key})
    sealed = ring.seal(CANARY, b"message:a:1")
    assert CANARY.encode() not in sealed.to_bytes()
    assert Sealed.from_bytes(sealed.to_bytes()) == sealed
    assert ring.open(sealed, b"message:a:1") == CANARY
    with pytest.raises(DecryptError):
        ring.open(sealed, b"message:a:2")
    with pytest.raises(DecryptError):
        KeyRing({"k1": KeyRing.generate_key()}).open(sealed, b"message:a:1")
    # A ring that still holds the old key reads old values and seals with the new one.
    rotated = KeyRing({"k2": KeyRing.generate_key(), "k1": old_key})
    assert rotated.open(sealed, b"message:a:1") == CANARY
    assert rotated.seal("x", b"r").key_id == "k2"


# A check of the embedded database's files, so SQLite only.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_database_files_never_hold_the_text(
    server: LiveServer, setup_ctx: Context, backend: str
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http)
        await anna.accept(youth.conversation)
        assert (await youth.send(CANARY)).status_code == 201
        assert (await anna.send(youth.conversation, CANARY[::-1])).status_code == 201
        page = (await youth.messages()).json()
    assert page["messages"][1]["body"] == CANARY
    path = sqlite_path(setup_ctx.settings.resolved_database_url())
    assert path is not None
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    assert any(p.name.endswith("-wal") for p in files)
    for file in files:
        raw = file.read_bytes()
        assert CANARY.encode() not in raw, file
        assert CANARY[::-1].encode() not in raw, file
        assert youth.token.encode() not in raw, file
        assert file.stat().st_mode & 0o077 == 0, f"{file} is readable by others"


async def test_a_ciphertext_moved_to_another_row_does_not_open(ctx: Context) -> None:
    from keerpunt.chat import actions as chat

    started = await chat.start_conversation(ctx, None)
    me = chat.ChatterPrincipal(started.conversation.chatter_id)
    for body in ("eerste", "tweede"):
        await chat.send_message(ctx, me, started.conversation.id, str(uuid.uuid4()), body)
    async with ctx.write() as tx:
        first = await tx.session.scalar(select(Message).where(Message.seq == 1))
        assert first is not None
        await tx.session.execute(update(Message).where(Message.seq == 2).values(body=first.body))
    from keerpunt.chat import reads

    with pytest.raises(DecryptError):
        await reads.messages_after(ctx, me, started.conversation.id, 0)


async def test_logs_hold_no_text_token_or_address(
    server: LiveServer, setup_ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the level the server logs at
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http)
        await anna.accept(youth.conversation)
        await youth.send(CANARY)
        sock = await Socket.open(server.ws_url, await youth.ticket())
        client_port = sock.connection.local_address[1]
        await sock.send(
            {
                "type": "send",
                "conversation": youth.conversation,
                "client_id": str(uuid.uuid4()),
                "body": CANARY,
            }
        )
        await sock.expect("ack")
        await sock.close()
        await http.get("/no/such/page")
    # The test's own clients log too (httpx, the socket client); only the server's count.
    server_records = [
        r
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore", "websockets.client"))
    ]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in server_records)
    assert any(r.name.startswith("keerpunt") for r in server_records)
    assert CANARY not in text
    assert youth.token not in text
    assert anna.cookie not in text
    assert f":{client_port}" not in text


def test_log_lines_are_single_structured_records(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from keerpunt.core.logging import configure_logging

    configure_logging()
    try:
        logging.getLogger("keerpunt.test").warning(
            "hostile\r\nforged line \x1b[31m" + "x" * 5000, extra={"body": CANARY, "n": 1}
        )
        lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    finally:
        logging.getLogger().handlers.clear()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["body"] == "[redacted]"
    assert len(record["event"]) < 600
    assert "\x1b" not in lines[0]
