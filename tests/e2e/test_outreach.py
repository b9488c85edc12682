"""The outreach page in Chromium: outreach staff add a source and a term, open a matched
post from the queue with its match marked exactly, take it in review and log an action
with a tracking link; anyone else sees no outreach data."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.sync_api import Browser, BrowserContext, expect

from keerpunt import demo_outreach
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.context import Context
from keerpunt.outreach import actions as outreach
from keerpunt.outreach import store as outreach_store
from keerpunt.outreach.posts import Post
from tests.e2e.conftest import (
    DESKTOP,
    Browsing,
    Site,
    axe_violations,
    open_page,
    run_async,
    staff_login,
)
from tests.live import COOKIE, PASSWORD, next_code, session_cookie
from tests.reports.helpers import staff

LINK = re.compile(r"^http://127\.0\.0\.1:\d+/c/[a-z2-9]{7}$")
PEER = -1009000000123
# Emoji before the match: astral characters are two UTF-16 units in the browser and one
# code point on the server, so a page that cut the text by JS indexes would mark "Plofk".
POST = "🧨🔥 Wie doet een Plofklus? Snel geld, 500 euro per dag, 16+, vandaag nog. DM"


def seed(site: Site) -> int:
    """Outreach worker "otto" (whose id it returns) and colleague "olga", analyst "ada"
    (who also makes the Outreach campaign with its Telegram channel), and the starter
    watchlist."""

    async def work(ctx: Context) -> int:
        otto = await staff(ctx, "otto", ["outreach"])
        await staff(ctx, "olga", ["outreach"])
        ada = await staff(ctx, "ada", ["analyst"])
        today = ctx.today()
        await campaigns.create(
            ctx,
            ada,
            CampaignIn(
                name="Outreach",
                starts_on=today - timedelta(days=7),
                ends_on=today + timedelta(days=60),
                channels=[ChannelIn(name="Telegram")],
            ),
        )
        await outreach.load_terms(ctx, demo_outreach.starter_terms())
        return otto.user_id

    return run_async(work, site.settings)


def ingest_post(site: Site, username: str) -> None:
    """A post arriving for the source the page added, as an export import would bring it."""

    async def work(ctx: Context) -> None:
        async with ctx.read() as session:
            source = await outreach_store.source_by_username(session, username)
        assert source is not None
        post = Post(
            peer_id=PEER,
            message_id=77,
            posted_at=ctx.clock.now() - timedelta(hours=2),
            text=POST,
            author="user4242",
        )
        result = await outreach.ingest(ctx, source.id, [post], provenance="export")
        assert result.items_new == 1

    run_async(work, site.settings)


def outreach_page(
    browser: Browser, site: Site, contexts: list[BrowserContext], username: str
) -> Browsing:
    browsing = open_page(browser, f"{site.url}/outreach", viewport=DESKTOP)
    contexts.append(browsing.context)
    staff_login(browsing.page, username)
    return browsing


def test_outreach_staff_triage_a_matched_post_and_log_an_action(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    otto = seed(site)
    browsing = outreach_page(browser, site, contexts, "otto")
    page = browsing.page
    expect(page.locator("#queue-title")).to_be_focused()
    expect(page.locator("#queue-empty")).to_be_visible()

    # Sources: an invite link is refused beside the field; a public name is added.
    page.get_by_role("link", name="Bronnen").click()
    expect(page.locator("#sources-title")).to_be_focused()
    page.fill("#source-username", "https://t.me/+AbCdEfGh123")
    page.fill("#source-purpose", "Openbare groep waar jongeren voor klusjes geronseld worden.")
    page.fill("#source-dpia", "DPIA-2026-07")
    page.fill("#source-approved", "Teamleider outreach")
    page.get_by_role("button", name="Bron toevoegen").click()
    expect(page.locator("#source-username-error")).to_have_text(
        "Dit is een uitnodigingslink van een privégroep. Alleen openbare kanalen en groepen"
        " kunnen worden toegevoegd."
    )
    expect(page.locator("#source-username")).to_be_focused()
    page.fill("#source-username", "https://t.me/klusjes_zuid")
    page.get_by_role("button", name="Bron toevoegen").click()
    expect(page.locator("#source-username-error")).to_be_hidden()
    row = page.locator("tr[data-source='klusjes_zuid']")
    expect(row).to_contain_text("@klusjes_zuid")
    expect(row).to_contain_text("wacht op opzoeken")
    expect(row).to_contain_text("DPIA-2026-07")
    # The same source again: the server's refusal, beside the field too.
    page.fill("#source-username", "@Klusjes_Zuid")
    page.fill("#source-purpose", "Nog een keer dezelfde openbare groep, voor de test.")
    page.fill("#source-dpia", "DPIA-2026-07")
    page.fill("#source-approved", "Teamleider outreach")
    page.get_by_role("button", name="Bron toevoegen").click()
    expect(page.locator("#source-username-error")).to_have_text("Deze bron staat er al.")
    expect(page.locator("#source-rows tr")).to_have_count(1)

    # Watchlist: a new term in a category.
    page.get_by_role("link", name="Zoeklijst").click()
    page.fill("#term-text", "plofklus")
    page.select_option("#term-category", "explosives")
    page.get_by_role("button", name="Term toevoegen").click()
    expect(page.locator("#watchlist-status")).to_have_text(
        "plofklus is toegevoegd aan explosieven."
    )
    # Its group opens to show it.
    expect(page.locator("[data-category='explosives'] tr", has_text="plofklus")).to_be_visible()

    # A matching post arrives; the queue shows it as one item.
    ingest_post(site, "klusjes_zuid")
    page.get_by_role("link", name="Wachtrij").click()
    expect(page.locator("#queue-rows tr")).to_have_count(1)
    queue_row = page.locator("#queue-rows tr").first
    expect(queue_row).to_contain_text("1x")
    expect(queue_row).to_contain_text("nieuw")
    queue_row.locator("button[data-item]").click()
    expect(page.locator("#item-title")).to_be_focused()

    # The mark covers exactly the matched original, after the emoji.
    mark = page.locator("#item-text mark[data-term='plofklus']")
    expect(mark).to_have_text("Plofklus")
    assert page.locator("#item-text").inner_text() == POST
    expect(page.locator("#item-why tbody tr").first).to_be_visible()
    expect(page.locator("#item-sources")).to_contain_text("1x")

    # In review, then an action with the Outreach campaign's tracking link.
    page.locator("#item-states button[data-move='in_review']").click()
    expect(page.locator("#item-status")).to_have_text("Het item is nu in behandeling.")
    expect(page.locator("#item-title")).to_contain_text("in behandeling")
    page.select_option("#assign-to", label="olga")
    page.get_by_role("button", name="Toewijzen", exact=True).click()
    expect(page.locator("#item-status")).to_have_text("Het item is toegewezen aan olga.")
    expect(page.locator("#item-facts")).to_contain_text("Toegewezen aan: olga")
    page.get_by_role("button", name="Aan mij toewijzen").click()
    expect(page.locator("#item-facts")).to_contain_text("Toegewezen aan: otto")
    expect(page.locator("#assign-to")).to_have_value(str(otto))
    page.select_option("#action-kind", "dm_sent")
    page.fill("#action-note", "Uitleg over de chat gestuurd.")
    page.select_option("#action-channel", label="Outreach: Telegram")
    link = page.locator("#action-link").inner_text()
    assert LINK.match(link), link
    expect(page.get_by_role("button", name="Link kopiëren")).to_be_visible()
    page.get_by_role("button", name="Actie opslaan").click()
    expect(page.locator("#item-status")).to_have_text("De actie is opgeslagen.")
    action = page.locator("#item-actions li").first
    expect(action).to_contain_text("privébericht gestuurd")
    expect(action).to_contain_text("Uitleg over de chat gestuurd.")
    expect(action).to_contain_text(link)
    history = page.locator("#item-history")
    expect(history).to_contain_text("van nieuw naar in behandeling")
    expect(history).to_contain_text("actie vastgelegd: privébericht gestuurd")
    assert axe_violations(page) == []

    # Trends: the day's match counted under its categories and its new term.
    page.get_by_role("link", name="Trends").click()
    expect(page.locator("#trend-categories tr[data-category='explosives']")).to_contain_text(
        "explosieven"
    )
    expect(page.locator("#trend-terms tr", has_text="plofklus")).to_have_count(1)
    expect(page.locator("#trend-sources tr[data-source]")).to_have_count(1)
    # Back returns to the part seen before.
    page.go_back()
    expect(page.locator("#queue-title")).to_be_focused()
    expect(page.locator("#trends")).to_be_hidden()
    assert browsing.watch.problems == []


def seed_demo(site: Site) -> None:
    """The demo's outreach data, made for "olga" (an analyst, who gets the outreach role
    from it), and analyst "ada" without it."""

    async def work(ctx: Context) -> None:
        olga = await staff(ctx, "olga", ["analyst"])
        await staff(ctx, "ada", ["analyst"])
        await demo_outreach.seed(ctx, olga)
        await demo_outreach.seed(ctx, olga)  # again, as `make demo` does: nothing twice

    run_async(work, site.settings)


def api_login(http: httpx.Client, username: str) -> dict[str, str]:
    login = http.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "totp": next_code(username)},
    )
    assert login.status_code == 200, login.text
    return {"Cookie": f"{COOKIE}={session_cookie(login)}"}


def test_an_analyst_or_counselor_sees_no_outreach_data(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    seed_demo(site)
    for username in ("ada", "anna"):
        browsing = outreach_page(browser, site, contexts, username)
        page = browsing.page
        expect(page.locator("#not-outreach h2")).to_have_text(
            "Deze pagina is voor outreachmedewerkers"
        )
        expect(page.locator("#not-outreach h2")).to_be_focused()
        expect(page.locator("#outreach-view")).to_be_hidden()
        assert not [url for url in browsing.watch.requests if "/api/v1/outreach" in url]
        assert browsing.watch.problems == []
    # Nor does the API answer them, whatever the page does; the demo's outreach worker
    # sees its six posts and the ad posted twelve times as seven items.
    with httpx.Client(base_url=site.url, timeout=10) as http:
        ada = api_login(http, "ada")
        for path in ("/api/v1/outreach/items", "/api/v1/outreach/sources"):
            assert http.get(path, headers=ada).status_code == 404
        queue = http.get("/api/v1/outreach/items", headers=api_login(http, "olga")).json()
        assert queue["total"] == 7
        assert sorted(item["count"] for item in queue["items"]) == [1, 1, 1, 1, 1, 1, 12]
