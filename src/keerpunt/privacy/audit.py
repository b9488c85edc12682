"""The access log: one hash-chained entry per staff read, search, export, merge, handover
step and deletion, written inside the transaction of the action it records.

Entries are only ever appended. Each hash covers the entry's fields and the hash of the
entry before it, so editing or removing a row breaks the chain from there on
(`verify_chain`). Writers take a lock first, so two transactions never both extend the
chain from the same entry: SQLite's writers are serialised already (BEGIN IMMEDIATE); on
PostgreSQL a transaction-scoped advisory lock does it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text

from keerpunt.accounts.principals import ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.context import Context, Tx
from keerpunt.privacy.models import AuditEntry
from keerpunt.privacy.tokens import same_secret

GENESIS = "0" * 64
# Any fixed number: the key of PostgreSQL's advisory lock for the chain.
CHAIN_LOCK = 7_513_2026
CHECKPOINT_EVENT = "audit checkpoint"
CHECKPOINT_PURPOSE = "audit-checkpoint"


def entry_hash(entry: AuditEntry) -> str:
    fields = {
        "at": entry.at.isoformat(),
        "user_id": entry.user_id,
        "role": entry.role,
        "action": entry.action,
        "outcome": entry.outcome,
        "conversation_id": entry.conversation_id,
        "subject": entry.subject,
        "purpose": entry.purpose,
        "count": entry.count,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record(
    ctx: Context,
    tx: Tx,
    actor: Principal | None,
    action: str,
    *,
    conversation: str | None = None,
    subject: str | None = None,
    purpose: str | None = None,
    count: int | None = None,
    outcome: str = "ok",
) -> AuditEntry:
    session = tx.session
    if not ctx.db.is_sqlite:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    previous = await session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    if isinstance(actor, StaffPrincipal):
        user_id, role = actor.user_id, ",".join(sorted(actor.roles))
    elif isinstance(actor, ChatterPrincipal):
        user_id, role = None, "chatter"
    else:
        user_id, role = None, "system"
    entry = AuditEntry(
        at=ctx.clock.now().replace(microsecond=0),
        user_id=user_id,
        role=role,
        action=action,
        outcome=outcome,
        # Ids come from the caller's input too: cut to the column, never refused for length.
        conversation_id=conversation[:36] if conversation else None,
        subject=subject[:64] if subject else None,
        purpose=purpose[:200] if purpose else None,
        count=count,
        prev_hash=previous or GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    await session.flush()
    return entry


def verify_chain(entries: Iterable[AuditEntry], previous: str = GENESIS) -> int | None:
    """The id of the first entry that does not fit the chain, or None when all do.
    `previous` is the hash of the entry before the first one given."""
    for entry in entries:
        if entry.prev_hash != previous or entry_hash(entry) != entry.hash:
            return entry.id
        previous = entry.hash
    return None


@dataclass(frozen=True)
class Anchor:
    """What an earlier `verify` saw: how many entries, and the hash of the last. The chain
    alone cannot show that its newest entries were removed; an anchor kept elsewhere can."""

    count: int
    head: str


@dataclass(frozen=True)
class Verified:
    entries: int
    # The first entry that does not fit: changed, or one before it removed.
    broken_at: int | None
    last_at: datetime | None
    # The hash of the last entry (GENESIS for an empty log): the next run's anchor.
    head: str = GENESIS
    # An anchor was given and the log no longer holds it: entry number `count` is gone
    # (the newest entries were removed) or is another one now.
    anchor_lost: bool = False

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.anchor_lost


async def verify(ctx: Context, batch: int = 5000, anchor: Anchor | None = None) -> Verified:
    """Check the whole chain, a batch at a time, so a long log never sits in memory; with
    an anchor, check too that its entry is still there, unchanged."""
    previous, checked, last_id, last_at = GENESIS, 0, 0, None
    # An empty anchor (count 0) is always held.
    held = anchor is None or (anchor.count == 0 and anchor.head == GENESIS)
    async with ctx.read() as session:
        while True:
            query = (
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch)
            )
            rows = list((await session.scalars(query)).all())
            if not rows:
                return Verified(checked, None, last_at, previous, anchor_lost=not held)
            broken = verify_chain(rows, previous)
            if broken is not None:
                return Verified(
                    checked + [r.id for r in rows].index(broken), broken, last_at, previous
                )
            if anchor is not None and checked < anchor.count <= checked + len(rows):
                held = rows[anchor.count - checked - 1].hash == anchor.head
            checked += len(rows)
            previous, last_id, last_at = rows[-1].hash, rows[-1].id, rows[-1].at
            session.expunge_all()


async def current_anchor(ctx: Context) -> Anchor:
    """How many entries there are and the hash of the last, as one consistent pair: the
    rows up to the last one seen are counted, so an entry committed meanwhile is not."""
    async with ctx.read() as session:
        last = (
            await session.execute(
                select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
            )
        ).first()
        if last is None:
            return Anchor(0, GENESIS)
        count = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= last.id)
        )
    return Anchor(int(count or 0), last.hash)


def seal(ctx: Context, anchor: Anchor) -> str:
    """The checkpoint's MAC under the session secret: the database alone cannot forge it."""
    return ctx.hasher.digest(f"{anchor.count}:{anchor.head}", CHECKPOINT_PURPOSE)


def anchor_from_log(ctx: Context, lines: Iterable[str]) -> Anchor | None:
    """The newest checkpoint in a log whose MAC holds; lines that are not one are skipped."""
    best: Anchor | None = None
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("event") != CHECKPOINT_EVENT:
            continue
        entries, head, mac = record.get("entries"), record.get("head"), record.get("mac")
        if not (isinstance(entries, int) and isinstance(head, str) and isinstance(mac, str)):
            continue
        anchor = Anchor(entries, head)
        if same_secret(mac, seal(ctx, anchor)) and (best is None or anchor.count >= best.count):
            best = anchor
    return best
