"""A campaign like the one in the programme's own report (seed 000, "Rake Woorden"), made
through the product's own actions: its channels and tracking links, visits and clicks,
54 chats in six weeks (19 straight from the campaign), each accepted, held, ended and
registered by a counselor, two duplicates merged, accounts made, three warm handovers.

The demo loads it so a new user sees a real report at once, and the tests check that the
report shows exactly the numbers the programme reported.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, CampaignRead, ChannelIn
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.handover import actions as handover
from keerpunt.handover import store as handover_store
from keerpunt.handover.schemas import HandoverCreate
from keerpunt.registration import actions as registration
from keerpunt.registration.schemas import RegistrationFields

STARTS_ON = date(2026, 3, 2)
DAYS = 42
CHANNELS = ("Snapchat", "TikTok", "Instagram")
GOAL = (
    "Jongeren laten zien dat het belangrijk is je verhaal met iemand te delen, met"
    " videofragmenten uit de podcast Rake Woorden van Dealbreakers en Young Perspectives."
)
# Distinct visitors over the whole campaign, per channel (None: no campaign link), and
# how many of them pressed to start a chat without starting one (a closed chat, a change
# of mind); every chat started adds a click too.
VISITS = {"Snapchat": 96, "TikTok": 64, "Instagram": 38, None: 70}
EXTRA_CLICKS = {"Snapchat": 21, "TikTok": 9, "Instagram": 3, None: 5}


@dataclass
class Spec:
    outcome: str = "conversation_held"
    visitor: str = "youth"
    region: str = "midden"
    crime: str = "no"
    forms: list[str] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    offered: list[str] = field(default_factory=lambda: ["clarified"])
    channel: str | None = None
    writes: bool = True
    account: bool = False
    handover: bool = False


def seed_chats() -> list[Spec]:
    """The 54 chats: 45 held, 7 without content, test or abuse, 2 duplicates."""
    forms = (
        [["drugs_selling"]] * 7
        + [["drugs_selling", "drugs_transport"]] * 3
        + [["drugs_selling", "financial"]]
        + [["burglary"]] * 3
        + [["burglary", "robbery"]] * 3
        + [["robbery"]] * 3
        + [["circuit_unknown"]] * 3
        + [["financial"]]
    )
    signal_sets = [
        ["threatened"],
        ["family_threatened", "threatened"],
        ["violence_against"],
        ["dependency"],
        ["debt_to_recruiter", "dependency"],
        ["threatened", "violence_against"],
    ]
    visitors = ["youth"] * 34 + ["parent"] * 6 + ["family"] * 3 + ["friend", "professional"]
    regions = ["midden", "den_haag", "rotterdam", "midden", "amsterdam_amstelland", "den_haag"]
    questions = [
        ["how_to_stop"],
        ["how_to_say_no"],
        ["how_to_stop", "get_safe"],
        ["afraid_to_relapse"],
        ["tell_story"],
    ]
    offered = [
        ["clarified", "information_advice"],
        ["lowered_thresholds"],
        ["psycho_education", "safety"],
        ["clarified", "explored_more_help"],
    ]
    held: list[Spec] = []
    for i in range(45):
        spec = Spec(
            visitor=visitors[i],
            region=regions[i % len(regions)],
            questions=questions[i % len(questions)],
            offered=list(offered[i % len(offered)]),
        )
        if visitors[i] in ("parent", "family", "friend"):
            spec.questions, spec.offered = ["help_loved_one"], ["knowledge_for_relatives"]
        if i < 24:
            spec.crime, spec.forms = "yes", list(forms[i])
            if i % 2 == 0:
                spec.signals = list(signal_sets[(i // 2) % len(signal_sets)])
        elif i < 39:
            spec.other = [["mental_health"], ["debts", "housing"], ["domestic_violence"]][i % 3]
        else:
            spec.crime = "unclear"
        held.append(spec)
    for i in (0, 6, 12, 30, 33, 40):
        held[i].account = True
    for i, region in ((2, "midden"), (8, "midden"), (4, "den_haag")):
        held[i].handover, held[i].region = True, region
    empty = [Spec(outcome="no_content", writes=False) for _ in range(5)]
    empty += [Spec(outcome="test_abuse") for _ in range(2)]
    duplicates = [Spec(outcome="duplicate") for _ in range(2)]
    chats = held + empty + duplicates
    # 19 straight from the campaign: 9 through Snapchat, 6 TikTok, 4 Instagram.
    direct = ["Snapchat"] * 9 + ["TikTok"] * 6 + ["Instagram"] * 4
    for index, name in zip(range(0, 54, 3), direct, strict=False):
        chats[index].channel = name
    chats[53].channel = "Instagram"
    return chats


async def build(
    ctx: Context,
    clock: FrozenClock,
    staff: StaffPrincipal,
    counselor: StaffPrincipal,
    *,
    starts_on: date = STARTS_ON,
    name: str = "Rake Woorden",
) -> CampaignRead:
    """The campaign and its chats. `clock` is the context's clock; it is moved through
    the campaign's days and left at its end. The counselor needs room for one chat."""
    zone = ctx.organisation.zone
    ends_on = starts_on + timedelta(days=DAYS - 1)
    campaign = await campaigns.create(
        ctx,
        staff,
        CampaignIn(
            name=name,
            goal=GOAL,
            target_group="Jongeren van 13 t/m 24 jaar",
            starts_on=starts_on,
            ends_on=ends_on,
            regions=["midden", "den_haag", "rotterdam"],
            channels=[ChannelIn(name=n) for n in CHANNELS],
        ),
    )
    ids = {c.name: c.id for c in campaign.channels}
    specs = seed_chats()
    async with ctx.read() as session:
        contacts = {c.region: c.id for c in await handover_store.contacts(session)}
    async with ctx.read() as session:
        version = (await registration.current_taxonomy(session)).version
    earlier: str | None = None
    for index, spec in enumerate(specs):
        day = starts_on + timedelta(days=(index * DAYS) // len(specs))
        clock.set(datetime.combine(day, time(15, index % 50), zone))
        visitor = f"demo-chatter-{index}"
        channel_id = ids[spec.channel] if spec.channel else None
        await campaigns.count(ctx, campaigns.CLICK, channel_id, visitor)
        started = await chat.start_conversation(ctx, None, visitor="youth", channel_id=channel_id)
        conv = started.conversation.id
        me = ChatterPrincipal(started.conversation.chatter_id)
        clock.advance(90)
        await chat.accept(ctx, counselor, conv)
        if spec.writes:
            await chat.send_message(ctx, me, conv, str(uuid.uuid4()), "hoi")
        await chat.send_message(
            ctx, counselor, conv, str(uuid.uuid4()), "Hoi, fijn dat je er bent."
        )
        if spec.account:
            await accounts.create_chatter_account(ctx, me, f"demo{index:02d}", "demo-wachtwoord-1")
        if spec.handover:
            await handover.propose(
                ctx,
                counselor,
                conv,
                HandoverCreate(
                    contact=contacts[spec.region], consent=True, share=["visitor", "age_band"]
                ),
            )
        clock.advance(600)
        await chat.end(ctx, counselor, conv)
        if spec.outcome == "duplicate" and earlier is not None:
            await registration.mark_duplicate(ctx, counselor, conv, earlier)
        fields = RegistrationFields(taxonomy_version=version, outcome=spec.outcome)
        if spec.outcome == "conversation_held":
            offered = spec.offered + (["warm_handover"] if spec.handover else [])
            fields = RegistrationFields(
                taxonomy_version=version,
                outcome=spec.outcome,
                visitor=spec.visitor,
                age_band="16_17" if spec.visitor == "youth" else "unknown",
                region=spec.region,
                crime_involvement=spec.crime,
                crime_forms=spec.forms,
                signals=spec.signals,
                other_problems=spec.other,
                help_questions=spec.questions,
                help_offered=offered,
            )
            earlier = conv
        await registration.save(ctx, counselor, conv, fields, complete=True)
    # The rest of the visitors and clicks, spread over the campaign's days.
    for name_, visits in VISITS.items():
        channel_id = ids[name_] if name_ else None
        for n in range(visits):
            day = starts_on + timedelta(days=n % DAYS)
            clock.set(datetime.combine(day, time(10), zone))
            visitor = f"demo-visitor-{name_}-{n}"
            await campaigns.count(ctx, campaigns.VISIT, channel_id, visitor)
            if n < EXTRA_CLICKS[name_]:
                await campaigns.count(ctx, campaigns.CLICK, channel_id, visitor)
    clock.set(datetime.combine(ends_on + timedelta(days=1), time(9), zone))
    return campaign
