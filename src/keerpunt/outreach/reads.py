"""Reading outreach state for the pages. Every look at items is written to the access
log, so these take a write transaction for the entry."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns.models import Campaign, Channel
from keerpunt.context import Context
from keerpunt.core.errors import Invalid, NotFound
from keerpunt.outreach import actions, store, trends
from keerpunt.outreach.matching import CATEGORIES
from keerpunt.outreach.models import OPEN_STATES, Action, Item, Post, Source, Term
from keerpunt.outreach.schemas import (
    ActionRead,
    CategorySeries,
    ChannelPick,
    ContributionRead,
    Highlight,
    HistoryRead,
    ItemList,
    ItemPost,
    ItemRead,
    ItemRow,
    ItemSource,
    Person,
    Series,
    SourceRead,
    SourceSeries,
    SuggestionRead,
    TermList,
    TermRead,
    Trends,
)
from keerpunt.outreach.scoring import ALERT_THRESHOLD
from keerpunt.privacy import audit

EXCERPT = 160
POSTS_SHOWN = 20
MAX_PAGE = 200
TREND_DAYS_MAX = 366
# A suggestion is shown once it was seen beside known terms this often.
SUGGESTION_MINIMUM = 2
SUGGESTIONS_SHOWN = 50
OUTREACH_CAMPAIGN = "outreach"


def source_read(source: Source, added_by: str | None, matched: int) -> SourceRead:
    return SourceRead(
        id=source.id,
        username=source.username,
        title=source.title,
        kind=source.kind,
        peer_id=source.peer_id,
        purpose=source.purpose,
        dpia_ref=source.dpia_ref,
        approved_by=source.approved_by,
        added_by=added_by,
        created_at=source.created_at,
        active=source.active,
        state=source.state,
        last_seen_id=source.last_seen_id,
        last_collected_at=source.last_collected_at,
        next_run_at=source.next_run_at,
        note=source.note,
        matched_posts=matched,
    )


async def sources(ctx: Context, staff: StaffPrincipal) -> list[SourceRead]:
    access.require(staff, "outreach.read")
    async with ctx.read() as session:
        rows = await store.sources(session)
        names = await store.names(session, [s.added_by for s in rows])
        matched = await store.matched_per_source(session)
    return [
        source_read(s, names.get(s.added_by) if s.added_by else None, matched.get(s.id, 0))
        for s in rows
    ]


async def source(ctx: Context, source_id: int) -> SourceRead:
    async with ctx.read() as session:
        row = await store.source(session, source_id)
        if row is None:
            raise NotFound("no such source")
        names = await store.names(session, [row.added_by])
        matched = await store.matched_per_source(session)
    added_by = names.get(row.added_by) if row.added_by else None
    return source_read(row, added_by, matched.get(row.id, 0))


# The watchlist --------------------------------------------------------------------------


async def term_reads(ctx: Context, rows: list[Term]) -> list[TermRead]:
    since = ctx.today() - timedelta(days=27)
    async with ctx.read() as session:
        names = await store.names(session, [t.created_by for t in rows])
        counts = await store.daily(session, ["term"], since, ctx.today())
    matches: dict[str, int] = defaultdict(int)
    for row in counts:
        matches[row.key] += row.raw
    return [
        TermRead(
            id=t.id,
            text=t.text,
            kind=t.kind,
            category=t.category,
            weight=t.weight,
            active=t.active,
            created_at=t.created_at,
            created_by=names.get(t.created_by) if t.created_by else None,
            matches_28d=matches.get(str(t.id), 0),
        )
        for t in rows
    ]


async def terms(ctx: Context, staff: StaffPrincipal) -> TermList:
    access.require(staff, "outreach.read")
    async with ctx.read() as session:
        rows = list(await store.terms(session))
        version = await store.list_version(session)
    return TermList(version=version, categories=list(CATEGORIES), terms=await term_reads(ctx, rows))


# Triage --------------------------------------------------------------------------------

StateFilter = Literal["open", "new", "in_review", "dismissed", "escalated", "contacted", "all"]


async def items(
    ctx: Context,
    staff: StaffPrincipal,
    state: StateFilter = "open",
    assignee: str | None = None,
    sort: Literal["score", "recent"] = "score",
    limit: int = 50,
    offset: int = 0,
) -> ItemList:
    access.require(staff, "outreach.read")
    query = select(Item)
    if state == "open":
        query = query.where(Item.state.in_(OPEN_STATES))
    elif state != "all":
        query = query.where(Item.state == state)
    if assignee == "me":
        query = query.where(Item.assignee_id == staff.user_id)
    elif assignee:
        if not assignee.isdigit():
            raise Invalid("assignee is 'me' or a user id", field="assignee")
        query = query.where(Item.assignee_id == int(assignee))
    if sort == "score":
        query = query.order_by(Item.score.desc(), Item.last_seen.desc(), Item.id.desc())
    else:
        query = query.order_by(Item.last_seen.desc(), Item.score.desc(), Item.id.desc())
    limit = max(1, min(limit, MAX_PAGE))
    async with ctx.write() as tx:
        session = tx.session
        total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = list((await session.scalars(query.limit(limit).offset(max(0, offset)))).all())
        out = await _rows(ctx, rows)
        await audit.record(
            ctx, tx, staff, "outreach.items.list", purpose=f"state={state}", count=len(out)
        )
    return ItemList(items=out, total=total)


async def _rows(ctx: Context, rows: list[Item]) -> list[ItemRow]:
    async with ctx.read() as session:
        sources = {s.id: s for s in await store.sources(session)}
        names = await store.names(session, [i.assignee_id for i in rows])
        acted = await store.action_counts(session, [i.id for i in rows])
        posts = {
            p.id: p
            for p in (
                await session.scalars(select(Post).where(Post.id.in_([i.post_id for i in rows])))
            ).all()
        }
    out = []
    for item in rows:
        post = posts.get(item.post_id)
        text = _open(ctx, post)
        out.append(_row(item, sources.get(item.source_id), names, acted.get(item.id, 0), text))
    return out


def _open(ctx: Context, post: Post | None) -> str | None:
    if post is None or post.text is None:
        return None
    return ctx.keyring.open(post.text, post.aad())


def _source_name(source: Source | None) -> str:
    if source is None:
        return ""
    return source.title or source.username


def _row(
    item: Item, source: Source | None, names: dict[int, str], acted: int, text: str | None
) -> ItemRow:
    return ItemRow(
        id=item.id,
        state=item.state,
        score=item.score,
        count=item.count,
        first_seen=item.first_seen,
        last_seen=item.last_seen,
        source=_source_name(source),
        categories=list(item.categories),
        excerpt=text[:EXCERPT] if text is not None else None,
        assignee=(
            Person(id=item.assignee_id, name=names.get(item.assignee_id, ""))
            if item.assignee_id is not None
            else None
        ),
        actions=acted,
    )


async def item(ctx: Context, staff: StaffPrincipal, item_id: int) -> ItemRead:
    """An item with its text and highlights: an audited view."""
    access.require(staff, "outreach.read")
    async with ctx.write() as tx:
        row = await store.item(tx.session, item_id)
        if row is None:
            raise NotFound("no such item")
        await audit.record(ctx, tx, staff, "outreach.item.view", subject=actions.subject(row.id))
    return await item_read(ctx, item_id)


async def item_read(ctx: Context, item_id: int) -> ItemRead:
    async with ctx.read() as session:
        row = await store.item(session, item_id)
        if row is None:
            raise NotFound("no such item")
        post = await store.post(session, row.post_id)
        hits = list(await store.hits(session, row.post_id)) if post else []
        sources = await store.item_sources(session, row.id)
        posts = await store.item_posts(session, row.id, POSTS_SHOWN)
        history = list(await store.history(session, row.id))
        logged = list(await store.actions(session, row.id))
        names = await store.names(
            session,
            [row.assignee_id, *(h.by for h in history), *(a.by for a in logged)],
        )
        by_source = {s.id: s for s, _ in sources}
        channels = await _channels(session, [a.channel_id for a in logged if a.channel_id])
    text = _open(ctx, post)
    base = _row(row, by_source.get(row.source_id), names, len(logged), text)
    return ItemRead(
        **base.model_dump(exclude={"actions"}),
        actions=[action_read(a, names, channels) for a in logged],
        text=text,
        highlights=[
            Highlight(
                start=h.span_start, end=h.span_end, term=h.term, category=h.category, form=h.form
            )
            for h in hits
        ]
        if text is not None
        else [],
        contributions=[ContributionRead(**c) for c in (post.contributions if post else [])],
        scorer_version=post.scorer_version if post else "",
        threshold=ALERT_THRESHOLD,
        list_version=post.list_version if post else 0,
        sources=[ItemSource(title=s.title, username=s.username, count=n) for s, n in sources],
        posts=[
            ItemPost(
                source=_source_name(by_source.get(p.source_id)),
                posted_at=p.posted_at,
                message_id=p.message_id,
            )
            for p in posts
        ],
        history=[
            HistoryRead(at=h.at, by=names.get(h.by) if h.by else None, what=h.what) for h in history
        ],
    )


def action_read(
    action: Action, names: dict[int, str], channels: dict[int, ChannelPick]
) -> ActionRead:
    return ActionRead(
        id=action.id,
        kind=action.kind,
        note=action.note,
        channel=channels.get(action.channel_id) if action.channel_id else None,
        by=names.get(action.by) if action.by else None,
        at=action.at,
    )


async def action(ctx: Context, action_id: int) -> ActionRead:
    async with ctx.read() as session:
        row = await session.get(Action, action_id)
        if row is None:
            raise NotFound("no such action")
        names = await store.names(session, [row.by])
        channels = await _channels(session, [row.channel_id] if row.channel_id else [])
    return action_read(row, names, channels)


async def _channels(session: AsyncSession, ids: list[int]) -> dict[int, ChannelPick]:
    if not ids:
        return {}
    query = (
        select(Channel, Campaign.name)
        .join(Campaign, Campaign.id == Channel.campaign_id)
        .where(Channel.id.in_(ids))
    )
    return {c.id: _pick(c, n) for c, n in (await session.execute(query)).all()}


def _pick(channel: Channel, campaign: str) -> ChannelPick:
    return ChannelPick(
        id=channel.id, campaign=campaign, name=channel.name, link=f"/c/{channel.code}"
    )


async def channels(ctx: Context, staff: StaffPrincipal) -> list[ChannelPick]:
    """Campaign channels to take a tracking link from: an "Outreach" campaign's first."""
    access.require(staff, "outreach.read")
    async with ctx.read() as session:
        query = (
            select(Channel, Campaign.name)
            .join(Campaign, Campaign.id == Channel.campaign_id)
            .order_by(Campaign.starts_on.desc(), Campaign.id.desc(), Channel.position)
        )
        rows = (await session.execute(query)).all()
    picks = [_pick(c, n) for c, n in rows]
    return sorted(picks, key=lambda p: OUTREACH_CAMPAIGN not in p.campaign.casefold())


