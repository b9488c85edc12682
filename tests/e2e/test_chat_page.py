"""The chatter's page on a phone-sized screen, with the counselor over plain HTTP.

The tests with the counselor's console on the other side are in test_conversation.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect
from sqlalchemy import select

from keerpunt.chat.models import FeedbackAnswer
from keerpunt.context import Context
from keerpunt.organisation import WEEKDAYS
from tests.e2e.conftest import (
    PHONE,
    NeutralSite,
    Site,
    StaffApi,
    axe_violations,
    chatter,
    e2e_settings,
    open_page,
    organisation_file,
    run_async,
)
from tests.live import LiveServer

# The budget for the first load of the chat page, compressed, all requests.
PAGE_BUDGET_BYTES = 60 * 1024


def start_chat(page: Page, who: str | None = "Voor mezelf") -> None:
    if who:
        page.get_by_label(who).check()
    page.get_by_role("button", name="Start de chat").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def test_a_chat_from_start_to_feedback(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    page = youth.page
    expect(page.locator("h1")).to_contain_text("Chat met ons")
    start_chat(page)
    expect(page.locator("#queue")).to_contain_text("Je bent de volgende")

    # Typed while waiting: kept, and there for the counselor when they join.
    page.fill("#message", "Hoi, ik wil iets vragen")
    page.press("#message", "Enter")
    expect(page.locator("li.chatter[data-seq='1']")).to_contain_text("Hoi, ik wil iets vragen")

    staff = StaffApi(site)
    assert staff.queue()[0]["visitor"] == "youth"
    conversation = staff.accept_next()
    assert staff.messages(conversation)[0]["body"] == "Hoi, ik wil iets vragen"
    expect(page.locator("li.system[data-code='counselor_joined']")).to_be_visible()
    expect(page.locator("#queue")).to_be_hidden()

    staff.say(conversation, "Hoi! Vertel maar.")
    expect(page.locator("li.counselor .body")).to_have_text("Hoi! Vertel maar.")
    staff.end(conversation)
    expect(page.locator("#ended")).to_be_visible()
    expect(page.locator("li.system[data-code='ended_by_counselor']")).to_be_visible()
    expect(page.locator("#message")).to_be_disabled()

    page.get_by_role("group", name="Had je iets aan dit gesprek?").get_by_label("Ja").check()
    page.get_by_role("button", name="Verstuur antwoord").click()
    expect(page.locator("#feedback-thanks")).to_have_text("Bedankt voor je antwoord.")

    async def answers(ctx: Context) -> list[tuple[str, str]]:
        async with ctx.read() as session:
            rows = await session.scalars(
                select(FeedbackAnswer).where(FeedbackAnswer.conversation_id == conversation)
            )
            return [(row.question, row.answer) for row in rows]

    assert run_async(answers, site.settings) == [("helpful", "yes")]

    # Nothing kept outside the tab: no cookie, no local storage, no token in an address.
    token = page.evaluate("JSON.parse(sessionStorage.getItem('keerpunt.chat')).token")
    assert len(token) >= 43
    assert youth.context.cookies() == []
    assert page.evaluate("localStorage.length") == 0
    assert not [url for url in youth.watch.requests if token in url]

    # And again: a new chat, in the queue, for the same tab.
    page.get_by_role("button", name="Start een nieuwe chat").click()
    start_chat(page, who=None)
    expect(page.locator("#queue")).to_be_visible()
    expect(page.locator("#messages li")).to_have_count(0)
    assert youth.watch.problems == []
    staff.close()


def test_a_reload_picks_the_chat_up_where_it_was(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    page = youth.page
    start_chat(page)
    staff = StaffApi(site)
    conversation = staff.accept_next()
    staff.say(conversation, "Ben je er nog?")
    expect(page.locator("li.counselor")).to_have_count(1)
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("li.counselor .body")).to_have_text("Ben je er nog?")
    expect(page.locator("#messages li")).to_have_count(2)  # joined + the question, once
    staff.close()


def test_long_poll_takes_over_when_sockets_are_blocked(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    page = youth.page

    def refuse(socket: WebSocketRoute) -> None:
        socket.close(code=1011, reason="blocked by a proxy")

    page.route_web_socket("**/api/v1/ws", refuse)
    page.get_by_role("button", name="Start de chat").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "polling")

    staff = StaffApi(site)
    conversation = staff.accept_next()
    expect(page.locator("li.system[data-code='counselor_joined']")).to_be_visible()
    page.fill("#message", "via long-poll")
    page.press("#message", "Enter")
    expect(page.locator("li.pending")).to_have_count(0)
    staff.say(conversation, "Goed ontvangen")
    expect(page.locator("li.counselor .body")).to_have_text("Goed ontvangen")
    chatter_lines = [m["body"] for m in staff.messages(conversation) if m["sender"] == "chatter"]
    assert chatter_lines == ["via long-poll"]
    staff.close()


def test_the_first_load_is_light_and_talks_to_no_other_host(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    youth.page.wait_for_load_state("networkidle")
    origin = urlsplit(site.url).netloc
    hosts = {urlsplit(url).netloc for url in youth.watch.requests if not url.startswith("data:")}
    assert hosts == {origin}
    transferred = 0
    for request in youth.watch.finished:
        sizes = request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    assert 0 < transferred <= PAGE_BUDGET_BYTES, f"{transferred} bytes"
    # The page really arrived compressed, and the scripts are plain modules, no framework.
    page_response = httpx.get(f"{site.url}/", headers={"Accept-Encoding": "gzip"})
    assert page_response.headers["content-encoding"] == "gzip"
    # The page works under a CSP without inline script (no console error above says so).
    policy = page_response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
    assert youth.watch.problems == []
    scripts = [url for url in youth.watch.requests if url.endswith(".js") or ".js?" in url]
    assert scripts
    assert all("/static/js/" in url for url in scripts)


def test_a_320_pixel_screen_needs_no_sideways_scrolling(
    browser: Browser, site: Site, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="nl-NL")
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{site.url}/")

    def fits(name: str) -> None:
        page.screenshot(path=tmp_path / f"{name}-320.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{name}: {width}px wide"

    fits("start")
    start_chat(page)
    page.fill("#message", "een-heel-lang-woord-zonder-spaties-" * 8)
    page.press("#message", "Enter")
    expect(page.locator("li.pending")).to_have_count(0)
    fits("chatting")


def test_no_accessibility_violations_in_any_state(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    page = youth.page
    assert axe_violations(page) == [], "start"
    start_chat(page)
    assert axe_violations(page) == [], "waiting"
    staff = StaffApi(site)
    conversation = staff.accept_next()
    staff.say(conversation, "Hoi, waar wil je het over hebben?")
    page.fill("#message", "Ik zit ergens in")
    page.press("#message", "Enter")
    expect(page.locator("li.pending")).to_have_count(0)
    expect(page.locator("li.counselor")).to_have_count(1)
    assert axe_violations(page) == [], "chatting"
    staff.end(conversation)
    expect(page.locator("#ended")).to_be_visible()
    assert axe_violations(page) == [], "ended"
    english = chatter(browser, site, contexts, lang="en")
    assert axe_violations(english.page) == [], "start, in English"
    assert youth.watch.problems == []
    staff.close()


def test_when_closed_the_page_says_when_it_opens_and_where_to_go_now(
    browser: Browser, tmp_path: Path, neutral: NeutralSite, contexts: list[BrowserContext]
) -> None:
    tomorrow = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date() + dt.timedelta(days=1)
    settings = e2e_settings(
        tmp_path,
        neutral.url,
        always_open=False,
        organisation_file=organisation_file(
            tmp_path, neutral.url, open_only_on=WEEKDAYS[tomorrow.weekday()]
        ),
    )
    live = LiveServer(settings)
    live.start()
    try:
        closed = open_page(browser, f"{live.url}/", viewport=PHONE)
        contexts.append(closed.context)
        page = closed.page
        expect(page.locator("#closed")).to_contain_text("De chat is nu gesloten.")
        expect(page.locator("#closed")).to_contain_text("De chat gaat morgen om 09:00 open.")
        expect(page.locator("#help-lines")).to_contain_text("112")
        expect(page.get_by_role("link", name="0800-7000")).to_have_attribute("href", "tel:08007000")
        expect(page.get_by_role("button", name="Start de chat")).to_have_count(0)
        assert axe_violations(page) == [], "closed"
        english = open_page(browser, f"{live.url}/?lang=en", viewport=PHONE)
        contexts.append(english.context)
        expect(english.page.locator("#closed")).to_contain_text("The chat opens tomorrow at 09:00.")
        # The server agrees: no chat starts while nobody would answer.
        refused = httpx.post(f"{live.url}/api/v1/conversations", json={})
        assert refused.status_code == 409
        assert refused.json()["code"] == "closed"
    finally:
        live.stop()
