"""Outreach: the public Telegram sources watched, the watchlist of terms and its versions,
the posts that matched (only those: what does not match is counted and dropped), the
items near-duplicate posts collapse into, their triage history and actions, the daily
counts behind the trends, and suggested new terms.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from keerpunt.db.base import Base, BigId
from keerpunt.db.types import EncryptedText, UTCDateTime
from keerpunt.privacy.crypto import Sealed

POST_AAD = "outreach-post:{peer_id}:{message_id}"

# Source states: resolved by the collector, or an export's peer id given at creation.
WAITING, OK, BACKOFF, UNAVAILABLE = "waiting", "ok", "backoff", "unavailable"
# Item states; the first two are "open": their text outlives the retention period.
NEW, IN_REVIEW, DISMISSED, ESCALATED, CONTACTED = (
    "new",
    "in_review",
    "dismissed",
    "escalated",
    "contacted",
)
OPEN_STATES = (NEW, IN_REVIEW)
ITEM_STATES = (NEW, IN_REVIEW, DISMISSED, ESCALATED, CONTACTED)


class Source(Base):
    """A public channel or supergroup, watched for a recorded purpose someone approved."""

    __tablename__ = "outreach_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # "channel" | "supergroup", once resolved.
    kind: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # Telegram's marked peer id (-100<id>) and the access hash: resolved once, then reused.
    peer_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    access_hash: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    purpose: Mapped[str] = mapped_column(Text)
    dpia_ref: Mapped[str] = mapped_column(String(120))
    approved_by: Mapped[str] = mapped_column(String(120))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(12), default=WAITING)
    # The collector's checkpoint: moved in the transaction that stores the batch.
    last_seen_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why the source waits (a flood wait) or is unavailable.
    note: Mapped[str] = mapped_column(String(300), default="")


class Term(Base):
    """A watchlist term. Never deleted (matches refer to it): switched off instead."""

    __tablename__ = "outreach_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(20))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ListVersion(Base):
    """One row per change of the watchlist: every match records the version it ran under,
    and a process rebuilds its matcher when the newest version moved."""

    __tablename__ = "outreach_list_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    what: Mapped[str] = mapped_column(String(300))


class Item(Base):
    """What triage works on: one post, or many near-duplicates of it."""

    __tablename__ = "outreach_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(12), default=NEW, index=True)
    score: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    source_id: Mapped[int] = mapped_column(ForeignKey("outreach_sources.id"))
    # The post shown for the item: its text, highlights and score. No foreign key, as the
    # post refers to its item.
    post_id: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The representative post's MinHash, to measure a candidate's similarity.
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Post(Base):
    """A post that matched, stored once under Telegram's identity (peer_id, message_id)."""

    __tablename__ = "outreach_posts"
    __table_args__ = (UniqueConstraint("peer_id", "message_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    peer_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    source_id: Mapped[int] = mapped_column(ForeignKey("outreach_sources.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outreach_items.id"), index=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The author only as a keyed hash ("outreach-author").
    author_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The redacted text; None once the purge deleted it.
    text: Mapped[Sealed | None] = mapped_column(EncryptedText(aad=POST_AAD), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scorer_version: Mapped[str] = mapped_column(String(40))
    list_version: Mapped[int] = mapped_column(Integer)
    # "export", "live" or "export,live": where it arrived from.
    provenance: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def aad(self) -> bytes:
        return post_aad(self.peer_id, self.message_id)


def post_aad(peer_id: int, message_id: int) -> bytes:
    return POST_AAD.format(peer_id=peer_id, message_id=message_id).encode()


class Hit(Base):
    """One match of a term in a stored post: the span is in the post's redacted text."""

    __tablename__ = "outreach_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("outreach_posts.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("outreach_terms.id"), index=True)
    term: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    list_version: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(12))
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)


class Band(Base):
    """Locality-sensitive hashing bands of each item's MinHash: items that share a band
    are the candidates a new post is compared with, found by a query in any process."""

    __tablename__ = "outreach_bands"

    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outreach_items.id"), primary_key=True)


class Daily(Base):
    """Counts per day: `measure` is "term", "category", "source" (matches, raw and
    unique: each item once a day), "scanned" or "matched" (per source)."""

    __tablename__ = "outreach_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    raw: Mapped[int] = mapped_column(Integer, default=0)
    unique: Mapped[int] = mapped_column(Integer, default=0)


class HistoryEntry(Base):
    __tablename__ = "outreach_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outreach_items.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    what: Mapped[str] = mapped_column(String(300))


class Action(Base):
    """What outreach did about an item; a campaign channel's link makes a chat that
    follows count as that campaign's."""

    __tablename__ = "outreach_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outreach_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # Redacted on save.
    note: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_channels.id"), nullable=True
    )
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Suggestion(Base):
    """A word that keeps appearing beside known terms: a person approves it into the
    watchlist, or rejects it."""

    __tablename__ = "outreach_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(60), unique=True)
    category_hint: Mapped[str | None] = mapped_column(String(20), nullable=True)
    cooccurs_with: Mapped[list[str]] = mapped_column(JSON, default=list)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    # "open", "approved", "rejected"
    state: Mapped[str] = mapped_column(String(10), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
