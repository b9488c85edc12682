"""From a period's rows to the report's figures: counting only, no database, no I/O.

Definitions (docs/analyst-guide.md says the same in words):
- started: every chat started in the period; direct: started through a tracking link
  (of this campaign, for a campaign report); organic: the rest.
- held: registered as a conversation held. No content, test or abuse, duplicates and
  chats not registered yet are counted, and left out of who chatted and what about.
- crime chats: held chats registered as about involvement in crime; exploitation: crime
  chats with one or more signals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from keerpunt.organisation import Locale
from keerpunt.registration.taxonomy import Taxonomy
from keerpunt.reports.labels import label
from keerpunt.reports.schemas import (
    Bucket,
    CampaignInfo,
    ChannelFigures,
    Figure,
    Report,
    Table,
)
from keerpunt.reports.store import ChatRow

NO_CONTENT = ("no_content", "test_abuse")
VISITOR_GROUPS = {
    "youth": "youth",
    "parent": "relative",
    "family": "relative",
    "friend": "relative",
    "relative": "relative",
    "professional": "professional",
}
VISITOR_ORDER = ("youth", "relative", "professional", "unknown")
# A period longer than this is charted per week instead of per day.
DAILY_UP_TO_DAYS = 62


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    name: str
    code: str


@dataclass
class Inputs:
    rows: list[ChatRow]
    handover_regions: list[str]
    # (day, channel id, measure, visitors); channel 0 is no campaign link.
    traffic: Sequence[tuple[date, int, str, int]]
    taxonomy: Taxonomy
    starts_on: date
    ends_on: date
    locale: Locale
    generated_at: datetime
    to_local: Callable[[datetime], date]
    regions: list[str] = field(default_factory=list)
    campaign: CampaignInfo | None = None
    channels: list[ChannelInfo] = field(default_factory=list)
    # Per week even for a short period: a partner edition would hide most single days.
    weekly: bool = False


def share(n: int, base: int) -> float | None:
    return n / base if base else None


def figure(key: str, text: str, n: int, base: Figure | None = None) -> Figure:
    if base is None or base.n is None:
        return Figure(key=key, label=text, n=n)
    return Figure(key=key, label=text, n=n, share=share(n, base.n), of=base.key)


def code_table(
    name: str,
    title: str,
    taxonomy: Taxonomy,
    locale: Locale,
    counts: Counter[str],
    base: Figure,
    *,
    key: str | None = None,
) -> Table:
    """One row per taxonomy item that was named, most named first (a code no longer in
    the taxonomy keeps its row, under its code). Keys are `<key>.<code>`, the key being
    the list's name unless another is given."""
    key = key or name
    labels = {item.code: item.label(locale) for item in taxonomy.items(name)}
    order = {code: i for i, code in enumerate(labels)}
    named = sorted(counts, key=lambda c: (-counts[c], order.get(c, len(order)), c))
    rows = [
        figure(f"{key}.{code}", labels.get(code, code), counts[code], base)
        for code in named
        if counts[code]
    ]
    return Table(key=key, title=title, base=base, rows=rows)


def bucket_start(day: date, unit: str) -> date:
    return day - timedelta(days=day.weekday()) if unit == "week" else day


