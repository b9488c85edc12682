"""The registration form beside each chat, the list to register, acute danger, returning
chatters in the queue and canned replies, at the console in Chromium."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import (
    NeutralSite,
    Site,
    StaffApi,
    add_counselor,
    axe_violations,
    chatter,
    counselor,
    e2e_settings,
    run_async,
)
from tests.e2e.test_conversation import accept_first, confirm_dialogs, say, start
from tests.live import LiveServer, make_staff

WORDS = "Ik moet drugs verkopen en ik wil stoppen"


# Setting up -------------------------------------------------------------------------------


def add_staff(site: Site, username: str, roles: list[str]) -> None:
    run_async(lambda ctx: make_staff(ctx, username, roles=roles), site.settings)


def api_get(site: Site, path: str, username: str = "anna") -> Any:
    staff = StaffApi(site, username)
    try:
        response = staff.http.get(path, headers=staff.headers)
        assert response.status_code == 200, response.text
        return response.json()
    finally:
        staff.close()


def registration(site: Site, conversation: str) -> dict[str, Any]:
    read: dict[str, Any] = api_get(site, f"/api/v1/conversations/{conversation}/registration")
    return read


def open_tab(console: Page) -> Locator:
    return console.locator("[role=tabpanel]:not([hidden])")


def form(console: Page) -> Locator:
    return open_tab(console).locator(".registration")


def group(console: Page, name: str) -> Locator:
    return form(console).locator(f"[data-list={name}]")


def focused_key(console: Page) -> str:
    """The option that has focus, as `list:code`."""
    return str(console.evaluate("document.activeElement?.dataset?.key ?? ''"))


def ended_chat(
    browser: Browser, site: Site, contexts: list[BrowserContext], *, who: str | None = None
) -> tuple[Page, str]:
    """A chatter wrote, counselor anna accepted the chat and ended it."""
    youth = chatter(browser, site, contexts)
    start(youth.page, who=who)
    say(youth.page, WORDS)
    anna = counselor(browser, site, contexts)
    console = anna.page
    conversation = accept_first(console)
    expect(open_tab(console).locator("[role=log] li.chatter")).to_have_count(1)
    confirm_dialogs(console)
    console.keyboard.press("Alt+e")
    expect(open_tab(console).locator(".ended-note")).to_be_visible()
    return console, conversation


def status_line(console: Page) -> Locator:
    return form(console).locator(".reg-status")


# Tests --------------------------------------------------------------------------------------


def test_a_counselor_registers_an_ended_chat_with_the_keyboard_alone(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    console, conversation = ended_chat(browser, site, contexts)
    expect(form(console).locator(".reg-complete")).to_be_enabled()
    keys = console.keyboard

    began = time.monotonic()
    keys.press("Alt+r")  # to the first question: the outcome
    assert focused_key(console) == "outcome:conversation_held"
    keys.press("Space")
    keys.press("Tab")  # who chatted: one Tab stop per question
    assert focused_key(console).startswith("visitor:")
    keys.press("Space")  # the first: a young person
    keys.press("Tab")
    assert focused_key(console).startswith("age_band:")
    keys.press("ArrowDown")  # arrows move within the question and choose
    keys.press("ArrowDown")  # 16-17
    keys.press("Tab")
    for _ in range(5):  # down to Den Haag
        keys.press("ArrowDown")
    keys.press("Tab")
    assert focused_key(console) == "crime_involvement:yes"
    keys.press("Space")  # crime: yes, so the forms of crime and the signals appear
    keys.press("Tab")
    assert focused_key(console) == "crime_forms:drugs_selling"
    keys.press("Space")
    keys.press("Tab")
    assert focused_key(console) == "signals:threatened"
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    keys.press("ArrowDown")  # a debt to the recruiter
    keys.press("Space")
    keys.press("Tab")  # other problems: none
    keys.press("Tab")
    assert focused_key(console).startswith("help_questions:")
    keys.press("Space")  # how do I stop
    keys.press("Tab")
    assert focused_key(console).startswith("help_offered:")
    keys.press("Space")  # clarified the situation
    keys.press("ArrowDown")
    keys.press("Space")  # lowered thresholds
    keys.press("Tab")
    assert focused_key(console).startswith("safety:")
    keys.press("ArrowDown")
    keys.press("Space")  # safety discussed
    keys.press("Tab")
    assert focused_key(console) == "notes"
    keys.type("Wil stoppen, durft niet door de schuld.")
    keys.press("Tab")
    keys.press("Enter")  # Finish registration
    expect(form(console)).to_have_attribute("data-status", "complete")
    print(f"\nkeyboard-only registration took {time.monotonic() - began:.1f} s")

    expect(form(console).locator(".reg-done")).to_be_focused()
    saved = registration(site, conversation)
    assert saved["status"] == "complete"
    assert saved["outcome"] == "conversation_held"
    assert saved["visitor"] == "youth"
    assert saved["age_band"] == "16_17"
    assert saved["region"] == "den_haag"
    assert saved["crime_involvement"] == "yes"
    assert saved["crime_forms"] == ["drugs_selling"]
    assert saved["signals"] == ["debt_to_recruiter"]
    assert saved["other_problems"] == []
    assert saved["help_questions"] == ["how_to_stop"]
    assert saved["help_offered"] == ["clarified", "lowered_thresholds"]
    assert saved["safety"] == ["safety_discussed"]
    assert saved["notes"] == "Wil stoppen, durft niet door de schuld."
    # A finished registration can still be corrected, and stays finished.
    group(console, "other_problems").locator("[data-key='other_problems:debts']").check()
    expect(status_line(console)).to_contain_text("Afgerond; laatst opgeslagen")
    for _ in range(50):
        if registration(site, conversation)["other_problems"] == ["debts"]:
            break
        time.sleep(0.1)
    corrected = registration(site, conversation)
    assert corrected["other_problems"] == ["debts"]
    assert corrected["status"] == "complete"


def test_a_missing_answer_is_shown_beside_its_question_with_focus_there(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    console, conversation = ended_chat(browser, site, contexts, who="Voor mezelf")
    # The chatter said the chat is for themselves: the form starts with a young person.
    expect(group(console, "visitor").locator("[data-key='visitor:youth']")).to_be_checked()
    assert form(console).locator("[data-list=crime_forms]").is_hidden()
    group(console, "outcome").locator("[data-key='outcome:conversation_held']").check()
    form(console).get_by_role("button", name="Registratie afronden").click()

    age = group(console, "age_band")
    expect(age).to_have_attribute("aria-invalid", "true")
    expect(age.locator(".field-error")).to_have_text(
        "Kies een antwoord om de registratie af te ronden."
    )
    assert focused_key(console).startswith("age_band:")
    assert registration(site, conversation)["status"] != "complete"
    # Answering the question clears its message.
    age.locator("[data-key='age_band:18_20']").check()
    expect(age).not_to_have_attribute("aria-invalid", "true")
    expect(age.locator(".field-error")).to_be_hidden()

    # At least one form of crime, once crime is involved.
    group(console, "region").locator("[data-key='region:midden']").check()
    group(console, "crime_involvement").locator("[data-key='crime_involvement:yes']").check()
    group(console, "help_offered").locator("[data-key='help_offered:clarified']").check()
    form(console).get_by_role("button", name="Registratie afronden").click()
    forms = group(console, "crime_forms")
    expect(forms.locator(".field-error")).to_have_text(
        "Kies er minstens één om de registratie af te ronden."
    )
    assert focused_key(console) == "crime_forms:drugs_selling"


def test_a_draft_survives_a_reload_of_the_console(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    start(youth.page)
    anna = counselor(browser, site, contexts)
    console = anna.page
    conversation = accept_first(console)
    # The form is usable while the chat runs, and saves itself.
    group(console, "outcome").locator("[data-key='outcome:conversation_held']").check()
    group(console, "age_band").locator("[data-key='age_band:13_15']").check()
    notes = form(console).get_by_label("Notities voor het team")
    notes.fill("Broertje wordt geronseld via Snapchat.")
    expect(status_line(console)).to_contain_text("Concept opgeslagen")
    expect(form(console).locator(".reg-state")).to_have_text("concept")
    # Finishing waits for the end of the chat.
    expect(form(console).get_by_role("button", name="Registratie afronden")).to_be_disabled()

    console.reload()
    expect(console.locator("#connection")).to_have_attribute("data-state", "online")
    expect(group(console, "age_band").locator("[data-key='age_band:13_15']")).to_be_checked()
    expect(
        group(console, "outcome").locator("[data-key='outcome:conversation_held']")
    ).to_be_checked()
    expect(form(console).get_by_label("Notities voor het team")).to_have_value(
        "Broertje wordt geronseld via Snapchat."
    )
    assert registration(site, conversation)["status"] == "draft"
    assert anna.watch.problems == []


def test_an_edit_made_offline_is_kept_and_saved_when_the_line_is_back(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    start(youth.page)
    anna = counselor(browser, site, contexts)
    console = anna.page
    conversation = accept_first(console)
    expect(status_line(console)).to_contain_text("Nog niet opgeslagen")

    anna.context.set_offline(True)
    group(console, "region").locator("[data-key='region:rotterdam']").check()
    expect(status_line(console)).to_contain_text("Opslaan mislukt: geen verbinding met de server")
    expect(group(console, "region").locator("[data-key='region:rotterdam']")).to_be_checked()
    anna.context.set_offline(False)

    expect(status_line(console)).to_contain_text("Concept opgeslagen", timeout=20_000)
    assert registration(site, conversation)["region"] == "rotterdam"


def test_the_list_to_register_shows_an_ended_chat_and_drops_it_when_complete(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    console, conversation = ended_chat(browser, site, contexts, who="Voor mezelf")
    todo = console.locator("#to-register li")
    expect(todo).to_have_count(1)
    expect(todo).to_have_attribute("data-conversation", conversation)
    expect(console.locator("#to-register-count")).to_have_text("1")

    # Closing the tab keeps it on the list; after a reload it comes from the snapshot.
    open_tab(console).get_by_role("button", name="Tabblad sluiten").click()
    expect(console.locator("#tabs [role=tab]")).to_have_count(0)
    expect(todo).to_have_count(1)
    console.reload()
    expect(console.locator("#connection")).to_have_attribute("data-state", "online")
    expect(todo).to_have_count(1)
    expect(console.locator("#tabs [role=tab]")).to_have_count(0)

    # The item opens the ended chat read-only, with its transcript and its form.
    todo.get_by_role("button").click()
    tab = console.locator(f"#tabs [role=tab][data-conversation='{conversation}']")
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(open_tab(console).locator("[role=log] li.chatter .body")).to_have_text(WORDS)
    expect(console.locator("#message")).to_be_disabled()
    expect(console.locator("#end")).to_be_hidden()
    # Focus went to the form's first question.
    expect(console.locator(":focus")).to_have_attribute("data-key", "outcome:conversation_held")
    for key in (
        "outcome:conversation_held",
        "age_band:16_17",
        "region:den_haag",
        "crime_involvement:no",
        "help_offered:information_advice",
    ):
        form(console).locator(f"[data-key='{key}']").check()
    form(console).get_by_role("button", name="Registratie afronden").click()
    expect(form(console).locator(".reg-state")).to_have_text("afgerond")
    expect(todo).to_have_count(0)
    expect(console.locator("#to-register-count")).to_have_text("")
    expect(console.locator("#to-register-empty")).to_be_visible()
    assert registration(site, conversation)["status"] == "complete"
    assert api_get(site, "/api/v1/registrations/todo") == []


def test_acute_danger_shows_the_protocol_and_alerts_a_supervisor(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    add_staff(site, "sanne", ["supervisor"])
    supervisor = counselor(browser, site, contexts, username="sanne")
    youth = chatter(browser, site, contexts)
    start(youth.page)
    say(youth.page, "Ze staan voor de deur")
    anna = counselor(browser, site, contexts)
    console = anna.page
    conversation = accept_first(console)

    group(console, "safety").locator("[data-key='safety:acute_danger']").check()
    protocol = open_tab(console).locator(".escalation[role=alert]")
    expect(protocol).to_be_visible()
    expect(protocol).to_contain_text("Acuut gevaar: volg het escalatieprotocol.")
    expect(protocol).to_contain_text("112 bellen en 333 intoetsen")
    expect(protocol).to_contain_text("De teamleiders die online zijn, hebben een melding gekregen.")
    # The protocol keeps its lines.
    assert protocol.locator(".protocol").evaluate("e => getComputedStyle(e).whiteSpace") == (
        "pre-line"
    )

    banner = supervisor.page.locator("#alerts [role=alert]")
    expect(banner).to_have_count(1)
    code = conversation.replace("-", "")[:4].upper()
    said = re.compile(f"Acuut gevaar gemeld door anna in chat {code}", re.I)
    expect(banner).to_contain_text(said)
    assert "voor de deur" not in (banner.text_content() or "")
    banner.get_by_role("button", name="Deze melding sluiten").click()
    expect(banner).to_have_count(0)

    # Unticked, the protocol goes away.
    group(console, "safety").locator("[data-key='safety:acute_danger']").uncheck()
    expect(protocol).to_be_hidden()
    assert anna.watch.problems == []
    assert supervisor.watch.problems == []


def test_alt_k_inserts_a_canned_reply_in_the_chats_language(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    replies = api_get(site, "/api/v1/canned")
    confidential = next(reply for reply in replies if reply["key"] == "confidential")
    youth = chatter(browser, site, contexts, lang="en")
    start(youth.page, button="Start the chat")
    anna = counselor(browser, site, contexts)
    console = anna.page
    accept_first(console)
    expect(open_tab(console).locator(".flag.language")).to_have_text("Chat in het Engels")

    message = console.locator("#message")
    message.focus()
    console.keyboard.type("Hi! ")
    console.keyboard.press("Alt+k")
    picker = console.locator("#canned")
    expect(picker).to_be_visible()
    expect(console.locator("#canned-filter")).to_be_focused()
    console.keyboard.type("vertrouw")  # the Dutch title filters too
    expect(picker.locator("[role=option]")).to_have_count(1)
    console.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(message).to_be_focused()
    expect(message).to_have_value("Hi! " + confidential["body"]["en"])

    # Esc closes the list and gives the message box back, as it was.
    console.keyboard.press("Alt+k")
    expect(picker).to_be_visible()
    console.keyboard.press("ArrowDown")
    console.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(message).to_be_focused()
    expect(message).to_have_value("Hi! " + confidential["body"]["en"])
    console.keyboard.press("Enter")
    expect(youth.page.locator("li.counselor .body")).to_have_text(
        "Hi! " + confidential["body"]["en"]
    )


def test_the_console_with_the_form_open_has_no_accessibility_violations(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    console, _ = ended_chat(browser, site, contexts)
    youth = chatter(browser, site, contexts)
    start(youth.page)
    accept_first(console)
    expect(console.locator("#to-register li")).to_have_count(1)
    group(console, "crime_involvement").locator("[data-key='crime_involvement:unclear']").check()
    group(console, "safety").locator("[data-key='safety:acute_danger']").check()
    expect(open_tab(console).locator(".escalation")).to_be_visible()
    expect(status_line(console)).to_contain_text("Concept opgeslagen")
    assert axe_violations(console) == [], "form open, acute danger"
    console.locator("#message").focus()
    console.keyboard.press("Alt+k")
    expect(console.locator("#canned [role=option]").first).to_be_visible()
    assert axe_violations(console) == [], "canned replies open"


# Returning chatters -----------------------------------------------------------------------


@pytest.fixture
def quick_offer_site(tmp_path: Path, neutral: NeutralSite) -> Iterator[Site]:
    """A site whose returning chatter is offered to the last counselor for 4 s only."""
    settings = e2e_settings(tmp_path, neutral.url, returning_offer_seconds=4)
    add_counselor(settings)
    add_counselor(settings, "bram")
    live = LiveServer(settings)
    live.start()
    yield Site(live.url, settings, tmp_path, neutral.url)
    live.stop()


def test_a_returning_chatter_is_offered_first_to_the_last_counselor(
    browser: Browser, quick_offer_site: Site, contexts: list[BrowserContext]
) -> None:
    site = quick_offer_site
    with httpx.Client(base_url=site.url, timeout=10) as http:
        first = http.post("/api/v1/conversations", json={"visitor": "youth"}).json()
        token = first["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        anna_api = StaffApi(site)
        anna_api.accept_next()
        anna_api.end(first["id"])
        anna_api.close()

        anna = counselor(browser, site, contexts)
        bram = counselor(browser, site, contexts, username="bram")
        again = http.post("/api/v1/conversations", json={"visitor": "youth"}, headers=bearer)
        assert again.status_code == 201, again.text
        http.post(
            f"/api/v1/conversations/{again.json()['id']}/messages",
            json={"client_id": str(uuid.uuid4()), "body": "Ik ben het weer"},
            headers=bearer,
        )

    mine = anna.page.locator("#queue li[data-conversation]")
    expect(mine).to_contain_text("Terugkerend")
    expect(mine).to_contain_text("Voor jou: deze chatter sprak jou de vorige keer")
    theirs = bram.page.locator("#queue li[data-conversation]")
    expect(theirs).to_contain_text("Terugkerend")
    countdown = re.compile(r"Aangeboden aan de vorige hulpverlener \(nog \d s\)")
    expect(theirs).to_contain_text(countdown)
    expect(theirs.locator("button.accept")).to_be_disabled()
    bram.page.keyboard.press("Alt+n")  # skips it: nothing else is waiting
    expect(bram.page.locator("#notice")).to_contain_text("eerst aan een collega aangeboden")
    # When the offer runs out, anyone may accept.
    expect(theirs.locator("button.accept")).to_be_enabled(timeout=10_000)
    expect(theirs.locator(".offer")).to_have_text("")
    bram.page.keyboard.press("Alt+n")
    tab = bram.page.locator("#tabs [role=tab]")
    expect(tab).to_have_count(1)
    expect(tab).to_contain_text("Terugkerend")
    assert bram.watch.problems == []


def test_the_keyboard_shortcuts_are_documented_on_the_page(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    anna = counselor(browser, site, contexts)
    table = anna.page.locator(".help table")
    for keys in ("Alt+N", "Alt+R", "Alt+O", "Alt+K", "Alt+E", "Alt+P"):
        expect(table).to_contain_text(keys)
    anna.page.keyboard.press("Alt+o")
    expect(anna.page.locator("#handovers-view")).to_be_visible()
    expect(anna.page.locator("#chats")).to_be_hidden()
    expect(anna.page.locator("#handovers-button")).to_have_attribute("aria-pressed", "true")
    anna.page.keyboard.press("Escape")
    expect(anna.page.locator("#handovers-view")).to_be_hidden()
    expect(anna.page.locator("#chats")).to_be_visible()
    expect(anna.page.locator("#handovers-button")).to_be_focused()
    assert anna.watch.problems == []