async def staff_list(ctx: Context, staff: StaffPrincipal) -> list[Person]:
    access.require(staff, "outreach.read")
    async with ctx.read() as session:
        return [Person(id=i, name=n) for i, n in await store.outreach_staff(session)]


# Trends and suggestions ------------------------------------------------------------------


async def trend(ctx: Context, staff: StaffPrincipal, days: int = 28) -> Trends:
    access.require(staff, "outreach.read")
    if not 1 <= days <= TREND_DAYS_MAX:
        raise Invalid(f"days is 1 to {TREND_DAYS_MAX}", field="days")
    end = ctx.today()
    start = end - timedelta(days=days - 1)
    # The baseline of the first day shown reaches back 28 days further.
    since = start - timedelta(days=trends.BASELINE_DAYS)
    span = [since + timedelta(days=i) for i in range((end - since).days + 1)]
    index = {d: i for i, d in enumerate(span)}
    async with ctx.read() as session:
        rows = await store.daily(
            session, ["term", "category", "source", "scanned", "matched"], since, end
        )
        term_rows = list(await store.terms(session))
        source_rows = list(await store.sources(session))
    raw: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(span))
    unique: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(span))
    for r in rows:
        raw[(r.measure, r.key)][index[r.day]] += r.raw
        unique[(r.measure, r.key)][index[r.day]] += r.unique
    shown = slice(len(span) - days, None)
    series = []
    for t in term_rows:
        values = raw[("term", str(t.id))]
        if not t.active and not any(values[shown]):
            continue
        is_rising, mean = trends.rising(values)
        series.append(
            Series(
                term_id=t.id,
                term=t.text,
                category=t.category,
                raw=values[shown],
                unique=unique[("term", str(t.id))][shown],
                rising=is_rising,
                baseline=round(mean, 2),
            )
        )
    series.sort(key=lambda s: (not s.rising, -sum(s.raw), s.term))

    def summed(measure: str) -> list[int]:
        total = [0] * days
        for (m, _), values in list(raw.items()):
            if m == measure:
                total = [a + b for a, b in zip(total, values[shown], strict=True)]
        return total

    return Trends(
        days=span[shown],
        series=series,
        categories=[
            CategorySeries(
                category=c,
                raw=raw[("category", c)][shown],
                unique=unique[("category", c)][shown],
            )
            for c in CATEGORIES
        ],
        sources=[
            SourceSeries(source=_source_name(s), raw=raw[("source", str(s.id))][shown])
            for s in source_rows
        ],
        scanned=summed("scanned"),
        matched=summed("matched"),
    )


async def suggestions(ctx: Context, staff: StaffPrincipal) -> list[SuggestionRead]:
    access.require(staff, "outreach.read")
    async with ctx.read() as session:
        rows = await store.open_suggestions(session, SUGGESTION_MINIMUM, SUGGESTIONS_SHOWN)
    return [
        SuggestionRead(
            id=s.id,
            text=s.text,
            category_hint=s.category_hint,
            cooccurs_with=list(s.cooccurs_with),
            count=s.count,
            first_seen=s.first_seen,
        )
        for s in rows
    ]
