"""The live collector against a fake Telegram (the one fake: Telegram's servers cannot
exist here). The fake hands out real Telethon messages and raises real Telethon errors;
the store is an in-memory CollectorStore that refuses a duplicate or a checkpoint that
goes back, as the database does."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telethon import errors, utils
from telethon.sessions import StringSession
from telethon.tl.types import Channel as TgChannel
from telethon.tl.types import (
    ChatPhotoEmpty,
    InputPeerChannel,
    InputPeerUser,
    Message,
    MessageActionPinMessage,
    MessageEntityBold,
    MessageEntityPhone,
    MessageMediaPhoto,
    MessageService,
    PeerChannel,
    PeerUser,
    Photo,
    User,
)

from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Invalid
from keerpunt.outreach.collector import (
    Collector,
    RunReport,
    SourceState,
    client_from_settings,
    connect,
)
from keerpunt.outreach.posts import Post

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Channel:
    username: str
    channel_id: int
    access_hash: int
    messages: list[Any] = field(default_factory=list)
    # Raise on the next history request (then behave again).
    fail_next: Exception | None = None
    private: bool = False
    title: str = "Een kanaal"
    megagroup: bool = False


def posts(channel_id: int, first: int, last: int) -> list[Any]:
    """Messages first..last; every tenth a service message (a pin)."""
    made: list[Any] = []
    for i in range(first, last + 1):
        when = T0 - timedelta(days=1) + timedelta(minutes=i)
        if i % 10 == 0:
            made.append(
                MessageService(
                    id=i,
                    peer_id=PeerChannel(channel_id),
                    date=when,
                    action=MessageActionPinMessage(),
                )
            )
        else:
            made.append(
                Message(
                    id=i,
                    peer_id=PeerChannel(channel_id),
                    date=when,
                    message=f"bericht {i}",
                    from_id=PeerUser(5550000 + i % 3),
                )
            )
    return made


class FakeTelegram:
    """Just enough of TelegramClient: name resolution and message history."""

    def __init__(self, clock: FrozenClock, *channels: Channel) -> None:
        self.clock = clock
        self.by_name = {c.username: c for c in channels}
        self.by_id = {c.channel_id: c for c in channels}
        self.resolves: Counter[str] = Counter()
        self.history: list[tuple[datetime, str]] = []  # (when, username) per request
        self.resolve_as_user: set[str] = set()
        # Die (a lost connection, a killed process) after handing out this many messages.
        self.die_after: int | None = None
        self.handed_out = 0

    async def get_input_entity(self, peer: Any) -> Any:
        if isinstance(peer, InputPeerChannel):
            return peer
        entity = await self.get_entity(peer)
        if isinstance(entity, TgChannel):
            return InputPeerChannel(channel_id=entity.id, access_hash=entity.access_hash)
        return InputPeerUser(user_id=entity.id, access_hash=entity.access_hash)

    async def get_entity(self, entity: Any) -> Any:
        # What Telegram's ResolveUsername answers: the full chat or user.
        self.resolves[entity] += 1
        if entity in self.resolve_as_user:
            return User(id=777, access_hash=1, first_name="Iemand")
        channel = self.by_name.get(entity)
        if channel is None:
            raise errors.UsernameNotOccupiedError(request=None)
        return TgChannel(
            id=channel.channel_id,
            title=channel.title,
            photo=ChatPhotoEmpty(),
            date=T0,
            access_hash=channel.access_hash,
            megagroup=channel.megagroup,
        )

    def iter_messages(self, entity: Any, limit: int | None = None, **kwargs: Any) -> Any:
        return self._history(entity, limit, **kwargs)

    async def _history(
        self, entity: Any, limit: int | None, *, min_id: int = 0, reverse: bool = False, **_: Any
    ) -> AsyncIterator[Any]:
        # The collector must never make Telegram resolve a name again: only a stored peer.
        assert isinstance(entity, InputPeerChannel)
        assert reverse, "oldest first"
        assert limit is not None
        assert limit <= 100, "one request each"
        channel = self.by_id[entity.channel_id]
        if entity.access_hash != channel.access_hash:
            raise errors.ChannelInvalidError(request=None)
        self.history.append((self.clock.now(), channel.username))
        if channel.fail_next is not None:
            failure, channel.fail_next = channel.fail_next, None
            raise failure
        if channel.private:
            raise errors.ChannelPrivateError(request=None)
        for message in [m for m in channel.messages if m.id > min_id][:limit]:
            if self.die_after is not None and self.handed_out >= self.die_after:
                raise ConnectionError("connection lost")
            self.handed_out += 1
            yield message


class MemoryStore:
    """The database side, in memory, as strict as the real one."""

    def __init__(self, *sources: SourceState) -> None:
        self.states = {s.source_id: s for s in sources}
        self.active = set(self.states)
        self.posts: dict[tuple[int, int], Post] = {}
        self.ingests: list[tuple[int, int, int]] = []  # (source, posts, checkpoint)
        self.described: dict[int, tuple[str | None, str]] = {}  # (title, kind) on resolving
        self.backoffs: list[tuple[int, datetime, str]] = []
        self.gone: dict[int, str] = {}
        self.resolutions: list[int] = []
        self.on_ingest: Any = None

    async def sources(self) -> list[SourceState]:
        return [s for i, s in self.states.items() if i in self.active]

    async def resolved(
        self, source_id: int, peer_id: int, access_hash: int, title: str | None, kind: str
    ) -> None:
        self.resolutions.append(source_id)
        self.described[source_id] = (title, kind)
        self.states[source_id] = replace(
            self.states[source_id], peer_id=peer_id, access_hash=access_hash
        )

    async def ingest(self, source_id: int, posts: Sequence[Post], last_seen_id: int) -> None:
        state = self.states[source_id]
        assert last_seen_id > state.last_seen_id, "a checkpoint never goes back"
        for post in posts:
            key = (post.peer_id, post.message_id)
            assert key not in self.posts, f"duplicate {key}"
            assert state.last_seen_id < post.message_id <= last_seen_id
            self.posts[key] = post
        self.states[source_id] = replace(state, last_seen_id=last_seen_id)
        self.ingests.append((source_id, len(posts), last_seen_id))
        if self.on_ingest is not None:
            self.on_ingest()

    async def backoff(self, source_id: int, until: datetime, reason: str) -> None:
        self.backoffs.append((source_id, until, reason))
        self.states[source_id] = replace(self.states[source_id], next_run_at=until)

    async def unavailable(self, source_id: int, reason: str) -> None:
        self.gone[source_id] = reason
        self.active.discard(source_id)

    def message_ids(self, channel_id: int) -> list[int]:
        peer = utils.get_peer_id(PeerChannel(channel_id))
        return sorted(m for p, m in self.posts if p == peer)


def source(source_id: int, username: str, *, resolved: Channel | None = None) -> SourceState:
    return SourceState(
        source_id=source_id,
        username=username,
        peer_id=utils.get_peer_id(PeerChannel(resolved.channel_id)) if resolved else None,
        access_hash=resolved.access_hash if resolved else None,
        last_seen_id=0,
        next_run_at=None,
    )


def expected(first: int, last: int) -> list[int]:
    return [i for i in range(first, last + 1) if i % 10 != 0]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


async def test_new_posts_are_read_oldest_first_in_batches_with_their_checkpoint(
    clock: FrozenClock,
) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 250))
    store = MemoryStore(source(1, "klusjes_zuid"))
    collector = Collector(FakeTelegram(clock, a), store, clock, batch=100)

    report = await collector.run_once()

    # Each batch is stored with its checkpoint; the pins are passed over but counted in
    # the checkpoint, so they are not asked for again.
    assert [(n, last) for _, n, last in store.ingests] == [(90, 100), (90, 200), (45, 250)]
    assert store.message_ids(a.channel_id) == expected(1, 250)
    assert (report.posts, report.skipped, report.requests) == (225, 25, 3)

    # A source that caught up is asked again a poll interval later, from its checkpoint.
    a.messages += posts(a.channel_id, 251, 260)
    assert (await collector.run_once()).requests == 0
    clock.advance(300)
    await collector.run_once()
    assert store.message_ids(a.channel_id) == expected(1, 260)
    assert store.states[1].last_seen_id == 260


async def test_a_post_keeps_its_text_entities_and_author_but_not_its_media(
    clock: FrozenClock,
) -> None:
    channel_id = 1400000001
    text = "💸 SNEL geld, bel 0612345678"
    ad = Message(
        id=1,
        peer_id=PeerChannel(channel_id),
        date=T0,
        message=text,
        # Offsets count UTF-16 units, as Telegram does: the emoji is two of them.
        entities=[MessageEntityBold(offset=3, length=4), MessageEntityPhone(offset=18, length=10)],
        media=MessageMediaPhoto(photo=Photo(1, 2, b"", T0, [], 2)),
        from_id=PeerUser(5550123),
        edit_date=T0 + timedelta(minutes=5),
    )
    # A channel's own post has no sender: it is the channel's.
    notice = Message(
        id=2, peer_id=PeerChannel(channel_id), date=T0, message="mededeling", post=True
    )
    a = Channel("klusjes_zuid", channel_id, 9001, [ad, notice])
    store = MemoryStore(source(1, "klusjes_zuid"))
    # FakeTelegram has no download method at all: touching media would fail loudly.
    await Collector(FakeTelegram(clock, a), store, clock).run_once()

    peer = utils.get_peer_id(PeerChannel(channel_id))
    first = store.posts[(peer, 1)]
    assert first == Post(
        peer_id=-1001400000001,
        message_id=1,
        posted_at=T0,
        text=text,
        edited_at=T0 + timedelta(minutes=5),
        author="user5550123",
        entities=(("bold", "SNEL"), ("phone", "0612345678")),
    )
    assert store.posts[(peer, 2)].author == "channel1400000001"


async def test_a_restart_after_a_crash_leaves_no_gap_and_no_duplicate(clock: FrozenClock) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 250))
    store = MemoryStore(source(1, "klusjes_zuid"))
    dying = FakeTelegram(clock, a)
    dying.die_after = 130  # in the middle of the third batch of 50

    with pytest.raises(ConnectionError):
        await Collector(dying, store, clock, batch=50).run_once()
    assert store.states[1].last_seen_id == 100
    assert store.message_ids(a.channel_id) == expected(1, 100)

    # A new process: a new client, the same database.
    await Collector(FakeTelegram(clock, a), store, clock, batch=50).run_once()
    # The store refuses duplicates; every post is there exactly once.
    assert store.message_ids(a.channel_id) == expected(1, 250)
    assert store.states[1].last_seen_id == 250


async def test_a_username_is_resolved_once_per_source_ever(clock: FrozenClock) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    b = Channel("bijbaan_west", 1500000002, 9002, posts(1500000002, 1, 5))
    b.title, b.megagroup = "Bijbaan West", True
    store = MemoryStore(source(1, "klusjes_zuid"), source(2, "bijbaan_west"))
    fake = FakeTelegram(clock, a, b)

    for _ in range(3):
        # A new collector each time, as after a restart: the stored peer is enough.
        await Collector(fake, store, clock).run_once()
        a.messages += posts(a.channel_id, len(a.messages) + 1, len(a.messages) + 3)

    assert fake.resolves == Counter({"klusjes_zuid": 1, "bijbaan_west": 1})
    assert store.resolutions == [1, 2]
    assert store.states[1].peer_id == -1001400000001
    assert store.states[1].access_hash == 9001
    # The one resolution also named each source and said what it is.
    assert store.described == {1: ("Een kanaal", "channel"), 2: ("Bijbaan West", "supergroup")}
    assert len(fake.history) == 6


async def test_a_flood_wait_on_one_source_delays_only_that_source(clock: FrozenClock) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    b = Channel("bijbaan_west", 1500000002, 9002, posts(1500000002, 1, 5))
    a.fail_next = errors.FloodWaitError(request=None, capture=120)
    store = MemoryStore(
        source(1, "klusjes_zuid", resolved=a), source(2, "bijbaan_west", resolved=b)
    )
    fake = FakeTelegram(clock, a, b)
    collector = Collector(fake, store, clock, poll_seconds=30)

    report = await collector.run_once()
    assert report.backoffs == {1: T0 + timedelta(seconds=120)}
    assert report.paused_until is None
    assert store.message_ids(b.channel_id) == expected(1, 5)
    assert store.message_ids(a.channel_id) == []
    assert store.backoffs[0][:2] == (1, T0 + timedelta(seconds=120))

    # A minute later A still waits, and is not even asked.
    clock.advance(60)
    b.messages += posts(b.channel_id, 6, 7)
    asked = len(fake.history)
    await collector.run_once()
    assert [name for _, name in fake.history[asked:]] == ["bijbaan_west"]
    assert store.message_ids(b.channel_id) == expected(1, 7)

    clock.advance(61)
    await collector.run_once()
    assert store.message_ids(a.channel_id) == expected(1, 5)


async def test_a_long_flood_wait_pauses_the_collector_and_says_so(
    clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    b = Channel("bijbaan_west", 1500000002, 9002, posts(1500000002, 1, 5))
    a.fail_next = errors.FloodWaitError(request=None, capture=3600)
    store = MemoryStore(
        source(1, "klusjes_zuid", resolved=a), source(2, "bijbaan_west", resolved=b)
    )
    fake = FakeTelegram(clock, a, b)
    collector = Collector(fake, store, clock, pause_above_seconds=600)

    with caplog.at_level(logging.WARNING, logger="keerpunt.outreach.collector"):
        report = await collector.run_once()

    resume = T0 + timedelta(hours=1)
    assert report.paused_until == collector.paused_until == resume
    assert report.pause_reason is not None
    assert "3600" in report.pause_reason
    assert any("paused" in r.getMessage() for r in caplog.records)
    # Nothing else was asked once the account was told to wait.
    assert [name for _, name in fake.history] == ["klusjes_zuid"]

    clock.advance(1800)
    asked = len(fake.history)
    report = await collector.run_once()
    assert report.paused_until == resume
    assert len(fake.history) == asked

    clock.set(resume)
    report = await collector.run_once()
    assert report.paused_until is None
    assert collector.paused_until is None
    assert store.message_ids(a.channel_id) == expected(1, 5)
    assert store.message_ids(b.channel_id) == expected(1, 5)


async def test_the_cap_on_requests_per_minute_holds_across_sources(clock: FrozenClock) -> None:
    channels = [
        Channel(f"bron_{i}", 1400000000 + i, 9000 + i, posts(1400000000 + i, 1, 25))
        for i in range(5)
    ]
    store = MemoryStore(*(source(i, c.username) for i, c in enumerate(channels)))
    fake = FakeTelegram(clock, *channels)
    collector = Collector(fake, store, clock, requests_per_minute=4, batch=10)

    first = await collector.run_once()
    # Four requests, and the sources took turns: four resolutions of different sources.
    assert first.throttled_until == T0 + timedelta(minutes=1)
    assert len(fake.resolves) == 4
    assert fake.history == []

    reports: list[RunReport] = [first]
    while reports[-1].throttled_until is not None:
        clock.set(reports[-1].throttled_until)
        reports.append(await collector.run_once())
        assert len(reports) < 20

    for c in channels:
        assert store.message_ids(c.channel_id) == expected(1, 25)
    # 5 resolutions and 3 history requests per source (10 + 10 + 5 messages).
    assert sum(fake.resolves.values()) == 5
    assert len(fake.history) == 15
    # In no minute more than four history requests (the resolutions count too).
    times = sorted(when for when, _ in fake.history)
    for start in times:
        assert sum(1 for t in times if start <= t < start + timedelta(minutes=1)) <= 4


async def test_private_or_missing_sources_are_marked_unavailable(clock: FrozenClock) -> None:
    gone_private = Channel("werd_prive", 1400000001, 9001, private=True)
    ok = Channel("bijbaan_west", 1500000002, 9002, posts(1500000002, 1, 5))
    store = MemoryStore(
        source(1, "bestaat_niet"),
        source(2, "werd_prive"),
        source(3, "een_persoon"),
        source(4, "bijbaan_west"),
    )
    fake = FakeTelegram(clock, gone_private, ok)
    fake.resolve_as_user.add("een_persoon")

    report = await Collector(fake, store, clock).run_once()

    assert store.gone == {
        1: "username_not_found",
        2: "private",
        3: "not_a_channel",
    }
    assert report.unavailable == store.gone
    assert store.message_ids(ok.channel_id) == expected(1, 5)
    # Unavailable sources are not tried again.
    asked = len(fake.history) + sum(fake.resolves.values())
    await Collector(fake, store, clock).run_once()
    assert len(fake.history) + sum(fake.resolves.values()) == asked + 1


async def test_a_source_known_from_an_export_is_read_only_if_its_username_still_fits(
    clock: FrozenClock,
) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    b = Channel("bijbaan_west", 1500000002, 9002, posts(1500000002, 1, 5))
    # Both were added with the peer id of an export, before any resolution; the second
    # username has since passed to another channel.
    known = replace(source(1, "klusjes_zuid"), peer_id=-1001400000001, last_seen_id=3)
    moved = replace(source(2, "bijbaan_west"), peer_id=-1001999999999)
    store = MemoryStore(known, moved)
    fake = FakeTelegram(clock, a, b)

    report = await Collector(fake, store, clock).run_once()

    assert store.states[1].access_hash == 9001
    # Read on from the export's last post.
    assert store.message_ids(a.channel_id) == [4, 5]
    assert report.unavailable == {2: "username_moved"}
    assert store.resolutions == [1]
    assert [name for _, name in fake.history] == ["klusjes_zuid"]


async def test_another_telegram_error_backs_off_that_source(clock: FrozenClock) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    b = Channel("bijbaan_west", 1500000002, 9002, posts(1500000002, 1, 5))
    a.fail_next = errors.RPCError(request=None, message="INTERNAL", code=500)
    store = MemoryStore(
        source(1, "klusjes_zuid", resolved=a), source(2, "bijbaan_west", resolved=b)
    )

    report = await Collector(FakeTelegram(clock, a, b), store, clock).run_once()

    assert list(report.backoffs) == [1]
    assert store.message_ids(b.channel_id) == expected(1, 5)
    assert 1 not in store.gone


async def test_a_dead_session_stops_the_collector(clock: FrozenClock) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    a.fail_next = errors.AuthKeyUnregisteredError(request=None)
    store = MemoryStore(source(1, "klusjes_zuid", resolved=a))

    with pytest.raises(errors.AuthKeyUnregisteredError):
        await Collector(FakeTelegram(clock, a), store, clock).run(asyncio.Event())


async def test_run_goes_on_until_stopped(clock: FrozenClock) -> None:
    a = Channel("klusjes_zuid", 1400000001, 9001, posts(1400000001, 1, 5))
    store = MemoryStore(source(1, "klusjes_zuid"))
    stop = asyncio.Event()
    store.on_ingest = stop.set

    await asyncio.wait_for(Collector(FakeTelegram(clock, a), store, clock).run(stop), timeout=5)
    assert store.message_ids(a.channel_id) == expected(1, 5)


async def test_the_client_comes_from_a_session_string() -> None:
    client = client_from_settings(StringSession().save(), 12345, "0" * 32)
    # Only short waits are slept through inside Telethon; longer ones reach the collector.
    assert client.flood_sleep_threshold <= 60
    with pytest.raises(Invalid, match="session"):
        client_from_settings("not a session", 12345, "0" * 32)


async def test_a_session_that_is_not_logged_in_is_refused_without_a_login() -> None:
    class LoggedOut:
        def __init__(self) -> None:
            self.calls: list[str] = []

        async def connect(self) -> None:
            self.calls.append("connect")

        async def is_user_authorized(self) -> bool:
            return False

        async def disconnect(self) -> None:
            self.calls.append("disconnect")

    client = LoggedOut()
    with pytest.raises(Invalid, match="not logged in"):
        await connect(client)
    # No sign_in, no send_code_request: only connect and hang up.
    assert client.calls == ["connect", "disconnect"]
