"""Sources, the watchlist and its versions, ingest, near-duplicates, triage and actions,
on both databases, through the same actions the pages and the collector use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Conflict, Invalid, NotFound
from keerpunt.outreach import actions, reads
from keerpunt.outreach.models import Hit, Item
from keerpunt.outreach.models import Post as Stored
from keerpunt.outreach.schemas import ActionIn, SourceIn, SourceUpdate, TermIn, TermUpdate
from keerpunt.reports import actions as reports
from keerpunt.reports.schemas import ReportRequest
from tests.outreach_store.helpers import (
    PEER,
    PURPOSE,
    audit_actions,
    outreach_staff,
    post,
    principal,
    source,
    watchlist,
)

AD = (
    "Snel geld verdienen? Klusje in de haven, vandaag nog, 16+ welkom. "
    "Bel 06 12345678 of mail werk@example.nl"
)
PLAIN = "Wie gaat er zaterdag mee naar de markt in het centrum?"


def test_usernames_are_cleaned_and_private_links_refused() -> None:
    for given in (
        "klusjes_rdam",
        "@klusjes_rdam",
        "t.me/klusjes_rdam",
        "https://t.me/Klusjes_Rdam",
    ):
        assert actions.clean_username(given) == "klusjes_rdam"
    for refused in (
        "https://t.me/+AbCdEfGh123",
        "t.me/joinchat/AAAAAE3x",
        "https://t.me/c/123456/78",
        "geen naam met spaties",
        "abc",
    ):
        with pytest.raises(Invalid) as caught:
            actions.clean_username(refused)
        assert caught.value.field == "username"


async def test_a_source_records_its_purpose_and_refuses_duplicates(ctx: Context) -> None:
    olga = await outreach_staff(ctx)
    added = await source(ctx, olga)
    assert (added.username, added.state, added.peer_id) == ("klusjes_rdam", "waiting", PEER)
    assert (added.dpia_ref, added.approved_by, added.added_by) == (
        "DPIA-2026-07",
        "J. de Vries (FG)",
        olga.user_id,
    )
    with pytest.raises(Conflict):
        await source(ctx, olga, username="@KLUSJES_RDAM", peer_id=-1009)
    with pytest.raises(Conflict):
        await source(ctx, olga, username="andere_groep", peer_id=PEER)
    with pytest.raises(Invalid) as short:
        await actions.add_source(
            ctx,
            olga,
            SourceIn(username="nog_een", purpose="kort", dpia_ref="D1", approved_by="FG"),
        )
    assert short.value.field == "purpose"
    changed = await actions.update_source(
        ctx,
        olga,
        added.id,
        SourceUpdate(purpose=PURPOSE, dpia_ref="DPIA-2026-08", approved_by="FG", active=False),
    )
    assert (changed.dpia_ref, changed.active) == ("DPIA-2026-08", False)
    listed = await reads.sources(ctx, olga)
    assert [(s.username, s.added_by, s.matched_posts) for s in listed] == [
        ("klusjes_rdam", "olga", 0)
    ]
    # Only outreach staff: anyone else hears the source does not exist.
    ada = await principal(ctx, "ada", ["analyst", "admin"])
    with pytest.raises(NotFound):
        await reads.sources(ctx, ada)


async def test_every_list_change_is_a_version_and_the_matcher_follows(ctx: Context) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    assert (await reads.terms(ctx, olga)).version == 0
    ids = await watchlist(ctx, olga)
    listed = await reads.terms(ctx, olga)
    assert listed.version == 4
    assert "money" in listed.categories
    first = await actions.ingest(ctx, src.id, [post(1, AD)])
    assert first.stored == 1
    # Switching terms off takes effect at the next batch, without a restart.
    for name in ("snel geld", "klusje", "16+", "vandaag"):
        term = next(t for t in listed.terms if t.id == ids[name])
        await actions.update_term(
            ctx,
            olga,
            term.id,
            TermUpdate(text=term.text, kind="exact", category=term.category, active=False),
        )
    assert (await reads.terms(ctx, olga)).version == 8
    second = await actions.ingest(ctx, src.id, [post(2, AD + " opnieuw")])
    assert (second.matched, second.stored) == (0, 0)
    # A change another process made (straight in the database) is seen too.
    async with ctx.write() as tx:
        await tx.session.execute(text("UPDATE outreach_terms SET active = :on"), {"on": True})
        await actions.bump(ctx, tx, None, "switched on again elsewhere")
    third = await actions.ingest(ctx, src.id, [post(3, AD + " nog eens")])
    assert third.matched == 1
    async with ctx.read() as session:
        versions = (await session.scalars(select(Hit.list_version).distinct())).all()
    assert sorted(versions) == [4, 9]
    with pytest.raises(Invalid):
        await actions.add_term(ctx, olga, TermIn(text="geld", kind="exact", category="weer"))


async def test_ingest_keeps_only_matches_redacted_hashed_and_sealed(
    ctx: Context, clock: FrozenClock
) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    await watchlist(ctx, olga)
    now = clock.now()
    done = await actions.ingest(ctx, src.id, [post(10, AD, at=now), post(11, PLAIN, at=now)])
    assert (done.read, done.matched, done.stored, done.items_new) == (2, 1, 1, 1)
    async with ctx.read() as session:
        stored = (await session.scalars(select(Stored))).all()
        raw = (await session.execute(text("SELECT text, author_hash FROM outreach_posts"))).all()
    assert [(p.peer_id, p.message_id) for p in stored] == [(PEER, 10)]
    # The author only as a keyed hash, the text sealed at rest, without phone or e-mail.
    assert stored[0].author_hash == ctx.hasher.digest("user4242", "outreach-author")
    assert b"haven" not in bytes(raw[0][0])
    assert b"12345678" not in bytes(raw[0][0])
    assert "user4242" not in raw[0][1]
    rows = await reads.items(ctx, olga)
    assert rows.total == 1
    shown = await reads.item(ctx, olga, rows.items[0].id)
    assert shown.text is not None
    assert "12345678" not in shown.text
    assert "werk@example.nl" not in shown.text
    assert "haven" in shown.text
    # Highlights land on the terms in the stored, redacted text.
    marked = {shown.text[h.start : h.end].casefold() for h in shown.highlights}
    assert {"snel geld", "klusje", "vandaag"} <= marked
    assert sum(c.points for c in shown.contributions) == pytest.approx(shown.score)
    trend = await reads.trend(ctx, olga, days=3)
    assert (trend.scanned[-1], trend.matched[-1]) == (2, 1)
    assert trend.days[-1] == ctx.today()


async def test_export_and_live_are_one_identity(ctx: Context) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    await watchlist(ctx, olga)
    await actions.ingest(ctx, src.id, [post(20, AD)], provenance="export")
    again = await actions.ingest(ctx, src.id, [post(20, AD)], provenance="live", last_seen_id=20)
    assert (again.stored, again.known) == (0, 1)
    async with ctx.read() as session:
        stored = (await session.scalars(select(Stored))).all()
        item = (await session.scalars(select(Item))).one()
    assert [(p.message_id, p.provenance) for p in stored] == [(20, "export,live")]
    assert item.count == 1
    listed = await reads.sources(ctx, olga)
    assert (listed[0].state, listed[0].last_seen_id, listed[0].matched_posts) == ("ok", 20, 1)


async def test_one_ad_posted_45_times_is_one_item(ctx: Context, clock: FrozenClock) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    other = await source(ctx, olga, username="werk_zuid", peer_id=-1005550001)
    await watchlist(ctx, olga)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    decorations = ["", " 🔥", " 💰💰", "!!", " ✅"]
    for batch in range(3):
        posts = [
            post(
                100 + n,
                f"{decorations[n % 5]}Snel geld verdienen? Klusje in de haven, vandaag nog,"
                f" 16+ welkom. Betaling €{50 + n * 10} per dag. Stuur een DM{decorations[n % 3]}",
                at=start + timedelta(hours=n),
            )
            for n in range(batch * 15, batch * 15 + 15)
        ]
        await actions.ingest(ctx, src.id, posts)
    # A different ad, also matching, stays its own item, even in another source.
    await actions.ingest(
        ctx,
        other.id,
        [post(1, "Woning nodig voor opslag, snel geld, vandaag, 16+", peer_id=-1005550001)],
    )
    rows = (await reads.items(ctx, olga, sort="recent")).items
    assert sorted(r.count for r in rows) == [1, 45]
    big = next(r for r in rows if r.count == 45)
    assert big.first_seen == start
    assert big.last_seen == start + timedelta(hours=44)
    shown = await reads.item(ctx, olga, big.id)
    assert len(shown.posts) == 20
    assert shown.posts[0].message_id == 144
    assert [(s.username, s.count) for s in shown.sources] == [("klusjes_rdam", 45)]


async def test_triage_moves_through_its_states_with_history_and_audit(ctx: Context) -> None:
    olga = await outreach_staff(ctx)
    piet = await outreach_staff(ctx, "piet")
    counselor = await principal(ctx, "carla", ["counselor"])
    src = await source(ctx, olga)
    await watchlist(ctx, olga)
    await actions.ingest(ctx, src.id, [post(30, AD)])
    item_id = (await reads.items(ctx, olga)).items[0].id
    with pytest.raises(Conflict):
        await actions.set_state(ctx, olga, item_id, "contacted")
    await actions.set_state(ctx, olga, item_id, "in_review")
    await actions.assign(ctx, olga, item_id, piet.user_id)
    with pytest.raises(Invalid):
        await actions.assign(ctx, olga, item_id, counselor.user_id)
    with pytest.raises(NotFound):
        await actions.set_state(ctx, counselor, item_id, "dismissed")
    await actions.set_state(ctx, piet, item_id, "dismissed", "geen werving")
    assert (await reads.items(ctx, olga)).total == 0
    assert (await reads.items(ctx, olga, state="dismissed")).total == 1
    assert (await reads.items(ctx, piet, state="all", assignee="me")).total == 1
    await actions.set_state(ctx, olga, item_id, "in_review")
    shown = await reads.item(ctx, olga, item_id)
    assert [h.what for h in shown.history] == [
        "new -> in_review",
        "assigned to piet",
        "in_review -> dismissed: geen werving",
        "dismissed -> in_review",
    ]
    assert shown.assignee is not None
    assert shown.assignee.name == "piet"
    logged = [a for a in await audit_actions(ctx) if a[0].startswith("outreach.item.")]
    subject = f"outreach-item:{item_id}"
    assert logged == [
        ("outreach.item.state", subject),
        ("outreach.item.assign", subject),
        ("outreach.item.state", subject),
        ("outreach.item.state", subject),
        ("outreach.item.view", subject),
    ]


async def test_an_action_with_a_tracking_link_counts_its_chat_for_the_campaign(
    ctx: Context,
) -> None:
    olga = await outreach_staff(ctx)
    ada = await principal(ctx, "ada", ["analyst"])
    today = ctx.today()
    campaign = await campaigns.create(
        ctx,
        ada,
        CampaignIn(
            name="Outreach Telegram",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=1),
            channels=[ChannelIn(name="Telegram DM")],
        ),
    )
    src = await source(ctx, olga)
    await watchlist(ctx, olga)
    await actions.ingest(ctx, src.id, [post(40, AD)])
    item_id = (await reads.items(ctx, olga)).items[0].id
    picks = await reads.channels(ctx, olga)
    assert [p.campaign for p in picks] == ["Outreach Telegram"]
    action = await actions.add_action(
        ctx,
        olga,
        item_id,
        ActionIn(
            kind="dm_sent",
            note="DM gestuurd, hij belde terug op 0612345678",
            channel_id=picks[0].id,
        ),
    )
    shown = await reads.action(ctx, action.id)
    assert "0612345678" not in shown.note
    assert shown.channel is not None
    assert shown.channel.link == picks[0].link
    with pytest.raises(Invalid):
        await actions.add_action(ctx, olga, item_id, ActionIn(kind="referral", channel_id=9999))
    # The youth opens the link from the DM and starts a chat: a direct chat of the campaign.
    code = shown.channel.link.removeprefix("/c/")
    channel_id = await campaigns.channel_for(ctx, code)
    await chat.start_conversation(ctx, None, visitor="jongere", channel_id=channel_id)
    report = await reports.compute(ctx, ReportRequest(campaign_id=campaign.id))
    figures = {f.key: f.n for f in report.figures()}
    assert figures["chats.direct"] == 1
    assert (await reads.items(ctx, olga)).items[0].actions == 1
