"""Report benchmark: how long the campaign report takes on a database of realistic size.

Builds a database like five years of a busy help chat (1,000,000 conversations by default,
about 550 a day, ~20 campaigns of six weeks with three channels each) and times what the
analyst waits for: `reports.actions.compute` for several campaigns, the internal and
partner editions through `produce`, a whole-year period report, the longest period a
report may cover, and the dashboard. The goal is at most 2 s per report.

    python bench/report.py --quick        # 50,000 conversations: a smoke run
    python bench/report.py                # 1,000,000 on SQLite, then on PostgreSQL
    python bench/report.py --backend postgresql \
        --experiment "CREATE INDEX ix_try ON conversations (created_at, id)"

How the data is made: the schema comes from the migrations (`migrate.upgrade`), the
taxonomy from `ensure_defaults`, staff, regional contact persons and campaigns (with
their channels and tracking codes) from the product's actions. The bulk (chatters,
conversations, registrations, duplicates and their merges, handovers, daily traffic) is
inserted directly, in batches of 10,000 rows (SQLAlchemy Core executemany on SQLite, COPY
on PostgreSQL): making a million chats through the actions would take days. Those rows are
what the actions would leave behind: codes of the shipped taxonomy, derived registration
facts (source, campaign code, account, earlier conversations, wait and duration), merges
for duplicates, `warm_handover` on the registration of every handover. Messages are not
made (reports never read them), so `last_seq` is 0. SQLite gets no ANALYZE (the product
never runs it; `--sqlite-analyze` to try); PostgreSQL gets VACUUM ANALYZE after the load,
as autovacuum would soon do.

When a report is slower than the goal, the run says where the time goes: the queries
behind it timed on the bare driver, their plans (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE),
and a profile of the report's Python side. `--experiment SQL` runs a statement (an index,
say) on the bench database after the baseline and times the reports again.

The PostgreSQL database is a new one with a unique name on KEERPUNT_BENCH_POSTGRES (by
default postgresql://postgres@127.0.0.1:5432/test), dropped at the end whatever happens.
The figures go to bench/results/report.json (a --quick run to report-quick.json).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import itertools
import json
import math
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr
from sqlalchemy import JSON, Table, create_engine, event, insert, text
from sqlalchemy.engine import make_url

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.passwords import hash_password
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.bootstrap import ensure_defaults
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns import store as campaigns_store
from keerpunt.campaigns.models import NO_CHANNEL
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.db import migrate
from keerpunt.db.base import Base, import_models
from keerpunt.handover import actions as handover
from keerpunt.handover.schemas import ContactWrite
from keerpunt.privacy.crypto import KeyRing
from keerpunt.registration import store as registration_store
from keerpunt.registration.actions import VISITOR_CODES
from keerpunt.registration.taxonomy import Taxonomy, parse_taxonomy, shipped_source
from keerpunt.reports import actions as reports
from keerpunt.reports import figures
from keerpunt.reports import store as reports_store
from keerpunt.reports.schemas import ReportRequest

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "bench" / "results" / "report.json"
QUICK_OUTPUT = REPO / "bench" / "results" / "report-quick.json"
ADMIN_DSN = os.environ.get("KEERPUNT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
GOAL_S = 2.0
DEFAULT_CONVERSATIONS = 1_000_000
QUICK_CONVERSATIONS = 50_000
PER_DAY = 550  # conversations a day on average: sets how many days the data covers
END_ON = date(2026, 11, 30)  # the last day with chats; reports are made the day after
CAMPAIGN_DAYS = 42
CAMPAIGN_EVERY_DAYS = 91  # one campaign a quarter
LATE_DAYS = 28  # a campaign's links still bring a few chats this long after it ended
BATCH = 10_000  # conversations per batch of inserts
COMMIT_EVERY = 100_000  # conversations per transaction
COUNSELORS = 25
BENCH_PASSWORD = "a-long-password-123"  # noqa: S105 (the bench's own throwaway accounts)

# The chance of each fate of a chat, of all chats started; the rest are conversations held.
P_ABANDONED = 0.03  # the chatter left the queue before anyone accepted
P_NO_CONTENT = 0.10
P_TEST_ABUSE = 0.03
P_DUPLICATE = 0.02
P_UNREGISTERED = 0.004  # ended but never registered (forgotten)
P_DRAFT = 0.006  # a draft left unfinished
RECENT_DAYS = 3  # in the last days of the data many chats are not registered yet
P_RETURNING = 0.15  # a chat by an earlier chatter (same identity)
P_ACCOUNT = 0.04  # a new chatter makes an account during their first chat
P_HANDOVER = 0.03  # of crime chats with a known region

# Conversation.visitor, as the chat page asks it ("who is this chat for").
START_VISITOR = {"youth": 70, "relative": 15, "professional": 4, "unknown": 11}
START_VISITOR_DIRECT = {"youth": 82, "relative": 10, "professional": 2, "unknown": 6}
# Registration visitor by the chat's start visitor (taxonomy codes).
VISITOR_BY_START: dict[str, dict[str, float]] = {
    "youth": {"youth": 96, "friend": 2, "unknown": 2},
    "relative": {"parent": 55, "family": 25, "friend": 20},
    "professional": {"professional": 100},
    "unknown": {
        "youth": 60,
        "parent": 15,
        "family": 5,
        "friend": 5,
        "professional": 5,
        "unknown": 10,
    },
}
GROUP = {"youth": "youth", "parent": "relative", "family": "relative", "friend": "relative"}
AGE_YOUTH = {"under_13": 3, "13_15": 20, "16_17": 33, "18_20": 25, "21_24": 12, "unknown": 7}
AGE_ADULT = {"25_plus": 70, "unknown": 30}
REGIONS = {
    "noord": 8,
    "oost": 14,
    "midden": 10,
    "noord_holland": 9,
    "amsterdam_amstelland": 9,
    "den_haag": 10,
    "rotterdam": 11,
    "zeeland_west_brabant": 9,
    "oost_brabant": 9,
    "limburg": 6,
    "unknown": 5,
}
CRIME: dict[str, dict[str, float]] = {
    "youth": {"yes": 57, "no": 31, "unclear": 12},
    "relative": {"yes": 50, "no": 37, "unclear": 13},
    "professional": {"yes": 45, "no": 42, "unclear": 13},
    "unknown": {"yes": 40, "no": 45, "unclear": 15},
}
CRIME_FORMS = {
    "drugs_selling": 30,
    "drugs_transport": 14,
    "drugs_port": 4,
    "burglary": 12,
    "robbery": 10,
    "theft": 8,
    "financial": 10,
    "explosives": 3,
    "violence_weapons": 7,
    "circuit_unknown": 9,
    "other": 3,
}
SIGNALS = {
    "threatened": 25,
    "family_threatened": 10,
    "violence_against": 12,
    "dependency": 16,
    "debt_to_recruiter": 15,
    "no_control_earnings": 6,
    "recruited_online": 9,
    "pressure_not_to_leave": 7,
}
P_SIGNALS = 0.5  # of crime chats
OTHER_PROBLEMS = {
    "sexual_exploitation": 6,
    "domestic_violence": 14,
    "mental_health": 30,
    "debts": 15,
    "housing": 10,
    "substance_use": 15,
    "other": 10,
}
QUESTIONS_YOUTH = {
    "how_to_stop": 30,
    "how_to_say_no": 12,
    "afraid_to_relapse": 10,
    "get_safe": 10,
    "help_loved_one": 0,
    "tell_story": 25,
    "other": 13,
}
QUESTIONS_RELATIVE = {"help_loved_one": 80, "get_safe": 8, "other": 12}
OFFERED_YOUTH = {
    "clarified": 30,
    "lowered_thresholds": 15,
    "psycho_education": 12,
    "knowledge_for_relatives": 0,
    "safety": 10,
    "information_advice": 25,
    "explored_more_help": 15,
    "social_environment": 5,
    "warm_handover": 0,  # only with a handover
}
OFFERED_RELATIVE = {
    "knowledge_for_relatives": 50,
    "information_advice": 20,
    "clarified": 20,
    "explored_more_help": 10,
}
HOW_MANY_FORMS = {1: 68, 2: 26, 3: 6}
HOW_MANY_SIGNALS = {1: 60, 2: 30, 3: 10}
HOW_MANY_OTHER = {1: 75, 2: 25}
HOW_MANY_QUESTIONS = {1: 75, 2: 25}
HOW_MANY_OFFERED = {1: 45, 2: 40, 3: 15}
HANDOVER_STATUS = {"completed": 65, "declined": 30, "accepted": 5}
THEMES = (
    "Rake Woorden",
    "Kies je eigen weg",
    "Praat erover",
    "Niet alleen",
    "Zeg het hardop",
    "Uit het circuit",
    "Jouw verhaal telt",
    "Stap eruit",
)
CHANNEL_SETS = (
    ("Snapchat", "TikTok", "Instagram"),
    ("TikTok", "Instagram", "YouTube"),
    ("Snapchat", "TikTok", "Spotify"),
    ("Instagram", "Snapchat", "Facebook"),
)
# Insert order: a row's foreign keys point at rows of tables earlier in it.
TABLES = (
    "chatters",
    "conversations",
    "registrations",
    "chatter_merges",
    "handovers",
    "traffic_days",
)


class BenchError(Exception):
    """The run cannot go on; the message says why."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Distributions ---------------------------------------------------------------------------


