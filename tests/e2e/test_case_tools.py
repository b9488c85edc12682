"""The case tools at the console, in Chromium: a counselor registers a chat, marks it a
duplicate of an earlier chatter and proposes a warm handover; a supervisor undoes the
merge. Everything before the browser is set up the way people do it: the admin adds a
contact person, a chatter chats and a counselor registers that chat, over the API."""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock, SystemClock
from keerpunt.handover import store as handover_store
from keerpunt.privacy import actions as privacy
from keerpunt.privacy.models import AuditEntry
from tests.e2e.conftest import Site, StaffApi, axe_violations, chatter, counselor, run_async
from tests.e2e.test_conversation import accept_first, confirm_dialogs, say, start
from tests.live import held_form, make_staff

CONTACT = {"role": "zorgcoordinator", "name": "J. de Vries", "reach": "070 123 4567, ma-vr"}
EARLIER_WORDS = "Ik moet drugs verkopen voor iemand en ik wil stoppen"
SUMMARY = "Jongen van 16, wil stoppen met dealen. <b>geen opmaak</b>"


# Setting up -------------------------------------------------------------------------------


def add_staff(site: Site, username: str, roles: list[str]) -> None:
    run_async(lambda ctx: make_staff(ctx, username, roles=roles), site.settings)


def add_contact(site: Site, region: str = "den_haag") -> int:
    """The region's contact person, added by an administrator as on the admin page."""
    add_staff(site, "beheer", ["admin"])
    admin = StaffApi(site, "beheer")
    try:
        response = admin.http.post(
            f"/api/v1/regions/{region}/contacts", json=CONTACT, headers=admin.headers
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])
    finally:
        admin.close()


def chatter_api(site: Site, token: str | None = None) -> tuple[str, str]:
    """A chatter starts a chat over HTTP and writes: (conversation, token)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=site.url, timeout=10, headers=headers) as http:
        response = http.post("/api/v1/conversations", json={"visitor": "youth"})
        assert response.status_code == 201, response.text
        started = response.json()
        response = http.post(
            f"/api/v1/conversations/{started['id']}/messages",
            json={"client_id": str(uuid.uuid4()), "body": EARLIER_WORDS},
            headers={"Authorization": f"Bearer {started['token']}"},
        )
        assert response.status_code == 201, response.text
    return str(started["id"]), str(started["token"])


def registered_chat(site: Site, token: str | None = None) -> str:
    """A chat counselor anna accepted, answered, ended and registered: 16-17, Den Haag."""
    conversation, _ = chatter_api(site, token)
    anna = StaffApi(site)
    try:
        assert anna.accept_next() == conversation
        anna.say(conversation, "Fijn dat je het vertelt. Wat zou je willen?")
        anna.end(conversation)
        response = anna.http.post(
            f"/api/v1/conversations/{conversation}/registration/complete",
            json=held_form(),
            headers=anna.headers,
        )
        assert response.status_code == 200, response.text
    finally:
        anna.close()
    return conversation


def api_get(site: Site, path: str, username: str = "anna") -> Any:
    staff = StaffApi(site, username)
    try:
        response = staff.http.get(path, headers=staff.headers)
        assert response.status_code == 200, response.text
        return response.json()
    finally:
        staff.close()


def wait_for_saved(site: Site, conversation: str, **fields: Any) -> None:
    """The form saves itself a moment after the last change: ask until the server has it."""
    path = f"/api/v1/conversations/{conversation}/registration"
    for _ in range(100):
        saved = api_get(site, path)
        if all(saved[name] == value for name, value in fields.items()):
            return
        time.sleep(0.1)
    raise AssertionError(f"the registration was not saved with {fields}")


# The console ------------------------------------------------------------------------------


def open_tab(console: Page) -> Locator:
    return console.locator("[role=tabpanel]:not([hidden])")


def section(console: Page, kind: str) -> Locator:
    return open_tab(console).locator(f".case-tools [data-section={kind}]")


def open_section(console: Page, kind: str) -> Locator:
    details = section(console, kind)
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    return details


def register(console: Page) -> None:
    """Counselor's choices in the registration form beside the chat."""
    form = open_tab(console).locator(".registration")
    for key in (
        "outcome:conversation_held",
        "visitor:youth",
        "age_band:16_17",
        "region:den_haag",
        "crime_involvement:yes",
        "crime_forms:drugs_selling",
        "signals:threatened",
        "help_questions:how_to_stop",
        "help_offered:clarified",
    ):
        form.locator(f"[data-key='{key}']").check()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def short_code(conversation: str) -> str:
    return conversation.replace("-", "")[:4].upper()


