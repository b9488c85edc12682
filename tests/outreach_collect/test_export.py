"""Reading Telegram Desktop exports of every generation (the fixtures in exports/ are
invented, and shaped like tdesktop's own output of that time)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telethon import utils
from telethon.tl.types import PeerChannel, PeerChat, PeerUser

from keerpunt.core.errors import Invalid
from keerpunt.outreach.posts import Post
from keerpunt.outreach.telegram_export import ExportedChat, ReadCounts, marked_peer_id, read_export

EXPORTS = Path(__file__).parent / "exports"


def read(name: str, **kwargs: Any) -> tuple[list[tuple[ExportedChat, Post]], ReadCounts]:
    counts = ReadCounts()
    return list(read_export(EXPORTS / name, counts, **kwargs)), counts


def raw_messages(name: str) -> dict[tuple[int, int], dict[str, Any]]:
    """The fixture's messages by (bare chat id, message id), read whole (they are small)."""
    data = json.loads((EXPORTS / name).read_text(encoding="utf-8"))
    dialogs = [data] if "messages" in data else []
    for section in ("chats", "left_chats"):
        dialogs += data.get(section, {}).get("list", [])
    return {(d["id"], m["id"]): m for d in dialogs for m in d["messages"]}


def test_an_export_from_2020_with_integer_ids_and_local_times() -> None:
    posts, counts = read("single_2020.json")
    chat = posts[0][0]
    assert chat == ExportedChat(
        peer_id=-1001400000001, name="Klusjes Zuid (fictief)", type="public_channel"
    )
    assert chat.public
    assert [p.message_id for _, p in posts] == [2, 3, 5]
    assert (counts.messages, counts.service, counts.unsupported) == (3, 1, 1)

    first, second, forwarded = (p for _, p in posts)
    # No date_unixtime before tdesktop 3.7.6: the PC's local time, read as UTC and flagged.
    assert first.posted_at == datetime(2020, 11, 2, 9, 15, 30, tzinfo=UTC)
    assert first.tz_uncertain
    assert counts.tz_uncertain == 3
    # A bare integer from_id: the channel's own id is the channel, any other a user.
    assert first.author == "channel1400000001"
    assert forwarded.author == "user5550101"
    # `text` as a list of runs, without text_entities (before tdesktop 4.1.2).
    assert second.text == "Stuur een bericht naar @verzonnen_werkgever of bel 0612345678"
    assert second.entities == (("mention", "@verzonnen_werkgever"), ("phone", "0612345678"))
    assert second.edited_at == datetime(2020, 11, 2, 10, 5, tzinfo=UTC)
    # A photo without a caption is a post without text; the photo itself is never read.
    assert forwarded.text == ""


def test_an_export_from_2022_with_string_ids_and_text_entities() -> None:
    posts, counts = read("single_2022.json")
    assert {chat.peer_id for chat, _ in posts} == {-1001500000002}
    by_id = {p.message_id: p for _, p in posts}
    assert sorted(by_id) == [102, 103, 104]
    assert counts.service == 1
    assert by_id[102].posted_at == datetime.fromtimestamp(1664625780, UTC)
    assert not by_id[102].tz_uncertain
    assert (
        by_id[102].text
        == "Bijbaan! 16+ gezocht voor een klusje, info via https://example.invalid/werk"
    )
    assert by_id[102].entities == (("bold", "Bijbaan!"), ("link", "https://example.invalid/werk"))
    assert by_id[103].author == "user5550201"
    assert by_id[104].author == "channel1500000002"


def test_a_current_export_with_reactions_polls_and_buttons() -> None:
    posts, counts = read("single_current.json")
    by_id = {p.message_id: p for _, p in posts}
    assert sorted(by_id) == [5001, 5002, 5004]
    assert (counts.service, counts.unsupported) == (1, 1)
    ad = by_id[5001]
    assert ad.text.startswith("💸 SN3L G€LD \nZoek 2 jongens")
    assert ad.edited_at == datetime.fromtimestamp(1741971902, UTC)
    # The personal-data entities come through, so they can be redacted before storage.
    kinds = dict(ad.entities)
    assert kinds["email"] == "werk@example.invalid"
    assert kinds["bank_card"] == "4111 1111 1111 1111"
    # Reactions, buttons and poll answers carry `text` and `from_id` keys of their own;
    # none of them leak into the post.
    assert ad.author == "user5550302"
    assert "Aanmelden" not in ad.text
    assert by_id[5002].text == ""
    # Mathematical bold letters stay as written: normalising them is the matcher's job.
    assert by_id[5004].text == "w0n1ng nodig 🏠 \U0001d42c\U0001d427\U0001d41e\U0001d425"