@dataclass
class Choice:
    """Weighted values; `some` draws distinct ones."""

    values: list[Any]
    cum: list[float]

    @classmethod
    def of(cls, weights: dict[Any, float]) -> Choice:
        pairs = [(v, w) for v, w in weights.items() if w > 0]
        return cls([v for v, _ in pairs], list(itertools.accumulate(w for _, w in pairs)))

    @classmethod
    def codes(
        cls, taxonomy: Taxonomy, name: str, weights: dict[str, float], default: float = 0
    ) -> Choice:
        """Codes of one taxonomy list; a weight for a code the taxonomy lacks (or retired)
        is an error, so the data can only hold codes the product offers."""
        offered = {item.code for item in taxonomy.items(name) if not item.retired}
        missing = sorted(set(weights) - offered)
        if missing:
            raise BenchError(f"the taxonomy's {name} has no code {missing[0]!r}")
        return cls.of(
            {
                item.code: weights.get(item.code, default)
                for item in taxonomy.items(name)
                if item.code in offered
            }
        )

    def one(self, rng: random.Random) -> Any:
        return rng.choices(self.values, cum_weights=self.cum)[0]

    def some(self, rng: random.Random, k: int) -> list[Any]:
        k = min(k, len(self.values))
        out: list[Any] = []
        while len(out) < k:
            value = self.one(rng)
            if value not in out:
                out.append(value)
        return out


class Mix:
    """Every distribution the generator draws from, checked against the taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        def codes(name: str, weights: dict[str, float], default: float = 0) -> Choice:
            return Choice.codes(taxonomy, name, weights, default)

        self.start_visitor = Choice.of(START_VISITOR)
        self.start_visitor_direct = Choice.of(START_VISITOR_DIRECT)
        self.visitor = {k: codes("visitor", w) for k, w in VISITOR_BY_START.items()}
        self.age_youth = codes("age_band", AGE_YOUTH)
        self.age_adult = codes("age_band", AGE_ADULT)
        self.region = codes("region", REGIONS, 1)
        self.crime = {k: codes("crime_involvement", w) for k, w in CRIME.items()}
        self.forms = codes("crime_forms", CRIME_FORMS, 1)
        self.signals = codes("signals", SIGNALS, 1)
        self.other = codes("other_problems", OTHER_PROBLEMS, 1)
        self.questions_youth = codes("help_questions", QUESTIONS_YOUTH, 1)
        self.questions_relative = codes("help_questions", QUESTIONS_RELATIVE)
        self.offered_youth = codes("help_offered", OFFERED_YOUTH, 1)
        self.offered_relative = codes("help_offered", OFFERED_RELATIVE)
        self.how_many_forms = Choice.of(HOW_MANY_FORMS)
        self.how_many_signals = Choice.of(HOW_MANY_SIGNALS)
        self.how_many_other = Choice.of(HOW_MANY_OTHER)
        self.how_many_questions = Choice.of(HOW_MANY_QUESTIONS)
        self.how_many_offered = Choice.of(HOW_MANY_OFFERED)
        self.handover_status = Choice.of(HANDOVER_STATUS)
        for name, code in (
            ("outcome", "conversation_held"),
            ("outcome", "no_content"),
            ("outcome", "test_abuse"),
            ("outcome", "duplicate"),
            ("help_offered", "warm_handover"),
            ("safety", "acute_danger"),
            ("safety", "safety_discussed"),
        ):
            item = taxonomy.item(name, code)
            if item is None or item.retired:
                raise BenchError(f"the taxonomy's {name} has no code {code!r}")
        self.known_regions = [item.code for item in taxonomy.items("region") if not item.retired]


class Ring:
    """The last `size` values added, to pick a random recent one from."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: list[Any] = []
        self.added = 0

    def add(self, value: Any) -> None:
        if len(self.items) < self.size:
            self.items.append(value)
        else:
            self.items[self.added % self.size] = value
        self.added += 1

    def pick(self, rng: random.Random) -> Any:
        return self.items[rng.randrange(len(self.items))]

    def __bool__(self) -> bool:
        return bool(self.items)


# The plan: days, campaigns, how many chats a day ---------------------------------------


@dataclass
class CampaignSpec:
    name: str
    starts_on: date
    ends_on: date
    regions: list[str]
    channels: tuple[str, ...]
    shares: list[float]  # of the campaign's direct chats, per channel


@dataclass
class CampaignPlan:
    id: int
    name: str
    starts_on: date
    ends_on: date
    regions: list[str]
    channels: list[tuple[int, str]]  # (id, tracking code)
    shares: Choice  # index into channels


@dataclass
class DayPlan:
    day: date
    count: int
    campaign: CampaignPlan | None = None
    direct: float = 0.0  # the chance a chat that day came through the campaign's links
    late: CampaignPlan | None = None
    late_share: float = 0.0  # ... through the links of a campaign that ended


