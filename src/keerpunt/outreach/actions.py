"""Changing outreach state: sources, the watchlist, ingesting posts, triage, actions and
suggestions. Every change by a person is written to the access log.

Ingest keeps only what matched: each post is redacted, scanned and scored; a post below
the alert threshold is counted (scanned, per source and day) and dropped. A post that
alerts is stored once under Telegram's identity (peer_id, message_id), its text sealed,
its author only as a keyed hash, with every hit; then it joins the item of a
near-duplicate (`dedupe.py`) or becomes a new one.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import store as campaign_store
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid, NotFound
from keerpunt.outreach import dedupe, store, trends
from keerpunt.outreach.matching import CATEGORIES, Matcher, check_term
from keerpunt.outreach.matching import Term as MatchTerm
from keerpunt.outreach.models import (
    CONTACTED,
    DISMISSED,
    ESCALATED,
    IN_REVIEW,
    NEW,
    OK,
    Action,
    Band,
    Daily,
    HistoryEntry,
    Hit,
    Item,
    ListVersion,
    Post,
    Source,
    Suggestion,
    Term,
    post_aad,
)
from keerpunt.outreach.posts import Post as Incoming
from keerpunt.outreach.redact import redact
from keerpunt.outreach.schemas import (
    ActionIn,
    ApproveIn,
    SourceIn,
    SourceUpdate,
    TermIn,
    TermUpdate,
)
from keerpunt.outreach.scoring import score
from keerpunt.privacy import audit

log = logging.getLogger(__name__)

AUTHOR_PURPOSE = "outreach-author"
MIN_PURPOSE = 10
# Telegram usernames: 5-32 letters, digits and underscores, starting with a letter.
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/(.*)$", re.IGNORECASE)
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_REVIEW}),
    IN_REVIEW: frozenset({DISMISSED, ESCALATED, CONTACTED, NEW}),
    DISMISSED: frozenset({IN_REVIEW}),
    ESCALATED: frozenset({IN_REVIEW}),
    CONTACTED: frozenset({IN_REVIEW}),
}
# How many co-occurring terms a suggestion remembers.
COOCCURS_KEPT = 5


# Sources ------------------------------------------------------------------------------


def clean_username(raw: str) -> str:
    """ "name", "@name", "t.me/name" or "https://t.me/name" -> "name". Invite links and
    links into private chats are refused: only public sources are watched."""
    value = raw.strip()
    link = LINK.match(value)
    if link:
        value = link.group(1).strip("/")
        if value.startswith(("+", "joinchat")):
            raise Invalid(
                "an invite link points to a private group: only public sources may be added",
                field="username",
            )
        if value.startswith(("c/", "s/c/")):
            raise Invalid(
                "a t.me/c/ link points into a private chat: add a public username",
                field="username",
            )
        value = value.split("/")[0].split("?")[0]
    elif "/" in value or value.startswith("+"):
        raise Invalid("not a Telegram username or t.me link", field="username")
    value = value.removeprefix("@")
    if not USERNAME.fullmatch(value):
        raise Invalid(
            "not a Telegram username: 5 to 32 letters, digits or underscores,"
            " starting with a letter",
            field="username",
        )
    return value.lower()


def _check_source(purpose: str, dpia_ref: str, approved_by: str) -> None:
    if len(purpose.strip()) < MIN_PURPOSE:
        raise Invalid(
            f"the purpose must say why this source is watched (at least {MIN_PURPOSE} characters)",
            field="purpose",
        )
    if not dpia_ref.strip():
        raise Invalid("the DPIA reference is required", field="dpia_ref")
    if not approved_by.strip():
        raise Invalid("who approved watching this source is required", field="approved_by")


async def add_source(ctx: Context, staff: StaffPrincipal | None, data: SourceIn) -> Source:
    """`staff` None: the command line, run by an administrator of the server."""
    if staff is not None:
        access.require(staff, "outreach.sources")
    username = clean_username(data.username)
    _check_source(data.purpose, data.dpia_ref, data.approved_by)
    async with ctx.write() as tx:
        if await store.source_by_username(tx.session, username) is not None:
            raise Conflict("this source is watched already", code="duplicate")
        if data.peer_id is not None and await store.source_by_peer(tx.session, data.peer_id):
            raise Conflict("a source with this peer id is watched already", code="duplicate")
        source = Source(
            username=username,
            title=data.title.strip() if data.title else None,
            peer_id=data.peer_id,
            purpose=data.purpose.strip(),
            dpia_ref=data.dpia_ref.strip(),
            approved_by=data.approved_by.strip(),
            added_by=staff.user_id if staff else None,
            created_at=ctx.clock.now(),
            active=True,
            state="waiting",
            last_seen_id=0,
            note="",
        )
        tx.session.add(source)
        await tx.session.flush()
        await audit.record(
            ctx, tx, staff, "outreach.source.add", subject=f"outreach-source:{source.id}"
        )
    log.info("outreach source added", extra={"source": source.id})
    return source


async def update_source(
    ctx: Context, staff: StaffPrincipal, source_id: int, data: SourceUpdate
) -> Source:
    access.require(staff, "outreach.sources")
    _check_source(data.purpose, data.dpia_ref, data.approved_by)
    async with ctx.write() as tx:
        source = await store.source(tx.session, source_id)
        if source is None:
            raise NotFound("no such source")
        source.purpose = data.purpose.strip()
        source.dpia_ref = data.dpia_ref.strip()
        source.approved_by = data.approved_by.strip()
        source.active = data.active
        await audit.record(
            ctx, tx, staff, "outreach.source.update", subject=f"outreach-source:{source.id}"
        )
    return source


async def describe_source(
    ctx: Context, source_id: int, title: str | None, kind: str | None
) -> None:
    """Fill in a source's title and kind where they are still unknown (from an export
    or the live client); what is known already stays."""
    async with ctx.write() as tx:
        source = await store.source(tx.session, source_id)
        if source is None:
            raise NotFound("no such source")
        if source.title is None and title:
            source.title = title.strip()[:255]
        if source.kind is None and kind in ("channel", "supergroup"):
            source.kind = kind


# The watchlist --------------------------------------------------------------------------


async def bump(ctx: Context, tx: Tx, staff: StaffPrincipal | None, what: str) -> int:
    """A new list version: every process rebuilds its matcher when it sees it."""
    version = await store.list_version(tx.session) + 1
    tx.session.add(
        ListVersion(
            version=version,
            at=ctx.clock.now(),
            by=staff.user_id if staff else None,
            what=what[:300],
        )
    )
    await tx.session.flush()
    return version


def _check_category(category: str) -> str:
    value = category.strip().lower()
    if value not in CATEGORIES:
        raise Invalid(f"unknown category: one of {', '.join(CATEGORIES)}", field="category")
    return value


async def add_term(ctx: Context, staff: StaffPrincipal | None, data: TermIn) -> Term:
    if staff is not None:
        access.require(staff, "outreach.terms")
    category = _check_category(data.category)
    text = check_term(data.text, data.kind, category)
    async with ctx.write() as tx:
        term = await _add_term(ctx, tx, staff, text, data.kind, category, data.weight)
    return term


async def _add_term(
    ctx: Context,
    tx: Tx,
    staff: StaffPrincipal | None,
    text: str,
    kind: str,
    category: str,
    weight: float,
) -> Term:
    term = Term(
        text=text,
        kind=kind,
        category=category,
        weight=weight,
        active=True,
        created_at=ctx.clock.now(),
        created_by=staff.user_id if staff else None,
    )
    tx.session.add(term)
    await tx.session.flush()
    await bump(ctx, tx, staff, f"added {kind} term {text!r} ({category})")
    await audit.record(ctx, tx, staff, "outreach.term.add", subject=f"outreach-term:{term.id}")
    return term


async def update_term(ctx: Context, staff: StaffPrincipal, term_id: int, data: TermUpdate) -> Term:
    access.require(staff, "outreach.terms")
    category = _check_category(data.category)
    text = check_term(data.text, data.kind, category)
    async with ctx.write() as tx:
        term = await store.term(tx.session, term_id)
        if term is None:
            raise NotFound("no such term")
        before = (term.text, term.kind, term.category, term.weight, term.active)
        term.text, term.kind, term.category = text, data.kind, category
        term.weight, term.active = data.weight, data.active
        if before != (term.text, term.kind, term.category, term.weight, term.active):
            what = "switched off" if before[4] and not data.active else "changed"
            await bump(ctx, tx, staff, f"{what} term {term.id} {text!r}")
        await audit.record(
            ctx, tx, staff, "outreach.term.update", subject=f"outreach-term:{term.id}"
        )
    return term


async def load_terms(ctx: Context, entries: Sequence[tuple[str, str, str, float]]) -> int:
    """Add (text, kind, category, weight) terms not on the list yet, as one version: the
    shipped starter list for a new installation."""
    async with ctx.write() as tx:
        have = {(t.text, t.kind, t.category) for t in await store.terms(tx.session)}
        added = 0
        now = ctx.clock.now()
        for text, kind, category, weight in entries:
            cleaned = check_term(text, kind, _check_category(category))  # type: ignore[arg-type]
            if (cleaned, kind, category) in have:
                continue
            have.add((cleaned, kind, category))
            tx.session.add(
                Term(
                    text=cleaned,
                    kind=kind,
                    category=category,
                    weight=weight,
                    active=True,
                    created_at=now,
                    created_by=None,
                )
            )
            added += 1
        if added:
            await tx.session.flush()
            await bump(ctx, tx, None, f"loaded {added} terms")
    return added


# One matcher per process and database, rebuilt when the stored list version moved.
_matchers: dict[str, Matcher] = {}


async def matcher(ctx: Context, session: AsyncSession) -> Matcher:
    """The current matcher: one cheap query per batch sees whether another process (or
    this one) changed the list since it was built."""
    key = ctx.db.url
    version = await store.list_version(session)
    cached = _matchers.get(key)
    if cached is not None and cached.version == version:
        return cached
    rows = await store.terms(session, active_only=True)
    built = Matcher(
        [
            MatchTerm(id=t.id, text=t.text, kind=t.kind, category=t.category, weight=t.weight)  # type: ignore[arg-type]
            for t in rows
        ],
        version,
    )
    _matchers[key] = built
    log.info("outreach matcher built", extra={"version": version, "terms": len(rows)})
    return built


# Ingest --------------------------------------------------------------------------------


@dataclass
class IngestResult:
    read: int = 0
    matched: int = 0
    stored: int = 0
    # Stored already (the other provenance, or a retry): only the provenance is noted.
    known: int = 0
    items_new: int = 0
    items_grown: int = 0
    redacted: Counter[str] = field(default_factory=Counter)

    def add(self, other: IngestResult) -> None:
        self.read += other.read
        self.matched += other.matched
        self.stored += other.stored
        self.known += other.known
        self.items_new += other.items_new
        self.items_grown += other.items_grown
        self.redacted.update(other.redacted)


class _Counts:
    """The batch's daily counts, written with one upsert per key."""

    def __init__(self) -> None:
        self.values: dict[tuple[date, str, str], list[int]] = {}

    def add(self, day: date, measure: str, key: str, raw: int = 1, unique: int = 0) -> None:
        entry = self.values.setdefault((day, measure, key), [0, 0])
        entry[0] += raw
        entry[1] += unique

    async def write(self, ctx: Context, session: AsyncSession) -> None:
        insert = sqlite_insert if ctx.db.is_sqlite else pg_insert
        for (day, measure, key), (raw, unique) in sorted(self.values.items()):
            statement = insert(Daily).values(
                day=day, measure=measure, key=key, raw=raw, unique=unique
            )
            statement = statement.on_conflict_do_update(
                index_elements=["day", "measure", "key"],
                set_={"raw": Daily.raw + raw, "unique": Daily.unique + unique},
            )
            await session.execute(statement)


