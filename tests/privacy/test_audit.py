"""The access log is hash-chained: after any series of audited actions the chain holds,
and a row changed afterwards is found."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from sqlalchemy import delete, select, update

from keerpunt.accounts import actions as accounts
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.handover import actions as handover
from keerpunt.handover.schemas import ContactWrite, HandoverCreate
from keerpunt.privacy import actions as erasure
from keerpunt.privacy import audit
from keerpunt.privacy.audit import verify_chain
from keerpunt.privacy.models import AuditEntry
from keerpunt.registration import actions as registration
from tests.live import make_staff, staff_session
from tests.privacy.tamper import behind_the_back
from tests.registration.taxonomy_edits import with_version


async def _entries(ctx: Context) -> list[AuditEntry]:
    async with ctx.read() as session:
        result = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return list(result.all())


async def _audited_actions(ctx: Context, clock: FrozenClock) -> None:
    """One of each kind of audited action, a little apart in time."""
    await make_staff(ctx, "anna", max_chats=5)
    await make_staff(ctx, "toos", roles=["supervisor"])
    await make_staff(ctx, "beheer", roles=["admin"])
    anna = await staff_session(ctx, "anna")
    toos = await staff_session(ctx, "toos")
    admin = await staff_session(ctx, "beheer")
    chats = []
    for _ in range(3):
        started = await chat.start_conversation(ctx, None)
        await chat.accept(ctx, anna, started.conversation.id)
        chats.append(started)
    first, second, third = (c.conversation.id for c in chats)
    await registration.load_taxonomy(ctx, admin, with_version(2))
    clock.advance(1)
    await registration.search_duplicates(ctx, anna, second)
    merge, _ = await registration.mark_duplicate(ctx, anna, second, first)
    clock.advance(1)
    await registration.read_earlier_transcript(ctx, anna, second, first)
    await registration.undo_merge(ctx, toos, merge.id)
    contact = await handover.add_contact(
        ctx, admin, "den_haag", ContactWrite(role="avim", name="AVIM", reach="070")
    )
    request = HandoverCreate(contact=contact.id, consent=True, share=["summary"], summary="s")
    made = await handover.propose(ctx, anna, third, request)
    await handover.open_handover(ctx, toos, made.id)
    await handover.open_handover(ctx, anna, made.id, export=True)
    clock.advance(1)
    await handover.change_status(ctx, anna, made.id, "contacted")
    me = chat.ChatterPrincipal(chats[2].conversation.chatter_id)
    await accounts.create_chatter_account(ctx, me, "zonnebloem", "lang genoeg wachtwoord")
    await erasure.delete_chatter_account(ctx, me, "lang genoeg wachtwoord")


async def test_the_chain_holds_after_a_series_of_actions(ctx: Context, clock: FrozenClock) -> None:
    await _audited_actions(ctx, clock)
    entries = await _entries(ctx)
    # Each staff member's enrolment (log-in, TOTP, log-out) comes first; then the series.
    assert [e.action for e in entries[:3]] == ["auth.login", "auth.totp_enrol", "auth.logout"]
    assert [e.action for e in entries if not e.action.startswith("auth.")] == [
        "taxonomy_loaded",
        "search",
        "merge",
        "read_transcript",
        "merge_undone",
        "handover_proposed",
        "read_handover",
        "export",
        "handover_contacted",
        "account_deleted",
    ]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert verify_chain(entries) is None


async def test_a_changed_row_breaks_the_chain_there(ctx: Context, clock: FrozenClock) -> None:
    await _audited_actions(ctx, clock)
    entries = await _entries(ctx)
    target = entries[3]
    # Someone edits the log behind the product's back.
    await behind_the_back(
        ctx, update(AuditEntry).where(AuditEntry.id == target.id).values(purpose="routine check")
    )
    assert verify_chain(await _entries(ctx)) == target.id
    # The rows before it still check out.
    assert verify_chain((await _entries(ctx))[:3]) is None


async def test_concurrent_writers_extend_the_chain_one_after_another(ctx: Context) -> None:
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    started = await chat.start_conversation(ctx, None)
    await chat.accept(ctx, anna, started.conversation.id)
    await asyncio.gather(
        *(registration.search_duplicates(ctx, anna, started.conversation.id) for _ in range(8))
    )
    entries = await _entries(ctx)
    assert len([e for e in entries if e.action == "search"]) == 8
    assert len({e.prev_hash for e in entries}) == len(entries)
    assert verify_chain(entries) is None


async def test_s21_verify_reads_the_whole_log_in_batches_and_finds_a_removed_row(
    ctx: Context, clock: FrozenClock
) -> None:
    await _audited_actions(ctx, clock)
    entries = await _entries(ctx)
    assert len(entries) >= 6
    intact = await audit.verify(ctx, batch=2)
    assert (intact.entries, intact.broken_at) == (len(entries), None)
    assert intact.last_at == entries[-1].at
    # Someone removes an entry behind the product's back: the next one no longer fits.
    await behind_the_back(ctx, delete(AuditEntry).where(AuditEntry.id == entries[4].id))
    broken = await audit.verify(ctx, batch=2)
    assert (broken.entries, broken.broken_at) == (4, entries[5].id)