def period(conversations: int) -> tuple[date, int]:
    days = max(60, round(conversations / PER_DAY))
    return END_ON - timedelta(days=days - 1), days


def schedule(
    rng: random.Random, starts_on: date, days: int, regions: list[str]
) -> list[CampaignSpec]:
    count = max(1, round(days / CAMPAIGN_EVERY_DAYS))
    slot = days / count
    places = [r for r in regions if r != "unknown"]
    specs = []
    for index in range(count):
        first = int(index * slot)
        room = int(slot) - CAMPAIGN_DAYS - 14  # two weeks at least before the next one
        offset = rng.randint(7, room) if room > 7 else 0
        start = starts_on + timedelta(days=first + offset)
        length = min(CAMPAIGN_DAYS, days - first - offset - 1)
        shares = sorted((rng.uniform(0.5, 1.5) * w for w in (5, 3, 2)), reverse=True)
        specs.append(
            CampaignSpec(
                name=f"{THEMES[index % len(THEMES)]} {start.year}",
                starts_on=start,
                ends_on=start + timedelta(days=length - 1),
                regions=rng.sample(places, rng.randint(1, 3)),
                channels=CHANNEL_SETS[index % len(CHANNEL_SETS)],
                shares=[s / sum(shares) for s in shares],
            )
        )
    return specs


def day_plans(
    rng: random.Random, starts_on: date, days: int, plans: list[CampaignPlan], total: int
) -> list[DayPlan]:
    out: list[DayPlan] = []
    weights: list[float] = []
    for index in range(days):
        day = starts_on + timedelta(days=index)
        plan = DayPlan(day, 0)
        for campaign in plans:
            if campaign.starts_on <= day <= campaign.ends_on:
                # Most chats come in the first weeks, when the ads are new.
                week = (day - campaign.starts_on).days // 14
                plan.campaign = campaign
                plan.direct = (0.42, 0.33, 0.25)[min(week, 2)] * rng.uniform(0.85, 1.15)
            after = (day - campaign.ends_on).days
            if 0 < after <= LATE_DAYS:
                plan.late, plan.late_share = campaign, 0.03 * (1 - after / LATE_DAYS)
        season = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 30) / 365)
        growth = 0.85 + 0.3 * index / days
        weekday = 0.8 if day.weekday() >= 5 else 1.0  # shorter opening hours
        base = weekday * season * growth * rng.uniform(0.85, 1.15)
        # Campaign chats come on top of the organic ones.
        weights.append(base / (1 - plan.direct - plan.late_share))
        out.append(plan)
    scale = total / sum(weights)
    carried = 0.0
    given = 0
    for plan, weight in zip(out, weights, strict=True):
        carried += weight * scale
        plan.count = round(carried) - given
        given += plan.count
    out[-1].count += total - given
    return out


# The generator ---------------------------------------------------------------------------

Row = dict[str, Any]
Batch = dict[str, list[Row]]


