"""Reading a Telegram Desktop JSON export (`result.json`) as a stream of posts.

Exports run to gigabytes, so the file is never loaded: ijson's C parser hands over events
one at a time and only the message being read is held. Every generation of the format is
read the same way: `text` as a string or a list of runs, `text_entities` (tdesktop 4.1.2+),
`from_id` as a bare integer (before 2.7.2) or as "user123", and `date` with or without
`date_unixtime` (before 3.7.6 only the exporting PC's local time, without an offset).
The format is tdesktop's `export_output_json.cpp`; see docs/outreach-guide.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

import ijson

from keerpunt.core.errors import Invalid
from keerpunt.outreach.posts import Post

PUBLIC_TYPES = {"public_channel", "public_supergroup"}
# Dialog types whose messages live in a Telegram channel (broadcast or supergroup): the
# live client names those peers -100<id>, a basic group -<id> and a user <id>.
CHANNEL_TYPES = {"public_channel", "private_channel", "public_supergroup", "private_supergroup"}
BROADCAST_TYPES = {"public_channel", "private_channel"}
# Where a dialog object sits: the root of a one-chat export, or an item of the full
# export's chat lists.
_CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
_FROM_ID = re.compile(r"(user|channel|chat)(\d+)")
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ExportedChat:
    peer_id: int
    name: str | None
    type: str

    @property
    def public(self) -> bool:
        return self.type in PUBLIC_TYPES


@dataclass
class ReadCounts:
    """What reading an export found, and what it skipped and why."""

    messages: int = 0  # posts handed out
    service: int = 0  # joins, pins and other service entries
    unsupported: int = 0  # entries this tdesktop could not export
    chats: int = 0  # chats whose messages were read
    skipped_chats: int = 0  # chats the `chats` filter passed over
    skipped_messages: int = 0  # entries of the skipped chats
    tz_uncertain: int = 0  # posts dated by local time only (exports before 2022-06)
    bytes: int = 0


def marked_peer_id(bare_id: int, chat_type: str) -> int:
    """The live client's peer id for an export's bare dialog id."""
    if chat_type in CHANNEL_TYPES:
        return -(10**12 + bare_id)
    if chat_type == "private_group":
        return -bare_id
    return bare_id


class _Reader:
    """The file as ijson reads it, counting bytes for the progress bar."""

    def __init__(self, raw: IO[bytes], head: bytes, progress: Callable[[int], None] | None):
        self._raw = raw
        self._head = head
        self._progress = progress
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            # ijson asks for nothing first, to learn whether the file gives bytes or str.
            return b""
        if self._head:
            data, self._head = self._head, b""
        else:
            data = self._raw.read(size if size and size > 0 else _CHUNK)
        self.done += len(data)
        if self._progress is not None and data:
            self._progress(self.done)
        return data


def _sniff(raw: IO[bytes]) -> bytes:
    """The first bytes, checked to be the start of a JSON object (BOM dropped)."""
    head = raw.read(4096)
    if not isinstance(head, bytes):
        raise Invalid("the export must be opened as a binary file")
    start = head.removeprefix(b"\xef\xbb\xbf")
    first = start.lstrip()[:1]
    if not first:
        raise Invalid("the file is empty: not a Telegram Desktop JSON export")
    if first == b"<":
        raise Invalid(
            "this is an HTML export: export again with the format 'Machine-readable JSON'"
        )
    if first != b"{":
        raise Invalid("not a Telegram Desktop JSON export (it does not start with '{')")
    return start


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"not a Telegram Desktop export: unreadable date {text[:40]!r}") from None
    # Without an offset this is the exporting PC's local time; it is read as UTC and the
    # post flagged, rather than guessed at.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _from_unix(text: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(text), UTC)
    except (ValueError, OverflowError):
        raise Invalid(f"not a Telegram Desktop export: unreadable time {text[:40]!r}") from None


class _Message:
    """The fields of one message being read; everything else in it is passed over."""

    __slots__ = (
        "date",
        "edited",
        "edited_unix",
        "entities",
        "from_id",
        "id",
        "run_text",
        "run_type",
        "runs",
        "text",
        "type",
        "unix",
    )

    def __init__(self) -> None:
        self.id: int | None = None
        self.type = ""
        self.date: str | None = None
        self.unix: str | None = None
        self.edited: str | None = None
        self.edited_unix: str | None = None
        self.from_id: object = None
        # `text` as one string, or its runs as (type, text) pairs ("plain" for strings).
        self.text: str | None = None
        self.runs: list[tuple[str, str]] | None = None
        # `text_entities`, when the export has them (tdesktop 4.1.2+).
        self.entities: list[tuple[str, str]] | None = None
        self.run_type = "plain"
        self.run_text = ""


def _author(from_id: object, chat: ExportedChat, bare_id: int) -> str | None:
    if isinstance(from_id, str):
        return from_id if _FROM_ID.fullmatch(from_id) else None
    if isinstance(from_id, int) and not isinstance(from_id, bool):
        # Before tdesktop 2.7.2 `from_id` was a bare number without its kind: a channel
        # (or an anonymous supergroup admin) posts under the chat's own id, anyone else
        # is a user.
        if chat.type in CHANNEL_TYPES and from_id == bare_id:
            return f"channel{from_id}"
        return f"user{from_id}"
    return None


def _post(msg: _Message, chat: ExportedChat, bare_id: int, counts: ReadCounts) -> Post:
    if msg.id is None:
        raise Invalid("not a Telegram Desktop export: a message without an id")
    if msg.unix is not None:
        posted_at, uncertain = _from_unix(msg.unix), False
    elif msg.date is not None:
        posted_at, uncertain = _parse_time(msg.date), True
        counts.tz_uncertain += 1
    else:
        raise Invalid(f"not a Telegram Desktop export: message {msg.id} has no date")
    if msg.edited_unix is not None:
        edited_at: datetime | None = _from_unix(msg.edited_unix)
    elif msg.edited is not None:
        edited_at = _parse_time(msg.edited)
    else:
        edited_at = None
    runs = msg.entities if msg.entities is not None else msg.runs
    if runs is not None:
        text = "".join(part for _, part in runs)
        entities = tuple((kind, part) for kind, part in runs if kind != "plain")
    else:
        text, entities = msg.text or "", ()
    return Post(
        peer_id=chat.peer_id,
        message_id=msg.id,
        posted_at=posted_at,
        text=text,
        tz_uncertain=uncertain,
        edited_at=edited_at,
        author=_author(msg.from_id, chat, bare_id),
        entities=entities,
    )


def read_export(
    source: Path | BinaryIO,
    counts: ReadCounts | None = None,
    progress: Callable[[int], None] | None = None,
    chats: Callable[[ExportedChat], bool] | None = None,
) -> Iterator[tuple[ExportedChat, Post]]:
    """Stream the posts of a Telegram Desktop JSON export, oldest first within each chat.

    Both layouts are read: one chat at the root, or a full export whose `chats.list` and
    `left_chats.list` hold the chats. Service and unsupported entries are skipped and
    counted in `counts`. `progress(n)` gets the bytes read so far; `chats(chat)` says
    whether to read a chat's messages (False passes over them without building any).
    Raises Invalid with a one-line reason for a file that is not such an export."""
    counts = counts if counts is not None else ReadCounts()
    if isinstance(source, Path):
        try:
            handle: IO[bytes] = source.open("rb")
        except OSError as exc:
            raise Invalid(f"cannot open {source}: {exc.strerror}") from None
        with handle:
            yield from _read(handle, counts, progress, chats)
    else:
        yield from _read(source, counts, progress, chats)


def _read(
    raw: IO[bytes],
    counts: ReadCounts,
    progress: Callable[[int], None] | None,
    want: Callable[[ExportedChat], bool] | None,
) -> Iterator[tuple[ExportedChat, Post]]:
    reader = _Reader(raw, _sniff(raw), progress)
    events = ijson.parse(reader, buf_size=_CHUNK, use_float=True)
    try:
        yield from _walk(events, counts, want)
    except ijson.JSONError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "malformed JSON"
        raise Invalid(f"not a valid JSON export (at byte {reader.done}): {reason}") from None
    finally:
        counts.bytes = reader.done


def _walk(
    events: Iterator[tuple[str, str, Any]],
    counts: ReadCounts,
    want: Callable[[ExportedChat], bool] | None,
) -> Iterator[tuple[ExportedChat, Post]]:
    seen_messages = False
    # The dialog being read: its fields arrive before its `messages` (tdesktop writes
    # name, type and id first).
    base = ""
    name: str | None = None
    chat_type = ""
    bare_id: int | None = None
    # Inside a chat's `messages` array: the prefixes of the fields we read.
    in_messages = False
    reading = False
    chat: ExportedChat | None = None
    p_messages = p_item = p_id = p_type = p_date = p_unix = p_edited = p_edited_unix = ""
    p_from = p_text = p_text_item = p_run_type = p_run_text = p_entity = ""
    p_entity_type = p_entity_text = p_entities = ""
    msg: _Message | None = None

    for prefix, event, value in events:
        if in_messages:
            if msg is not None:
                if prefix == p_item and event == "end_map":
                    kind = msg.type
                    if kind == "message":
                        counts.messages += 1
                        assert chat is not None
                        assert bare_id is not None
                        yield chat, _post(msg, chat, bare_id, counts)
                    elif kind == "service":
                        counts.service += 1
                    else:
                        counts.unsupported += 1
                    msg = None
                elif prefix == p_text_item:
                    if event == "string":
                        assert msg.runs is not None
                        msg.runs.append(("plain", value))
                    elif event == "start_map":
                        msg.run_type, msg.run_text = "plain", ""
                    elif event == "end_map":
                        assert msg.runs is not None
                        msg.runs.append((msg.run_type, msg.run_text))
                elif prefix == p_entity:
                    if event == "start_map":
                        msg.run_type, msg.run_text = "plain", ""
                    elif event == "end_map":
                        assert msg.entities is not None
                        msg.entities.append((msg.run_type, msg.run_text))
                elif event == "string":
                    if prefix in (p_run_type, p_entity_type):
                        msg.run_type = value
                    elif prefix in (p_run_text, p_entity_text):
                        msg.run_text = value
                    elif prefix == p_text:
                        msg.text = value
                    elif prefix == p_type:
                        msg.type = value
                    elif prefix == p_unix:
                        msg.unix = value
                    elif prefix == p_date:
                        msg.date = value
                    elif prefix == p_from:
                        msg.from_id = value
                    elif prefix == p_edited_unix:
                        msg.edited_unix = value
                    elif prefix == p_edited:
                        msg.edited = value
                elif event == "number":
                    if prefix == p_id:
                        msg.id = int(value)
                    elif prefix == p_from:
                        msg.from_id = int(value)
                    elif prefix == p_unix:
                        # Not seen from tdesktop (it writes a string), but harmless.
                        msg.unix = str(int(value))
                elif event == "start_array":
                    if prefix == p_text:
                        msg.runs = []
                    elif prefix == p_entities:
                        msg.entities = []
            elif prefix == p_item and event == "start_map":
                if reading:
                    msg = _Message()
                else:
                    counts.skipped_messages += 1
            elif prefix == p_messages and event == "end_array":
                in_messages = False
            continue

        if event == "start_map" and prefix in _CHAT_PREFIXES:
            base, name, chat_type, bare_id = prefix, None, "", None
            continue
        if not prefix.startswith(base):
            continue
        key = prefix[len(base) + 1 :] if base else prefix
        if key == "name" and event == "string":
            name = value
        elif key == "type" and event == "string":
            chat_type = value
        elif key == "id" and event == "number":
            bare_id = int(value)
        elif key == "messages":
            if event != "start_array":
                raise Invalid("not a Telegram Desktop export: 'messages' is not a list")
            if bare_id is None:
                raise Invalid("not a Telegram Desktop export: a chat without an id")
            seen_messages = True
            chat = ExportedChat(
                peer_id=marked_peer_id(bare_id, chat_type), name=name, type=chat_type
            )
            reading = want(chat) if want is not None else True
            if reading:
                counts.chats += 1
            else:
                counts.skipped_chats += 1
            in_messages = True
            p_messages = prefix
            p_item = f"{prefix}.item"
            p_id, p_type = f"{p_item}.id", f"{p_item}.type"
            p_date, p_unix = f"{p_item}.date", f"{p_item}.date_unixtime"
            p_edited, p_edited_unix = f"{p_item}.edited", f"{p_item}.edited_unixtime"
            p_from, p_text = f"{p_item}.from_id", f"{p_item}.text"
            p_text_item = f"{p_text}.item"
            p_run_type, p_run_text = f"{p_text_item}.type", f"{p_text_item}.text"
            p_entities = f"{p_item}.text_entities"
            p_entity = f"{p_entities}.item"
            p_entity_type, p_entity_text = f"{p_entity}.type", f"{p_entity}.text"

    if not seen_messages:
        raise Invalid(
            "no messages in this file: not a Telegram Desktop chat export "
            "(export a chat, or the account with 'Personal chats'/'Public channels' ticked)"
        )