def build(inputs: Inputs) -> Report:
    loc, tax = inputs.locale, inputs.taxonomy
    to_local = inputs.to_local
    rows = inputs.rows
    if inputs.regions:
        wanted = set(inputs.regions)
        rows = [r for r in rows if r.region in wanted]
    channel_ids = {c.id for c in inputs.channels}

    def is_direct(row: ChatRow) -> bool:
        if row.channel_id is None:
            return False
        return row.channel_id in channel_ids if inputs.campaign else True

    started = len(rows)
    direct = sum(1 for r in rows if is_direct(r))
    base_started = figure("chats.started", label("chats.started", loc), started)
    chats = Table(
        key="chats",
        title=label("chats.started", loc),
        base=base_started,
        partition=True,
        rows=[
            figure("chats.direct", label("chats.direct", loc), direct, base_started),
            figure("chats.organic", label("chats.organic", loc), started - direct, base_started),
        ],
    )

    # A later taxonomy may add outcomes: anything but these three is a conversation held.
    held = [r for r in rows if r.outcome and r.outcome not in (*NO_CONTENT, "duplicate")]
    no_content = sum(1 for r in rows if r.outcome in NO_CONTENT)
    duplicates = sum(1 for r in rows if r.outcome == "duplicate")
    unregistered = sum(1 for r in rows if not r.registered or r.outcome is None)
    outcome_rows = [
        figure("outcome.held", label("outcome.held", loc), len(held), base_started),
        figure("outcome.no_content", label("outcome.no_content", loc), no_content, base_started),
        figure("outcome.duplicate", label("outcome.duplicate", loc), duplicates, base_started),
        figure(
            "outcome.unregistered", label("outcome.unregistered", loc), unregistered, base_started
        ),
    ]
    outcomes = Table(
        key="outcomes",
        title=label("chats.started", loc),
        base=base_started,
        rows=outcome_rows,
        partition=True,
    )

    crime = [r for r in held if r.crime_involvement == "yes"]
    with_signals = [r for r in crime if r.signals]
    content = Table(
        key="content",
        title=label("chats.started", loc),
        base=base_started,
        rows=[
            figure(
                "content.with_message",
                label("content.with_message", loc),
                sum(1 for r in rows if r.chatter_wrote),
                base_started,
            ),
            figure(
                "content.about_crime", label("content.about_crime", loc), len(crime), base_started
            ),
        ],
    )

    base_held = figure("outcome.held", label("outcome.held", loc), len(held))
    groups = Counter(VISITOR_GROUPS.get(r.visitor or r.start_visitor, "unknown") for r in held)
    visitors = Table(
        key="visitors",
        title=tax_title(tax, "visitor", loc),
        base=base_held,
        partition=True,
        rows=[
            figure(f"visitors.{g}", label(f"visitors.{g}", loc), groups.get(g, 0), base_held)
            for g in VISITOR_ORDER
        ],
    )

    def topics(name: str, of: Iterable[ChatRow], base: Figure) -> Table:
        """How many chats named each item of a list (a chat counts once per item)."""
        counts: Counter[str] = Counter()
        for row in of:
            counts.update(set(getattr(row, name)))
        return code_table(name, tax_title(tax, name, loc), tax, loc, counts, base)

    base_crime = figure("content.about_crime", label("content.about_crime", loc), len(crime))
    crime_forms = topics("crime_forms", crime, base_crime)
    signals = topics("signals", crime, base_crime)
    other_problems = topics("other_problems", held, base_held)
    help_questions = topics("help_questions", held, base_held)
    help_offered = topics("help_offered", held, base_held)
    exploitation = figure(
        "exploitation.with_signals",
        label("exploitation.with_signals", loc),
        len(with_signals),
        base_crime,
    )
    accounts = figure(
        "accounts.created",
        label("accounts.created", loc),
        len({r.chatter_id for r in rows if r.has_account}),
    )

    regions = inputs.handover_regions
    if inputs.regions:
        regions = [r for r in regions if r in set(inputs.regions)]
    base_handovers = figure("handovers.total", label("handovers.total", loc), len(regions))
    handovers = code_table(
        "region",
        label("handovers.total", loc),
        tax,
        loc,
        Counter(regions),
        base_handovers,
        key="handovers",
    )
    handovers.partition = True

    # Traffic: per channel for a campaign; visits of the whole site for the funnel.
    visits: Counter[int] = Counter()
    clicks: Counter[int] = Counter()
    for _day, channel, measure, n in inputs.traffic:
        (visits if measure == "visit" else clicks)[channel] += n
    chats_by_channel = Counter(r.channel_id for r in rows if r.channel_id is not None)
    channels: list[ChannelFigures] = []
    listed = inputs.channels if inputs.campaign else []
    for info in listed:
        channels.append(
            channel_figures(
                f"channels.{info.code}",
                info.name,
                info.code,
                visits[info.id],
                clicks[info.id],
                chats_by_channel[info.id],
                loc,
            )
        )
    if inputs.campaign:
        channels.append(
            channel_figures(
                "channels.none",
                label("channel.organic", loc),
                None,
                visits[0],
                clicks[0],
                started - direct,
                loc,
            )
        )
    best = max(
        (c for c in channels if c.code and c.click_rate is not None),
        key=lambda c: (c.click_rate or 0, c.clicks.n or 0),
        default=None,
    )

    short = (inputs.ends_on - inputs.starts_on).days < DAILY_UP_TO_DAYS
    unit = "day" if short and not inputs.weekly else "week"
    timeline = timeline_buckets(rows, unit, inputs.starts_on, inputs.ends_on, to_local, is_direct)

    total_visits = sum(visits.values())
    funnel_base = figure("funnel.visitors", label("funnel.visitors", loc), total_visits)
    funnel = Table(
        key="funnel",
        title=label("funnel.visitors", loc),
        base=None,
        rows=[
            funnel_base,
            # The same numbers as elsewhere in the report, under the same keys, so the
            # partner edition hides them alike.
            figure("chats.started", label("funnel.conversations", loc), started, funnel_base),
            figure("content.about_crime", label("funnel.crime", loc), len(crime), funnel_base),
            figure(
                "exploitation.with_signals",
                label("funnel.signals", loc),
                len(with_signals),
                funnel_base,
            ),
        ],
    )

    notes = [label("note.direct", loc)]
    if duplicates:
        notes.append(label("note.duplicates", loc))
    if no_content:
        notes.append(label("note.no_content", loc))
    if unregistered:
        notes.append(label("note.unregistered", loc))
    notes.append(label("note.visitors", loc))
    if inputs.regions:
        names = ", ".join(
            (lbl(loc) if (lbl := tax.label("region", c)) else c) for c in inputs.regions
        )
        notes.append(label("note.regions", loc, regions=names))

    if inputs.campaign:
        title = label("title.campaign", loc, name=inputs.campaign.name)
    else:
        title = label(
            "title.period",
            loc,
            start=inputs.starts_on.strftime("%d-%m-%Y"),
            end=inputs.ends_on.strftime("%d-%m-%Y"),
        )
    return Report(
        title=title,
        edition="internal",
        threshold=0,
        locale=loc,
        campaign=inputs.campaign,
        starts_on=inputs.starts_on,
        ends_on=inputs.ends_on,
        regions=[(lbl(loc) if (lbl := tax.label("region", c)) else c) for c in inputs.regions],
        region_codes=list(inputs.regions),
        generated_at=inputs.generated_at,
        channels=channels,
        best_channel=best.name if best else None,
        chats=chats,
        content=content,
        outcomes=outcomes,
        visitors=visitors,
        other_problems=other_problems,
        crime_forms=crime_forms,
        exploitation=exploitation,
        signals=signals,
        help_questions=help_questions,
        help_offered=help_offered,
        accounts=accounts,
        handovers=handovers,
        timeline_unit=unit,
        timeline=timeline,
        funnel=funnel,
        notes=notes,
    )


