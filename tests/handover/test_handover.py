"""Warm handover: only with the chatter's consent, sharing only what they agreed to, with
a status to follow up, an audited detail and a PDF for the contact person."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.db.engine import sqlite_path
from keerpunt.handover import actions as handover
from keerpunt.handover import reads as handover_reads
from keerpunt.handover.schemas import ContactWrite, HandoverCreate
from keerpunt.web import handover_pdf as pdf
from tests.live import (
    Chatter,
    LiveServer,
    StaffMember,
    audit_entries,
    held_form,
    http_client,
    make_staff,
    pair,
    staff_session,
)

SUMMARY = "Kanarie-W3: jongen van 16 wil stoppen met dealen, durft niet door de schuld"
AVIM = {"role": "avim", "name": "Team AVIM Den Haag", "reach": "avim@example.org"}


async def _setup(
    http: httpx.AsyncClient, ctx: Context
) -> tuple[Chatter, StaffMember, StaffMember, dict[str, Any]]:
    """A chat held by anna with a saved registration, and a contact in Den Haag."""
    await make_staff(ctx, "beheer", roles=["admin"])
    youth, counselor = await pair(http, ctx)
    anna = StaffMember(http, counselor.cookie)
    admin = await StaffMember.login(http, "beheer")
    contact = (await admin.post("/api/v1/regions/den_haag/contacts", json=AVIM)).json()
    return youth, anna, admin, contact


def _propose(anna: StaffMember, conversation: str, **body: Any) -> Any:
    return anna.post(f"/api/v1/conversations/{conversation}/handovers", json=body)


async def test_a_handover_needs_consent_an_active_contact_and_an_agreed_summary(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        youth, anna, admin, contact = await _setup(http, setup_ctx)
        other = (
            await admin.post(
                "/api/v1/regions/rotterdam/contacts",
                json={"role": "zorgcoordinator", "name": "R. Jansen", "reach": "010"},
            )
        ).json()
        await admin.put(f"/api/v1/contacts/{other['id']}", json={**AVIM, "active": False})
        ok = {"contact": contact["id"], "consent": True, "share": ["summary"], "summary": SUMMARY}
        conv = youth.conversation
        cases = [
            ({**ok, "consent": False}, "consent_required", "consent"),
            ({**ok, "contact": 999999}, "unknown_contact", "contact"),
            ({**ok, "contact": other["id"]}, "unknown_contact", "contact"),
            ({**ok, "summary": "   "}, "missing", "summary"),
            ({**ok, "share": ["age_band"]}, "not_agreed", "summary"),
        ]
        refused = [await _propose(anna, conv, **body) for body, _, _ in cases]
        bad_share = await _propose(anna, conv, **{**ok, "share": ["summary", "address"]})
        bram = await StaffMember.login(http, "bram")
        not_bram = await _propose(bram, conv, **ok)
        nothing = (await anna.get("/api/v1/handovers")).json()
        registration_before = (await anna.get(f"/api/v1/conversations/{conv}/registration")).json()

        made = await _propose(anna, conv, **ok)
        registration = (await anna.get(f"/api/v1/conversations/{conv}/registration")).json()
    for answer, (_, code, field) in zip(refused, cases, strict=True):
        assert answer.status_code == 422, code
        assert (answer.json()["code"], answer.json()["field"]) == (code, field)
    assert bad_share.status_code == 422
    assert bad_share.json()["code"] == "invalid"
    assert not_bram.status_code == 404
    assert nothing == []
    assert registration_before["status"] == "new"

    assert made.status_code == 201, made.text
    body = made.json()
    assert body["conversation"] == conv
    assert (body["region"], body["region_label"]["en"]) == ("den_haag", "The Hague")
    assert body["contact"] == contact
    assert (body["status"], body["share"], body["summary"]) == ("proposed", ["summary"], SUMMARY)
    assert body["counselor"] == "anna"
    assert body["age_seconds"] == 0
    assert body["created_at"] == body["status_at"]
    # The registration now says a warm handover was offered.
    assert registration["status"] == "draft"
    assert registration["help_offered"] == ["warm_handover"]


async def test_warm_handover_joins_the_help_already_registered(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna, _, contact = await _setup(http, setup_ctx)
        path = f"/api/v1/conversations/{youth.conversation}/registration"
        await anna.put(path, json=held_form(help_offered=["clarified", "safety"]))
        for _ in range(2):
            made = await _propose(anna, youth.conversation, contact=contact["id"], consent=True)
            assert made.status_code == 201
        registration = (await anna.get(path)).json()
    assert registration["help_offered"] == ["clarified", "safety", "warm_handover"]


# A check of the embedded database's files, so SQLite only.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_summary_is_encrypted_at_rest(
    server: LiveServer, setup_ctx: Context, backend: str
) -> None:
    async with http_client(server.url) as http:
        youth, anna, _, contact = await _setup(http, setup_ctx)
        made = await _propose(
            anna,
            youth.conversation,
            contact=contact["id"],
            consent=True,
            share=["summary"],
            summary=SUMMARY,
        )
        detail = (await anna.get(f"/api/v1/handovers/{made.json()['id']}")).json()
    assert detail["summary"] == SUMMARY
    db = sqlite_path(setup_ctx.settings.resolved_database_url())
    assert db is not None
    for file in (p for p in db.parent.iterdir() if p.name.startswith(db.name)):
        assert SUMMARY.encode() not in file.read_bytes(), file


async def test_the_status_moves_one_step_at_a_time_and_declined_only_while_open(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna, _, contact = await _setup(http, setup_ctx)

        async def new() -> int:
            made = await _propose(anna, youth.conversation, contact=contact["id"], consent=True)
            return int(made.json()["id"])

        async def step(handover_id: int, status: str) -> httpx.Response:
            return await anna.post(
                f"/api/v1/handovers/{handover_id}/status", json={"status": status}
            )

        one = await new()
        skipped = [await step(one, "accepted"), await step(one, "completed")]
        walked = [await step(one, s) for s in ("contacted", "accepted", "completed")]
        after_done = [await step(one, s) for s in ("declined", "contacted", "completed")]
        declines = []
        for steps in ([], ["contacted"], ["contacted", "accepted"]):
            other = await new()
            for status in steps:
                assert (await step(other, status)).status_code == 200
            declines.append(await step(other, "declined"))
        after_decline = await step(other, "contacted")
        back_to_start = await step(other, "proposed")
        missing = await step(999999, "contacted")
    for answer in skipped + after_done + [after_decline]:
        assert answer.status_code == 409
        assert answer.json()["code"] == "bad_transition"
    assert [a.json()["status"] for a in walked] == ["contacted", "accepted", "completed"]
    assert all(a.status_code == 200 for a in walked + declines)
    assert [a.json()["status"] for a in declines] == ["declined"] * 3
    assert "summary" not in walked[0].json() or walked[0].json()["summary"] is None
    assert back_to_start.status_code == 422
    assert missing.status_code == 404
    steps_logged = [e.action for e in await audit_entries(setup_ctx, "handover_contacted")]
    assert len(steps_logged) == 3


async def test_the_list_filters_by_region_and_status_and_shows_the_age(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna", max_chats=5)
    await make_staff(ctx, "toos", roles=["supervisor"])
    await make_staff(ctx, "beheer", roles=["admin"])
    anna = await staff_session(ctx, "anna")
    toos = await staff_session(ctx, "toos")
    admin = await staff_session(ctx, "beheer")
    contacts = {
        region: await handover.add_contact(
            ctx, admin, region, ContactWrite(role="other", name=f"Contact {region}", reach="-")
        )
        for region in ("den_haag", "rotterdam")
    }
    made = {}
    for name, region in (("first", "den_haag"), ("second", "rotterdam"), ("third", "den_haag")):
        started = await chat.start_conversation(ctx, None)
        await chat.accept(ctx, anna, started.conversation.id)
        request = HandoverCreate(contact=contacts[region].id, consent=True)
        made[name] = await handover.propose(ctx, anna, started.conversation.id, request)
        clock.advance(3600)
    await handover.change_status(ctx, anna, made["first"].id, "contacted")
    await handover.change_status(ctx, anna, made["first"].id, "declined")

    everything = await handover_reads.handovers(ctx, toos, region=None, status=None)
    in_den_haag = await handover_reads.handovers(ctx, anna, region="den_haag", status=None)
    proposed = await handover_reads.handovers(ctx, anna, region=None, status="proposed")
    both = await handover_reads.handovers(ctx, anna, region="den_haag", status="proposed")
    # Open ones first, oldest first; a closed one last.
    assert [h.id for h in everything] == [made["second"].id, made["third"].id, made["first"].id]
    assert [h.age_seconds for h in everything] == [7200, 3600, 10800]
    assert all(h.summary is None for h in everything)
    assert [h.id for h in in_den_haag] == [made["third"].id, made["first"].id]
    assert [h.id for h in proposed] == [made["second"].id, made["third"].id]
    assert [h.id for h in both] == [made["third"].id]


async def test_only_its_counselor_and_supervisors_open_a_handover_and_each_read_is_logged(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "bram")
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    async with http_client(server.url) as http:
        youth, anna, admin, contact = await _setup(http, setup_ctx)
        made = await _propose(
            anna,
            youth.conversation,
            contact=contact["id"],
            consent=True,
            share=["summary"],
            summary=SUMMARY,
        )
        path = f"/api/v1/handovers/{made.json()['id']}"
        bram = await StaffMember.login(http, "bram")
        toos = await StaffMember.login(http, "toos")
        listed_by_bram = (await bram.get("/api/v1/handovers")).json()
        listed_by_admin = await admin.get("/api/v1/handovers")
        refused = [
            await bram.get(path),
            await bram.get(f"{path}/summary.pdf"),
            await bram.post(f"{path}/status", json={"status": "contacted"}),
            await admin.get(path),
            await admin.get(f"{path}/summary.pdf"),
        ]
        own = await anna.get(path)
        supervised = await toos.get(path)
        exported = await anna.get(f"{path}/summary.pdf")
    # Counselors follow every handover up in the list, without the summary.
    assert [h["id"] for h in listed_by_bram] == [made.json()["id"]]
    assert listed_by_bram[0]["summary"] is None
    assert SUMMARY not in str(listed_by_bram)
    assert listed_by_admin.status_code == 404
    for answer in refused:
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert own.json()["summary"] == supervised.json()["summary"] == SUMMARY
    assert exported.status_code == 200
    subject = f"handover:{made.json()['id']}"
    reads_logged = await audit_entries(setup_ctx, "read_handover")
    exports_logged = await audit_entries(setup_ctx, "export")
    # The read behind the 201 answer is logged too; so is every refused attempt (bram's
    # and the admin's reads and PDFs), as denied.
    granted = [e for e in reads_logged if e.outcome == "ok"]
    assert [e.subject for e in granted] == [subject] * 3
    assert [e.role for e in granted][-1] == "supervisor"
    assert [e.outcome for e in reads_logged if e.outcome != "ok"] == ["denied"] * 2
    assert [(e.subject, e.conversation_id, e.outcome) for e in exports_logged] == [
        (subject, youth.conversation, "denied"),
        (subject, youth.conversation, "denied"),
        (subject, youth.conversation, "ok"),
    ]


def _pdf_text(data: bytes) -> str:
    """The text of a PDF, by pypdf when it is installed, else by pdftotext."""
    try:
        from pypdf import PdfReader
    except ImportError:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "handover.pdf"
            path.write_bytes(data)
            done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
            return done.stdout.decode()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _no_pdf_reader() -> bool:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return shutil.which("pdftotext") is None
    return False


async def _shared_and_bare(http: httpx.AsyncClient, ctx: Context) -> tuple[StaffMember, int, int]:
    """Two handovers of a registered chat: one sharing the summary and the signals, one
    sharing only the age band."""
    form = held_form(
        age_band="16_17",
        crime_forms=["drugs_port"],
        signals=["recruited_online"],
        help_questions=["how_to_stop"],
    )
    youth, anna, _, contact = await _setup(http, ctx)
    await anna.put(f"/api/v1/conversations/{youth.conversation}/registration", json=form)
    shared = await _propose(
        anna,
        youth.conversation,
        contact=contact["id"],
        consent=True,
        share=["summary", "signals"],
        summary=SUMMARY,
    )
    bare = await _propose(
        anna, youth.conversation, contact=contact["id"], consent=True, share=["age_band"]
    )
    return anna, shared.json()["id"], bare.json()["id"]


async def test_the_pdf_holds_only_what_the_chatter_agreed_to_share(
    server: LiveServer, setup_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages: list[str] = []
    render = pdf.render_pdf

    def keep_page(html: str) -> bytes:
        pages.append(html)
        return render(html)

    # The server runs in this process, so the page behind each PDF can be read too.
    monkeypatch.setattr(pdf, "render_pdf", keep_page)
    async with http_client(server.url) as http:
        anna, shared, bare = await _shared_and_bare(http, setup_ctx)
        with_summary = await anna.get(f"/api/v1/handovers/{shared}/summary.pdf")
        in_english = await anna.get(f"/api/v1/handovers/{shared}/summary.pdf?lang=en")
        without = await anna.get(f"/api/v1/handovers/{bare}/summary.pdf")
    for answer in (with_summary, in_english, without):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")
    assert "attachment" in with_summary.headers["content-disposition"]

    shared_page, english_page, bare_page = pages
    assert SUMMARY in shared_page
    assert "Online geronseld" in shared_page
    assert "Team AVIM Den Haag" in shared_page
    assert "Den Haag" in shared_page
    # The forms of crime, the age and the help question were not agreed to.
    for unshared in ("Drugs: uithalen in de haven", "16-17", "Hoe stop ik"):
        assert unshared not in shared_page
    assert "Recruited online" in english_page
    assert "16-17" in bare_page
    assert SUMMARY not in bare_page
    assert "Online geronseld" not in bare_page
    assert "Drugs: uithalen in de haven" not in bare_page


@pytest.mark.skipif(_no_pdf_reader(), reason="neither pypdf nor pdftotext reads the PDF text")
async def test_the_pdf_text_holds_only_what_the_chatter_agreed_to_share(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        anna, shared, bare = await _shared_and_bare(http, setup_ctx)
        with_summary = (await anna.get(f"/api/v1/handovers/{shared}/summary.pdf")).content
        without = (await anna.get(f"/api/v1/handovers/{bare}/summary.pdf")).content
    text = " ".join(_pdf_text(with_summary).split())
    bare_text = " ".join(_pdf_text(without).split())
    assert "Kanarie-W3" in text
    assert "Online geronseld" in text
    assert "uithalen in de haven" not in text
    assert "16-17" not in text
    assert "Kanarie-W3" not in bare_text
    assert "16-17" in bare_text