async def ingest(
    ctx: Context,
    source_id: int,
    posts: Sequence[Incoming],
    provenance: str = "export",
    last_seen_id: int | None = None,
) -> IngestResult:
    """Store a batch of one source's posts in one transaction; with `last_seen_id`, the
    source's checkpoint moves in the same transaction (a crash loses or repeats
    nothing)."""
    if provenance not in ("export", "live"):
        raise ValueError(f"unknown provenance {provenance!r}")
    result = IngestResult(read=len(posts))
    zone = ctx.organisation.zone
    now = ctx.clock.now()
    async with ctx.write() as tx:
        session = tx.session
        source = await store.source(session, source_id)
        if source is None:
            raise NotFound("no such source")
        found = await matcher(ctx, session)
        counts = _Counts()
        alerting: list[tuple[Incoming, str, list[Any], Any]] = []
        redacted = [redact(post.text, post.entities) for post in posts]
        scanned = found.scan_many([r.text for r in redacted])
        for post, cleaned, hits in zip(posts, redacted, scanned, strict=True):
            day = post.posted_at.astimezone(zone).date()
            counts.add(day, "scanned", str(source_id))
            if not hits:
                continue
            scored = score(hits, cleaned.text)
            if not scored.alert:
                continue
            counts.add(day, "matched", str(source_id))
            result.matched += 1
            result.redacted.update(cleaned.counts)
            alerting.append((post, cleaned.text, hits, scored))
        # Words already on the list are never suggested.
        listed = [t.text for t in await store.terms(session)] if alerting else []
        known = await store.existing_posts(
            session, {(p.peer_id, p.message_id) for p, _, _, _ in alerting}
        )
        for post, text, hits, scored in alerting:
            key = (post.peer_id, post.message_id)
            if key in known:
                stored = known[key]
                if provenance not in stored.provenance.split(","):
                    stored.provenance = ",".join(
                        sorted({*stored.provenance.split(","), provenance})
                    )
                result.known += 1
                continue
            row = await _store_post(
                ctx, session, source, post, text, hits, scored, found.version, provenance, now
            )
            known[key] = row
            result.stored += 1
            grown = await _collapse(
                ctx, session, source, row, text, hits, now, counts, zone, listed
            )
            if grown:
                result.items_grown += 1
            else:
                result.items_new += 1
        if last_seen_id is not None:
            source.last_seen_id = max(source.last_seen_id, last_seen_id)
            source.last_collected_at = now
            source.state = OK
            source.next_run_at = None
            source.note = ""
        await counts.write(ctx, session)
    return result


