"""A returning chatter on the chat page: an account, logging in and out, earlier chats,
deleting it all. Chromium on a phone-sized screen; the counselor over plain HTTP."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock, SystemClock
from keerpunt.privacy import actions as privacy
from tests.e2e.conftest import (
    PHONE,
    Browsing,
    Site,
    StaffApi,
    axe_violations,
    chatter,
    run_async,
)

PASSWORD = "een lang geheim"


def stored(page: Page) -> dict[str, Any] | None:
    """What the tab keeps: the chat page's one sessionStorage entry."""
    kept: dict[str, Any] | None = page.evaluate(
        "JSON.parse(sessionStorage.getItem('keerpunt.chat') || 'null')"
    )
    return kept


def start_chat(page: Page, button: str = "Start de chat") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def say(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")
    expect(page.locator("li.pending")).to_have_count(0)


def a_whole_chat(page: Page, staff: StaffApi, words: str, button: str = "Start de chat") -> str:
    """A chat from the start button to the ended panel; returns its id."""
    start_chat(page, button)
    say(page, words)
    conversation = staff.accept_next()
    staff.say(conversation, "Fijn dat je schrijft.")
    expect(page.locator("li.counselor")).to_have_count(1)
    staff.end(conversation)
    expect(page.locator("#ended")).to_be_visible()
    return conversation


def make_account(page: Page, username: str, password: str = PASSWORD) -> None:
    page.fill("#create-username", username)
    page.fill("#create-password", password)
    page.get_by_role("button", name="Maak mijn account").click()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_role("button", name="Al een account? Log in").click()
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.get_by_role("button", name="Inloggen", exact=True).click()


def kept_nothing_outside_the_tab(browsing: Browsing, tokens: list[str]) -> None:
    assert browsing.context.cookies() == []
    assert browsing.page.evaluate("localStorage.length") == 0
    for token in tokens:
        assert token not in browsing.page.url
        assert not [url for url in browsing.watch.requests if token in url]


def test_a_returning_chatter_reads_their_own_chats_and_continues_as_the_same_chatter(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    staff = StaffApi(site)
    youth = chatter(browser, site, contexts)
    page = youth.page
    first = a_whole_chat(page, staff, "Ik wil hier later op terugkomen")
    chat_token = stored(page)["token"]  # type: ignore[index]

    # Someone else chats too, in English; the page says which language it speaks.
    other = chatter(browser, site, contexts, lang="en")
    theirs = a_whole_chat(other.page, staff, "someone else's story", button="Start the chat")
    locales = {
        c: staff.http.get(f"/api/v1/conversations/{c}", headers=staff.headers).json()["locale"]
        for c in (first, theirs)
    }
    assert locales == {first: "nl", theirs: "en"}

    # After the chat: the rule comes before anything is sent.
    page.locator("#ended").get_by_role("button", name="Maak een account").click()
    rule = page.locator("#create-rule")
    expect(rule).to_be_visible()
    expect(rule).to_contain_text("Niemand kan een vergeten wachtwoord terughalen, ook wij niet.")
    expect(rule).to_contain_text("niet je echte naam")

    # Mistakes show beside the field they are about.
    taken = httpx.post(
        f"{site.url}/api/v1/chatter/account", json={"username": "bezet", "password": PASSWORD}
    )
    assert taken.status_code == 201
    make_account(page, "mijn naam", "kort")
    expect(page.locator("#create-username-error")).to_contain_text("3 tot 32 letters")
    expect(page.locator("#create-password-error")).to_contain_text("te kort")
    expect(page.locator("#create-password")).to_have_attribute("aria-invalid", "true")
    make_account(page, "bezet")
    expect(page.locator("#create-username-error")).to_have_text(
        "Deze gebruikersnaam is al bezet. Kies een andere."
    )
    expect(page.locator("#create-password-error")).to_be_empty()
    make_account(page, "Zonnebloem")
    expect(page.locator("#ended-account-status")).to_have_text(
        "Je account is klaar. Je bent ingelogd als zonnebloem."
    )
    expect(page.locator("#ended-account")).to_be_hidden()
    assert stored(page)["username"] == "zonnebloem"  # type: ignore[index]

    page.get_by_role("button", name="Start een nieuwe chat").click()
    expect(page.locator("#account-who")).to_have_text("Ingelogd als zonnebloem")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.locator("#account-status")).to_have_text("Je bent uitgelogd.")
    assert page.evaluate("sessionStorage.length") == 0
    expect(page.get_by_role("button", name="Al een account? Log in")).to_be_visible()
    gone = httpx.get(
        f"{site.url}/api/v1/chatter/me", headers={"Authorization": f"Bearer {chat_token}"}
    )
    assert gone.status_code == 401
    kept_nothing_outside_the_tab(youth, [chat_token])

    # Another day, another browser: a wrong password first.
    back = chatter(browser, site, contexts)
    log_in(back.page, "zonnebloem", "niet het goede wachtwoord")
    expect(back.page.locator("#login-error")).to_have_text(
        "De gebruikersnaam of het wachtwoord klopt niet."
    )
    expect(back.page.locator("#account-login")).to_be_visible()
    back.page.get_by_role("button", name="Terug", exact=True).click()
    log_in(back.page, "zonnebloem")
    expect(back.page.locator("#account-who")).to_have_text("Ingelogd als zonnebloem")
    expect(back.page.locator("#account-status")).to_contain_text("Welkom terug.")
    login_token = stored(back.page)["token"]  # type: ignore[index]

    # Exactly their own earlier chat, readable like the chat itself, and nobody else's.
    back.page.get_by_role("button", name="Mijn eerdere gesprekken").click()
    expect(back.page.locator("#account-list")).to_contain_text("na een tijd verwijderd")
    items = back.page.locator("#list-items button")
    expect(items).to_have_count(1)
    expect(items).to_have_attribute("data-conversation", first)
    expect(items).to_contain_text("Afgelopen")
    items.click()
    transcript = back.page.locator("#read-messages")
    expect(transcript.locator("li.chatter .body")).to_have_text("Ik wil hier later op terugkomen")
    expect(transcript.locator("li.counselor .body")).to_have_text("Fijn dat je schrijft.")
    expect(transcript.locator("li.system[data-code='counselor_joined'] .body")).to_have_text(
        "Een hulpverlener is in het gesprek gekomen."
    )
    expect(transcript.locator("li.system[data-code='ended_by_counselor']")).to_be_visible()
    expect(transcript).not_to_contain_text("someone else")
    expect(back.page.locator("#message")).to_be_hidden()  # read-only: nothing to write in
    back.page.get_by_role("button", name="Terug naar mijn gesprekken").click()
    expect(items).to_have_count(1)
    back.page.get_by_role("button", name="Terug", exact=True).click()

    # A new chat now continues as the same chatter, and the counselor sees the earlier one.
    start_chat(back.page)
    again = staff.accept_next()
    assert stored(back.page)["token"] == login_token  # type: ignore[index]
    history = staff.http.get(f"/api/v1/conversations/{again}/history", headers=staff.headers).json()
    assert history["returning"] is True
    assert history["has_account"] is True
    assert [earlier["conversation"] for earlier in history["earlier"]] == [first]

    kept_nothing_outside_the_tab(back, [login_token])
    assert youth.watch.problems == []
    assert back.watch.problems == []
    staff.close()


def test_deleting_the_account_logs_out_and_leaves_nothing_to_log_in_to(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    staff = StaffApi(site)
    youth = chatter(browser, site, contexts)
    page = youth.page
    # Before any chat, from the start page.
    page.get_by_role("button", name="Maak een account om later terug te komen").click()
    expect(page.locator("#create-rule")).to_contain_text("Niemand kan een vergeten wachtwoord")
    make_account(page, "verdwijn")
    expect(page.locator("#account-status")).to_have_text(
        "Je account is klaar. Je bent ingelogd als verdwijn."
    )
    conversation = a_whole_chat(page, staff, "Dit mag straks weg")
    expect(page.locator("#ended-account")).to_be_hidden()  # an account already
    page.get_by_role("button", name="Start een nieuwe chat").click()

    page.get_by_role("button", name="Mijn eerdere gesprekken").click()
    expect(page.locator("#list-items button")).to_have_count(1)
    page.get_by_role("button", name="Mijn account verwijderen").click()
    expect(page.locator("#account-delete")).to_contain_text(
        "Hiermee verwijder je je account en al je gesprekken voorgoed."
    )
    delete = page.get_by_role("button", name="Alles verwijderen")
    delete.click()
    expect(page.locator("#delete-password-error")).to_have_text("Vul je wachtwoord in.")
    expect(page.locator("#delete-sure-error")).to_have_text(
        "Vink het vakje aan als je het zeker weet."
    )
    page.fill("#delete-password", "niet het goede wachtwoord")
    page.get_by_label("Ja, verwijder mijn account en al mijn gesprekken voorgoed.").check()
    delete.click()
    expect(page.locator("#delete-password-error")).to_have_text("Dit wachtwoord klopt niet.")
    expect(page.locator("#account-delete")).to_be_visible()

    page.fill("#delete-password", PASSWORD)
    delete.click()
    expect(page.locator("#account-status")).to_have_text(
        "Je account en al je gesprekken zijn verwijderd."
    )
    expect(page.locator("#start-button")).to_be_visible()
    expect(page.get_by_role("button", name="Al een account? Log in")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0

    log_in(page, "verdwijn")
    expect(page.locator("#login-error")).to_have_text(
        "De gebruikersnaam of het wachtwoord klopt niet."
    )
    transcript = staff.http.get(
        f"/api/v1/conversations/{conversation}/messages", headers=staff.headers
    )
    assert transcript.status_code == 404
    assert youth.watch.problems == []
    staff.close()


def test_the_account_views_are_accessible_and_fit_a_small_phone(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    staff = StaffApi(site)
    youth = chatter(browser, site, contexts)
    page = youth.page

    def fine(name: str) -> None:
        assert axe_violations(page) == [], name
        page.set_viewport_size({"width": 320, "height": 640})
        width = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size(PHONE)
        assert width <= 320, f"{name}: {width}px wide"

    # The account line sits below the start button, which stays on the first screen.
    box = page.locator("#start-button").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    fine("start")

    page.get_by_role("button", name="Al een account? Log in").click()
    fine("log in")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.locator("#login-username-error")).not_to_be_empty()
    fine("log in, with errors")
    page.get_by_role("button", name="Terug", exact=True).click()

    page.get_by_role("button", name="Maak een account om later terug te komen").click()
    fine("make an account")
    make_account(page, "x", "kort")
    expect(page.locator("#create-username-error")).not_to_be_empty()
    fine("make an account, with errors")
    make_account(page, "naam_van.precies-32-tekens-lang_")  # the longest name there is
    expect(page.locator("#account-who")).to_have_text(
        "Ingelogd als naam_van.precies-32-tekens-lang_"
    )
    fine("start, logged in")

    a_whole_chat(page, staff, "Een woord-zonder-spaties-dat-heel-lang-doorgaat-" * 4)
    fine("ended, with an account")
    page.get_by_role("button", name="Start een nieuwe chat").click()
    page.get_by_role("button", name="Mijn eerdere gesprekken").click()
    expect(page.locator("#list-items button")).to_have_count(1)
    fine("earlier chats")
    page.locator("#list-items button").click()
    expect(page.locator("#read-messages li.chatter")).to_have_count(1)
    fine("an earlier chat")
    page.get_by_role("button", name="Terug naar mijn gesprekken").click()
    page.get_by_role("button", name="Mijn account verwijderen").click()
    fine("delete")
    page.get_by_role("button", name="Alles verwijderen").click()
    fine("delete, with errors")
    assert youth.watch.problems == []
    staff.close()


def test_quick_exit_from_an_account_view_leaves_nothing_and_ends_the_log_in(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    made = httpx.post(
        f"{site.url}/api/v1/chatter/account", json={"username": "snelweg", "password": PASSWORD}
    )
    assert made.status_code == 201
    youth = chatter(browser, site, contexts)
    page = youth.page
    log_in(page, "snelweg")
    expect(page.locator("#account-who")).to_have_text("Ingelogd als snelweg")
    token = stored(page)["token"]  # type: ignore[index]
    page.get_by_role("button", name="Mijn eerdere gesprekken").click()
    expect(page.locator("#list-status")).to_have_text("Je hebt hier nog geen eerdere gesprekken.")
    page.get_by_role("button", name="Mijn account verwijderen").click()
    page.fill("#delete-password", "half getypt")  # Escape in a field still leaves at once

    page.keyboard.press("Escape")
    page.wait_for_url(site.neutral_url)
    page.goto(f"{site.url}/")
    assert page.evaluate("sessionStorage.length") == 0
    expect(page.get_by_role("button", name="Al een account? Log in")).to_be_visible()
    expect(page.locator("#account-in")).to_be_hidden()

    # The log-out went with keepalive as the page left, so it may land a moment later.
    def logged_out() -> bool:
        me = httpx.get(
            f"{site.url}/api/v1/chatter/me", headers={"Authorization": f"Bearer {token}"}
        )
        return me.status_code == 401

    deadline = time.monotonic() + 10
    while not logged_out() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert logged_out()


def test_an_earlier_chat_whose_text_was_deleted_says_so(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    staff = StaffApi(site)
    youth = chatter(browser, site, contexts)
    page = youth.page
    page.get_by_role("button", name="Maak een account om later terug te komen").click()
    make_account(page, "kastanje")
    expect(page.locator("#account-who")).to_have_text("Ingelogd als kastanje")
    a_whole_chat(page, staff, "Dit verdwijnt na de bewaartermijn")
    staff.close()

    async def purge(ctx: Context) -> int:
        ctx.clock = FrozenClock(SystemClock().now() + timedelta(days=91))
        return (await privacy.purge_expired(ctx)).conversations

    assert run_async(purge, site.settings) == 1
    page.get_by_role("button", name="Start een nieuwe chat").click()
    page.get_by_role("button", name="Mijn eerdere gesprekken").click()
    page.locator("#list-items button").click()
    # Not an empty chat: the page says the text was deleted, and after how long.
    expect(page.locator("#read-status")).to_have_text(
        "De tekst van dit gesprek is verwijderd, 90 dagen na het einde ervan."
    )
    expect(page.locator("#read-messages li")).to_have_count(0)
    # The 410 is the answer the page expects, not a problem.
    assert [p for p in youth.watch.problems if "410" not in p] == []
