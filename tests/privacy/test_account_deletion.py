"""A chatter's right to be forgotten: deleting the account removes the chatter and every
conversation, message, registration, handover and feedback answer of theirs, from the
tables and from the database files, and leaves only the fact in the access log."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select

from keerpunt.chat.models import Conversation, Message
from keerpunt.context import Context
from keerpunt.db.base import Base, import_models
from keerpunt.db.engine import sqlite_path
from keerpunt.handover.models import Handover
from keerpunt.registration.models import Registration
from tests.live import Chatter, LiveServer, StaffMember, held_form, http_client, make_staff

USERNAME = "zonnebloem-x7"
PASSWORD = "lang genoeg wachtwoord"
CANARIES = {
    "first": "Kanarie-E1: ik haal pakketjes op voor Jayden",
    "second": "Kanarie-E2: ze weten waar mijn moeder woont",
    "notes": "Kanarie-E3: wil uit het netwerk, schuld van 4000",
    "summary": "Kanarie-E4: jongen 16, Den Haag, wil hulp bij stoppen",
}
OTHER = "Kanarie-B1: dit is van iemand anders"


@dataclass
class Case:
    http: httpx.AsyncClient
    anna: StaffMember
    chatter: Chatter
    conversations: list[str]
    other: Chatter
    merged: Chatter
    chatter_id: str = ""
    sealed: list[bytes] = field(default_factory=list)


async def _make_case(http: httpx.AsyncClient, ctx: Context) -> Case:
    """A chatter with an account: a finished chat with a registration, a handover and
    feedback, and a second chat still running. Beside them another chatter, and a third
    whom the counselor merged into the first."""
    await make_staff(ctx, "anna", max_chats=5)
    await make_staff(ctx, "beheer", roles=["admin"])
    anna = await StaffMember.login(http, "anna")
    admin = await StaffMember.login(http, "beheer")
    contact = (
        await admin.post(
            "/api/v1/regions/den_haag/contacts",
            json={"role": "avim", "name": "Team AVIM", "reach": "070"},
        )
    ).json()

    youth = await Chatter.start(http)
    first = youth.conversation
    await anna.accept(first)
    assert (await youth.send(CANARIES["first"])).status_code == 201
    made = await http.post(
        "/api/v1/chatter/account",
        json={"username": USERNAME, "password": PASSWORD},
        headers=youth.headers,
    )
    assert made.status_code == 201
    proposed = await anna.post(
        f"/api/v1/conversations/{first}/handovers",
        json={
            "contact": contact["id"],
            "consent": True,
            "share": ["summary"],
            "summary": CANARIES["summary"],
        },
    )
    assert proposed.status_code == 201
    await anna.post(f"/api/v1/conversations/{first}/end")
    form = held_form(notes=CANARIES["notes"], help_offered=["clarified", "warm_handover"])
    done = await anna.post(f"/api/v1/conversations/{first}/registration/complete", json=form)
    assert done.status_code == 200, done.text
    feedback = await http.post(
        f"/api/v1/conversations/{first}/feedback",
        json={"answers": {"helpful": "yes", "again": "maybe"}},
        headers=youth.headers,
    )
    assert feedback.status_code == 204

    second = (await http.post("/api/v1/conversations", json={}, headers=youth.headers)).json()
    await anna.accept(second["id"])
    assert (await Chatter(http, youth.token, second["id"]).send(CANARIES["second"])).is_success

    other = await Chatter.start(http)
    await anna.accept(other.conversation)
    await other.send(OTHER)
    await anna.put(f"/api/v1/conversations/{other.conversation}/registration", json=held_form())
    merged = await Chatter.start(http)
    await anna.accept(merged.conversation)
    marked = await anna.post(
        f"/api/v1/conversations/{merged.conversation}/duplicate", json={"of": first}
    )
    assert marked.status_code == 200
    case = Case(http, anna, youth, [first, second["id"]], other, merged)
    async with ctx.read() as session:
        conv = await session.get(Conversation, first)
        assert conv is not None
        case.chatter_id = conv.chatter_id
        # The stored ciphertexts, to look for them in the files once they are deleted.
        for column, of in (
            (Message.body, Message.conversation_id),
            (Registration.notes, Registration.conversation_id),
            (Handover.summary, Handover.conversation_id),
        ):
            result = await session.scalars(select(column).where(of.in_(case.conversations)))
            case.sealed += [s.to_bytes() for s in result.all() if s is not None]
    return case


async def _all_rows(ctx: Context) -> dict[str, list[dict[str, object]]]:
    import_models()
    rows: dict[str, list[dict[str, object]]] = {}
    async with ctx.read() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = [dict(row._mapping) for row in result]
    return rows


def _holds(value: object, needle: str) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        return needle.encode() in bytes(value)
    return needle in str(value)


async def _delete(case: Case, password: str) -> httpx.Response:
    return await case.http.post(
        "/api/v1/chatter/account/delete", json={"password": password}, headers=case.chatter.headers
    )


async def test_deleting_the_account_leaves_no_row_of_the_chatter(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        case = await _make_case(http, setup_ctx)
        rows_before = await _all_rows(setup_ctx)
        wrong = await _delete(case, "niet het wachtwoord")
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "bad_credentials"
        assert await _all_rows(setup_ctx) == rows_before
        still = (await http.get("/api/v1/chatter/me", headers=case.chatter.headers)).json()
        assert len(still["conversations"]) == 2

        deleted = await _delete(case, PASSWORD)
        login = await http.post(
            "/api/v1/chatter/login", json={"username": USERNAME, "password": PASSWORD}
        )
        token_after = await http.get("/api/v1/chatter/me", headers=case.chatter.headers)
        other_page = (await case.other.messages()).json()
        other_form = await case.anna.get(
            f"/api/v1/conversations/{case.other.conversation}/registration"
        )
        merged_view = await case.anna.get(f"/api/v1/conversations/{case.merged.conversation}")
        history = (
            await case.anna.get(f"/api/v1/conversations/{case.merged.conversation}/history")
        ).json()
        gone = await case.anna.get(f"/api/v1/conversations/{case.conversations[0]}/registration")
        todo = (await case.anna.get("/api/v1/registrations/todo")).json()
        rows = await _all_rows(setup_ctx)
    assert deleted.status_code == 204
    assert login.status_code == 401
    assert login.json()["code"] == "bad_credentials"
    assert token_after.status_code == 401

    needles = [case.chatter_id, USERNAME, *CANARIES.values()]
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                for needle in needles:
                    assert not _holds(value, needle), (table, column)
                # The access log keeps which conversation an entry was about (a random id
                # that now names nothing); nothing else may point at the deleted chats.
                if table != "audit_entries":
                    for conversation in case.conversations:
                        assert not _holds(value, conversation), (table, column)
    assert rows["chatter_merges"] == []
    assert case.conversations[0] not in [r["id"] for r in rows["conversations"]]
    (erased,) = [r for r in rows["audit_entries"] if r["action"] == "account_deleted"]
    assert (erased["role"], erased["user_id"], erased["count"]) == ("chatter", None, 2)
    assert erased["conversation_id"] is None

    # The other chatters keep everything of theirs.
    assert OTHER in [m["body"] for m in other_page["messages"]]
    assert other_form.json()["outcome"] == "conversation_held"
    assert merged_view.status_code == 200
    assert history["earlier"] == []
    assert gone.status_code == 404
    assert case.conversations[0] not in [t["conversation"] for t in todo]


# A check of the embedded database's files, so SQLite only.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_deleted_data_is_gone_from_the_database_files(
    server: LiveServer, setup_ctx: Context, backend: str
) -> None:
    async with http_client(server.url) as http:
        case = await _make_case(http, setup_ctx)
        deleted = await _delete(case, PASSWORD)
        # Other chatters go on writing afterwards.
        await case.other.send("en nu verder")
    assert deleted.status_code == 204
    assert len(case.sealed) >= 5  # the messages of both chats, the notes, the summary
    db = sqlite_path(setup_ctx.settings.resolved_database_url())
    assert db is not None
    files = [p for p in db.parent.iterdir() if p.name in (db.name, f"{db.name}-wal")]
    assert files
    for file in files:
        raw = file.read_bytes()
        assert USERNAME.encode() not in raw, file
        assert case.chatter_id.encode() not in raw, file
        for text in CANARIES.values():
            assert text.encode() not in raw, file
        for sealed in case.sealed:
            assert sealed not in raw, file
