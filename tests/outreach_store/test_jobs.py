"""The purge, trends and suggestions, the command line import, and the live collector on
the real database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from telethon import errors
from telethon.tl.types import Message, PeerChannel, PeerUser
from typer.testing import CliRunner

from keerpunt import cli
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import NotFound
from keerpunt.outreach import actions, jobs, reads, trends
from keerpunt.outreach.collector import Collector
from keerpunt.outreach.models import Item, Source, Suggestion
from keerpunt.outreach.models import Post as Stored
from keerpunt.outreach.schemas import ApproveIn
from tests.outreach_collect.test_collector import Channel, FakeTelegram
from tests.outreach_store.helpers import outreach_staff, post, source, watchlist

AD = "Snel geld met een klusje in de haven, vandaag nog, 16+ welkom. Stuur een DM."
OTHER = "Vandaag een klusje: pakketje wegbrengen met je scooter, snel geld, 16+."
THIRD = "Klusje: een pakketje met de scooter naar Rotterdam, vandaag nog snel geld, 16+ kan ook."


async def test_the_purge_deletes_old_text_unless_an_open_item_holds_it(
    ctx: Context, clock: FrozenClock
) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    await watchlist(ctx, olga)
    then = clock.now()
    await actions.ingest(ctx, src.id, [post(1, AD, at=then), post(2, OTHER, at=then)])
    rows = (await reads.items(ctx, olga, sort="recent")).items
    assert len(rows) == 2
    done, kept = rows
    await actions.set_state(ctx, olga, done.id, "in_review")
    await actions.set_state(ctx, olga, done.id, "dismissed")
    clock.advance(timedelta(days=29).total_seconds())
    assert (await jobs.purge(ctx)).posts == 0
    clock.advance(timedelta(days=2).total_seconds())
    async with ctx.read() as session:
        once = (await session.scalars(select(Suggestion).where(Suggestion.count < 2))).all()
    assert once
    purged = await jobs.purge(ctx)
    assert purged.posts == 1
    # Words seen beside terms once, long ago, are forgotten with the text.
    async with ctx.read() as session:
        assert (await session.scalars(select(Suggestion).where(Suggestion.count < 2))).all() == []
    assert purged.cutoff == clock.now() - timedelta(days=30)
    gone = await reads.item(ctx, olga, done.id)
    assert (gone.text, gone.highlights, gone.count) == (None, [], 1)
    assert (await reads.item(ctx, olga, kept.id)).text is not None
    # Counts stay for the trends.
    trend = await reads.trend(ctx, olga, days=40)
    assert sum(trend.matched) == 2
    # Once a day, whoever asks first.
    assert await jobs.purge_if_due(ctx) is not None
    assert await jobs.purge_if_due(ctx) is None


def test_a_term_rises_far_above_its_baseline() -> None:
    quiet = [1, 0, 2, 1, 1, 0, 1] * 4
    assert trends.rising([*quiet, 9]) == (True, pytest.approx(6 / 7))
    assert trends.rising([*quiet, 3])[0] is False
    # From nothing to a few is not yet a rise: at least five.
    assert trends.rising([0] * 28 + [4])[0] is False
    assert trends.rising([0] * 28 + [5])[0] is True
    assert trends.candidates(
        "Bel [telefoon] voor de scooter klus!", trends.term_words(["klus"])
    ) == {"scooter"}


async def test_trends_count_raw_and_unique_and_flag_a_rise(
    ctx: Context, clock: FrozenClock
) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    ids = await watchlist(ctx, olga)
    today = clock.now()
    quiet = [post(1000 + d, AD, at=today - timedelta(days=d)) for d in range(1, 29, 7)]
    await actions.ingest(ctx, src.id, quiet)
    burst = [post(n, f"{AD} {'!' * n}", at=today) for n in range(1, 7)]
    await actions.ingest(ctx, src.id, burst)
    trend = await reads.trend(ctx, olga)
    klusje = next(s for s in trend.series if s.term_id == ids["klusje"])
    # Six posts today, all one item: raw 6, unique 1.
    assert (klusje.raw[-1], klusje.unique[-1]) == (6, 1)
    assert klusje.rising is True
    assert trend.series[0].rising is True
    money = next(c for c in trend.categories if c.category == "money")
    assert money.raw[-1] == 6
    assert trend.sources[0].raw[-1] == 6


async def test_suggested_words_enter_the_watchlist_only_when_approved(ctx: Context) -> None:
    olga = await outreach_staff(ctx)
    src = await source(ctx, olga)
    await watchlist(ctx, olga)
    await actions.ingest(ctx, src.id, [post(1, OTHER), post(2, THIRD)])
    suggested = {s.text: s for s in await reads.suggestions(ctx, olga)}
    scooter = suggested["scooter"]
    assert scooter.count == 2
    assert "klusje" in scooter.cooccurs_with
    version = (await reads.terms(ctx, olga)).version
    term = await actions.approve_suggestion(
        ctx, olga, scooter.id, ApproveIn(kind="exact", category="job")
    )
    listed = await reads.terms(ctx, olga)
    assert listed.version == version + 1
    assert [t.text for t in listed.terms if t.id == term.id] == ["scooter"]
    assert "scooter" not in {s.text for s in await reads.suggestions(ctx, olga)}
    other = next(iter(s for s in await reads.suggestions(ctx, olga)))
    await actions.reject_suggestion(ctx, olga, other.id)
    with pytest.raises(NotFound):
        await actions.reject_suggestion(ctx, olga, other.id)


def _export(path: Path, at: datetime) -> Path:
    def message(i: int, body: str) -> dict[str, object]:
        return {
            "id": i,
            "type": "message",
            "date": at.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(at.timestamp())),
            "from": "Iemand",
            "from_id": "user5550123",
            "text": body,
            "text_entities": [{"type": "plain", "text": body}],
        }

    chats = [
        {
            "name": "Klusjes Rotterdam",
            "type": "public_channel",
            "id": 1234567,
            "messages": [
                message(1, AD),
                message(2, "Wie heeft er zin in een potje voetbal?"),
                {"id": 3, "type": "service", "date": "2026-12-05T10:00:00", "action": "pin"},
                message(4, OTHER),
            ],
        },
        {
            "name": "Onbekend kanaal",
            "type": "public_channel",
            "id": 7654321,
            "messages": [message(1, AD)],
        },
        {"name": "Collega", "type": "personal_chat", "id": 5550901, "messages": [message(9, AD)]},
    ]
    path.write_text(json.dumps({"chats": {"about": "", "list": chats}}))
    return path


def test_the_import_command_reads_registered_sources_only(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.encryption_keys is not None
    assert settings.session_secret is not None
    monkeypatch.setenv("KEERPUNT_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("KEERPUNT_ENCRYPTION_KEYS", settings.encryption_keys.get_secret_value())
    monkeypatch.setenv("KEERPUNT_SESSION_SECRET", settings.session_secret.get_secret_value())
    monkeypatch.setenv("KEERPUNT_ENV", "production")
    runner = CliRunner()
    added = runner.invoke(
        cli.app,
        [
            "outreach", "sources", "add", "--username", "https://t.me/klusjes_rdam",
            "--purpose", "Werving voor klusjes volgen", "--dpia-ref", "DPIA-7",
            "--approved-by", "FG", "--peer-id", "-1000001234567",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    refused = runner.invoke(
        cli.app,
        [
            "outreach", "sources", "add", "--username", "t.me/+geheim", "--purpose",
            "Werving voor klusjes volgen", "--dpia-ref", "D", "--approved-by", "FG",
        ],
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "invite link" in refused.output
    loaded = runner.invoke(cli.app, ["outreach", "terms", "load"])
    assert loaded.exit_code == 0, loaded.output
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    export = _export(tmp_path / "result.json", at)
    done = runner.invoke(cli.app, ["outreach", "import", str(export)])
    assert done.exit_code == 0, done.output
    assert "read 3 posts from 1 chats; 2 matched, 2 stored" in done.output
    assert "skipped Onbekend kanaal: a public chat that is no registered source" in done.output
    assert "--peer-id -1000007654321" in done.output
    assert "skipped Collega: private chat: never read" in done.output
    again = runner.invoke(cli.app, ["outreach", "import", str(export)])
    assert "2 matched, 0 stored (2 stored already)" in again.output
    listed = runner.invoke(cli.app, ["outreach", "sources", "list"])
    assert listed.output.split() == ["klusjes_rdam", "waiting", "-1000001234567", "2", "matched"]

    async def described() -> tuple[str | None, str | None]:
        ctx = build_context(settings)
        try:
            async with ctx.read() as session:
                row = (await session.scalars(select(Source))).one()
                return row.title, row.kind
        finally:
            await ctx.close()

    # The export named the source.
    assert asyncio.run(described()) == ("Klusjes Rotterdam", "channel")
    purged = runner.invoke(cli.app, ["outreach", "purge"])
    assert "deleted the text of 0 outreach posts" in purged.output
    retention = runner.invoke(cli.app, ["retention", "run"])
    assert retention.exit_code == 0, retention.output
    assert "deleted the text of 0 outreach posts posted before" in retention.output
    missing = runner.invoke(cli.app, ["outreach", "collect", "--once"])
    assert missing.exit_code == 2
    assert "no Telegram session is configured" in missing.output
    # Logging in needs the collector's app first, and never replaces a session silently.
    no_app = runner.invoke(cli.app, ["outreach", "login"])
    assert no_app.exit_code == 2
    assert "set KEERPUNT_TELEGRAM_API_ID and KEERPUNT_TELEGRAM_API_HASH first" in no_app.output
    monkeypatch.setenv("KEERPUNT_TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("KEERPUNT_TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("KEERPUNT_TELEGRAM_SESSION", "1" + "A" * 352)
    again_login = runner.invoke(cli.app, ["outreach", "login"])
    assert again_login.exit_code == 2
    assert "a Telegram session is configured already" in again_login.output


def _messages(channel_id: int, first: int, last: int) -> list[Message]:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return [
        Message(
            id=i,
            peer_id=PeerChannel(channel_id),
            date=start + timedelta(minutes=i),
            message=f"{AD} ({i})" if i % 2 else f"Gewoon bericht nummer {i} over het weer",
            from_id=PeerUser(5550000 + i % 3),
        )
        for i in range(first, last + 1)
    ]


async def test_the_collector_resumes_after_a_crash_without_gap_or_duplicate(
    ctx: Context, clock: FrozenClock
) -> None:
    olga = await outreach_staff(ctx)
    await source(ctx, olga, username="klusjes_rdam", peer_id=None)  # type: ignore[arg-type]
    await watchlist(ctx, olga)
    channel = Channel("klusjes_rdam", 1234567, 99887766, _messages(1234567, 1, 250))
    channel.title, channel.megagroup = "Klusjes Rotterdam", True
    fake = FakeTelegram(clock, channel)
    fake.die_after = 130
    store = jobs.DatabaseCollectorStore(ctx)
    collector = Collector(fake, store, clock, batch=50)
    with pytest.raises(ConnectionError):
        await collector.run_once()
    async with ctx.read() as session:
        src = (await session.scalars(select(Source))).one()
        first = sorted((await session.scalars(select(Stored.message_id))).all())
    # Two whole batches were stored with their checkpoint; the third died with the run.
    assert (src.peer_id, src.access_hash, src.last_seen_id) == (-1000001234567, 99887766, 100)
    # The one resolution named the source on the sources page.
    assert (src.title, src.kind) == ("Klusjes Rotterdam", "supergroup")
    assert first == list(range(1, 100, 2))
    fake.die_after = None
    clock.advance(3600)
    await Collector(fake, store, clock, batch=50).run_once()
    async with ctx.read() as session:
        src = (await session.scalars(select(Source))).one()
        stored = sorted((await session.scalars(select(Stored.message_id))).all())
        items = (await session.scalars(select(Item))).all()
        raw = (await session.execute(text("SELECT count(*) FROM outreach_posts"))).scalar()
    assert src.last_seen_id == 250
    assert stored == list(range(1, 250, 2))
    assert raw == 125
    assert [i.count for i in items] == [125]
    assert fake.resolves["klusjes_rdam"] == 1


async def test_a_flood_wait_and_a_private_channel_show_on_the_sources_page(
    ctx: Context, clock: FrozenClock
) -> None:
    olga = await outreach_staff(ctx)
    await source(ctx, olga, username="klusjes_rdam", peer_id=None)  # type: ignore[arg-type]
    await source(ctx, olga, username="dicht_kanaal", peer_id=None)  # type: ignore[arg-type]
    busy = Channel("klusjes_rdam", 1234567, 1, _messages(1234567, 1, 5))
    busy.fail_next = errors.FloodWaitError(request=None, capture=120)
    closed = Channel("dicht_kanaal", 7654321, 2, private=True)
    fake = FakeTelegram(clock, busy, closed)
    await Collector(fake, jobs.DatabaseCollectorStore(ctx), clock).run_once()
    shown = {s.username: s for s in await reads.sources(ctx, olga)}
    assert shown["klusjes_rdam"].state == "backoff"
    assert shown["klusjes_rdam"].next_run_at == clock.now() + timedelta(seconds=120)
    assert shown["klusjes_rdam"].note
    assert shown["dicht_kanaal"].state == "unavailable"
    assert shown["dicht_kanaal"].note
    # The unavailable source is no longer read; the other is, once its wait is over.
    clock.advance(121)
    await Collector(fake, jobs.DatabaseCollectorStore(ctx), clock).run_once()
    shown = {s.username: s for s in await reads.sources(ctx, olga)}
    assert (shown["klusjes_rdam"].state, shown["klusjes_rdam"].last_seen_id) == ("ok", 5)
    assert shown["klusjes_rdam"].next_run_at is None
    assert shown["dicht_kanaal"].state == "unavailable"
