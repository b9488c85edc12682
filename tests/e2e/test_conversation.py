"""A chatter on a phone and a counselor at the console, both in Chromium, as people use them."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, expect

from tests.e2e.conftest import (
    PHONE,
    Browsing,
    NeutralSite,
    Site,
    add_counselor,
    axe_violations,
    chatter,
    counselor,
    e2e_settings,
    open_page,
)
from tests.live import ServerProcess

XSS = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script><b>vet</b>"]


def start(page: Page, who: str | None = None, button: str = "Start de chat") -> None:
    if who:
        page.get_by_label(who).check()
    page.get_by_role("button", name=button).click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def say(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def panel(console: Page) -> Locator:
    """The open conversation's messages on the console."""
    return console.locator("[role=tabpanel]:not([hidden]) [role=log] li[data-seq]")


def lines(console: Page, sender: str) -> list[str]:
    """What one side said, as the console shows it, in order."""
    items = console.locator(f"[role=tabpanel]:not([hidden]) [role=log] li.{sender}[data-seq]")
    return items.locator(".body").all_inner_texts()


def accept_first(console: Page) -> str:
    entry = console.locator("#queue li[data-conversation]").first
    conversation = entry.get_attribute("data-conversation")
    assert conversation
    entry.locator("button.accept").click()
    expect(console.locator(f"#tabs [role=tab][data-conversation='{conversation}']")).to_be_visible()
    return conversation


