"""The admin page in Chromium, as an administrator keeps the taxonomy, the regions'
contact persons and the canned replies."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from keerpunt.registration.taxonomy import shipped_source
from tests.e2e.conftest import (
    DESKTOP,
    Browsing,
    Site,
    StaffApi,
    axe_violations,
    counselor,
    open_page,
    run_async,
    staff_login,
)
from tests.live import PASSWORD, make_staff

XSS = "<img src=x onerror=alert(1)> Team AVIM"


@pytest.fixture
def admin(site: Site) -> str:
    run_async(lambda ctx: make_staff(ctx, "beheer", roles=["admin"]), site.settings)
    return "beheer"


def admin_page(
    browser: Browser,
    site: Site,
    contexts: list[BrowserContext],
    username: str,
    lang: str = "nl",
) -> Browsing:
    browsing = open_page(browser, f"{site.url}/admin?lang={lang}", viewport=DESKTOP)
    contexts.append(browsing.context)
    staff_login(browsing.page, username)
    return browsing


def confirm_dialogs(page: Page, seen: list[str]) -> None:
    def accept(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)


def version_2() -> str:
    """The shipped file as an admin edits it: version 2, burglary retired, a form added."""
    source = shipped_source().replace("version = 1\n", "version = 2\n", 1)
    source = source.replace('code = "burglary"\n', 'code = "burglary"\nretired = true\n', 1)
    return source + (
        '\n[[crime_forms]]\ncode = "scooter_theft"\n'
        'label = { nl = "Scooterdiefstal", en = "Scooter theft" }\n'
    )


def toml_file(name: str, text: str) -> dict[str, object]:
    return {"name": name, "mimeType": "text/plain", "buffer": text.encode()}


def test_an_admin_loads_a_new_taxonomy_version(
    browser: Browser, site: Site, contexts: list[BrowserContext], admin: str
) -> None:
    browsing = admin_page(browser, site, contexts, admin)
    page = browsing.page
    expect(page.locator("#taxonomy-current")).to_contain_text("De huidige versie is 1, geladen op")
    expect(page.locator("#taxonomy-title")).to_be_focused()  # off the log-in form, to the top
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    crime = page.locator("details[data-list=crime_forms]")
    expect(crime.locator("summary")).to_contain_text("Vormen van criminaliteit")
    crime.locator("summary").click()
    expect(crime.locator("tr", has_text="burglary")).to_contain_text("Aangeboden")

    # A file that does not raise the version: refused, with the loader's one line.
    page.set_input_files("#load-file", files=[toml_file("taxonomy.toml", shipped_source())])  # type: ignore[list-item]
    expect(page.locator("#load-source")).to_have_value(shipped_source())
    page.get_by_role("button", name="Deze versie laden").click()
    refusal = page.locator("#load-error")
    expect(refusal).to_have_text(
        "Deze versie is niet geladen: version must be higher than 1, the latest loaded"
    )
    expect(page.locator("#load-source")).to_be_focused()
    expect(page.locator("#load-source")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

    # Pasted text that drops a code: refused, nothing loaded.
    page.fill("#load-source", version_2().replace('code = "theft"', 'code = "stealing"', 1))
    page.get_by_role("button", name="Deze versie laden").click()
    expect(refusal).to_contain_text("code 'theft' of version 1 is missing")
    expect(page.locator("#taxonomy-current")).to_contain_text("versie is 1,")

    page.set_input_files("#load-file", files=[toml_file("taxonomy-v2.toml", version_2())])  # type: ignore[list-item]
    expect(page.locator("#taxonomy-status")).to_contain_text("taxonomy-v2.toml is ingelezen")
    page.get_by_role("button", name="Deze versie laden").click()
    expect(page.locator("#taxonomy-status")).to_have_text(
        "Versie 2 is geladen en is nu de huidige versie."
    )
    expect(refusal).to_be_hidden()
    expect(page.locator("#taxonomy-current")).to_contain_text("De huidige versie is 2,")
    expect(page.locator("#versions tbody tr").first).to_contain_text("beheer")
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    crime.locator("summary").click()
    burglary = crime.locator("tr", has_text="burglary")
    expect(burglary).to_contain_text("Ingetrokken")
    expect(burglary).to_have_class("retired")
    expect(crime.locator("tr", has_text="scooter_theft")).to_contain_text("Scooterdiefstal")
    expect(crime.locator("summary")).to_contain_text("1 ingetrokken")
    assert browsing.watch.problems == []


def test_an_admin_keeps_the_contact_persons_of_a_region(
    browser: Browser, site: Site, contexts: list[BrowserContext], admin: str
) -> None:
    browsing = admin_page(browser, site, contexts, admin)
    page = browsing.page
    region = page.locator(".region[data-region=den_haag]")
    expect(region.locator("h3")).to_have_text("Den Haag")
    expect(region).to_contain_text("Nog geen contactpersonen.")

    add = region.get_by_role("button", name="Een contactpersoon toevoegen in Den Haag")
    add.click()
    expect(page.locator("#contact-den_haag-role")).to_be_focused()
    page.keyboard.press("Escape")  # cancels, back where it started
    expect(region.locator("form")).to_have_count(0)
    expect(add).to_be_focused()

    page.keyboard.press("Enter")
    page.select_option("#contact-den_haag-role", label="AVIM (politie-eenheid mensenhandel)")
    page.press("#contact-den_haag-name", "Enter")  # nothing filled in yet
    expect(page.locator("#contact-den_haag-name-error")).to_have_text("Vul dit in.")
    expect(page.locator("#contact-den_haag-reach-error")).to_have_text("Vul dit in.")
    expect(page.locator("#contact-den_haag-name")).to_be_focused()
    assert axe_violations(page) == []

    page.fill("#contact-den_haag-name", XSS)
    page.fill("#contact-den_haag-reach", "avim@example.org, ma-vr 9-17")
    page.press("#contact-den_haag-reach", "Enter")
    row = region.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("AVIM (politie-eenheid mensenhandel)")
    expect(row.locator("td").nth(1)).to_have_text(XSS)  # as text, never markup
    expect(row.locator("td").nth(3)).to_have_text("Actief")
    expect(page.locator("#regions-status")).to_have_text(f"{XSS} is toegevoegd in Den Haag.")
    expect(region.locator("img")).to_have_count(0)

    region.get_by_role("button", name=f"{XSS} wijzigen").click()
    expect(page.locator("#contact-den_haag-name")).to_have_value(XSS)
    page.select_option("#contact-den_haag-role", label="Zorgcoördinator mensenhandel")
    page.fill("#contact-den_haag-name", "J. de Vries")
    page.uncheck("#contact-den_haag-active")
    page.get_by_role("button", name="Opslaan").click()
    expect(row.locator("td").nth(0)).to_have_text("Zorgcoördinator mensenhandel")
    expect(row.locator("td").nth(1)).to_have_text("J. de Vries")
    expect(row.locator("td").nth(3)).to_have_text("Niet actief")
    expect(region.get_by_role("button", name="J. de Vries wijzigen")).to_be_focused()

    asked: list[str] = []
    confirm_dialogs(page, asked)
    region.get_by_role("button", name="J. de Vries verwijderen").click()
    expect(page.locator("#regions-status")).to_have_text("J. de Vries is verwijderd.")
    expect(region).to_contain_text("Nog geen contactpersonen.")
    assert len(asked) == 1
    assert "blijft in plaats daarvan bewaard als niet actief" in asked[0]
    assert browsing.watch.problems == []


def test_a_contact_person_named_in_a_handover_becomes_inactive_instead(
    browser: Browser, site: Site, contexts: list[BrowserContext], admin: str
) -> None:
    browsing = admin_page(browser, site, contexts, admin)
    page = browsing.page
    region = page.locator(".region[data-region=midden]")
    region.get_by_role("button", name="Een contactpersoon toevoegen in Midden-Nederland").click()
    page.fill("#contact-midden-name", "Gemeente Utrecht, team zorg")
    page.select_option("#contact-midden-role", label="Gemeente")
    page.fill("#contact-midden-reach", "030 123 4567")
    page.get_by_role("button", name="Opslaan").click()
    edit = region.get_by_role("button", name="Gemeente Utrecht, team zorg wijzigen")
    contact = int(edit.get_attribute("data-edit") or 0)

    # Counselor anna hands a chat over to this contact person.
    started = httpx.post(f"{site.url}/api/v1/conversations", json={}, timeout=10)
    assert started.status_code == 201, started.text
    anna = StaffApi(site)
    try:
        conversation = anna.accept_next()
        handover = anna.http.post(
            f"/api/v1/conversations/{conversation}/handovers",
            json={"contact": contact, "consent": True, "share": [], "summary": ""},
            headers=anna.headers,
        )
        assert handover.status_code == 201, handover.text
    finally:
        anna.close()

    confirm_dialogs(page, [])
    region.get_by_role("button", name="Gemeente Utrecht, team zorg verwijderen").click()
    expect(page.locator("#regions-status")).to_contain_text(
        "Gemeente Utrecht, team zorg wordt genoemd in een overdracht en is daarom niet"
        " verwijderd maar op niet actief gezet."
    )
    expect(region.locator("tbody tr").locator("td").nth(3)).to_have_text("Niet actief")
    assert browsing.watch.problems == []


def test_an_admin_edits_the_canned_replies(
    browser: Browser, site: Site, contexts: list[BrowserContext], admin: str
) -> None:
    browsing = admin_page(browser, site, contexts, admin, lang="en")
    page = browsing.page
    reply = page.locator("li.reply", has_text="Key: confidential")
    expect(reply.locator("h3")).to_have_text("Confidentiality explained")
    reply.get_by_role("button", name="Edit Confidentiality explained").click()
    key = reply.get_by_label("Key")
    expect(key).to_be_focused()

    key.fill("goodbye")  # another reply's key
    reply.get_by_label("Title in Dutch").fill("Vertrouwelijk, uitgelegd")
    reply.get_by_label("Text in English").fill("")
    reply.get_by_role("button", name="Save").click()
    expect(reply.locator("[id$=body-en-error]")).to_have_text("Fill this in.")
    reply.get_by_label("Text in English").fill("This chat is anonymous.\nYou decide what happens.")
    reply.get_by_role("button", name="Save").click()
    expect(reply.locator("[id$=-key-error]")).to_have_text(
        "Another canned reply has this key already."
    )
    expect(key).to_be_focused()
    assert axe_violations(page) == []

    key.fill("confidential")
    reply.get_by_role("button", name="Save").click()
    expect(page.locator("#canned-status")).to_have_text(
        "The changes to “Confidentiality explained” are saved."
    )
    expect(reply.locator("[lang=nl].reply-title")).to_have_text("Vertrouwelijk, uitgelegd")
    expect(reply.locator("[lang=en].reply-body")).to_have_text(
        "This chat is anonymous.\nYou decide what happens."
    )

    page.get_by_role("button", name="Add a canned reply").click()
    page.get_by_label("Key").fill("call_112")
    page.get_by_label("Title in Dutch").fill("Bel 112")
    page.get_by_label("Title in English").fill("Call 112")
    page.get_by_label("Text in Dutch").fill("Bel 112 als je in gevaar bent.")
    page.get_by_label("Text in English").fill("Call 112 if you are in danger.")
    page.get_by_role("button", name="Save").click()
    added = page.locator("li.reply", has_text="Key: call_112")
    expect(added.locator("h3")).to_have_text("Call 112")
    expect(page.locator("#canned-slot form")).to_have_count(0)
    expect(added.get_by_role("button", name="Edit Call 112")).to_be_focused()

    asked: list[str] = []
    confirm_dialogs(page, asked)
    added.get_by_role("button", name="Remove Call 112").click()
    expect(page.locator("#canned-status")).to_have_text("“Call 112” is removed.")
    expect(page.locator("li.reply", has_text="Key: call_112")).to_have_count(0)
    assert asked == ["Remove the canned reply “Call 112”?"]
    assert browsing.watch.problems == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_counselor_is_told_the_page_is_for_administrators(
    browser: Browser, site: Site, contexts: list[BrowserContext], lang: str
) -> None:
    browsing = admin_page(browser, site, contexts, "anna", lang=lang)
    page = browsing.page
    title = {"nl": "Deze pagina is voor beheerders", "en": "This page is for administrators"}
    expect(page.locator("#not-admin h2")).to_have_text(title[lang])
    expect(page.locator("#not-admin h2")).to_be_focused()
    expect(page.locator("#admin-view")).to_be_hidden()
    expect(page.locator("#load-form")).to_be_hidden()
    assert axe_violations(page) == []
    assert browsing.watch.problems == []


def test_an_admin_disables_a_counselor_ends_a_session_and_resets_an_app(
    browser: Browser, site: Site, contexts: list[BrowserContext], admin: str
) -> None:
    """S16 on the admin page: disabling anna closes her open console at once; ending her
    session does too; a reset app is set up again at her next log-in."""
    anna = counselor(browser, site, contexts)
    browsing = admin_page(browser, site, contexts, admin)
    page = browsing.page
    seen: list[str] = []
    confirm_dialogs(page, seen)
    users = page.locator("#staff-users")
    expect(users.locator("tr[data-user=anna]")).to_contain_text("actief")
    sessions = page.locator("#staff-sessions")
    expect(sessions.locator("tr[data-user=anna]")).to_have_count(1)
    expect(sessions.locator("tr[data-user=beheer]")).to_contain_text("dit ben jij")
    assert "127.0.0.1" not in (sessions.text_content() or "")
    assert axe_violations(page) == []

    users.get_by_role("button", name="anna uitschakelen").click()
    expect(page.locator("#staff-status")).to_contain_text("anna is uitgeschakeld")
    assert seen == ["anna uitschakelen? De sessies stoppen meteen."]
    expect(anna.page.locator("#login")).to_be_visible()
    expect(anna.page.locator("#login-info")).not_to_be_empty()
    expect(users.locator("tr[data-user=anna]")).to_contain_text("uitgeschakeld")
    expect(sessions.locator("tr[data-user=anna]")).to_have_count(0)

    users.get_by_role("button", name="anna inschakelen").click()
    expect(page.locator("#staff-status")).to_contain_text("anna kan weer inloggen")
    staff_login(anna.page, "anna")
    anna.page.wait_for_selector("#connection[data-state=online]")
    page.reload()  # the session is still there: the page opens without a log-in
    row = page.locator("#staff-sessions tr[data-user=anna]")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="De sessie van anna stoppen").click()
    expect(page.locator("#staff-status")).to_contain_text("De sessie van anna is gestopt")
    expect(anna.page.locator("#login")).to_be_visible()

    users = page.locator("#staff-users")
    users.get_by_role("button", name="De authenticator-app van anna terugzetten").click()
    expect(page.locator("#staff-status")).to_contain_text("anna stelt bij de volgende keer")
    expect(users.locator("tr[data-user=anna]")).to_contain_text("bij de volgende keer inloggen")
    anna.page.fill("#username", "anna")
    anna.page.fill("#password", PASSWORD)
    anna.page.fill("#totp", "")
    anna.page.press("#password", "Enter")
    expect(anna.page.locator("#enrol-title")).to_be_focused()
    assert browsing.watch.problems == []