async def _store_post(
    ctx: Context,
    session: AsyncSession,
    source: Source,
    post: Incoming,
    text: str,
    hits: Sequence[Any],
    scored: Any,
    version: int,
    provenance: str,
    now: datetime,
) -> Post:
    row = Post(
        peer_id=post.peer_id,
        message_id=post.message_id,
        source_id=source.id,
        item_id=0,
        posted_at=post.posted_at,
        author_hash=ctx.hasher.digest(post.author, AUTHOR_PURPOSE) if post.author else None,
        text=ctx.keyring.seal(text, post_aad(post.peer_id, post.message_id)),
        score=scored.total,
        contributions=[
            {"name": c.name, "points": c.points, "detail": c.detail} for c in scored.contributions
        ],
        scorer_version=scored.version,
        list_version=version,
        provenance=provenance,
        created_at=now,
    )
    return row


async def _collapse(
    ctx: Context,
    session: AsyncSession,
    source: Source,
    row: Post,
    text: str,
    hits: Sequence[Any],
    now: datetime,
    counts: _Counts,
    zone: Any,
    listed: Sequence[str],
) -> bool:
    """Join the post to a near-duplicate's item or make it a new one; True when it
    joined. Counts the post for its terms, categories and source (unique: each item
    once a day)."""
    signature = dedupe.signature(text)
    bands = signature.bands()
    best: Item | None = None
    best_similarity = 0.0
    for candidate in await store.candidates(session, bands):
        similarity = signature.similarity(dedupe.Signature(candidate.signature))
        if similarity >= dedupe.SIMILAR and similarity > best_similarity:
            best, best_similarity = candidate, similarity
    categories = sorted({h.category for h in hits})
    day = row.posted_at.astimezone(zone).date()
    if best is None:
        item = Item(
            state=NEW,
            score=row.score,
            count=1,
            first_seen=row.posted_at,
            last_seen=row.posted_at,
            source_id=source.id,
            post_id=0,
            categories=categories,
            signature=signature.hashvalues,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        await session.flush()
        session.add_all(Band(band=b, bucket=k, item_id=item.id) for b, k in bands)
        first_today = True
    else:
        item = best
        first_today = item.last_seen.astimezone(zone).date() != day
        item.count += 1
        item.first_seen = min(item.first_seen, row.posted_at)
        item.last_seen = max(item.last_seen, row.posted_at)
        item.score = max(item.score, row.score)
        item.categories = sorted({*item.categories, *categories})
        item.updated_at = now
    row.item_id = item.id
    session.add(row)
    await session.flush()
    if best is None:
        item.post_id = row.id
    for h in hits:
        session.add(
            Hit(
                post_id=row.id,
                term_id=h.term_id,
                term=h.term[:200],
                category=h.category,
                list_version=row.list_version,
                form=h.form,
                span_start=h.start,
                span_end=h.end,
            )
        )
    unique = 1 if first_today else 0
    for term_id in sorted({h.term_id for h in hits}):
        counts.add(day, "term", str(term_id), 1, unique)
    for category in categories:
        counts.add(day, "category", category, 1, unique)
    counts.add(day, "source", str(source.id), 1, unique)
    if best is None:
        await _suggest(session, text, hits, row.posted_at, listed)
    return best is not None


async def _suggest(
    session: AsyncSession, text: str, hits: Sequence[Any], seen: datetime, listed: Sequence[str]
) -> None:
    """Count the words beside known terms in a new item; nothing becomes a term until a
    person approves it."""
    terms = sorted({h.term for h in hits})
    words = trends.candidates(text, listed)
    if not words:
        return
    category = Counter(h.category for h in hits).most_common(1)[0][0]
    existing = await store.suggestions(session, words)
    for word in sorted(words):
        suggestion = existing.get(word)
        if suggestion is None:
            session.add(
                Suggestion(
                    text=word,
                    category_hint=category,
                    cooccurs_with=terms[:COOCCURS_KEPT],
                    count=1,
                    first_seen=seen,
                    state="open",
                )
            )
        elif suggestion.state == "open":
            suggestion.count += 1
            merged = list(dict.fromkeys([*suggestion.cooccurs_with, *terms]))
            suggestion.cooccurs_with = merged[:COOCCURS_KEPT]


# Triage --------------------------------------------------------------------------------


def subject(item_id: int) -> str:
    return f"outreach-item:{item_id}"


async def _item(session: AsyncSession, item_id: int) -> Item:
    item = await store.item(session, item_id)
    if item is None:
        raise NotFound("no such item")
    return item


async def set_state(
    ctx: Context, staff: StaffPrincipal, item_id: int, state: str, reason: str | None = None
) -> Item:
    access.require(staff, "outreach.triage")
    async with ctx.write() as tx:
        item = await _item(tx.session, item_id)
        if state not in TRANSITIONS.get(item.state, frozenset()):
            allowed = ", ".join(sorted(TRANSITIONS.get(item.state, frozenset())))
            raise Conflict(
                f"an item that is {item.state} can go to {allowed}, not to {state}",
                code="transition",
            )
        what = f"{item.state} -> {state}" + (f": {reason.strip()}" if reason else "")
        item.state = state
        item.updated_at = ctx.clock.now()
        tx.session.add(
            HistoryEntry(item_id=item.id, at=ctx.clock.now(), by=staff.user_id, what=what[:300])
        )
        await audit.record(ctx, tx, staff, "outreach.item.state", subject=subject(item.id))
    return item


async def assign(ctx: Context, staff: StaffPrincipal, item_id: int, user_id: int | None) -> Item:
    access.require(staff, "outreach.triage")
    async with ctx.write() as tx:
        item = await _item(tx.session, item_id)
        if user_id is not None and not await store.holds_outreach(tx.session, user_id):
            raise Invalid("only outreach staff can be assigned an item", field="user_id")
        item.assignee_id = user_id
        item.updated_at = ctx.clock.now()
        if user_id is None:
            what = "unassigned"
        else:
            name = (await store.names(tx.session, [user_id])).get(user_id, str(user_id))
            what = f"assigned to {name}"
        tx.session.add(
            HistoryEntry(item_id=item.id, at=ctx.clock.now(), by=staff.user_id, what=what)
        )
        await audit.record(ctx, tx, staff, "outreach.item.assign", subject=subject(item.id))
    return item


async def add_action(ctx: Context, staff: StaffPrincipal, item_id: int, data: ActionIn) -> Action:
    access.require(staff, "outreach.triage")
    note = redact(data.note.strip()).text if data.note.strip() else ""
    async with ctx.write() as tx:
        item = await _item(tx.session, item_id)
        if (
            data.channel_id is not None
            and await campaign_store.channel(tx.session, data.channel_id) is None
        ):
            raise Invalid("no such campaign channel", field="channel_id")
        action = Action(
            item_id=item.id,
            kind=data.kind,
            note=note,
            channel_id=data.channel_id,
            by=staff.user_id,
            at=ctx.clock.now(),
        )
        tx.session.add(action)
        tx.session.add(
            HistoryEntry(
                item_id=item.id, at=ctx.clock.now(), by=staff.user_id, what=f"action {data.kind}"
            )
        )
        await tx.session.flush()
        await audit.record(ctx, tx, staff, "outreach.item.action", subject=subject(item.id))
    return action


# Suggestions ----------------------------------------------------------------------------


async def approve_suggestion(
    ctx: Context, staff: StaffPrincipal, suggestion_id: int, data: ApproveIn
) -> Term:
    access.require(staff, "outreach.terms")
    category = _check_category(data.category)
    async with ctx.write() as tx:
        suggestion = await tx.session.get(Suggestion, suggestion_id)
        if suggestion is None or suggestion.state != "open":
            raise NotFound("no such suggestion")
        text = check_term(suggestion.text, data.kind, category)
        suggestion.state = "approved"
        suggestion.decided_by, suggestion.decided_at = staff.user_id, ctx.clock.now()
        term = await _add_term(ctx, tx, staff, text, data.kind, category, 1.0)
    return term


async def reject_suggestion(ctx: Context, staff: StaffPrincipal, suggestion_id: int) -> None:
    access.require(staff, "outreach.terms")
    async with ctx.write() as tx:
        suggestion = await tx.session.get(Suggestion, suggestion_id)
        if suggestion is None or suggestion.state != "open":
            raise NotFound("no such suggestion")
        suggestion.state = "rejected"
        suggestion.decided_by, suggestion.decided_at = staff.user_id, ctx.clock.now()
        await audit.record(
            ctx,
            tx,
            staff,
            "outreach.suggestion.reject",
            subject=f"outreach-suggestion:{suggestion.id}",
        )