class Generator:
    """Rows as the product leaves them, day by day, in batches of about BATCH chats."""

    def __init__(
        self,
        rng: random.Random,
        mix: Mix,
        days: list[DayPlan],
        *,
        zone: Any,
        counselors: list[int],
        contacts: dict[str, int],
        taxonomy_version: int,
        password_hash: str,
    ) -> None:
        self.rng = rng
        self.mix = mix
        self.days = days
        self.zone = zone
        self.counselors = counselors
        self.contacts = contacts
        self.version = taxonomy_version
        self.password_hash = password_hash
        self.recent = Ring(20_000)  # chatters who may come back
        self.with_account = Ring(5_000)
        self.held = Ring(2_000)  # (conversation, chatter) a duplicate may be of
        self.accounts: set[str] = set()
        self.earlier: dict[str, int] = {}  # conversations so far, per (canonical) chatter
        self.account_seq = 0
        self.batch: Batch = {name: [] for name in TABLES}
        self.day = END_ON

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def batches(self) -> Iterator[Batch]:
        for plan in self.days:
            self.add_day(plan)
            if len(self.batch["conversations"]) >= BATCH:
                yield self.batch
                self.batch = {name: [] for name in TABLES}
        if any(self.batch.values()):
            yield self.batch

    def add_day(self, plan: DayPlan) -> None:
        rng = self.rng
        day = self.day = plan.day
        opens = 14 if day.weekday() >= 5 else 12
        offset = self.zone.utcoffset(datetime.combine(day, day_time(12)))
        midnight = datetime.combine(day, day_time(), UTC) - offset
        moments = sorted(
            rng.triangular(opens * 3600, 22 * 3600, 19.5 * 3600) for _ in range(plan.count)
        )
        organic = 0
        direct: dict[int, int] = {}
        for seconds in moments:
            channel: tuple[int, str] | None = None
            campaign: CampaignPlan | None = None
            u = rng.random()
            if plan.campaign is not None and u < plan.direct:
                campaign = plan.campaign
                channel = campaign.channels[campaign.shares.one(rng)]
            elif plan.late is not None and u > 1 - plan.late_share:
                channel = plan.late.channels[plan.late.shares.one(rng)]
            if channel is None:
                organic += 1
            else:
                direct[channel[0]] = direct.get(channel[0], 0) + 1
            self.add_conversation(midnight + timedelta(seconds=seconds), channel, campaign)
        self.add_traffic(plan, organic, direct)

    def add_traffic(self, plan: DayPlan, organic: int, direct: dict[int, int]) -> None:
        rng, day = self.rng, plan.day
        rows = self.batch["traffic_days"]
        # Every chat started counts a click; some press and do not start one.
        rows.append(
            self.traffic(day, NO_CHANNEL, "visit", round(organic * rng.uniform(3, 4.5)) + 10)
        )
        rows.append(
            self.traffic(day, NO_CHANNEL, "click", organic + round(organic * rng.uniform(0.1, 0.3)))
        )
        channels = dict.fromkeys(c for c, _ in plan.campaign.channels) if plan.campaign else {}
        channels |= dict.fromkeys(direct)
        for channel in channels:
            chats = direct.get(channel, 0)
            clicks = chats + round(chats * rng.uniform(0.2, 0.8)) + rng.randint(0, 3)
            visits = max(round(clicks * rng.uniform(4, 9)), rng.randint(5, 40))
            rows.append(self.traffic(day, channel, "visit", visits))
            rows.append(self.traffic(day, channel, "click", clicks))

    @staticmethod
    def traffic(day: date, channel: int, measure: str, visitors: int) -> Row:
        return {"day": day, "channel_id": channel, "measure": measure, "visitors": visitors}

    def new_chatter(self, at: datetime, *, merged_into: str | None = None) -> str:
        rng = self.rng
        chatter = self.new_id()
        username = password_hash = account_at = None
        if merged_into is None and rng.random() < P_ACCOUNT:
            self.account_seq += 1
            username = f"chatter{self.account_seq:06d}"
            password_hash = self.password_hash
            account_at = at + timedelta(seconds=rng.randint(120, 1200))
            self.accounts.add(chatter)
            self.with_account.add(chatter)
        if merged_into is None:
            self.recent.add(chatter)
        self.batch["chatters"].append(
            {
                "id": chatter,
                "token_hash": f"{rng.getrandbits(256):064x}",
                "created_at": at,
                "username": username,
                "password_hash": password_hash,
                "account_created_at": account_at,
                "merged_into": merged_into,
            }
        )
        return chatter

    def add_conversation(
        self, created: datetime, channel: tuple[int, str] | None, campaign: CampaignPlan | None
    ) -> None:
        rng, mix = self.rng, self.mix
        conv = self.new_id()
        u = rng.random()
        outcome = "conversation_held"
        for fate, chance in (
            ("abandoned", P_ABANDONED),
            ("no_content", P_NO_CONTENT),
            ("test_abuse", P_TEST_ABUSE),
            ("duplicate", P_DUPLICATE),
        ):
            if u < chance:
                outcome = fate
                break
            u -= chance
        if outcome == "duplicate" and not self.held:
            outcome = "conversation_held"
        # Who: a duplicate is a new identity a counselor judged to be an earlier chatter.
        duplicate_of: str | None = None
        target: str | None = None
        if outcome == "duplicate":
            duplicate_of, target = self.held.pick(rng)
            chatter = self.new_chatter(created, merged_into=target)
            earlier = self.earlier.get(target, 0)
            self.earlier[target] = earlier + 1
        elif self.recent and rng.random() < P_RETURNING:
            pool = self.with_account if self.with_account and rng.random() < 0.35 else self.recent
            chatter = pool.pick(rng)
            earlier = self.earlier.get(chatter, 0)
            self.earlier[chatter] = earlier + 1
        else:
            chatter = self.new_chatter(created)
            earlier, self.earlier[chatter] = 0, 1
        start = (mix.start_visitor_direct if channel else mix.start_visitor).one(rng)
        wait = min(3600, 5 + int(rng.expovariate(1 / 100)))
        counselor: int | None = None
        accepted: datetime | None = None
        if outcome == "abandoned":
            status, ended, ended_by = "abandoned", created + timedelta(seconds=wait), "chatter"
            wrote = rng.random() < 0.3
        else:
            counselor = rng.choice(self.counselors)
            accepted = created + timedelta(seconds=wait)
            if outcome == "conversation_held":
                duration = min(7200, max(120, int(rng.lognormvariate(math.log(1500), 0.6))))
            else:
                duration = rng.randint(60, 400)
            status, ended = "ended", accepted + timedelta(seconds=duration)
            ended_by = "counselor" if rng.random() < 0.6 else "chatter"
            wrote = outcome != "no_content" or rng.random() < 0.15
        self.batch["conversations"].append(
            {
                "id": conv,
                "chatter_id": chatter,
                "visitor": start,
                "locale": "en" if rng.random() < 0.03 else "nl",
                "channel_id": channel[0] if channel else None,
                "status": status,
                "counselor_id": counselor,
                "last_seq": 0,
                "chatter_wrote": wrote,
                "created_at": created,
                "accepted_at": accepted,
                "ended_at": ended,
                "ended_by": ended_by,
            }
        )
        if counselor is None or accepted is None:
            return  # nobody took the chat, so nobody can register it
        recent = (END_ON - self.day).days < RECENT_DAYS
        if rng.random() < (0.3 if recent else P_UNREGISTERED):
            return
        if rng.random() < (0.2 if recent else P_DRAFT):
            outcome = "draft"
        saved = ended + timedelta(seconds=rng.randint(30, 900))
        row: Row = {
            "conversation_id": conv,
            "taxonomy_version": self.version,
            "counselor_id": counselor,
            "status": "complete",
            "outcome": outcome,
            "visitor": None,
            "age_band": None,
            "region": None,
            "crime_involvement": None,
            "crime_forms": [],
            "other_problems": [],
            "signals": [],
            "help_questions": [],
            "help_offered": [],
            "safety": [],
            "notes": None,
            "duplicate_of": duplicate_of,
            "source": "campaign" if channel else "organic",
            "campaign_ref": channel[1] if channel else None,
            "has_account": chatter in self.accounts,
            "chatter_sent_message": wrote,
            "wait_seconds": wait,
            "duration_seconds": int((ended - accepted).total_seconds()),
            "earlier_conversations": earlier,
            "created_at": saved,
            "updated_at": saved,
            "completed_at": saved,
        }
        if outcome == "draft":
            # An unfinished form: what draft_of fills in, nothing chosen yet.
            row.update(
                status="draft", outcome=None, completed_at=None, visitor=VISITOR_CODES.get(start)
            )
        elif outcome == "duplicate":
            self.batch["chatter_merges"].append(
                {
                    "conversation_id": conv,
                    "duplicate_of": duplicate_of,
                    "source_chatter": chatter,
                    "target_chatter": target,
                    "by_user": counselor,
                    "at": saved - timedelta(seconds=20),
                    "undone_at": None,
                    "undone_by": None,
                }
            )
        elif outcome == "conversation_held":
            self.fill_held(row, start, campaign, conv, counselor, accepted)
            self.held.add((conv, chatter))
        self.batch["registrations"].append(row)

    def fill_held(
        self,
        row: Row,
        start: str,
        campaign: CampaignPlan | None,
        conv: str,
        counselor: int,
        accepted: datetime,
    ) -> None:
        rng, mix = self.rng, self.mix
        visitor = mix.visitor[start].one(rng)
        group = GROUP.get(visitor, visitor)
        young = group == "youth" or (visitor == "unknown" and rng.random() < 0.5)
        region = mix.region.one(rng)
        if campaign is not None and rng.random() < 0.6:
            region = rng.choice(campaign.regions)
        crime = mix.crime.get(group, mix.crime["unknown"]).one(rng)
        row.update(
            visitor=visitor,
            age_band=(mix.age_youth if young else mix.age_adult).one(rng),
            region=region,
            crime_involvement=crime,
        )
        if crime == "yes":
            row["crime_forms"] = mix.forms.some(rng, mix.how_many_forms.one(rng))
            if rng.random() < P_SIGNALS:
                row["signals"] = mix.signals.some(rng, mix.how_many_signals.one(rng))
        if rng.random() < (0.2 if crime == "yes" else 0.65):
            row["other_problems"] = mix.other.some(rng, mix.how_many_other.one(rng))
        relative = group == "relative"
        if rng.random() < 0.85:
            questions = mix.questions_relative if relative else mix.questions_youth
            row["help_questions"] = questions.some(rng, mix.how_many_questions.one(rng))
        offered = mix.offered_relative if relative else mix.offered_youth
        row["help_offered"] = offered.some(rng, mix.how_many_offered.one(rng))
        if rng.random() < 0.004:
            row["safety"] = ["acute_danger", "safety_discussed"]
        elif rng.random() < (0.12 if crime == "yes" else 0.04):
            row["safety"] = ["safety_discussed"]
        if crime == "yes" and region in self.contacts and rng.random() < P_HANDOVER:
            self.add_handover(row, conv, region, counselor, accepted)

    def add_handover(
        self, row: Row, conv: str, region: str, counselor: int, accepted: datetime
    ) -> None:
        rng = self.rng
        at = accepted + timedelta(seconds=rng.randint(300, 1500))
        age = (END_ON - self.day).days
        if age < 7:
            status = rng.choice(("proposed", "contacted"))
        elif age < 30:
            status = rng.choice(("contacted", "accepted", "completed", "declined"))
        else:
            status = self.mix.handover_status.one(rng)
        changed = at if status == "proposed" else at + timedelta(days=rng.uniform(1, min(age, 21)))
        self.batch["handovers"].append(
            {
                "conversation_id": conv,
                "region": region,
                "contact_id": self.contacts[region],
                "counselor_id": counselor,
                "consent_at": at,
                "share": ["visitor", "age_band"],
                "summary": None,
                "status": status,
                "created_at": at,
                "status_at": changed,
                "status_by": counselor,
            }
        )
        row["help_offered"] = [*row["help_offered"], "warm_handover"]