def in_a_chat(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> tuple[Browsing, Browsing]:
    """A chatter who started a chat, and counselor anna who accepted it."""
    youth = chatter(browser, site, contexts)
    start(youth.page)
    anna = counselor(browser, site, contexts)
    accept_first(anna.page)
    return youth, anna


def confirm_dialogs(page: Page) -> None:
    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_whole_conversation(
    browser: Browser, site: Site, contexts: list[BrowserContext], lang: str
) -> None:
    words = {
        "nl": ("Voor iemand die dicht bij me staat", "Start de chat", "Het gesprek is afgelopen."),
        "en": ("For someone close to me", "Start the chat", "The chat has ended."),
    }[lang]
    youth = chatter(browser, site, contexts, lang=lang)
    start(youth.page, who=words[0], button=words[1])
    say(youth.page, "Mijn broertje wordt geronseld" if lang == "nl" else "My brother is recruited")

    anna = counselor(browser, site, contexts, lang=lang)
    console = anna.page
    entry = console.locator("#queue li[data-conversation]")
    expect(entry).to_have_count(1)
    if lang == "en":
        console.keyboard.press("Alt+n")  # the documented shortcut: accept the next chat
        expect(console.locator("#tabs [role=tab]")).to_have_count(1)
    else:
        accept_first(console)
    expect(panel(console).locator(".body").first).to_contain_text(
        "broertje" if lang == "nl" else "brother"
    )
    expect(youth.page.locator("li.system[data-code='counselor_joined']")).to_be_visible()

    say(console, "Wat fijn dat je schrijft.")
    expect(youth.page.locator("li.counselor .body")).to_have_text("Wat fijn dat je schrijft.")
    youth.page.fill("#message", "Hij is vijftien")
    expect(console.locator("#typing")).not_to_be_empty()
    youth.page.press("#message", "Enter")
    expect(panel(console).locator(".body").last).to_have_text("Hij is vijftien")

    confirm_dialogs(console)
    console.locator("#end").click()
    expect(youth.page.locator("#ended")).to_contain_text(words[2])
    expect(panel(console).last).to_have_attribute("data-code", "ended_by_counselor")
    assert youth.watch.problems == []
    assert anna.watch.problems == []


def test_offline_for_ten_seconds_loses_nothing_and_doubles_nothing(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth, anna = in_a_chat(browser, site, contexts)
    say(youth.page, "voor het gat")
    expect(panel(anna.page)).to_have_count(2)

    youth.context.set_offline(True)
    expect(youth.page.locator("#connection")).to_have_attribute("data-state", "offline")
    for n in (1, 2, 3):
        say(youth.page, f"offline {n}")
    youth.page.wait_for_timeout(10_000)
    expect(youth.page.locator("li.pending")).to_have_count(3)
    youth.context.set_offline(False)

    expect(youth.page.locator("li.pending")).to_have_count(0, timeout=20_000)
    expect(panel(anna.page)).to_have_count(5)
    assert lines(anna.page, "chatter") == ["voor het gat", "offline 1", "offline 2", "offline 3"]
    seqs = [
        int(s or 0) for s in panel(anna.page).evaluate_all("els => els.map(e => e.dataset.seq)")
    ]
    assert seqs == sorted(set(seqs))


def test_a_server_restart_mid_chat_recovers_both_screens(
    browser: Browser, tmp_path: Path, neutral: NeutralSite, contexts: list[BrowserContext]
) -> None:
    settings = e2e_settings(tmp_path, neutral.url)
    add_counselor(settings)
    server = ServerProcess(
        settings,
        tmp_path / "server.log",
        KEERPUNT_HEARTBEAT_SECONDS="5",
        KEERPUNT_ORGANISATION_FILE=str(settings.organisation_file),
    )
    server.start_sync()
    try:
        site = Site(server.url, settings, tmp_path, neutral.url)
        youth, anna = in_a_chat(browser, site, contexts)
        say(youth.page, "voor de herstart")
        expect(panel(anna.page)).to_have_count(2)

        server.signal(signal.SIGKILL)
        expect(youth.page.locator("#connection")).not_to_have_attribute("data-state", "online")
        say(youth.page, "tijdens de herstart")
        server.start_sync()

        for page in (youth.page, anna.page):
            expect(page.locator("#connection")).to_have_attribute(
                "data-state", "online", timeout=30_000
            )
        expect(youth.page.locator("li.pending")).to_have_count(0)
        say(anna.page, "na de herstart")
        expect(youth.page.locator("li.counselor .body")).to_have_text("na de herstart")
        expect(panel(anna.page)).to_have_count(4)
        assert lines(anna.page, "chatter") == ["voor de herstart", "tijdens de herstart"]
        assert lines(anna.page, "counselor") == ["na de herstart"]
    finally:
        server.stop()


def test_quick_exit_leaves_nothing_and_tells_the_counselor(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth, anna = in_a_chat(browser, site, contexts)
    say(youth.page, "er komt iemand aan")
    expect(youth.page.locator("li.pending")).to_have_count(0)
    assert youth.page.evaluate("sessionStorage.length") == 1

    youth.page.keyboard.press("Escape")
    youth.page.wait_for_url(site.neutral_url)
    expect(panel(anna.page).last).to_have_attribute("data-code", "quick_exit")

    # Back does not return to the chat: the chat's history entry was replaced.
    youth.page.go_back()
    assert not youth.page.url.startswith(site.url)
    # And the tab kept nothing: the chat page in the same tab starts afresh.
    youth.page.goto(f"{site.url}/")
    assert youth.page.evaluate("sessionStorage.length") == 0
    expect(youth.page.locator("#start")).to_be_visible()
    expect(youth.page.locator("#chat")).to_be_hidden()


def test_the_quick_exit_button_works_before_a_chat_too(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    youth.page.get_by_role("button", name="Snel weg").click()
    youth.page.wait_for_url(site.neutral_url)


def test_markup_in_messages_shows_as_text_on_both_sides(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    dialogs: list[str] = []
    youth = chatter(browser, site, contexts)
    youth.page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    start(youth.page)
    anna = counselor(browser, site, contexts)
    anna.page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    accept_first(anna.page)
    for text in XSS:
        say(youth.page, text)
        say(anna.page, text)
    expect(panel(anna.page)).to_have_count(5)
    expect(youth.page.locator("#messages li[data-seq]")).to_have_count(5)
    chatter_side = youth.page.locator("#messages li[data-seq]")
    assert chatter_side.locator(".body").all_inner_texts()[1:] == [XSS[0], XSS[0], XSS[1], XSS[1]]
    assert lines(anna.page, "chatter") == XSS
    assert lines(anna.page, "counselor") == XSS
    for page in (youth.page, anna.page):
        messages = page.locator("#messages, [role=log]")
        assert messages.locator("img, script, b").count() == 0
        assert page.locator("img").count() == 0
    assert dialogs == []


def test_two_chats_at_once_with_tabs_unread_counts_and_keys(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    first, second = chatter(browser, site, contexts), chatter(browser, site, contexts)
    start(first.page)
    start(second.page)
    anna = counselor(browser, site, contexts)
    console = anna.page
    expect(console.locator("#queue li[data-conversation]")).to_have_count(2)
    tabs = console.locator("#tabs [role=tab]")
    console.keyboard.press("Alt+n")
    expect(tabs).to_have_count(1)
    console.keyboard.press("Alt+n")
    expect(tabs).to_have_count(2)
    console.keyboard.press("Alt+1")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    say(second.page, "ik ben de tweede")
    expect(tabs.nth(1).locator(".unread")).to_have_text("1")
    console.keyboard.press("Alt+2")
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(panel(console).locator(".body").last).to_have_text("ik ben de tweede")
    expect(tabs.nth(1).locator(".unread")).to_be_hidden()


def test_the_console_has_no_accessibility_violations(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    login = open_page(browser, f"{site.url}/console", viewport={"width": 1280, "height": 800})
    contexts.append(login.context)
    assert axe_violations(login.page) == [], "login"
    youth = chatter(browser, site, contexts)
    start(youth.page)
    other = chatter(browser, site, contexts)
    start(other.page)
    anna = counselor(browser, site, contexts)
    accept_first(anna.page)
    say(youth.page, "Hallo")
    expect(panel(anna.page)).to_have_count(2)
    assert axe_violations(anna.page) == [], "chatting, one waiting"
    assert anna.watch.problems == []


def test_a_failed_login_says_so_and_stays_on_the_form(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, f"{site.url}/console", viewport=PHONE)
    contexts.append(page.context)
    page.page.fill("#username", "anna")
    page.page.fill("#password", "wrong password")
    page.page.press("#password", "Enter")
    expect(page.page.locator("#login [role=alert]")).not_to_be_empty()
    expect(page.page.locator("#login")).to_be_visible()
