"""Opening hours in Chromium: an admin keeps them on the admin page, and a counselor sees
in the console when the chat closes and how many minutes are left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat import idle
from keerpunt.chat import store as chat_store
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.organisation import WEEKDAYS
from tests.e2e.conftest import (
    DESKTOP,
    NeutralSite,
    Site,
    add_counselor,
    axe_violations,
    counselor,
    e2e_settings,
    open_page,
    run_async,
    staff_login,
)
from tests.live import LiveServer, StaffMember, http_client, make_staff


@pytest.fixture
def hours_site(tmp_path: Path, neutral: NeutralSite) -> Iterator[Site]:
    """A live server that keeps the opening hours, with counselor anna and admin beheer."""
    settings = e2e_settings(tmp_path, neutral.url, always_open=False)
    add_counselor(settings)
    run_async(lambda ctx: make_staff(ctx, "beheer", roles=["admin"]), settings)
    live = LiveServer(settings)
    live.start()
    yield Site(live.url, settings, tmp_path, neutral.url)
    live.stop()


def test_an_admin_keeps_the_opening_hours(
    browser: Browser, hours_site: Site, contexts: list[BrowserContext]
) -> None:
    browsing = open_page(browser, f"{hours_site.url}/admin?lang=nl", viewport=DESKTOP)
    contexts.append(browsing.context)
    page = browsing.page
    staff_login(page, "beheer")
    page.get_by_role("link", name="Openingstijden").click()
    # Until the first save: the organisation file's hours, and a note that says so.
    expect(page.get_by_label("Maandag")).to_have_value("12:00-22:00")
    expect(page.locator("#hours-source")).to_contain_text("organisatiebestand")
    expect(page.get_by_label("Gesloten dagen")).to_have_value(
        "2026-12-25 2026-12-25\n2027-01-01 2027-01-01"
    )

    # Two ranges that overlap: refused beside the day, nothing saved.
    page.get_by_label("Maandag").fill("12:00-18:00, 17:00-22:00")
    save = page.get_by_role("button", name="Deze openingstijden vastleggen")
    save.click()
    expect(page.locator("#hours-monday-error")).to_have_text("Twee tijden van deze dag overlappen.")
    expect(page.get_by_label("Maandag")).to_be_focused()
    expect(page.get_by_label("Maandag")).to_have_attribute("aria-invalid", "true")
    # Not a time range at all: the page says so before asking the server.
    page.get_by_label("Maandag").fill("twaalf uur")
    save.click()
    expect(page.locator("#hours-monday-error")).to_contain_text("12:00-22:00")

    page.get_by_label("Maandag").fill("12:00-17:00, 18:00-22:00")
    page.get_by_label("Gesloten dagen").fill("2026-12-25 Eerste kerstdag")
    page.get_by_label("Dagen met eigen tijden").fill("2026-12-24 12:00-17:00 Kerstavond")
    page.get_by_label("Geen nieuwe chats in de laatste minuten voor sluiting").fill("15")
    save.click()
    expect(page.locator("#hours-status")).to_have_text(
        "De openingstijden zijn opgeslagen. Ze gelden meteen."
    )
    expect(page.locator("#hours-source")).to_have_text("")
    assert axe_violations(page) == []

    page.reload()
    expect(page.get_by_label("Maandag")).to_have_value("12:00-17:00, 18:00-22:00")
    expect(page.get_by_label("Dagen met eigen tijden")).to_have_value(
        "2026-12-24 12:00-17:00 Kerstavond"
    )
    expect(
        page.get_by_label("Geen nieuwe chats in de laatste minuten voor sluiting")
    ).to_have_value("15")
    assert browsing.watch.problems == []


def test_the_console_shows_when_the_chat_closes(
    browser: Browser, hours_site: Site, contexts: list[BrowserContext]
) -> None:
    # Open today until two hours from now (or midnight), in the cut-off already.
    now = dt.datetime.now(ZoneInfo("Europe/Amsterdam"))
    later = now + dt.timedelta(hours=2)
    end = "24:00" if later.date() != now.date() else later.strftime("%H:%M")

    async def save(_ctx: object) -> None:
        async with http_client(hours_site.url) as http:
            admin = await StaffMember.login(http, "beheer")
            schedule = {
                "week": {WEEKDAYS[now.weekday()]: [{"start": "00:00", "end": end}]},
                "closing_cutoff_minutes": 240,
            }
            assert (await admin.put("/api/v1/hours", json=schedule)).status_code == 200

    run_async(save, hours_site.settings)
    browsing = counselor(browser, hours_site, contexts)
    closing = browsing.page.locator("#closing")
    expect(closing).to_be_visible()
    # On the counselor's own clock (the browser's timezone, here the machine's).
    closes = now.replace(second=0, microsecond=0)
    closes = (
        dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), now.tzinfo)
        if end == "24:00"
        else closes.replace(hour=later.hour, minute=later.minute)
    )
    expect(closing).to_contain_text(f"Sluit om {closes.astimezone():%H:%M}")
    expect(closing).to_contain_text("min)")
    expect(closing).to_have_class("closing soon")
    assert browsing.watch.problems == []


def test_a_silent_chat_counts_down_and_the_counselor_gives_more_time(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    # A chat accepted eleven minutes ago whose chatter never wrote: warned a minute ago,
    # so it closes in about four minutes (the server's own sweep has nothing to do yet).
    now = dt.datetime.now(dt.UTC)

    async def silent_chat(ctx: Context) -> str:
        clock = FrozenClock(now - dt.timedelta(minutes=11))
        ctx.clock = clock
        async with ctx.read() as session:
            user = await accounts_store.user_by_username(session, "anna")
            assert user is not None
            anna = StaffPrincipal(user.id, user.username, user.role_names, "setup")
        started = await chat.start_conversation(ctx, None)
        await chat.accept(ctx, anna, started.conversation.id)
        clock.advance(10 * 60)
        assert (await idle.sweep(ctx)).warned == [started.conversation.id]
        return started.conversation.id

    conversation = run_async(silent_chat, site.settings)
    browsing = counselor(browser, site, contexts)
    page = browsing.page
    expect(page.locator(".log-list")).to_contain_text(
        "De chatter is gevraagd of hij of zij er nog is."
    )
    banner = page.locator(".idle-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("De chatter is stil. Deze chat sluit over")
    banner.get_by_role("button", name="Meer tijd geven").click()
    expect(banner).to_be_hidden()

    async def extended(ctx: Context) -> dt.datetime | None:
        async with ctx.read() as session:
            conv = await chat_store.conversation(session, conversation)
            assert conv is not None
            return conv.idle_extended_at

    assert run_async(extended, site.settings) is not None
    assert browsing.watch.problems == []
