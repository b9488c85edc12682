"""The report in its four formats: the PDF and the spreadsheet show the seed report's
numbers, the HTML page needs nothing from anywhere (a browser loading it makes no request
at all), the partner edition shows "< 5" where the internal one shows a small count, and
a name typed by a user never becomes a spreadsheet formula or markup."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
from playwright.async_api import Page, async_playwright
from pypdf import PdfReader

from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, ChannelIn
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.reports import actions as reports
from keerpunt.reports.exports import report_json, report_xlsx
from keerpunt.reports.schemas import Report, ReportRequest
from keerpunt.web.report_render import report_html, report_pdf
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.reports.helpers import seed_editions, staff

# The Dutch section headings, in the order the report has them.
HEADINGS_NL = [
    "Per kanaal",
    "Gestarte chats",
    "Inhoud en uitkomst",
    "Wie chatte",
    "Vormen van criminaliteit",
    "Criminele uitbuiting",
    "Andere problematiek",
    "Hulpvragen en geboden hulp",
    "Accounts",
    "Warme overdrachten per regio",
    "Van bezoek tot signaal",
    "Toelichting",
]
# An address elsewhere: absolute http(s), or protocol-relative.
OUTSIDE = re.compile(r"^\s*['\"]?\s*(?:https?:)?//", re.IGNORECASE)
LINKING = {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data"}


class References(HTMLParser):
    """Every address a page names: link-like attributes and CSS url(...) values."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in LINKING and value is not None:
                self.found.append(value)
            if name == "style" and value:
                self.found.extend(re.findall(r"url\(([^)]*)\)", value))

    def handle_data(self, data: str) -> None:
        # Inside <style>: url(...) and @import.
        self.found.extend(re.findall(r"url\(([^)]*)\)", data))
        self.found.extend(re.findall(r"@import\s+['\"]?([^'\";\s]+)", data))


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def cells_by_key(xlsx: bytes) -> dict[str, list[Any]]:
    """A spreadsheet's figure rows by their key (the fourth column): label, count, share."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    rows: dict[str, list[Any]] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            if len(row) >= 4 and isinstance(row[3].value, str) and "." in row[3].value:
                rows.setdefault(row[3].value, list(row[:3]))
    return rows


def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    return CHROMIUM


async def load(page: Page, html: str) -> list[str]:
    """Loads the page from its text alone; returns every request it tried to make."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    async def refuse(route: Any) -> None:
        asked.append(route.request.url)
        await route.abort()

    await page.route("**/*", refuse)
    await page.set_content(html, wait_until="load")
    await page.wait_for_load_state("networkidle")
    return asked


async def cell_texts(page: Page, key: str) -> list[str]:
    return [t.strip() for t in await page.locator(f'[data-key="{key}"]').all_inner_texts()]


