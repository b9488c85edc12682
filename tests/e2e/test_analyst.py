"""The analyst page in Chromium: an analyst reads a campaign's numbers, downloads its
reports and makes a campaign with tracking links; anyone else is told it is not theirs."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from keerpunt.context import build_context
from keerpunt.core.clock import FrozenClock, SystemClock
from keerpunt.demo_campaign import build
from keerpunt.handover import actions as handover
from keerpunt.handover.schemas import ContactWrite
from tests.e2e.conftest import DESKTOP, Browsing, Site, axe_violations, open_page, staff_login
from tests.live import AUTHENTICATORS
from tests.reports.helpers import staff

LINK = re.compile(r"^http://127\.0\.0\.1:\d+/c/[a-z2-9]{7}$")


def seed_campaign(site: Site) -> int:
    """The seed report's campaign ("Rake Woorden", 54 chats) with analyst "ada"; its chats
    happened in March 2026, so the work runs on a clock of its own."""

    async def work() -> int:
        clock = FrozenClock()
        ctx = build_context(site.settings, clock=clock)
        try:
            admin = await staff(ctx, "beheer", ["admin"])
            for region in ("midden", "den_haag"):
                await handover.add_contact(
                    ctx,
                    admin,
                    region,
                    ContactWrite(role="zorgcoordinator", name=f"ZC {region}", reach="x"),
                )
            analyst = await staff(ctx, "ada", ["analyst"])
            bram = await staff(ctx, "bram", ["counselor"], max_chats=2)
            campaign = await build(ctx, clock, analyst, bram)
            # They log in on the live server, whose clock is the real one.
            for username in ("beheer", "ada", "bram"):
                AUTHENTICATORS[username].clock = SystemClock()
            return campaign.id
        finally:
            await ctx.close()

    # Playwright's sync API owns this thread's event loop (see conftest.run_async).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


@pytest.fixture
def campaign(site: Site) -> int:
    return seed_campaign(site)


def analyst_page(
    browser: Browser,
    site: Site,
    contexts: list[BrowserContext],
    username: str,
    lang: str = "nl",
) -> Browsing:
    browsing = open_page(browser, f"{site.url}/analyst?lang={lang}", viewport=DESKTOP)
    contexts.append(browsing.context)
    staff_login(browsing.page, username)
    return browsing


def row(page: Page, key: str) -> dict[str, str]:
    cells = page.locator(f"tr[data-key='{key}']").first.locator("th, td")
    return {
        "label": cells.nth(0).inner_text(),
        "n": cells.nth(1).inner_text(),
        "share": cells.nth(2).inner_text(),
    }


def test_an_analyst_reads_a_campaign_and_downloads_its_reports(
    browser: Browser, site: Site, contexts: list[BrowserContext], campaign: int, tmp_path: Path
) -> None:
    browsing = analyst_page(browser, site, contexts, "ada")
    page = browsing.page
    expect(page.locator("#filters-title")).to_be_focused()  # off the log-in form, to the top
    expect(page.locator("#funnel tbody tr")).to_have_count(4)

    page.select_option("#filter-campaign", str(campaign))
    expect(page.locator("#filter-from")).to_have_value("2026-03-02")
    expect(page.locator("#filter-to")).to_have_value("2026-04-12")
    expect(page.locator("#dashboard-scope")).to_contain_text("Campagne Rake Woorden")
    expect(page.locator("#timeline-summary")).to_have_text(
        "54 chats gestart: 19 direct via een trackinglink, 35 organisch."
    )
    funnel = page.locator("#funnel")
    expect(funnel.locator("tr[data-key='chats.started'] td").first).to_have_text("54")
    assert row(page, "funnel.visitors") == {"label": "Bezoekers", "n": "268", "share": ""}
    assert row(page, "chats.started")["label"] == "Gesprekken"
    assert row(page, "content.about_crime")["n"] == "24"
    assert row(page, "exploitation.with_signals")["n"] == "12"
    # Six weeks of bars, direct on organic.
    expect(page.locator("#timeline svg g")).to_have_count(6)
    expect(page.locator("#timeline rect.direct")).to_have_count(6)
    youth = row(page, "visitors.youth")
    assert youth == {"label": "Jongeren", "n": "34", "share": "76%"}
    assert row(page, "crime_forms.drugs_selling")["n"] == "11"
    expect(page.locator("[data-table=crime_forms] .base").first).to_have_text(
        "Aandeel van de chats over betrokkenheid bij criminaliteit (24)."
    )
    expect(page.locator("#report-scope")).to_contain_text("Campagne Rake Woorden")
    assert axe_violations(page) == []

    page.get_by_label("Partnereditie").check()
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="PDF", exact=True).click()
    pdf = pdf_download.value
    assert pdf.suggested_filename == (
        f"keerpunt-campagne-{campaign}-2026-03-02-2026-04-12-partner.pdf"
    )
    pdf.save_as(tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").read_bytes()[:4] == b"%PDF"
    expect(page.locator("#report-status")).to_have_text(f"{pdf.suggested_filename} is gedownload.")

    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Excel (xlsx)").click()
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename.endswith("-partner.xlsx")
    xlsx.save_as(tmp_path / "report.xlsx")
    assert (tmp_path / "report.xlsx").read_bytes()[:2] == b"PK"  # a zip, as xlsx files are
    expect(page.locator("#report-error")).to_be_hidden()

    # A period that ends before it starts: said beside the dates, no report asked for.
    page.fill("#filter-to", "2026-02-01")
    page.get_by_role("button", name="HTML", exact=True).click()
    expect(page.locator("#filter-period-error")).to_have_text(
        "De periode eindigt voordat hij begint. Controleer de datums."
    )
    expect(page.locator("#report-error")).to_contain_text("Controleer eerst de periode")
    assert browsing.watch.problems == []


def test_an_analyst_makes_a_campaign_with_tracking_links(
    browser: Browser, site: Site, contexts: list[BrowserContext], campaign: int
) -> None:
    browsing = analyst_page(browser, site, contexts, "ada")
    page = browsing.page
    browsing.context.grant_permissions(["clipboard-read", "clipboard-write"])
    seed = page.locator(f"li.campaign[data-campaign='{campaign}']")
    expect(seed.locator("h3")).to_have_text("Rake Woorden")
    expect(seed.locator("tbody tr")).to_have_count(3)

    add = page.get_by_role("button", name="Een campagne toevoegen")
    add.click()
    form = page.locator("#campaign-slot form")
    expect(form.get_by_label("Naam", exact=True)).to_be_focused()
    page.keyboard.press("Escape")  # cancels, back where it started
    expect(form).to_have_count(0)
    expect(add).to_be_focused()

    page.keyboard.press("Enter")
    form.get_by_role("button", name="Een kanaal toevoegen").click()
    expect(form.get_by_label("Kanaal 1", exact=True)).to_be_focused()
    form.get_by_label("Laatste dag").fill("2026-12-01")
    form.get_by_label("Eerste dag").fill("2026-12-14")
    form.get_by_role("button", name="Opslaan").click()  # nothing right yet
    expect(page.locator("#campaign-new-name-error")).to_have_text("Vul dit in.")
    expect(page.locator("#campaign-new-ends-error")).to_have_text(
        "De laatste dag ligt voor de eerste dag."
    )
    expect(form.locator(".channel-row .field-error")).to_have_text("Vul dit in.")
    expect(form.get_by_label("Naam", exact=True)).to_be_focused()
    assert axe_violations(page) == []

    form.get_by_label("Naam", exact=True).fill("Winteractie")
    form.get_by_label("Doel", exact=True).fill("Ouders laten weten dat ze mogen chatten.")
    form.get_by_label("Doelgroep").fill("Ouders in Rotterdam")
    form.get_by_label("Eerste dag").fill("2026-12-01")
    form.get_by_label("Laatste dag").fill("2026-12-31")
    form.get_by_label("Rotterdam").check()
    form.get_by_label("Kanaal 1", exact=True).fill("Instagram")
    form.get_by_role("button", name="Een kanaal toevoegen").click()
    form.get_by_label("Kanaal 2", exact=True).fill("instagram ")
    form.get_by_label("Kanaal 2", exact=True).press("Enter")
    expect(form.locator(".channel-row .field-error").nth(1)).to_have_text(
        "Een ander kanaal heeft deze naam al."
    )
    form.get_by_label("Kanaal 2", exact=True).fill("Flyers")
    form.get_by_label("Kanaal 2", exact=True).press("Enter")

    made = page.locator("li.campaign", has_text="Winteractie")
    expect(made.locator("h3")).to_have_text("Winteractie")
    expect(page.locator("#campaigns-status")).to_have_text(
        "“Winteractie” is toegevoegd. De trackinglinks staan hieronder."
    )
    expect(made.get_by_role("button", name="Winteractie wijzigen")).to_be_focused()
    expect(made).to_contain_text("1 december 2026 t/m 31 december 2026")
    expect(made).to_contain_text("Rotterdam")
    links = made.locator("code.link")
    expect(links).to_have_count(2)
    first, second = links.nth(0).inner_text(), links.nth(1).inner_text()
    assert LINK.match(first)
    assert LINK.match(second)
    assert first != second
    assert first.startswith(site.url)

    made.get_by_role("button", name="De link van Flyers kopiëren").click()
    expect(page.locator("#campaigns-status")).to_have_text("De link van Flyers is gekopieerd.")
    assert page.evaluate("navigator.clipboard.readText()") == second

    # The new campaign is one to choose on the dashboard at once.
    expect(page.locator("#filter-campaign option", has_text="Winteractie")).to_have_count(1)

    # A rename keeps the link; a saved channel has nothing to remove it with.
    made.get_by_role("button", name="Winteractie wijzigen").click()
    edit = made.locator("form")
    expect(edit.get_by_role("button", name=re.compile("weglaten"))).to_have_count(0)
    expect(edit.locator(".channel-row .hint").nth(1)).to_have_text(f"Link: {second}")
    edit.get_by_label("Kanaal 2", exact=True).fill("Flyers op school")
    edit.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#campaigns-status")).to_have_text(
        "De wijzigingen in “Winteractie” zijn opgeslagen."
    )
    renamed = made.locator("tbody tr").nth(1)
    expect(renamed.locator("td").nth(0)).to_have_text("Flyers op school")
    expect(renamed.locator("code.link")).to_have_text(second)
    assert browsing.watch.problems == []


def test_the_page_speaks_english_after_the_language_switch(
    browser: Browser, site: Site, contexts: list[BrowserContext], campaign: int
) -> None:
    browsing = analyst_page(browser, site, contexts, "ada")
    page = browsing.page
    expect(page.locator("#funnel tbody tr")).to_have_count(4)
    page.get_by_role("link", name="English").click()
    expect(page.locator("#dashboard-title")).to_have_text("Dashboard")
    page.select_option("#filter-campaign", str(campaign))
    expect(page.locator("#timeline-summary")).to_have_text(
        "54 chats started: 19 directly through a tracking link, 35 organic."
    )
    assert row(page, "chats.started")["label"] == "Conversations"
    assert row(page, "visitors.youth")["label"] == "Young people"
    assert row(page, "crime_forms.drugs_selling")["label"] != ""
    expect(page.locator("[data-table=crime_forms] h3")).to_have_text("Forms of crime")
    expect(page.locator("#report-scope")).to_contain_text("2 March 2026 to 12 April 2026")
    assert browsing.watch.problems == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_counselor_is_told_the_page_is_for_analysts(
    browser: Browser, site: Site, contexts: list[BrowserContext], lang: str
) -> None:
    browsing = analyst_page(browser, site, contexts, "anna", lang=lang)
    page = browsing.page
    title = {"nl": "Deze pagina is voor analisten", "en": "This page is for analysts"}
    expect(page.locator("#not-analyst h2")).to_have_text(title[lang])
    expect(page.locator("#not-analyst h2")).to_be_focused()
    expect(page.locator("#analyst-view")).to_be_hidden()
    expect(page.locator("#filters")).to_be_hidden()
    assert axe_violations(page) == []
    assert browsing.watch.problems == []
