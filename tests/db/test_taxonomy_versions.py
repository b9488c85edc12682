"""A taxonomy version change is a migration of meaning: registrations made under version 1
keep version 1's labels after version 2 is loaded, new input follows version 2, and the
schema migration of issue 4 goes down and up again with data in its tables."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from keerpunt.accounts import actions as accounts
from keerpunt.bootstrap import ensure_defaults
from keerpunt.chat import actions as chat
from keerpunt.chat import reads as chat_reads
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Invalid
from keerpunt.db import migrate
from keerpunt.handover import actions as handover
from keerpunt.handover.schemas import ContactWrite, HandoverCreate
from keerpunt.registration import actions as registration
from keerpunt.registration import reads, store
from keerpunt.registration.schemas import RegistrationFields
from tests.live import enrol_totp, held_form, make_staff, staff_session
from tests.registration.taxonomy_edits import add, relabel, retire, with_version


def _fields(version: int = 1, **changes: object) -> RegistrationFields:
    return RegistrationFields.model_validate(held_form(version, **changes))


async def _ended_chat(ctx: Context, staff: accounts.StaffPrincipal) -> chat.Started:
    started = await chat.start_conversation(ctx, None, visitor="youth")
    await chat.accept(ctx, staff, started.conversation.id)
    await chat.end(ctx, staff, started.conversation.id)
    return started


async def test_old_registrations_keep_their_version_and_new_input_follows_the_new_one(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna", max_chats=5)
    await make_staff(ctx, "beheer", roles=["admin"])
    anna = await staff_session(ctx, "anna")
    admin = await staff_session(ctx, "beheer")

    # Version 1: a finished registration, and a draft that holds a code v2 will retire.
    first = await _ended_chat(ctx, anna)
    done = _fields(crime_forms=["drugs_selling", "theft"])
    await registration.save(ctx, anna, first.conversation.id, done, complete=True)
    drafted = await _ended_chat(ctx, anna)
    await registration.save(ctx, anna, drafted.conversation.id, _fields(crime_forms=["theft"]))

    v2 = retire(with_version(2), "crime_forms", "theft")
    v2 = relabel(v2, "crime_forms", "drugs_selling", "Drugs: dealen", "Drugs: selling")
    v2 = add(v2, "crime_forms", "scamming", "Oplichting", "Scamming")
    clock.advance(60)
    await registration.load_taxonomy(ctx, admin, v2)

    # The first chatter comes back: the history shows the old registration in v1's words.
    me = chat.ChatterPrincipal(first.conversation.chatter_id)
    back = await chat.start_conversation(ctx, me)
    await chat.accept(ctx, anna, back.conversation.id)
    history = await reads.history(ctx, anna, back.conversation.id)
    (earlier,) = history.earlier
    assert earlier.conversation == first.conversation.id
    assert earlier.registration.status == "complete"
    assert earlier.registration.taxonomy_version == 1
    labels = earlier.registration.labels
    crime_forms = labels["crime_forms"]
    assert isinstance(crime_forms, list)
    assert [(t.nl, t.en) for t in crime_forms] == [
        ("Drugs: verkopen", "Drugs: selling"),
        ("Diefstal", "Theft"),
    ]
    age_band = labels["age_band"]
    assert age_band is not None
    assert not isinstance(age_band, list)
    assert age_band.nl == "16-17"
    old = await reads.registration_view(ctx, anna, first.conversation.id)
    assert (old.taxonomy_version, old.current_version) == (1, 2)
    assert old.crime_forms == ["drugs_selling", "theft"]

    # New input: version 2 only, and the retired code only where a draft held it already.
    with pytest.raises(Invalid) as stale:
        await registration.save(ctx, anna, back.conversation.id, _fields())
    assert (stale.value.code, stale.value.field) == ("taxonomy_version", "taxonomy_version")
    assert "current version is 2" in stale.value.reason
    with pytest.raises(Invalid) as retired:
        await registration.save(ctx, anna, back.conversation.id, _fields(2, crime_forms=["theft"]))
    assert (retired.value.code, retired.value.field) == ("retired_code", "crime_forms")
    await registration.save(ctx, anna, back.conversation.id, _fields(2, crime_forms=["scamming"]))
    kept = _fields(2, crime_forms=["theft", "scamming"])
    await registration.save(ctx, anna, drafted.conversation.id, kept, complete=True)
    draft = await reads.registration_view(ctx, anna, drafted.conversation.id)
    assert (draft.taxonomy_version, draft.status) == (2, "complete")
    assert draft.crime_forms == ["theft", "scamming"]
    # Once dropped from the draft, the retired code cannot come back.
    await registration.save(ctx, anna, drafted.conversation.id, _fields(2, crime_forms=[]))
    with pytest.raises(Invalid) as gone:
        await registration.save(
            ctx, anna, drafted.conversation.id, _fields(2, crime_forms=["theft"])
        )
    assert gone.value.code == "retired_code"

    # The newest registration reads in version 2's words.
    async with ctx.read() as session:
        row = await store.registration(session, back.conversation.id)
        summary = await reads.summary(session, row)
    forms = summary.labels["crime_forms"]
    assert isinstance(forms, list)
    assert [t.nl for t in forms] == ["Oplichting"]
    assert summary.taxonomy_version == 2


async def _fill_issue_4_tables(ctx: Context) -> tuple[str, str]:
    """A chat with a message, an account, a registration, a merge, a handover, canned
    replies, audit entries and a second taxonomy version. Returns (conversation, token)."""
    await ensure_defaults(ctx)
    await make_staff(ctx, "anna", max_chats=5)
    await make_staff(ctx, "beheer", roles=["admin"])
    anna = await staff_session(ctx, "anna")
    admin = await staff_session(ctx, "beheer")
    started = await chat.start_conversation(ctx, None, visitor="youth", locale="en")
    assert started.token is not None
    me = chat.ChatterPrincipal(started.conversation.chatter_id)
    await chat.accept(ctx, anna, started.conversation.id)
    await chat.send_message(ctx, me, started.conversation.id, str(uuid.uuid4()), "blijft staan")
    await accounts.create_chatter_account(ctx, me, "zonnebloem", "lang genoeg wachtwoord")
    await chat.end(ctx, anna, started.conversation.id)
    await registration.save(ctx, anna, started.conversation.id, _fields(notes="n"))
    other = await _ended_chat(ctx, anna)
    await registration.mark_duplicate(ctx, anna, other.conversation.id, started.conversation.id)
    contact = await handover.add_contact(
        ctx, admin, "den_haag", ContactWrite(role="avim", name="Team AVIM", reach="070")
    )
    request = HandoverCreate(contact=contact.id, consent=True, share=["summary"], summary="s")
    await handover.propose(ctx, anna, started.conversation.id, request)
    await registration.load_taxonomy(ctx, admin, with_version(2))
    return started.conversation.id, started.token


def _count(url: str, table: str) -> int:
    engine = create_engine(migrate.sync_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
    finally:
        engine.dispose()


async def test_the_issue_4_migration_goes_down_and_up_again_with_data(
    db_url: str, settings: Settings
) -> None:
    # db_url is an empty database upgraded to head.
    assert migrate.is_current(db_url)
    ctx = build_context(settings)
    try:
        conversation, token = await _fill_issue_4_tables(ctx)
    finally:
        await ctx.close()
    assert _count(db_url, "registrations") == 2
    assert _count(db_url, "handovers") == 1

    migrate.downgrade(db_url, "0002")
    assert migrate.current_revision(db_url) == "0002"
    # The chat itself predates issue 4 and survives the way down.
    assert _count(db_url, "conversations") == 2
    assert _count(db_url, "messages") >= 3

    migrate.upgrade(db_url)
    assert migrate.is_current(db_url)
    assert _count(db_url, "registrations") == 0
    ctx = build_context(settings)
    try:
        await ensure_defaults(ctx)
        # The way down past 0005 took her second factor with it: she enrols again.
        await enrol_totp(ctx, "anna")
        anna = await staff_session(ctx, "anna")
        me = await accounts.authenticate_chatter(ctx, token)
        assert me is not None
        _, messages, _ = await chat_reads.messages_after(ctx, me, conversation, 0)
        assert "blijft staan" in [m.body for m in messages]
        # The tables work again: the old chat can be registered anew.
        await registration.save(ctx, anna, conversation, _fields(), complete=True)
        view = await reads.registration_view(ctx, anna, conversation)
        assert (view.status, view.taxonomy_version) == ("complete", 1)
    finally:
        await ctx.close()