async def test_every_format_shows_the_seed_report_and_the_partner_edition_hides_small_cells(
    ctx: Context, clock: FrozenClock
) -> None:
    _, _, internal, partner = await seed_editions(ctx, clock)
    assert partner.threshold == 5

    # The PDF: the campaign, its numbers, every section in order.
    text = pdf_text(report_pdf(internal))
    assert "Rake Woorden" in text
    assert "Interne editie" in text
    assert re.search(r"Gestarte chats 54\b", text)
    assert "Direct vanuit de campagne 19 (35%)" in text
    assert "Jongeren 34 (76%)" in text
    positions = [text.find(heading) for heading in HEADINGS_NL]
    assert -1 not in positions, [h for h, p in zip(HEADINGS_NL, positions, strict=True) if p < 0]
    assert positions == sorted(positions)

    # The spreadsheet: counts are numbers, shares percent-formatted numbers.
    cells = cells_by_key(report_xlsx(internal))
    assert cells["chats.started"][1].value == 54
    assert cells["chats.direct"][1].value == 19
    assert cells["chats.direct"][2].number_format == "0%"
    assert round(cells["chats.direct"][2].value, 2) == 0.35
    forms = {key.split(".")[1]: row[1].value for key, row in cells.items() if "crime_forms" in key}
    assert forms["drugs_selling"] == 11
    assert forms["burglary"] == forms["robbery"] == 6
    assert forms["circuit_unknown"] == 3
    assert cells["crime_forms.drugs_selling"][0].value == "Drugs: verkopen"
    partner_cells = cells_by_key(report_xlsx(partner))
    assert partner_cells["outcome.duplicate"][1].value == "< 5"
    assert partner_cells["outcome.duplicate"][2].value is None
    assert partner_cells["chats.started"][1].value == 54

    # JSON is the report itself.
    assert Report.model_validate(json.loads(report_json(partner))) == partner

    internal_html, partner_html = report_html(internal), report_html(partner)
    for html in (internal_html, partner_html):
        found = references(html)
        assert [ref for ref in found.found if OUTSIDE.match(ref)] == []
        assert not found.tags & {"script", "link", "img", "iframe", "object", "embed"}

    # What is hidden in the partner edition, and what the internal one shows there.
    small = {"outcome.duplicate": "2 (4%)", "visitors.professional": "1 (2%)"}
    hidden = {f.key: f.hidden for f in partner.figures() if f.n is None}
    assert all(hidden.get(key) == "small" for key in small)
    crime_chart = 'svg[aria-label="Vormen van criminaliteit"] text'
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            assert await load(page, internal_html) == []
            assert await page.locator("svg.chart").count() == 6
            for key, shown in small.items():
                assert set(await cell_texts(page, key)) == {shown}
            assert "3 (13%)" in await page.locator(crime_chart).all_text_contents()

            page = await context.new_page()
            assert await load(page, partner_html) == []
            # Every hidden figure reads its mark wherever the page shows it, never a count.
            for key, why in hidden.items():
                texts = await cell_texts(page, key)
                assert set(texts) <= ({"< 5"} if why == "small" else {"\u2022"}), (key, texts)
            assert await cell_texts(page, "outcome.duplicate") == ["< 5"]
            # The charts show the marks too, and no bar or count for a hidden figure.
            chart_texts = await page.locator(crime_chart).all_text_contents()
            assert "< 5" in chart_texts
            assert "3 (13%)" not in chart_texts
            await context.close()
        finally:
            await browser.close()


async def test_names_typed_by_users_stay_text_in_the_spreadsheet_and_the_page(
    ctx: Context, clock: FrozenClock
) -> None:
    analyst = await staff(ctx, "ada", ["analyst"])
    campaign = await campaigns.create(
        ctx,
        analyst,
        CampaignIn(
            name="=1+1",
            goal="@SUM(A1)",
            target_group="+31 (0)6 jongeren",
            starts_on=date(2026, 5, 4),
            ends_on=date(2026, 5, 17),
            channels=[
                ChannelIn(name="-2+3"),
                ChannelIn(name="<script>alert(1)</script>"),
                # Not a formula for the charts either.
                ChannelIn(name="Flyers $5 a$b"),
            ],
        ),
    )
    report = await reports.produce(
        ctx, analyst, ReportRequest(campaign_id=campaign.id, locale="en")
    )

    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    texts = {
        cell.value: cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    for typed in ("=1+1", "@SUM(A1)", "+31 (0)6 jongeren", "-2+3"):
        assert f"'{typed}" in texts, typed
        assert texts[f"'{typed}"].data_type == "s"
    formulas = [
        cell.coordinate
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value[:1] in "=+-@")
    ]
    assert formulas == []

    # A report with no chats at all still renders, in English, with the name as text.
    html = report_html(report)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # In the list of channels, in their table, and in the chart.
    assert html.count("Flyers $5 a$b") == 3
    assert "Nothing registered in this period." in html
    text = pdf_text(report_pdf(report))
    assert "Campaign report: =1+1" in text
    assert "Forms of crime" in text
    assert "Chats started 0" in text