# Loading ---------------------------------------------------------------------------------


class SqliteLoader:
    """Core executemany on the plain sqlite3 driver, foreign keys checked."""

    def __init__(self, url: str) -> None:
        self.path = Path(make_url(url).database or "")
        self.engine = create_engine(migrate.sync_url(url))

        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in (
                "journal_mode=WAL",
                "synchronous=OFF",  # a benchmark's load: a crash means starting again
                "foreign_keys=ON",
                "cache_size=-262144",
            ):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        event.listen(self.engine, "connect", pragmas)
        self.conn = self.engine.connect()

    def write(self, table: Table, rows: list[Row]) -> None:
        self.conn.execute(insert(table), rows)

    def commit(self) -> None:
        self.conn.commit()

    def finish(self, analyze: bool) -> None:
        self.conn.commit()
        if analyze:
            self.conn.exec_driver_sql("ANALYZE")
            self.conn.commit()
        self.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.commit()

    def count(self, table: str) -> int:
        return int(self.conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


class PostgresLoader:
    """COPY through psycopg, in the same transactions."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn)

    def write(self, table: Table, rows: list[Row]) -> None:
        columns = list(rows[0])
        as_json = [isinstance(table.c[name].type, JSON) for name in columns]
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[name]) if is_json else row[name]
                        for name, is_json in zip(columns, as_json, strict=True)
                    ]
                )

    def commit(self) -> None:
        self.conn.commit()

    def finish(self, analyze: bool) -> None:
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")

    def count(self, table: str) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()


Loader = SqliteLoader | PostgresLoader


def load(loader: Loader, generator: Generator, analyze: bool) -> dict[str, Any]:
    import_models()
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    generating = inserting = 0.0
    done = pending = 0
    started = time.perf_counter()
    batches = generator.batches()
    while True:
        mark = time.perf_counter()
        batch = next(batches, None)
        generating += time.perf_counter() - mark
        if batch is None:
            break
        mark = time.perf_counter()
        for name in TABLES:
            if batch[name]:
                loader.write(tables[name], batch[name])
        size = len(batch["conversations"])
        done += size
        pending += size
        if pending >= COMMIT_EVERY:
            loader.commit()
            pending = 0
            elapsed = time.perf_counter() - started
            log(f"  {done:,} conversations in {elapsed:.0f} s ({done / elapsed:,.0f}/s)")
        inserting += time.perf_counter() - mark
    mark = time.perf_counter()
    loader.finish(analyze)
    finishing = time.perf_counter() - mark
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "generate_s": round(generating, 1),
        "insert_s": round(inserting, 1),
        "finish_s": round(finishing, 1),  # SQLite checkpoint / PostgreSQL VACUUM ANALYZE
    }


# Setting up through the product's actions ------------------------------------------------


def bench_settings(url: str) -> Settings:
    """What a test uses (tests/conftest.py make_settings): real keys, always open."""
    return Settings(
        env="production",
        database_url=url,
        encryption_keys=SecretStr(KeyRing.encode_spec({"k1": KeyRing.generate_key()})),
        session_secret=SecretStr(os.urandom(32).hex()),
        always_open=True,
        organisation_file=None,
    )


def principal(user_id: int, username: str, roles: Sequence[str]) -> StaffPrincipal:
    return StaffPrincipal(user_id, username, frozenset(roles), "bench")


@dataclass
class Staff:
    analyst: StaffPrincipal
    admin: StaffPrincipal
    counselors: list[int]


async def make_staff(ctx: Context) -> Staff:
    analyst = await accounts.create_user(ctx, "bench", BENCH_PASSWORD, ["analyst"])
    admin = await accounts.create_user(ctx, "bench-admin", BENCH_PASSWORD, ["admin"])
    counselors = [
        (await accounts.create_user(ctx, f"bench-counselor-{i}", BENCH_PASSWORD, ["counselor"])).id
        for i in range(1, COUNSELORS + 1)
    ]
    return Staff(
        principal(analyst.id, analyst.username, ["analyst"]),
        principal(admin.id, admin.username, ["admin"]),
        counselors,
    )


async def make_contacts(ctx: Context, admin: StaffPrincipal, taxonomy: Taxonomy) -> dict[str, int]:
    contacts = {}
    for item in taxonomy.items("region"):
        if item.code == "unknown" or item.retired:
            continue
        row = await handover.add_contact(
            ctx,
            admin,
            item.code,
            ContactWrite(
                role="zorgcoordinator",
                name=f"Zorgcoördinator {item.label.nl}",
                reach=f"zorg-{item.code}@example.org",
            ),
        )
        contacts[item.code] = row.id
    return contacts


async def make_campaigns(
    ctx: Context, clock: FrozenClock, analyst: StaffPrincipal, specs: list[CampaignSpec]
) -> list[CampaignPlan]:
    zone = ctx.organisation.zone
    plans = []
    for spec in specs:
        clock.set(datetime.combine(spec.starts_on - timedelta(days=14), day_time(10), zone))
        made = await campaigns.create(
            ctx,
            analyst,
            CampaignIn(
                name=spec.name,
                goal="Jongeren laten zien dat ze hun verhaal kwijt kunnen, anoniem en gratis.",
                target_group="Jongeren van 13 t/m 24 jaar",
                starts_on=spec.starts_on,
                ends_on=spec.ends_on,
                regions=spec.regions,
                channels=[ChannelIn(name=name) for name in spec.channels],
            ),
        )
        plans.append(
            CampaignPlan(
                id=made.id,
                name=made.name,
                starts_on=made.starts_on,
                ends_on=made.ends_on,
                regions=list(made.regions),
                channels=[(c.id, c.code) for c in made.channels],
                shares=Choice.of(dict(enumerate(spec.shares))),
            )
        )
    return plans


# Timing ----------------------------------------------------------------------------------


def spread(seconds: Sequence[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "min_s": round(min(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
    }


async def timed(runs: int, work: Callable[[], Awaitable[Any]]) -> tuple[dict[str, Any], Any]:
    seconds = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        seconds.append(time.perf_counter() - started)
    return spread(seconds), result


HEADLINES = (
    "chats.started",
    "chats.direct",
    "outcome.held",
    "outcome.no_content",
    "outcome.duplicate",
    "outcome.unregistered",
    "content.about_crime",
    "exploitation.with_signals",
    "accounts.created",
    "handovers.total",
)


def headline(report: Any) -> dict[str, int | None]:
    """A few of the report's numbers, to see at a glance that the data looks real."""
    found = {f.key: f.n for f in report.figures()}
    return {key: found.get(key) for key in HEADLINES}


def chats_of(report: Any) -> int | None:
    base = report.chats.base if hasattr(report, "chats") else report.funnel.rows[1]
    return base.n if base is not None else None


@dataclass
class Periods:
    year: tuple[date, date, str]
    longest: tuple[date, date] | None


def periods(starts_on: date) -> Periods:
    last_year = END_ON.year - 1 if END_ON.month < 12 or END_ON.day < 31 else END_ON.year
    year_start, year_end = date(last_year, 1, 1), date(last_year, 12, 31)
    if year_start >= starts_on:
        year = (year_start, year_end, f"calendar year {last_year}")
    else:
        year = (starts_on, END_ON, "the whole generated period (shorter than a year)")
    longest_start = END_ON - timedelta(days=reports.MAX_DAYS)
    longest = (longest_start, END_ON) if longest_start >= starts_on else None
    return Periods(year, longest)


def pick_campaigns(plans: list[CampaignPlan], count: int) -> list[CampaignPlan]:
    if count >= len(plans):
        return list(plans)
    if count <= 1:
        return [plans[len(plans) // 2]]
    indexes = sorted({round(i * (len(plans) - 1) / (count - 1)) for i in range(count)})
    return [plans[i] for i in indexes]


async def time_reports(
    ctx: Context, analyst: StaffPrincipal, chosen: list[CampaignPlan], spans: Periods, runs: int
) -> dict[str, Any]:
    out: dict[str, Any] = {"campaigns": []}
    for plan in chosen:
        log(f"  campaign {plan.id} {plan.name!r} {plan.starts_on}..{plan.ends_on}")
        entry: dict[str, Any] = {
            "campaign_id": plan.id,
            "name": plan.name,
            "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(),
        }
        compute, report = await timed(
            runs, lambda p=plan: reports.compute(ctx, ReportRequest(campaign_id=p.id))
        )
        entry["chats"] = chats_of(report)
        entry["figures"] = headline(report)
        entry["compute"] = compute
        for edition in ("internal", "partner"):
            request = ReportRequest(campaign_id=plan.id, edition=edition)
            entry[f"produce_{edition}"], _ = await timed(
                runs, lambda r=request: reports.produce(ctx, analyst, r)
            )
        out["campaigns"].append(entry)
    middle = chosen[len(chosen) // 2]
    stats, board = await timed(
        runs,
        lambda: reports.dashboard(ctx, analyst, middle.starts_on, middle.ends_on, [], middle.id),
    )
    out["dashboard_campaign"] = {"campaign_id": middle.id, "chats": chats_of(board), **stats}
    year_start, year_end, what = spans.year
    log(f"  period {year_start}..{year_end} ({what})")
    year: dict[str, Any] = {
        "what": what,
        "starts_on": year_start.isoformat(),
        "ends_on": year_end.isoformat(),
    }
    request = ReportRequest(starts_on=year_start, ends_on=year_end)
    year["compute"], report = await timed(runs, lambda: reports.compute(ctx, request))
    year["chats"] = chats_of(report)
    year["figures"] = headline(report)
    for edition in ("internal", "partner"):
        request = ReportRequest(starts_on=year_start, ends_on=year_end, edition=edition)
        year[f"produce_{edition}"], _ = await timed(
            runs, lambda r=request: reports.produce(ctx, analyst, r)
        )
    out["year"] = year
    stats, board = await timed(
        runs, lambda: reports.dashboard(ctx, analyst, year_start, year_end, [], None)
    )
    out["dashboard_year"] = {"chats": chats_of(board), **stats}
    if spans.longest is not None:
        start, end = spans.longest
        log(f"  longest period {start}..{end}")
        request = ReportRequest(starts_on=start, ends_on=end)
        stats, report = await timed(min(runs, 2), lambda: reports.compute(ctx, request))
        out["longest_period"] = {
            "what": f"the longest a report may cover ({reports.MAX_DAYS} days)",
            "starts_on": start.isoformat(),
            "ends_on": end.isoformat(),
            "chats": chats_of(report),
            "compute": stats,
        }
    return out


def medians(timings: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(what, median, max) of every timed report."""
    out = []
    for entry in timings["campaigns"]:
        for kind in ("compute", "produce_internal", "produce_partner"):
            stats = entry[kind]
            out.append(
                (f"campaign {entry['campaign_id']} {kind}", stats["median_s"], stats["max_s"])
            )
    out.append(
        (
            "dashboard campaign",
            timings["dashboard_campaign"]["median_s"],
            timings["dashboard_campaign"]["max_s"],
        )
    )
    for kind in ("compute", "produce_internal", "produce_partner"):
        stats = timings["year"][kind]
        out.append((f"year {kind}", stats["median_s"], stats["max_s"]))
    out.append(
        (
            "dashboard year",
            timings["dashboard_year"]["median_s"],
            timings["dashboard_year"]["max_s"],
        )
    )
    if "longest_period" in timings:
        stats = timings["longest_period"]["compute"]
        out.append(("longest period compute", stats["median_s"], stats["max_s"]))
    return out


# Where the time goes ---------------------------------------------------------------------


@contextlib.contextmanager
def instrumented() -> Iterator[dict[str, Any]]:
    """Time the parts of `compute` by wrapping the functions it calls."""
    spans: dict[str, Any] = {}
    originals = (
        reports_store.chats,
        reports_store.handover_regions,
        campaigns_store.traffic,
        figures.build,
    )

    def wrap(name: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                spans[name] = time.perf_counter() - started

        return timed_call

    def build(inputs: figures.Inputs) -> Any:
        spans["inputs"] = inputs
        started = time.perf_counter()
        try:
            return originals[3](inputs)
        finally:
            spans["build"] = time.perf_counter() - started

    reports_store.chats = wrap("chats_query", originals[0])  # type: ignore[assignment]
    reports_store.handover_regions = wrap("handovers_query", originals[1])  # type: ignore[assignment]
    campaigns_store.traffic = wrap("traffic_query", originals[2])  # type: ignore[assignment]
    figures.build = build
    try:
        yield spans
    finally:
        (
            reports_store.chats,
            reports_store.handover_regions,
            campaigns_store.traffic,
            figures.build,
        ) = originals


@contextlib.contextmanager
def captured(ctx: Context) -> Iterator[list[tuple[str, Any]]]:
    """The statements and parameters the context's engine sends to the driver."""
    statements: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    engine = ctx.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def top_functions(profile: cProfile.Profile, limit: int) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_, calls, total, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({name})",
                "calls": calls,
                "tottime_s": round(total, 3),
                "cumtime_s": round(cumulative, 3),
            }
        )
    rows.sort(key=lambda r: -r["tottime_s"])
    return rows[:limit]


class Raw:
    """The bench database on its bare driver: statements timed and explained without the
    ORM, and experiments run on it."""

    def __init__(self, backend: str, url: str, dsn: str | None) -> None:
        self.backend = backend
        self.url = url
        self.dsn = dsn

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        if self.backend == "sqlite":
            conn = sqlite3.connect(make_url(self.url).database or "")
            try:
                yield conn
            finally:
                conn.close()
        else:
            assert self.dsn is not None
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                yield conn

    def run(self, statement: str, parameters: Any) -> tuple[float, int]:
        with self.connect() as conn:
            started = time.perf_counter()
            rows = conn.execute(statement, parameters).fetchall()
            return time.perf_counter() - started, len(rows)

    def explain(self, statement: str, parameters: Any) -> list[str]:
        with self.connect() as conn:
            if self.backend == "sqlite":
                rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
                return [f"{'  ' * self._depth(rows, r)}{r[3]}" for r in rows]
            rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).fetchall()
            return [str(r[0]) for r in rows]

    @staticmethod
    def _depth(rows: list[Any], row: Any) -> int:
        parents = {r[0]: r[1] for r in rows}
        depth, parent = 0, row[1]
        while parent in parents:
            depth, parent = depth + 1, parents[parent]
        return depth

    def execute(self, statement: str) -> None:
        with self.connect() as conn:
            conn.execute(statement)
            if self.backend == "sqlite":
                conn.commit()
            else:
                conn.execute("ANALYZE")


def server_seconds(plan: list[str]) -> float | None:
    for line in plan:
        if line.startswith("Execution Time:"):
            return round(float(line.split()[2]) / 1000, 4)
    return None


def query_name(statement: str) -> str | None:
    lowered = " ".join(statement.lower().split())
    if "left outer join registrations" in lowered:
        return "chats"
    if lowered.startswith("select handovers.region"):
        return "handover_regions"
    if "from traffic_days" in lowered:
        return "traffic"
    return None


async def breakdown(ctx: Context, raw: Raw, request: ReportRequest) -> dict[str, Any]:
    """One compute taken apart: its parts, its queries on the bare driver with their plans,
    and profiles of the whole and of figures.build."""
    with instrumented() as spans, captured(ctx) as statements:
        started = time.perf_counter()
        await reports.compute(ctx, request)
        total = time.perf_counter() - started
    inputs = spans.pop("inputs")
    parts = {name: round(seconds, 3) for name, seconds in spans.items()}
    parts["rest"] = round(total - sum(spans.values()), 3)
    queries: dict[str, Any] = {}
    for statement, parameters in statements:
        name = query_name(statement)
        if name is None or name in queries:
            continue
        seconds, rows = raw.run(statement, parameters)
        plan = raw.explain(statement, parameters)
        queries[name] = {
            # Run and fetched on the bare driver: sqlite3 hands back text, psycopg decodes
            # json and timestamps itself. server_s: PostgreSQL's own execution time.
            "driver_s": round(seconds, 3),
            "server_s": server_seconds(plan),
            "rows": rows,
            "plan": plan,
            "sql": " ".join(statement.split()),
        }
    profile = cProfile.Profile()
    profile.enable()
    started = time.perf_counter()
    await reports.compute(ctx, request)
    profiled = time.perf_counter() - started
    profile.disable()
    build_profile = cProfile.Profile()
    build_profile.enable()
    figures.build(inputs)
    build_profile.disable()
    return {
        "request": request.model_dump(mode="json", exclude_defaults=True),
        "rows": len(inputs.rows),
        "compute_s": round(total, 3),
        "parts_s": parts,
        "queries": queries,
        "profile_compute": {
            "seconds_under_profiler": round(profiled, 3),
            "top": top_functions(profile, 20),
        },
        "profile_build": top_functions(build_profile, 12),
    }


async def experiment(
    ctx: Context,
    raw: Raw,
    statement: str,
    requests: dict[str, ReportRequest],
    baseline: dict[str, dict[str, Any]],
    runs: int,
) -> dict[str, Any]:
    log(f"  experiment: {statement}")
    result: dict[str, Any] = {"statement": statement}
    try:
        started = time.perf_counter()
        raw.execute(statement)
        result["statement_s"] = round(time.perf_counter() - started, 1)
    except (sqlite3.Error, psycopg.Error) as exc:
        result["error"] = str(exc).splitlines()[0]
        return result
    await ctx.db.dispose()  # fresh connections see the new schema and statistics
    for name, request in requests.items():
        after, _ = await timed(runs, lambda r=request: reports.compute(ctx, r))
        detail = await breakdown(ctx, raw, request)
        result[name] = {
            "before": baseline[name],
            "after": after,
            "parts_s": detail["parts_s"],
            "plans": {q: v["plan"] for q, v in detail["queries"].items()},
            "driver_s": {q: v["driver_s"] for q, v in detail["queries"].items()},
        }
    return result


# One backend -----------------------------------------------------------------------------


def database_size(path: Path) -> dict[str, int]:
    sizes = {}
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            sizes[f"file{suffix or ''}_bytes"] = part.stat().st_size
    return sizes


async def bench_database(
    backend: str, url: str, dsn: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    result: dict[str, Any] = {"measured_at_utc": now_utc()}
    taxonomy = parse_taxonomy(shipped_source())
    mix = Mix(taxonomy)
    rng = random.Random(args.seed)
    starts_on, days = period(args.conversations)
    log(f"{backend}: schema")
    migrate.upgrade(url)
    clock = FrozenClock(datetime.combine(starts_on - timedelta(days=60), day_time(9), UTC))
    ctx = build_context(bench_settings(url), clock=clock)
    try:
        await ensure_defaults(ctx)
        async with ctx.read() as session:
            loaded = await registration_store.taxonomy(session)
        if loaded is None or loaded.version != taxonomy.version:
            raise BenchError("the database's taxonomy is not the shipped one")
        staff = await make_staff(ctx)
        contacts = await make_contacts(ctx, staff.admin, taxonomy)
        specs = schedule(rng, starts_on, days, mix.known_regions)
        plans = await make_campaigns(ctx, clock, staff.analyst, specs)
        generator = Generator(
            rng,
            mix,
            day_plans(rng, starts_on, days, plans, args.conversations),
            zone=ctx.organisation.zone,
            counselors=staff.counselors,
            contacts=contacts,
            taxonomy_version=taxonomy.version,
            password_hash=hash_password("een-wachtwoord-van-een-chatter"),
        )
        await ctx.db.dispose()
        log(f"{backend}: {args.conversations:,} conversations over {days} days")
        loader: Loader = SqliteLoader(url) if backend == "sqlite" else PostgresLoader(dsn or "")
        try:
            generation = load(loader, generator, args.sqlite_analyze)
            tables = (*TABLES, "campaigns", "campaign_channels", "contact_persons", "users")
            generation["rows"] = {name: loader.count(name) for name in tables}
        finally:
            loader.close()
        generation["conversations_per_s"] = round(args.conversations / generation["seconds"])
        result["generation"] = generation
        result["data"] = {
            "starts_on": starts_on.isoformat(),
            "ends_on": END_ON.isoformat(),
            "days": days,
            "campaigns": len(plans),
            "seed": args.seed,
        }
        if backend == "sqlite":
            path = Path(make_url(url).database or "")
            result["database"] = {
                "backend": "sqlite",
                "synchronous": ctx.settings.sqlite_synchronous,
                "analyzed": args.sqlite_analyze,
                **database_size(path),
            }
        else:
            result["database"] = {"backend": "postgresql", **postgres_info(dsn or "")}
        log(f"{backend}: loaded in {generation['seconds']} s; timing reports")
        clock.set(datetime.combine(END_ON + timedelta(days=1), day_time(9), ctx.organisation.zone))
        spans = periods(starts_on)
        chosen = pick_campaigns(plans, args.campaigns)
        result["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        timings = await time_reports(ctx, staff.analyst, chosen, spans, args.runs)
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        result["reports"] = timings
        table = medians(timings)
        slow = [what for what, median, _ in table if median > GOAL_S]
        result["summary"] = {
            "goal_s": GOAL_S,
            "slowest_median_s": max(m for _, m, _ in table),
            "slowest_max_s": max(m for _, _, m in table),
            "over_goal": slow,
        }
        raw = Raw(backend, url, dsn)
        middle = chosen[len(chosen) // 2]
        requests = {
            "campaign": ReportRequest(campaign_id=middle.id),
            "year": ReportRequest(starts_on=spans.year[0], ends_on=spans.year[1]),
        }
        log(f"{backend}: where the time goes")
        result["breakdown"] = {name: await breakdown(ctx, raw, r) for name, r in requests.items()}
        if args.experiment:
            baseline = {
                "campaign": next(
                    c["compute"] for c in timings["campaigns"] if c["campaign_id"] == middle.id
                ),
                "year": timings["year"]["compute"],
            }
            result["experiments"] = [
                await experiment(ctx, raw, statement, requests, baseline, args.runs)
                for statement in args.experiment
            ]
        return result
    finally:
        await ctx.close()


def postgres_info(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        settings = {
            name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
            for name in ("server_version", "shared_buffers", "work_mem", "effective_cache_size")
        }
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return {**settings, "size_bytes": int(size[0]) if size else None}


def postgres_unavailable(dsn: str) -> str | None:
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {dsn}: {str(exc).splitlines()[0]}"


@contextlib.contextmanager
def postgres_database(admin_dsn: str) -> Iterator[tuple[str, str]]:
    """A new database with a unique name: (SQLAlchemy URL, psycopg DSN); dropped after."""
    name = f"bench_report_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    user = info.get("user") or os.environ.get("USER") or "postgres"
    try:
        yield (
            f"postgresql+psycopg://{user}@{host}:{port}/{name}",
            f"postgresql://{user}@{host}:{port}/{name}",
        )
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


@contextlib.asynccontextmanager
async def sqlite_database(keep: bool) -> AsyncIterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="keerpunt-bench-report-"))
    try:
        yield f"sqlite+aiosqlite:///{folder / 'keerpunt.db'}"
    finally:
        if keep:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


async def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    if backend == "sqlite":
        async with sqlite_database(args.keep) as url:
            return await bench_database(backend, url, None, args)
    reason = postgres_unavailable(args.postgres)
    if reason is not None:
        log(f"skipping PostgreSQL: {reason}")
        return {"skipped": reason}
    with postgres_database(args.postgres) as (url, dsn):
        return await bench_database(backend, url, dsn, args)


# Report ----------------------------------------------------------------------------------


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit() -> str | None:
    """The checked-out commit, read from .git without running git."""
    folder = REPO / ".git"
    try:
        head = (folder / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head.removeprefix("ref: ")
        if (folder / ref).exists():
            return (folder / ref).read_text().strip()
        for line in (folder / "packed-refs").read_text().splitlines():
            if line.endswith(f" {ref}"):
                return line.split()[0]
    except OSError:
        return None
    return None


def memory_bytes() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def write_report(results: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The file keeps an earlier run's figures for a backend not run now, if that run had
    as many conversations: each backend's entry says when it was measured."""
    backends = dict(results)
    if args.output.exists():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            earlier = json.loads(args.output.read_text())
            if earlier["conversations"] == args.conversations:
                for name, entry in earlier["backends"].items():
                    backends.setdefault(name, entry)
    final = {
        "benchmark": "report",
        "timestamp_utc": now_utc(),
        "goal_s": GOAL_S,
        "conversations": args.conversations,
        "runs": args.runs,
        "backends": {name: backends[name] for name in ("sqlite", "postgresql") if name in backends},
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "memory_bytes": memory_bytes(),
            "git_commit": git_commit(),
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(final, indent=2) + "\n")
    return final


def print_summary(final: dict[str, Any], output: Path) -> None:
    print(f"report benchmark: {final['conversations']:,} conversations, goal {GOAL_S} s a report")
    for name, entry in final["backends"].items():
        if "skipped" in entry:
            print(f"  {name}: skipped ({entry['skipped']})")
            continue
        gen = entry["generation"]
        size = entry["database"].get("file_bytes") or entry["database"].get("size_bytes") or 0
        print(
            f"  {name}: generated in {gen['seconds']} s ({gen['conversations_per_s']:,}/s),"
            f" {size / 2**20:,.0f} MiB"
        )
        for what, median, worst in medians(entry["reports"]):
            flag = "  over goal" if median > GOAL_S else ""
            print(f"    {what:<36} median {median:6.3f} s  max {worst:6.3f} s{flag}")
        for label, detail in entry.get("breakdown", {}).items():
            parts = ", ".join(f"{k} {v}" for k, v in detail["parts_s"].items())
            print(f"    {label} ({detail['rows']:,} rows): {parts}")
        for trial in entry.get("experiments", []):
            if "error" in trial:
                print(f"    experiment failed: {trial['error']}")
                continue
            for label in ("campaign", "year"):
                before, after = trial[label]["before"], trial[label]["after"]
                print(
                    f"    {trial['statement'][:50]}: {label} median"
                    f" {before['median_s']} -> {after['median_s']} s"
                )
    print(f"  written to {output}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the campaign report on a database of a million conversations.",
        epilog="See the module docstring for what is generated and measured.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--conversations", type=int, default=DEFAULT_CONVERSATIONS, help="conversations to make"
    )
    size.add_argument(
        "--quick", action="store_true", help=f"{QUICK_CONVERSATIONS:,} conversations: a smoke run"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5, help="runs of every report")
    parser.add_argument("--campaigns", type=int, default=5, help="campaigns to report on")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generator")
    parser.add_argument(
        "--postgres", default=ADMIN_DSN, help="a PostgreSQL database to create the bench one from"
    )
    parser.add_argument(
        "--sqlite-analyze", action="store_true", help="run ANALYZE on SQLite after the load"
    )
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        metavar="SQL",
        help="after the baseline, run this statement (an index, say) and time again; repeatable",
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite folder")
    parser.add_argument("--output", type=Path, help="results file")
    args = parser.parse_args(argv)
    if args.quick:
        args.conversations = QUICK_CONVERSATIONS
    if args.output is None:
        args.output = QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT
    if args.conversations < PER_DAY * 60:
        parser.error(f"--conversations is at least {PER_DAY * 60:,} (60 days)")
    if args.runs < 1 or args.campaigns < 1:
        parser.error("--runs and --campaigns are at least 1")
    return args


async def run(args: argparse.Namespace) -> dict[str, Any]:
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    # One after the other: the machine is small and the two would measure each other.
    return {backend: await run_backend(backend, args) for backend in backends}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = asyncio.run(run(args))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    final = write_report(results, args)
    print_summary(final, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