@pytest.mark.parametrize(
    "name", ["single_2020.json", "single_2022.json", "single_current.json", "full_export.json"]
)
def test_the_text_is_the_joined_text_entities(name: str) -> None:
    raw = raw_messages(name)
    posts, _ = read(name)
    assert posts
    for chat, post in posts:
        bare, _ = utils.resolve_id(chat.peer_id)
        message = raw[(bare, post.message_id)]
        if "text_entities" in message:
            assert post.text == "".join(e["text"] for e in message["text_entities"])
        elif isinstance(message["text"], str):
            assert post.text == message["text"]
        else:
            assert post.text == "".join(
                r if isinstance(r, str) else r["text"] for r in message["text"]
            )


def test_a_full_export_reads_its_chats_and_left_chats() -> None:
    posts, counts = read("full_export.json")
    chats = {chat.peer_id: chat for chat, _ in posts}
    # The private chat is read too (the caller decides, see the next test); the basic
    # group has no messages and so yields nothing.
    assert sorted((c.type, c.name) for c in chats.values()) == [
        ("personal_chat", "Collega"),
        ("public_channel", "Haven Klussen (fictief)"),
        ("public_supergroup", "Woning Gezocht (fictief)"),
    ]
    assert counts.chats == 4
    assert counts.service == 1
    left = next(p for c, p in posts if c.name == "Woning Gezocht (fictief)")
    assert left.text == "Wie heeft een woning voor opslag? #snelgeld"
    assert left.entities == (("hashtag", "#snelgeld"),)


def test_a_chat_filter_skips_private_chats_without_reading_them() -> None:
    seen: list[ExportedChat] = []

    def public_only(chat: ExportedChat) -> bool:
        seen.append(chat)
        return chat.public

    posts, counts = read("full_export.json", chats=public_only)
    assert {c.type for c, _ in posts} == {"public_channel", "public_supergroup"}
    assert [c.type for c in seen] == [
        "personal_chat",
        "public_channel",
        "private_group",
        "public_supergroup",
    ]
    assert (counts.chats, counts.skipped_chats, counts.skipped_messages) == (2, 2, 1)
    assert counts.messages == 2
    assert all("privé" not in p.text for _, p in posts)


def test_export_ids_are_the_live_clients_peer_ids() -> None:
    posts, _ = read("full_export.json")
    by_type = {chat.type: chat.peer_id for chat, _ in posts}
    assert by_type["public_channel"] == utils.get_peer_id(PeerChannel(1600000004))
    assert by_type["public_supergroup"] == utils.get_peer_id(PeerChannel(1700000006))
    assert by_type["personal_chat"] == utils.get_peer_id(PeerUser(5550901))
    assert marked_peer_id(400000005, "private_group") == utils.get_peer_id(PeerChat(400000005))


def test_progress_reports_the_bytes_read() -> None:
    seen: list[int] = []
    size = (EXPORTS / "full_export.json").stat().st_size
    counts = ReadCounts()
    list(read_export(EXPORTS / "full_export.json", counts, progress=seen.append))
    assert seen == sorted(seen)
    assert seen[-1] == size == counts.bytes


def test_an_open_binary_file_is_read_too() -> None:
    data = (EXPORTS / "single_2022.json").read_bytes()
    posts = list(read_export(io.BytesIO(b"\xef\xbb\xbf" + data)))
    assert [p.message_id for _, p in posts] == [102, 103, 104]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"not json at all", "not a Telegram Desktop JSON export"),
        (b"<!DOCTYPE html>\n<html><head><title>Exported Data</title>", "HTML export"),
        (b'{"about": "Here is the data", "personal_information": {"user_id": 1}}', "no messages"),
        (
            b'{"name": "x", "type": "public_channel", "id": 1, "messages": [{"id": 1, "type": "m',
            "JSON",
        ),
        (b'{"name": "x", "type": "public_channel", "messages": []}', "without an id"),
        (b'{"name": "x", "type": "public_channel", "id": 1, "messages": {}}', "not a list"),
        (
            b'{"id": 1, "type": "public_channel", "messages": [{"id": 2, "type": "message"}]}',
            "no date",
        ),
        (b"[1, 2, 3]", "does not start with"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a Telegram Desktop JSON export"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_in_one_line(content: bytes, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        list(read_export(io.BytesIO(content)))
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="cannot open"):
        list(read_export(tmp_path / "result.json"))
