"""The demo's shift for supervisors: counselors `anna` and `bram` (the demo user's password
and TOTP secret), each holding running chats with a few messages, one chat waiting in the
queue, and ended, registered chats of both from yesterday to review. Made through the
same actions as real data; run again, it only refreshes the two accounts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, time, timedelta

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.models import User
from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.privacy.visitors import DailyVisitors
from keerpunt.registration import actions as registration
from keerpunt.registration.schemas import RegistrationFields

COUNSELORS = {"anna": "Anna", "bram": "Bram"}

# Running chats: (counselor, visitor, the lines in turn, chatter first), and whether the
# counselor marked acute danger in the draft registration.
RUNNING = [
    (
        "anna",
        "youth",
        [
            "hoi",
            "Hoi, fijn dat je er bent. Waar wil je het over hebben?",
            "ik moet pakketjes wegbrengen voor iemand en ik wil stoppen",
            "Wat goed dat je dat vertelt. Wat gebeurt er als je nee zegt?",
            "dan zeggen ze dat ik een schuld heb",
        ],
        True,
    ),
    (
        "anna",
        "relative",
        [
            "Goedemiddag, ik maak me zorgen over mijn zoon",
            "Goedemiddag, fijn dat u contact opneemt. Wat maakt u ongerust?",
            "Hij heeft ineens veel geld en dure kleding",
        ],
        False,
    ),
    (
        "bram",
        "youth",
        [
            "yo",
            "Hoi! Je praat met Bram. Wat kan ik voor je doen?",
            "iemand vraagt of ik mijn bankpas wil uitlenen",
            "Goed dat je het eerst vraagt. Wat heeft hij je beloofd?",
        ],
        False,
    ),
]

# Ended chats from yesterday, registered: (counselor, visitor, region, crime forms).
ENDED = [
    ("anna", "youth", "midden", ["drugs_selling"]),
    ("anna", "youth", "den_haag", ["burglary"]),
    ("anna", "parent", "rotterdam", ["drugs_transport"]),
    ("bram", "youth", "midden", ["financial"]),
    ("bram", "youth", "den_haag", ["drugs_selling", "drugs_transport"]),
    ("bram", "friend", "midden", []),
]


async def seed(ctx: Context, password: str, totp_secret: str) -> None:
    """Anna and Bram with the demo's password and TOTP secret; their chats the first time."""
    async with ctx.read() as session:
        fresh = await accounts_store.user_by_username(session, "anna") is None
    staff: dict[str, StaffPrincipal] = {}
    for username, name in COUNSELORS.items():
        user = await _counselor(ctx, username, name, password, fresh=fresh)
        await accounts.install_totp(ctx, username, totp_secret)
        staff[username] = StaffPrincipal(user.id, username, frozenset({"counselor"}), "demo")
    if not fresh:
        return
    await _ended(ctx, staff)
    await _running(ctx, staff)
    # One chat waits in the queue.
    await chat.start_conversation(ctx, None, visitor="youth")


async def _counselor(ctx: Context, username: str, name: str, password: str, *, fresh: bool) -> User:
    if fresh:
        return await accounts.create_user(ctx, username, password, ["counselor"], display_name=name)
    await accounts.set_password(ctx, username, password)
    async with ctx.read() as session:
        user = await accounts_store.user_by_username(session, username)
    assert user is not None
    return user


async def _version(ctx: Context) -> int:
    async with ctx.read() as session:
        return (await registration.current_taxonomy(session)).version


async def _running(ctx: Context, staff: dict[str, StaffPrincipal]) -> None:
    version = await _version(ctx)
    for username, visitor, lines, acute in RUNNING:
        counselor = staff[username]
        started = await chat.start_conversation(ctx, None, visitor=visitor)
        conv = started.conversation.id
        me = ChatterPrincipal(started.conversation.chatter_id)
        await chat.accept(ctx, counselor, conv)
        for index, line in enumerate(lines):
            who = me if index % 2 == 0 else counselor
            await chat.send_message(ctx, who, conv, str(uuid.uuid4()), line)
        if acute:
            draft = RegistrationFields(
                taxonomy_version=version, outcome="conversation_held", safety=["acute_danger"]
            )
            await registration.save(ctx, counselor, conv, draft)


async def _ended(ctx: Context, staff: dict[str, StaffPrincipal]) -> None:
    """Yesterday's chats, on a context whose clock walks through the afternoon."""
    zone = ctx.organisation.zone
    clock = FrozenClock(ctx.clock.now())
    past = replace(ctx, clock=clock, visitors=DailyVisitors())
    yesterday = ctx.today() - timedelta(days=1)
    version = await _version(ctx)
    for index, (username, visitor, region, forms) in enumerate(ENDED):
        counselor = staff[username]
        clock.set(datetime.combine(yesterday, time(14 + index // 2, 10 * (index % 2)), zone))
        started = await chat.start_conversation(past, None, visitor="youth")
        conv = started.conversation.id
        me = ChatterPrincipal(started.conversation.chatter_id)
        clock.advance(60)
        await chat.accept(past, counselor, conv)
        talk = [
            "hoi, ik wil iets vragen",
            "Hoi, fijn dat je er bent. Vertel maar.",
            "ik word onder druk gezet om mee te doen",
            "Dat klinkt heftig. Ben je nu veilig?",
            "ja thuis wel",
            "Goed. Laten we kijken wat je wilt en wie je kan helpen.",
        ]
        for turn, line in enumerate(talk):
            clock.advance(45)
            who = me if turn % 2 == 0 else counselor
            await chat.send_message(past, who, conv, str(uuid.uuid4()), line)
        clock.advance(300)
        await chat.end(past, counselor, conv)
        fields = RegistrationFields(
            taxonomy_version=version,
            outcome="conversation_held",
            visitor=visitor,
            age_band="16_17" if visitor == "youth" else "unknown",
            region=region,
            crime_involvement="yes" if forms else "unclear",
            crime_forms=forms,
            signals=["threatened"] if forms else [],
            help_questions=["how_to_stop"],
            help_offered=["clarified", "safety"],
            safety=["safety_discussed"],
        )
        await registration.save(past, counselor, conv, fields, complete=True)
