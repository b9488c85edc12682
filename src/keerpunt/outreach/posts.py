"""A post read from a public Telegram source, the same whether it came from a Telegram
Desktop export or from the live collector, so both sides map to one identity
(`peer_id`, `message_id`) and each post is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Post:
    # Telegram's marked peer id (`telethon.utils.get_peer_id`): -100<id> for channels and
    # supergroups, as the live client reports it; an export's bare dialog id maps to it.
    peer_id: int
    message_id: int
    # UTC. An export made before Telegram Desktop 3.7.6 has only the exporting PC's local
    # time without an offset: read as UTC and flagged.
    posted_at: datetime
    text: str
    tz_uncertain: bool = False
    edited_at: datetime | None = None
    # Who wrote it, as Telegram names it ("user123", "channel123"); stored only as a keyed
    # hash, and never at all when there is no match.
    author: str | None = None
    # Telegram's own entities as (type, text) pairs: phone, email and bank_card ones are
    # redacted before anything is stored.
    entities: tuple[tuple[str, str], ...] = ()
