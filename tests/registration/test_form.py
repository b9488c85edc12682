"""The registration form: drafts while the chat runs, the rules for finishing it, who may
write it, the facts the system fills in, and notes that stay encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.db.engine import sqlite_path
from keerpunt.registration import actions as registration
from keerpunt.registration import reads
from keerpunt.registration.schemas import RegistrationFields
from tests.live import (
    Chatter,
    LiveServer,
    StaffMember,
    held_form,
    http_client,
    make_staff,
    pair,
    staff_session,
)

CANARY = "Kanarie-R4: hij moet elke vrijdag geld brengen naar de garage"


def _form_path(conversation: str) -> str:
    return f"/api/v1/conversations/{conversation}/registration"


async def test_a_draft_is_saved_while_the_chat_runs_and_each_save_is_the_whole_form(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        path = _form_path(youth.conversation)
        fresh = (await anna.get(path)).json()
        saved = await anna.put(
            path, json=held_form(help_offered=["clarified", "clarified"], notes="eerste indruk")
        )
        again = (await anna.get(path)).json()
        # The next save holds only what the form holds now: everything left out is cleared.
        smaller = await anna.put(path, json={"taxonomy_version": 1, "outcome": "no_content"})
        status = (await anna.get(f"/api/v1/conversations/{youth.conversation}")).json()
    assert fresh["status"] == "new"
    assert fresh["conversation"] == youth.conversation
    # The chatter said at the start who the chat is for: the form starts from that.
    assert fresh["visitor"] == "youth"
    assert (fresh["taxonomy_version"], fresh["current_version"]) == (1, 1)
    assert fresh["outcome"] is None
    assert fresh["crime_forms"] == []
    assert fresh["updated_at"] is None
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["status"] == "draft"
    assert body["updated_at"] is not None
    assert body["completed_at"] is None
    assert (body["region"], body["crime_forms"]) == ("den_haag", ["drugs_selling"])
    assert body["help_offered"] == ["clarified"]
    assert body["notes"] == "eerste indruk"
    assert body["escalation"] is None
    assert again == body
    assert status["status"] == "active"  # saving a draft does not touch the chat
    assert smaller.status_code == 200
    cleared = smaller.json()
    assert cleared["outcome"] == "no_content"
    assert (cleared["visitor"], cleared["region"], cleared["age_band"]) == (None, None, None)
    assert (cleared["crime_forms"], cleared["signals"], cleared["help_offered"]) == ([], [], [])
    assert cleared["notes"] == ""


async def test_unknown_codes_and_fields_are_refused_naming_the_field(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        path = _form_path(youth.conversation)
        assert (await anna.put(path, json=held_form(notes="zo was het"))).status_code == 200
        single = await anna.put(path, json=held_form(age_band="12_14"))
        many = await anna.put(path, json=held_form(crime_forms=["drugs_selling", "smokkel"]))
        crossed = await anna.put(path, json=held_form(signals=["drugs_selling"]))
        extra = await anna.put(path, json={**held_form(), "chatter_name": "Sam"})
        later = await anna.put(path, json=held_form(version=2))
        too_long = await anna.put(path, json=held_form(notes="x" * 4001))
        after = (await anna.get(path)).json()
    for answer, field in ((single, "age_band"), (many, "crime_forms"), (crossed, "signals")):
        assert answer.status_code == 422
        assert answer.json()["code"] == "unknown_code"
        assert answer.json()["field"] == field
    assert "smokkel" in many.json()["detail"]
    assert extra.status_code == 422
    assert extra.json()["code"] == "invalid"
    assert extra.json()["detail"][0]["loc"] == ["body", "chatter_name"]
    assert later.status_code == 422
    assert (later.json()["code"], later.json()["field"]) == ("taxonomy_version", "taxonomy_version")
    assert too_long.status_code == 422
    assert "x" * 50 not in too_long.text
    # Nothing of the refused saves was kept.
    assert after["age_band"] == "16_17"
    assert after["crime_forms"] == ["drugs_selling"]
    assert after["notes"] == "zo was het"


async def test_only_the_conversations_counselor_writes_and_a_supervisor_reads(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "bram")
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        bram = await StaffMember.login(http, "bram")
        toos = await StaffMember.login(http, "toos")
        admin = await StaffMember.login(http, "beheer")
        path = _form_path(youth.conversation)
        missing = _form_path(str(uuid.uuid4()))
        assert (await anna.put(path, json=held_form(notes="vertrouwelijk"))).status_code == 200
        await anna.post(f"/api/v1/conversations/{youth.conversation}/end")
        refused = [
            await bram.get(path),
            await bram.put(path, json=held_form()),
            await bram.post(f"{path}/complete", json=held_form()),
            await toos.put(path, json=held_form(outcome="test_abuse")),
            await toos.post(f"{path}/complete", json=held_form()),
            await admin.get(path),
            await anna.get(missing),
            await anna.put(missing, json=held_form()),
        ]
        supervisor_view = await toos.get(path)
        as_chatter = await http.get(path, headers=youth.headers)
        own = (await anna.get(path)).json()
    for answer in refused:
        assert answer.status_code == 404
        assert answer.json() == {"code": "not_found", "detail": "no such conversation"}
    assert supervisor_view.status_code == 200
    assert supervisor_view.json() == own
    assert own["outcome"] == "conversation_held"
    assert own["status"] == "draft"
    assert as_chatter.status_code == 401


async def test_finishing_needs_an_ended_chat_and_every_required_field(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        path = _form_path(youth.conversation)
        complete = f"{path}/complete"
        open_chat = await anna.post(complete, json=held_form())
        await anna.post(f"/api/v1/conversations/{youth.conversation}/end")
        todo_before = (await anna.get("/api/v1/registrations/todo")).json()

        cases = [
            ({"taxonomy_version": 1}, "outcome"),
            (held_form(visitor=None), "visitor"),
            (held_form(age_band=None), "age_band"),
            (held_form(region=None), "region"),
            (held_form(crime_involvement=None), "crime_involvement"),
            (held_form(help_offered=[]), "help_offered"),
            (held_form(crime_forms=[]), "crime_forms"),
            (held_form(outcome="duplicate"), "duplicate_of"),
        ]
        missing = [await anna.post(complete, json=form) for form, _ in cases]
        still_todo = (await anna.get("/api/v1/registrations/todo")).json()
        done = await anna.post(complete, json=held_form(notes="klaar"))
        todo_after = (await anna.get("/api/v1/registrations/todo")).json()
        snapshot = (await anna.get("/api/v1/console/snapshot")).json()
        # Saved again later, a finished registration stays finished.
        edited = (await anna.put(path, json=held_form(notes="aangevuld"))).json()
    assert open_chat.status_code == 409
    assert open_chat.json()["code"] == "still_open"
    assert [(t["conversation"], t["status"], t["visitor"]) for t in todo_before] == [
        (youth.conversation, "new", "youth")
    ]
    assert todo_before[0]["ended_at"] is not None
    for answer, (_, field) in zip(missing, cases, strict=True):
        assert answer.status_code == 422, field
        assert (answer.json()["code"], answer.json()["field"]) == ("missing", field)
    # A refused finish saves nothing: the form is as it was.
    assert [t["status"] for t in still_todo] == ["new"]
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "complete"
    assert done.json()["completed_at"] is not None
    assert todo_after == []
    assert snapshot["to_register"] == []
    assert edited["status"] == "complete"
    assert edited["completed_at"] == done.json()["completed_at"]
    assert edited["notes"] == "aangevuld"


async def test_the_lighter_outcomes_need_only_the_outcome(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        other = await Chatter.start(http)
        assert (await anna.accept(other.conversation)).status_code == 200
        for chat_id in (other.conversation, youth.conversation):
            await anna.post(f"/api/v1/conversations/{chat_id}/end")
        todo = (await anna.get("/api/v1/registrations/todo")).json()
        no_content = await anna.post(
            f"{_form_path(youth.conversation)}/complete",
            json={"taxonomy_version": 1, "outcome": "no_content"},
        )
        crime_no = await anna.post(
            f"{_form_path(other.conversation)}/complete",
            json=held_form(crime_involvement="no", crime_forms=[]),
        )
    # Oldest ended first.
    assert [t["conversation"] for t in todo] == [other.conversation, youth.conversation]
    assert no_content.status_code == 200, no_content.text
    assert no_content.json()["status"] == "complete"
    assert crime_no.status_code == 200, crime_no.text


async def test_the_system_fills_in_what_it_knows(ctx: Context, clock: FrozenClock) -> None:
    await make_staff(ctx, "anna", max_chats=5)
    anna = await staff_session(ctx, "anna")

    ada = await make_staff(ctx, "ada", roles=["analyst"])
    made = await campaigns.create(
        ctx,
        StaffPrincipal(ada.id, ada.username, frozenset({"analyst"}), "test-session"),
        CampaignIn(
            name="Rake Woorden",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 2, 1),
            channels=[ChannelIn(name="TikTok")],
        ),
    )
    tiktok = made.channels[0]
    channel = await campaigns.channel_for(ctx, tiktok.code)
    campaign = await chat.start_conversation(ctx, None, visitor="youth", channel_id=channel)
    clock.advance(42)
    await chat.accept(ctx, anna, campaign.conversation.id)
    me = chat.ChatterPrincipal(campaign.conversation.chatter_id)
    await chat.send_message(ctx, me, campaign.conversation.id, str(uuid.uuid4()), "hoi")
    clock.advance(1260)
    await chat.end(ctx, anna, campaign.conversation.id)

    silent = await chat.start_conversation(ctx, None, visitor="relative")
    await chat.accept(ctx, anna, silent.conversation.id)
    clock.advance(30)
    await chat.end(ctx, anna, silent.conversation.id)

    first = (await reads.registration_view(ctx, anna, campaign.conversation.id)).derived
    quiet = (await reads.registration_view(ctx, anna, silent.conversation.id)).derived

    # The campaign chatter comes back later with an account, through no campaign link.
    await accounts.create_chatter_account(ctx, me, "zonnebloem", "lang genoeg wachtwoord")
    clock.advance(3600)
    back = await chat.start_conversation(ctx, me)
    clock.advance(60)
    await chat.accept(ctx, anna, back.conversation.id)
    running = (await reads.registration_view(ctx, anna, back.conversation.id)).derived
    assert first.source == "campaign"
    assert first.campaign_ref == tiktok.code
    assert (first.wait_seconds, first.duration_seconds) == (42, 1260)
    assert first.chatter_sent_message is True
    assert first.earlier_conversations == 0
    assert first.has_account is False
    assert quiet.source == "organic"
    assert quiet.campaign_ref is None
    assert quiet.chatter_sent_message is False
    assert quiet.has_account is False
    assert (quiet.wait_seconds, quiet.duration_seconds) == (0, 30)
    assert running.source == "organic"
    assert running.has_account is True
    assert running.earlier_conversations == 1
    assert running.wait_seconds == 60
    assert running.duration_seconds is None  # still running

    # What is stored with a save is the same, and stays when the form is saved again.
    fields = RegistrationFields.model_validate(held_form())
    await registration.save(ctx, anna, campaign.conversation.id, fields)
    clock.advance(600)
    await registration.save(ctx, anna, campaign.conversation.id, fields, complete=True)
    stored = await reads.registration_view(ctx, anna, campaign.conversation.id)
    assert stored.derived == first.model_copy(update={"has_account": True})
    assert stored.status == "complete"


# A check of the embedded database's files, so SQLite only.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_notes_are_encrypted_at_rest_and_read_back(
    server: LiveServer, setup_ctx: Context, backend: str
) -> None:
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        path = _form_path(youth.conversation)
        saved = await anna.put(path, json=held_form(notes=CANARY))
        read = (await anna.get(path)).json()
    assert saved.status_code == 200
    assert read["notes"] == CANARY
    db = sqlite_path(setup_ctx.settings.resolved_database_url())
    assert db is not None
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert any(p.name.endswith("-wal") for p in files)
    for file in files:
        assert CANARY.encode() not in file.read_bytes(), file
