"""The admin page's access log in Chromium: an administrator searches who read what, and
every search lands in the log itself (SECURITY.md S21)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from keerpunt.context import Context
from keerpunt.privacy.models import AuditEntry
from tests.e2e.conftest import Site, StaffApi, axe_violations, run_async
from tests.e2e.test_admin import admin_page
from tests.live import audit_entries, make_staff


@pytest.fixture
def admin(site: Site) -> str:
    run_async(lambda ctx: make_staff(ctx, "beheer", roles=["admin"]), site.settings)
    run_async(lambda ctx: make_staff(ctx, "bert"), site.settings)
    return "beheer"


def searches(site: Site) -> list[AuditEntry]:
    async def work(ctx: Context) -> list[AuditEntry]:
        return await audit_entries(ctx, "audit.search")

    return run_async(work, site.settings)


def test_an_admin_searches_the_access_log_and_the_search_is_logged(
    browser: Browser, site: Site, contexts: list[BrowserContext], admin: str
) -> None:
    started = httpx.post(f"{site.url}/api/v1/conversations", json={"visitor": "youth"})
    assert started.status_code == 201
    anna = StaffApi(site, "anna")
    bert = StaffApi(site, "bert")
    try:
        conversation = anna.accept_next()
        # 51 reads of her own chat: one more than a page.
        for _ in range(51):
            assert anna.messages(conversation)
        refused = bert.http.get(
            f"/api/v1/conversations/{conversation}/messages", headers=bert.headers
        )
        assert refused.status_code == 404
    finally:
        anna.close()
        bert.close()

    browsing = admin_page(browser, site, contexts, admin)
    page = browsing.page
    expect(page.locator("#taxonomy-current")).to_be_visible()
    assert searches(site) == []  # opening the page searches nothing

    page.get_by_role("link", name="Toegangslog").click()
    page.fill("#audit-user", "anna")
    # Her log-ins and log-outs are in the log too; the reads are what this looks for.
    page.fill("#audit-action", "read_chat")
    page.get_by_role("button", name="Zoek in het toegangslog").click()
    rows = page.locator("#audit-results tbody tr")
    expect(rows).to_have_count(50)
    expect(page.locator("#audit-status")).to_have_text("50 regels getoond, nieuwste eerst.")
    expect(rows.first).to_contain_text("read_chat")
    expect(rows.first).to_contain_text(conversation)
    expect(rows.first).to_contain_text("Toegestaan")
    more = page.get_by_role("button", name="Oudere regels")
    more.click()
    expect(rows).to_have_count(51)
    expect(more).to_be_hidden()

    # The refused attempt, found by its outcome.
    page.fill("#audit-user", "")
    page.fill("#audit-action", "")
    page.select_option("#audit-outcome", "denied")
    page.get_by_role("button", name="Zoek in het toegangslog").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("bert")
    expect(rows.first).to_contain_text("Geweigerd")
    expect(rows.first).to_have_class("denied")

    # Dates the wrong way round are caught before asking.
    page.fill("#audit-since", "2026-12-02")
    page.fill("#audit-until", "2026-12-01")
    page.get_by_role("button", name="Zoek in het toegangslog").click()
    expect(page.locator("#audit-error")).to_have_text("De einddatum ligt voor de begindatum.")
    expect(page.locator("#audit-until")).to_be_focused()
    assert axe_violations(page) == []
    assert browsing.watch.problems == []

    logged = searches(site)
    assert len(logged) == 3
    assert logged[0].purpose == "user=anna action=read_chat"
    assert str(logged[1].purpose).startswith("user=anna action=read_chat before=")
    assert logged[2].purpose == "outcome=denied"
    assert [entry.count for entry in logged] == [50, 1, 1]