def tax_title(taxonomy: Taxonomy, name: str, locale: Locale) -> str:
    titles = {
        "visitor": ("Wie chatte", "Who chatted"),
        "crime_forms": ("Vormen van criminaliteit", "Forms of crime"),
        "signals": ("Signalen van criminele uitbuiting", "Signals of criminal exploitation"),
        "other_problems": ("Andere problematiek", "Other problems"),
        "help_questions": ("Hulpvragen", "Help questions"),
        "help_offered": ("Geboden hulp", "Help offered"),
    }
    nl, en = titles[name]
    return nl if locale == "nl" else en


def channel_figures(
    key: str, name: str, code: str | None, visits: int, clicks: int, chats: int, loc: Locale
) -> ChannelFigures:
    # The chats without a link are the organic chats: one number, one key.
    chats_key = f"{key}.chats" if code else "chats.organic"
    return ChannelFigures(
        name=name,
        code=code,
        visits=figure(f"{key}.visits", label("channel.visits", loc), visits),
        clicks=figure(f"{key}.clicks", label("channel.clicks", loc), clicks),
        chats=figure(chats_key, label("channel.chats", loc), chats),
        click_rate=share(clicks, visits),
    )


def timeline_buckets(
    rows: Sequence[ChatRow],
    unit: str,
    starts_on: date,
    ends_on: date,
    to_local: Callable[[datetime], date],
    is_direct: Callable[[ChatRow], bool],
) -> list[Bucket]:
    direct: Counter[date] = Counter()
    organic: Counter[date] = Counter()
    for row in rows:
        start = bucket_start(to_local(row.created_at), unit)
        (direct if is_direct(row) else organic)[start] += 1
    buckets: list[Bucket] = []
    day = bucket_start(starts_on, unit)
    step = timedelta(days=7 if unit == "week" else 1)
    while day <= ends_on:
        key = f"timeline.{unit}.{day.isoformat()}"
        buckets.append(
            Bucket(
                start=day,
                direct=Figure(key=f"{key}.direct", label=day.isoformat(), n=direct[day]),
                organic=Figure(key=f"{key}.organic", label=day.isoformat(), n=organic[day]),
            )
        )
        day += step
    return buckets
