"""The live collector: new posts of the approved public sources, polled with Telethon.

Telegram punishes impolite clients with flood waits of hours and bans, and resolves
usernames only a few hundred times a day per account, so the collector:
- resolves a source's username once and keeps its (peer id, access hash) in the
  database; from then on it builds the input peer itself;
- reads each source from its checkpoint (`min_id`, oldest first), one request of at most
  `batch` posts at a time, and stores each batch together with the new checkpoint in one
  transaction (`CollectorStore.ingest`): a crash between two batches leaves neither a gap
  nor a duplicate, and the next run starts where the last stored batch ended;
- takes turns between the due sources, one request each, under a global cap on requests
  per minute (history requests and the rare resolutions alike), so one busy channel
  neither starves the others nor floods the account;
- on a flood wait reschedules only the source that got it; a wait above
  `pause_above_seconds` pauses the whole collector, since it means the account is
  being throttled as a whole;
- reads text only: media is never downloaded (groups can carry abuse material).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from telethon import TelegramClient, errors, utils
from telethon.sessions import StringSession
from telethon.tl import types

from keerpunt.core.clock import Clock
from keerpunt.core.errors import Invalid
from keerpunt.outreach.posts import Post

log = logging.getLogger(__name__)

# Telegram hands out at most this many messages per history request.
MAX_BATCH = 100
# What makes a source unreadable for good (until someone looks at it), as the stable
# reason handed to `CollectorStore.unavailable` (the pages word it in Dutch). Such a
# source is not retried on every pass.
UNAVAILABLE_REASONS: dict[type[Exception], str] = {
    errors.ChannelPrivateError: "private",  # or this account was banned from it
    errors.ChannelInvalidError: "invalid",
    errors.ChannelBannedError: "banned",
    errors.ChannelPublicGroupNaError: "invalid",
    errors.ChatForbiddenError: "private",
    errors.UsernameNotOccupiedError: "username_not_found",
    errors.UsernameInvalidError: "username_not_found",
}
NOT_A_CHANNEL = "not_a_channel"
USERNAME_MOVED = "username_moved"
_NEVER = datetime.min.replace(tzinfo=UTC)
# A Telegram error on one source not listed above: that source waits this long.
ERROR_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class SourceState:
    source_id: int
    username: str
    peer_id: int | None
    access_hash: int | None
    last_seen_id: int
    next_run_at: datetime | None


class CollectorStore(Protocol):
    async def sources(self) -> list[SourceState]:
        """The active sources (not unavailable, not retired)."""
        ...

    async def resolved(
        self, source_id: int, peer_id: int, access_hash: int, title: str | None, kind: str
    ) -> None:
        """Keep what the one resolution told: the peer, its access hash, the channel's
        title and whether it is a "channel" or a "supergroup"."""

    async def ingest(self, source_id: int, posts: Sequence[Post], last_seen_id: int) -> None:
        """Store a batch and move the source's checkpoint to last_seen_id in ONE
        transaction (so a crash never leaves a gap or a duplicate)."""
        ...

    async def backoff(self, source_id: int, until: datetime, reason: str) -> None:
        """Do not read the source before `until` (its `next_run_at`)."""
        ...

    async def unavailable(self, source_id: int, reason: str) -> None:
        """The source is gone or private: stop reading it until someone looks."""
        ...


class TelegramLike(Protocol):
    """The part of `telethon.TelegramClient` the collector uses."""

    async def get_input_entity(self, peer: Any) -> Any: ...

    async def get_entity(self, entity: Any) -> Any: ...

    def iter_messages(self, entity: Any, limit: int | None = ..., **kwargs: Any) -> Any: ...


@dataclass
class RunReport:
    """What one pass did."""

    sources: int = 0  # due sources visited
    requests: int = 0  # history requests sent
    resolved: int = 0  # usernames resolved (once per source, ever)
    posts: int = 0  # posts handed to the store
    skipped: int = 0  # service messages passed over
    backoffs: dict[int, datetime] = field(default_factory=dict)  # source id -> until
    unavailable: dict[int, str] = field(default_factory=dict)  # source id -> reason
    # The cap on requests per minute was reached: the pass stopped, go on at this time.
    throttled_until: datetime | None = None
    # A flood wait above the cap paused everything until then.
    paused_until: datetime | None = None
    pause_reason: str | None = None
    # When the next source is due, when all due ones caught up.
    next_at: datetime | None = None


class _Window:
    """A sliding window of the last request times. Not the `limits` package: that counts
    on the wall clock, and this one runs on the injected clock, so tests never sleep."""

    def __init__(self, limit: int, clock: Clock) -> None:
        self._limit = limit
        self._clock = clock
        self._times: deque[datetime] = deque()

    def free_at(self) -> datetime | None:
        """None when a request may go now, else the time one may."""
        now = self._clock.now()
        while self._times and now - self._times[0] >= timedelta(minutes=1):
            self._times.popleft()
        if len(self._times) < self._limit:
            return None
        return self._times[0] + timedelta(minutes=1)

    def take(self) -> None:
        self._times.append(self._clock.now())


def client_from_settings(session: str, api_id: int, api_hash: str) -> TelegramClient:
    """A client on a session string kept as a secret (it is as good as a password)."""
    try:
        stored = StringSession(session)
    except ValueError:
        # Never echo the value: it is a secret.
        raise Invalid("the Telegram session string is not valid; log in again") from None
    return TelegramClient(
        stored,
        api_id,
        api_hash,
        # Telethon sleeps through short flood waits by itself; anything longer than this
        # comes back to the collector, which reschedules just that source.
        flood_sleep_threshold=5,
        # A polling collector: no update loop for chats it is not in anyway.
        receive_updates=False,
        request_retries=3,
        connection_retries=3,
        auto_reconnect=True,
    )


async def connect(client: Any) -> None:
    """Connect on the stored session, never logging in: a collector that asked for a phone
    number (or logged in again and again) would earn flood waits of hours. The session
    string is made once, by hand, and kept as a secret."""
    await client.connect()
    if not await client.is_user_authorized():
        await client.disconnect()
        raise Invalid("the Telegram session is not logged in: make a new session string")


def _peer_name(peer: object) -> str | None:
    if isinstance(peer, types.PeerUser):
        return f"user{peer.user_id}"
    if isinstance(peer, types.PeerChannel):
        return f"channel{peer.channel_id}"
    if isinstance(peer, types.PeerChat):
        return f"chat{peer.chat_id}"
    return None


# Telethon's entity classes under the names a Telegram Desktop export gives them, so a
# post reads the same from either side.
_ENTITY_NAMES = {
    "MessageEntityUnknown": "unknown",
    "MessageEntityMention": "mention",
    "MessageEntityHashtag": "hashtag",
    "MessageEntityBotCommand": "bot_command",
    "MessageEntityUrl": "link",
    "MessageEntityEmail": "email",
    "MessageEntityBold": "bold",
    "MessageEntityItalic": "italic",
    "MessageEntityCode": "code",
    "MessageEntityPre": "pre",
    "MessageEntityTextUrl": "text_link",
    "MessageEntityMentionName": "mention_name",
    "InputMessageEntityMentionName": "mention_name",
    "MessageEntityPhone": "phone",
    "MessageEntityCashtag": "cashtag",
    "MessageEntityUnderline": "underline",
    "MessageEntityStrike": "strikethrough",
    "MessageEntityBlockquote": "blockquote",
    "MessageEntityBankCard": "bank_card",
    "MessageEntitySpoiler": "spoiler",
    "MessageEntityCustomEmoji": "custom_emoji",
}


def post_from_message(peer_id: int, message: Any) -> Post:
    """A Telethon message as a post: its text and entities only, never its media."""
    author = _peer_name(message.from_id)
    if author is None and message.post:
        # A channel post without a signature is the channel's own, as in an export.
        author = _peer_name(message.peer_id)
    posted_at: datetime = message.date
    edited_at: datetime | None = message.edit_date
    entities = tuple(
        (_ENTITY_NAMES.get(type(entity).__name__, "unknown"), text)
        # get_entities_text cuts on UTF-16 offsets, as Telegram counts them.
        for entity, text in (message.get_entities_text() if message.entities else ())
    )
    return Post(
        peer_id=peer_id,
        message_id=message.id,
        posted_at=_utc(posted_at),
        text=message.raw_text or "",
        edited_at=_utc(edited_at) if edited_at is not None else None,
        author=author,
        entities=entities,
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Pause(Exception):
    def __init__(self, seconds: int, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason


class Collector:
    def __init__(
        self,
        client: TelegramLike,
        store: CollectorStore,
        clock: Clock,
        *,
        requests_per_minute: int = 20,
        pause_above_seconds: int = 600,
        batch: int = MAX_BATCH,
        poll_seconds: int = 300,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError("requests_per_minute must be at least 1")
        self._client = client
        self._store = store
        self._clock = clock
        self._window = _Window(requests_per_minute, clock)
        self._pause_above = pause_above_seconds
        # More than Telegram's page size would make one call several requests.
        self._batch = max(1, min(batch, MAX_BATCH))
        self._poll = poll_seconds
        self.paused_until: datetime | None = None
        self._asked_at: dict[int, datetime] = {}
        self._caught_up_at: dict[int, datetime] = {}

    async def run_once(self) -> RunReport:
        """One pass: the due sources take turns, one request each per round, the least
        recently asked first, until each has caught up, the cap on requests per minute
        is reached, or a long flood wait pauses the collector."""
        report = RunReport()
        now = self._clock.now()
        if self.paused_until is not None:
            if now < self.paused_until:
                report.paused_until = self.paused_until
                return report
            self.paused_until = None
        active = await self._store.sources()
        due = sorted(
            (s for s in active if self._due_at(s) <= now),
            key=lambda s: self._asked_at.get(s.source_id, _NEVER),
        )
        report.sources = len(due)
        states = {s.source_id: s for s in due}
        turn = list(states)
        try:
            while turn:
                later: list[int] = []
                for source_id in turn:
                    free_at = self._window.free_at()
                    if free_at is not None:
                        report.throttled_until = free_at
                        return report
                    self._asked_at[source_id] = self._clock.now()
                    state = await self._step(states[source_id], report)
                    if state is not None:
                        states[source_id] = state
                        later.append(source_id)
                turn = later
        except _Pause as pause:
            self.paused_until = self._clock.now() + timedelta(seconds=pause.seconds)
            report.paused_until = self.paused_until
            report.pause_reason = pause.reason
            log.warning(
                "outreach collector paused until %s: %s",
                self.paused_until.isoformat(),
                pause.reason,
            )
            return report
        ahead = [self._due_at(s) for s in active if s.source_id not in report.unavailable]
        ahead = [at for at in ahead if at > self._clock.now()]
        for source_id, until in report.backoffs.items():
            ahead.append(until)
            self._caught_up_at.pop(source_id, None)
        report.next_at = min(ahead, default=None)
        return report

    def _due_at(self, state: SourceState) -> datetime:
        """When a source is next read: after its backoff, and a poll interval after it
        last caught up (in this process; a restart reads every source once)."""
        due = state.next_run_at or _NEVER
        caught_up = self._caught_up_at.get(state.source_id)
        if caught_up is not None:
            due = max(due, caught_up + timedelta(seconds=self._poll))
        return due

    async def _step(self, state: SourceState, report: RunReport) -> SourceState | None:
        """One request for one source. The source's new state when it has more to read,
        None when it caught up or cannot go on now."""
        source_id = state.source_id
        try:
            if state.peer_id is None or state.access_hash is None:
                # The resolution is this source's request for this round.
                state = await self._resolve(state, report)
                return None if state.peer_id is None else state
            assert state.peer_id is not None
            assert state.access_hash is not None
            channel_id, _ = utils.resolve_id(state.peer_id)
            peer = types.InputPeerChannel(channel_id=channel_id, access_hash=state.access_hash)
            self._window.take()
            report.requests += 1
            posts: list[Post] = []
            last_seen = state.last_seen_id
            fetched = 0
            async for message in self._messages(peer, state.last_seen_id):
                fetched += 1
                if message.id <= last_seen:
                    continue
                last_seen = message.id
                if getattr(message, "action", None) is not None:
                    report.skipped += 1
                    continue
                posts.append(post_from_message(state.peer_id, message))
            if last_seen > state.last_seen_id:
                await self._store.ingest(source_id, posts, last_seen)
                report.posts += len(posts)
            if fetched < self._batch:
                self._caught_up_at[source_id] = self._clock.now()
                return None
            return replace(state, last_seen_id=last_seen)
        except errors.FloodError as exc:
            seconds = int(getattr(exc, "seconds", 0) or ERROR_BACKOFF_SECONDS)
            reason = f"flood wait of {seconds} s on @{state.username}"
            until = self._clock.now() + timedelta(seconds=seconds)
            await self._store.backoff(source_id, until, reason)
            report.backoffs[source_id] = until
            if seconds > self._pause_above:
                raise _Pause(seconds, reason) from None
            log.info("outreach source %s: %s", source_id, reason)
            return None
        except tuple(UNAVAILABLE_REASONS) as exc:
            reason = next(r for t, r in UNAVAILABLE_REASONS.items() if isinstance(exc, t))
            await self._mark_unavailable(state, reason, report)
            return None
        except (errors.UnauthorizedError, errors.AuthKeyError):
            # The session is dead or revoked: nothing to retry, someone has to log in.
            raise
        except errors.RPCError as exc:
            reason = f"telegram error {exc.code} {exc.message} on @{state.username}"
            until = self._clock.now() + timedelta(seconds=ERROR_BACKOFF_SECONDS)
            await self._store.backoff(source_id, until, reason)
            report.backoffs[source_id] = until
            log.warning("outreach source %s: %s", source_id, reason)
            return None

    def _messages(self, peer: types.InputPeerChannel, after: int) -> AsyncIterator[Any]:
        # wait_time=0: the pacing is ours (the per-minute cap), not Telethon's.
        iterator: AsyncIterator[Any] = self._client.iter_messages(
            peer, limit=self._batch, min_id=after, reverse=True, wait_time=0
        )
        return iterator

    async def _resolve(self, state: SourceState, report: RunReport) -> SourceState:
        self._window.take()
        report.resolved += 1
        try:
            # The full entity costs the same one request as the input peer, and also
            # names the channel and says whether it is a group.
            entity = await self._client.get_entity(state.username)
        except ValueError:
            # Telethon's answer when the name resolves to nothing it can use.
            await self._mark_unavailable(state, "username_not_found", report)
            return state
        if not isinstance(entity, types.Channel) or entity.access_hash is None:
            # A person or a basic group: never a source (the sources page refuses them,
            # but a username can change hands).
            await self._mark_unavailable(state, NOT_A_CHANNEL, report)
            return state
        peer_id = utils.get_peer_id(entity)
        if state.peer_id is not None and peer_id != state.peer_id:
            # The source was approved as the channel with this id (known from an export);
            # the username now names another one, which nobody approved.
            await self._mark_unavailable(state, USERNAME_MOVED, report)
            return replace(state, peer_id=None)
        kind = "supergroup" if entity.megagroup else "channel"
        await self._store.resolved(
            state.source_id, peer_id, entity.access_hash, entity.title or None, kind
        )
        return replace(state, peer_id=peer_id, access_hash=entity.access_hash)

    async def _mark_unavailable(self, state: SourceState, reason: str, report: RunReport) -> None:
        await self._store.unavailable(state.source_id, reason)
        report.unavailable[state.source_id] = reason
        log.warning(
            "outreach source %s (@%s) unavailable: %s", state.source_id, state.username, reason
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop` is set. A crash inside a pass (a lost connection)
        is logged and the next pass resumes from the stored checkpoints."""
        while not stop.is_set():
            try:
                report = await self.run_once()
            except (errors.UnauthorizedError, errors.AuthKeyError):
                log.error("outreach collector stopped: the Telegram session is no longer valid")
                raise
            except Exception:
                log.exception("outreach collector pass failed; retrying after a pause")
                report = RunReport(throttled_until=self._clock.now() + timedelta(seconds=60))
            now = self._clock.now()
            wake = (
                report.paused_until
                or report.throttled_until
                or report.next_at
                or now + timedelta(seconds=self._poll)
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(1.0, (wake - now).total_seconds()))
