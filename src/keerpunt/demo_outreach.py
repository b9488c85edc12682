"""The demo's outreach data: two invented public sources, the starter watchlist, a handful
of invented matched posts (one ad posted a dozen times, with small changes, so the queue
shows one item "12x"), and an "Outreach" campaign with a "Telegram" channel for the
tracking link. Made through the outreach actions, so every post is redacted, scanned,
scored and collapsed as a real one; safe to run again (nothing is added twice).

Every name, handle and number here is made up. The posts are ingested as if from an
export, so the demo needs no Telegram account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns import store as campaigns_store
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.context import Context
from keerpunt.outreach import actions as outreach
from keerpunt.outreach import matching
from keerpunt.outreach import store as outreach_store
from keerpunt.outreach.posts import Post
from keerpunt.outreach.schemas import SourceIn

CAMPAIGN = "Outreach"
CHANNEL = "Telegram"


@dataclass(frozen=True)
class DemoSource:
    username: str
    title: str
    peer_id: int  # marked, as an export's dialog id maps to it
    purpose: str


SOURCES = (
    DemoSource(
        "voorbeeld_klusjes_zuid",
        "Voorbeeld: Klusjes Zuid",
        -1009000000001,
        "Openbare groep waarin jongeren uit de regio voor klusjes benaderd worden "
        "(voorbeeld voor de demo).",
    ),
    DemoSource(
        "voorbeeld_cash_nl",
        "Voorbeeld: Cash NL",
        -1009000000002,
        "Openbaar kanaal met advertenties voor snel geld en pasjes lenen (voorbeeld voor de demo).",
    ),
)

# (source index, hours ago, text). Invented, in the style of real recruitment posts.
POSTS: tuple[tuple[int, int, str], ...] = (
    (0, 30, "Klusje vandaag 🚗 500 euro per dag, 16+ welkom. Snel geld, DM @voorbeeld_baas"),
    (0, 26, "Wie wil snel geld verdienen? Pakketjes ophalen en wegbrengen, 300 per rit. DM"),
    (0, 20, "Jongens gezocht voor werk in de haven 🚢 uithalen, 10k per klus. Vandaag nog."),
    (1, 18, "Bankpas lenen? 🤑 250 euro direct cash, niks aan de hand. App 06 12345678"),
    (1, 9, "Woning nodig voor een paar dagen, goed betaald 💰 alleen serieuze mensen, DM"),
    (0, 4, "Wie durft? Klus met vuurwerk bij een deur, 1500 euro, vandaag, 16+ ok. Snap me"),
)
# One ad, reposted: each copy a little different, as spammers do.
AD = (
    "🔥 Snel geld 🔥 Klusjes voor jongens 16+ {price} euro per dag, geen ervaring nodig. DM {emoji}"
)
AD_PRICES = (200, 200, 250, 200, 300, 200, 250, 200, 200, 350, 200, 250)
AD_EMOJI = ("💰", "💸", "💰", "🤑", "💰", "💰", "💸", "💰", "🤑", "💰", "💰", "💸")


def starter_terms() -> list[tuple[str, str, str, float]]:
    """The shipped starter watchlist as (text, kind, category, weight)."""
    return [(term.text, term.kind, term.category, term.weight) for term in matching.starter_terms()]


def demo_posts(peer_ids: list[int], now: datetime) -> dict[int, list[Post]]:
    """The posts per source, oldest first, with message ids as Telegram counts them."""
    per_source: dict[int, list[tuple[datetime, str]]] = {peer: [] for peer in peer_ids}
    for index, hours, text in POSTS:
        per_source[peer_ids[index]].append((now - timedelta(hours=hours), text))
    for copy, (price, emoji) in enumerate(zip(AD_PRICES, AD_EMOJI, strict=True)):
        posted = now - timedelta(days=6, hours=-12 * copy)
        per_source[peer_ids[copy % 2]].append((posted, AD.format(price=price, emoji=emoji)))
    posts: dict[int, list[Post]] = {}
    for peer, dated in per_source.items():
        dated.sort()
        posts[peer] = [
            Post(
                peer_id=peer,
                message_id=1000 + number,
                posted_at=posted,
                text=text,
                author=f"user{900000 + number % 3}",
            )
            for number, (posted, text) in enumerate(dated)
        ]
    return posts


async def seed(ctx: Context, staff: StaffPrincipal) -> None:
    """Outreach data for the demo user `staff`, who gets the outreach role for it."""
    await accounts.grant_roles(ctx, staff.username, ["outreach"])
    worker = StaffPrincipal(
        staff.user_id, staff.username, staff.roles | {"outreach"}, staff.session_hash
    )
    await outreach.load_terms(ctx, starter_terms())
    async with ctx.read() as session:
        have_sources = bool(await outreach_store.sources(session))
        have_campaign = any(
            campaign.name == CAMPAIGN for campaign in await campaigns_store.campaigns(session)
        )
    if not have_campaign:
        today = ctx.today()
        await campaigns.create(
            ctx,
            worker,
            CampaignIn(
                name=CAMPAIGN,
                goal="Jongeren die op Telegram voor klusjes geronseld worden, wijzen op de chat.",
                target_group="Jongeren van 13 t/m 24 jaar",
                starts_on=today - timedelta(days=7),
                ends_on=today + timedelta(days=358),
                channels=[ChannelIn(name=CHANNEL)],
            ),
        )
    if have_sources:
        return
    sources = []
    for demo in SOURCES:
        sources.append(
            await outreach.add_source(
                ctx,
                worker,
                SourceIn(
                    username=demo.username,
                    purpose=demo.purpose,
                    dpia_ref="VOORBEELD-2026-01",
                    approved_by="Voorbeeld: teamleider outreach",
                    peer_id=demo.peer_id,
                    title=demo.title,
                ),
            )
        )
    posts = demo_posts([demo.peer_id for demo in SOURCES], ctx.clock.now())
    for demo, source in zip(SOURCES, sources, strict=True):
        await outreach.ingest(ctx, source.id, posts[demo.peer_id], provenance="export")