# Tests --------------------------------------------------------------------------------------


def test_a_counselor_registers_marks_a_duplicate_and_proposes_a_handover(
    browser: Browser, site: Site, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    contact = add_contact(site)
    add_staff(site, "sanne", ["supervisor"])
    other = registered_chat(site)  # another youth, with the same registration
    earlier = registered_chat(site)

    # The same youth comes back under another name after the connection broke.
    youth = chatter(browser, site, contexts)
    start(youth.page)
    say(youth.page, "Ik was weg, de verbinding viel uit")
    anna = counselor(browser, site, contexts)
    console = anna.page
    conversation = accept_first(console)
    register(console)
    wait_for_saved(site, conversation, region="den_haag", age_band="16_17")

    # Duplicate: the search starts from the registration, and shows no text.
    duplicate = open_section(console, "duplicate")
    expect(duplicate).to_contain_text("een chatter die opnieuw begon onder een andere naam")
    expect(duplicate.get_by_label("Regio")).to_have_value("den_haag")
    expect(duplicate.get_by_label("Leeftijd")).to_have_value("16_17")
    expect(duplicate.get_by_label("Bezoeker")).to_have_value("youth")
    candidate = duplicate.locator(f"li[data-conversation='{earlier}']")
    expect(candidate).to_contain_text("Den Haag")
    expect(candidate).to_contain_text("anna")
    expect(duplicate).not_to_contain_text(EARLIER_WORDS)
    confirm_dialogs(console)
    candidate.get_by_role("button", name="Dit is dezelfde chatter").click()
    expect(duplicate.locator(".case-status")).to_contain_text("Gemarkeerd als dubbeling")
    expect(candidate).to_have_count(0)  # one chatter now: no longer a candidate
    # Marking a second time is refused, and the console says what to do.
    duplicate.locator(f"li[data-conversation='{other}']").get_by_role(
        "button", name="Dit is dezelfde chatter"
    ).click()
    expect(duplicate.locator(".case-status")).to_have_text(
        "Deze chat is al als dubbeling gemarkeerd. Een teamleider kan dat ongedaan maken"
        " bij Overdrachten."
    )
    # The form reloaded: the server set the outcome.
    form = open_tab(console).locator(".registration")
    expect(form.locator("[data-key='outcome:duplicate']")).to_be_checked()

    # Now a returning chatter: the earlier conversation is in the history, and readable.
    history = section(console, "history")
    expect(history).to_be_visible()
    history.locator("summary").click()
    earlier_item = history.locator(f"li[data-conversation='{earlier}']")
    expect(earlier_item).to_contain_text("Drugs: verkopen")
    expect(history).to_contain_text("Inzien wordt vastgelegd")
    earlier_item.get_by_role("button", name="Gesprek lezen").click()
    expect(earlier_item.locator(".case-transcript li.chatter .body")).to_have_text(EARLIER_WORDS)

    # Warm handover: region and the only contact person are chosen already.
    handover = open_section(console, "handover")
    expect(handover.get_by_label("Regio")).to_have_value("den_haag")
    expect(handover.get_by_role("radio", name=re.compile("J. de Vries"))).to_be_checked()
    expect(handover).to_contain_text("070 123 4567, ma-vr")
    propose = handover.get_by_role("button", name="Overdracht voorstellen")
    propose.click()
    consent = handover.get_by_label(
        "De chatter geeft uitdrukkelijk toestemming voor deze overdracht"
    )
    expect(consent).to_be_focused()
    expect(handover.locator(".case-field-error:visible")).to_have_text(
        "Zonder uitdrukkelijke toestemming van de chatter is er geen overdracht."
    )
    consent.check()
    summary = handover.get_by_label("Samenvatting voor de contactpersoon")
    expect(summary).to_be_disabled()
    handover.get_by_label("Een samenvatting").check()
    handover.get_by_label("Leeftijd").check()
    handover.get_by_label("Vormen van criminaliteit").check()
    summary.fill(SUMMARY)
    propose.click()
    proposed = handover.locator(".case-handovers li")
    expect(proposed).to_have_count(1)
    expect(proposed).to_contain_text("Voorgesteld")
    expect(proposed).to_contain_text("J. de Vries")
    # The server added the warm handover to the help offered, and the form shows it.
    expect(form.locator("[data-key='help_offered:warm_handover']")).to_be_checked()

    with console.expect_download() as download:
        proposed.get_by_role("link", name="PDF downloaden").click()
    saved = tmp_path / "overdracht.pdf"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Jongen van 16, wil stoppen met dealen." in text
    assert "Den Haag" in text
    assert "J. de Vries" in text
    assert "Drugs: verkopen" in text  # a form of crime: agreed
    assert "bedreigd" not in text  # signals: not agreed

    proposed.get_by_role("button", name="Volgende stap: contact gelegd").click()
    expect(proposed).to_contain_text("Contact gelegd")
    assert axe_violations(console) == []

    # The handover list: every handover, its age and the step it is at.
    console.locator("#handovers-button").click()
    view = console.locator("#handovers-view")
    row = view.locator("tr[data-handover]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("J. de Vries")
    expect(row).to_contain_text("Contact gelegd")
    expect(row).to_contain_text("0 min")
    expect(row.get_by_role("button", name="Volgende stap: geaccepteerd")).to_be_visible()
    expect(view.locator("#merges")).to_have_count(0)  # merges are for supervisors
    assert axe_violations(console) == []

    # What the server holds.
    registration = api_get(site, f"/api/v1/conversations/{conversation}/registration")
    assert registration["outcome"] == "duplicate"
    assert registration["duplicate_of"] == earlier
    assert "warm_handover" in registration["help_offered"]
    (listed,) = api_get(site, "/api/v1/handovers")
    assert listed["conversation"] == conversation
    assert listed["status"] == "contacted"
    detail = api_get(site, f"/api/v1/handovers/{listed['id']}")
    assert detail["summary"] == SUMMARY
    assert detail["contact"]["id"] == contact
    assert set(detail["share"]) == {"summary", "age_band", "crime_forms"}

    async def consent_at(ctx: Context) -> object:
        async with ctx.read() as session:
            row = await handover_store.handover(session, int(listed["id"]))
            assert row is not None
            return row.consent_at

    assert run_async(consent_at, site.settings) is not None

    # A supervisor undoes the merge in the same view.
    sanne = counselor(browser, site, contexts, username="sanne")
    sanne.page.locator("#handovers-button").click()
    merge = sanne.page.locator("#merges tr[data-merge]")
    expect(merge).to_have_count(1)
    expect(merge).to_contain_text(short_code(conversation))
    expect(merge).to_contain_text(short_code(earlier))
    assert axe_violations(sanne.page) == []
    confirm_dialogs(sanne.page)
    merge.get_by_role("button", name="Ongedaan maken").click()
    expect(merge).to_have_attribute("data-undone", "true")
    expect(merge).to_contain_text("door sanne")
    (undone,) = api_get(site, "/api/v1/merges", "sanne")
    assert undone["undone_at"] is not None
    registration = api_get(site, f"/api/v1/conversations/{conversation}/registration")
    assert registration["outcome"] is None
    assert registration["duplicate_of"] is None

    assert youth.watch.problems == []
    assert anna.watch.problems == []
    assert sanne.watch.problems == []


def test_a_returning_chatter_shows_the_earlier_chat_and_reading_it_is_logged(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    # A chatter with an account: one chat, registered; later, logged in again, a new one.
    with httpx.Client(base_url=site.url, timeout=10) as http:
        response = http.post("/api/v1/conversations", json={"visitor": "youth"})
        token = response.json()["token"]
        account = {"username": "zonnebloem", "password": "lang genoeg wachtwoord"}
        response = http.post(
            "/api/v1/chatter/account", json=account, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.text
        first = response.json()["token"]
    anna = StaffApi(site)
    earlier = anna.accept_next()
    anna.say(earlier, "Goed dat je er bent.")
    anna.end(earlier)
    response = anna.http.post(
        f"/api/v1/conversations/{earlier}/registration/complete",
        json=held_form(),
        headers=anna.headers,
    )
    assert response.status_code == 200, response.text
    anna.close()
    with httpx.Client(base_url=site.url, timeout=10) as http:
        again = http.post("/api/v1/chatter/login", json=account).json()["token"]
    assert again != first
    chatter_api(site, again)

    console = counselor(browser, site, contexts)
    accept_first(console.page)
    history = section(console.page, "history")
    expect(history).to_be_visible()
    expect(history.locator("summary")).to_contain_text("(1)")
    history.locator("summary").focus()
    console.page.keyboard.press("Enter")  # the keyboard opens it, as everything here
    expect(history).to_contain_text("De chatter heeft een account")
    item = history.locator(f"li[data-conversation='{earlier}']")
    expect(item).to_contain_text("Den Haag")
    item.get_by_role("button", name="Gesprek lezen").focus()
    console.page.keyboard.press("Enter")
    read = item.get_by_role("button", name="Gesprek verbergen")
    expect(read).to_have_attribute("aria-expanded", "true")
    transcript = item.locator(".case-transcript")
    expect(transcript.locator("li.counselor .body")).to_have_text("Goed dat je er bent.")
    expect(transcript.locator("li.system").last).to_have_attribute(
        "data-code", "ended_by_counselor"
    )
    assert axe_violations(console.page) == []

    async def reads(ctx: Context) -> int:
        async with ctx.read() as session:
            found = await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "read_transcript", AuditEntry.conversation_id == earlier
                )
            )
            return len(found.all())

    assert run_async(reads, site.settings) >= 1
    read.click()
    expect(transcript).to_be_hidden()
    assert console.watch.problems == []


def test_a_refused_handover_says_why_beside_the_field(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    contact = add_contact(site)
    youth = chatter(browser, site, contexts)
    start(youth.page)
    anna = counselor(browser, site, contexts)
    accept_first(anna.page)
    handover = open_section(anna.page, "handover")
    handover.get_by_label("Regio").select_option("den_haag")
    expect(handover.get_by_role("radio", name=re.compile("J. de Vries"))).to_be_checked()
    # Meanwhile the administrator takes the contact person off the list.
    admin = StaffApi(site, "beheer")
    response = admin.http.put(
        f"/api/v1/contacts/{contact}", json={**CONTACT, "active": False}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    admin.close()
    handover.get_by_label("De chatter geeft uitdrukkelijk toestemming voor deze overdracht").check()
    handover.get_by_role("button", name="Overdracht voorstellen").click()
    error = handover.locator("fieldset .case-field-error")
    expect(error).to_have_text("Kies een actieve contactpersoon.")
    expect(handover.locator(".case-handovers li")).to_have_count(0)
    assert api_get(site, "/api/v1/handovers") == []


def test_a_purged_earlier_chat_says_its_text_was_deleted(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    # A chat, registered; 91 days later retention deletes its text; the chatter returns.
    earlier, token = chatter_api(site)
    anna = StaffApi(site)
    try:
        assert anna.accept_next() == earlier
        anna.say(earlier, "Fijn dat je het vertelt.")
        anna.end(earlier)
        response = anna.http.post(
            f"/api/v1/conversations/{earlier}/registration/complete",
            json=held_form(),
            headers=anna.headers,
        )
        assert response.status_code == 200, response.text
    finally:
        anna.close()

    async def purge(ctx: Context) -> int:
        ctx.clock = FrozenClock(SystemClock().now() + timedelta(days=91))
        return (await privacy.purge_expired(ctx)).conversations

    assert run_async(purge, site.settings) == 1
    chatter_api(site, token)

    console = counselor(browser, site, contexts)
    accept_first(console.page)
    history = section(console.page, "history")
    expect(history).to_be_visible()
    history.locator("summary").click()
    item = history.locator(f"li[data-conversation='{earlier}']")
    # The registration stays; the text is gone, and the console says so instead of
    # offering an empty transcript.
    expect(item).to_contain_text("Den Haag")
    expect(item).to_contain_text(
        "De tekst van dit gesprek is verwijderd, 90 dagen na het einde ervan."
    )
    expect(item.get_by_role("button", name="Gesprek lezen")).to_have_count(0)
    assert axe_violations(console.page) == []
    assert console.watch.problems == []
