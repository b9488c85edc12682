"""S10 stored XSS, in Chromium: hostile text typed by a chatter, a counselor and an
administrator shows as inert text on every page that shows it.

"Inert" means: the text is there literally, no element was made from it (no script, no
img, no link to `javascript:`, no `on...` attribute anywhere), no dialog opened and no
script error. For direction controls (U+202E right-to-left override, U+2066-2069 isolates)
it means: a message keeps them as typed, but each message isolates its direction
(`unicode-bidi: plaintext`), so an override ends with the message and cannot reorder the
sender, the time or another message. Names (staff display names, contact persons) are put
inside sentences, where nothing can isolate them, so they refuse direction controls. A
chatter's account name is restricted to [a-z0-9._-] and a staff user name to printable
characters, so neither can hold markup that matters or a direction control.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from pypdf import PdfReader

from keerpunt.accounts import actions as accounts
from keerpunt.core.errors import Invalid
from tests.e2e.conftest import (
    DESKTOP,
    Browsing,
    Site,
    StaffApi,
    chatter,
    counselor,
    open_page,
    run_async,
    staff_login,
)
from tests.e2e.test_case_tools import add_staff, chatter_api, open_section, section
from tests.e2e.test_conversation import accept_first, start
from tests.live import PASSWORD, held_form, make_staff

MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '<a href="javascript:alert(3)">klik hier</a>',
    "javascript:alert(4)",
]
# An override left open, and every isolate around a word.
BIDI = [
    "voor \u202eeen woord\u202c na en \u202eopen tot het eind",
    "\u2066links\u2069 \u2067rechts\u2069 \u2068eerste\u2069 los\u2069 \u202egnp.exe",
]
MESSAGES = MARKUP + BIDI
HOSTILE = "\n".join(MESSAGES)
DISPLAY_NAME = '<img src=x onerror=alert(5)><a href="javascript:alert(6)">Bram</a>'
CONTACT = {
    "role": "zorgcoordinator",
    "name": "<script>alert(7)</script> J. de Vries",
    "reach": '<a href="javascript:alert(8)">bel 070 123 4567</a>',
}
# Elements the hostile texts would have made, had they become markup. The pages' own
# scripts are files; their data blocks (strings, settings) are JSON, which never runs.
MADE = "script:not([src]):not([type='application/json']), img, a[href^='javascript' i], b"


def made_from_text(page: Page) -> list[str]:
    """Every element a hostile text could have made, and every `on...` attribute."""
    return list(
        page.evaluate(
            """(made) => [
              ...[...document.querySelectorAll(made)].map((e) => e.outerHTML),
              ...[...document.querySelectorAll("*")].flatMap((e) =>
                [...e.attributes].filter((a) => a.name.startsWith("on")).map((a) => a.name)),
            ]""",
            MADE,
        )
    )


def not_isolated(bodies: Locator) -> list[str]:
    """The message texts whose direction is not isolated from what is around them."""
    return list(
        bodies.evaluate_all(
            """(nodes) => nodes
              .filter((n) => !["plaintext", "isolate", "isolate-override"]
                .includes(getComputedStyle(n).unicodeBidi))
              .map((n) => n.textContent)"""
        )
    )


def times_in_order(times: Locator) -> bool:
    """Every time shown ("14:05") is drawn left to right, as it reads: no override
    reached it."""
    return bool(
        times.evaluate_all(
            """(nodes) => nodes.filter((node) => node.getClientRects().length).every((node) => {
              const text = node.firstChild;
              const lefts = [...text.data].map((_, i) => {
                const range = document.createRange();
                range.setStart(text, i);
                range.setEnd(text, i + 1);
                return range.getBoundingClientRect().left;
              });
              return lefts.every((left, i) => i === 0 || left > lefts[i - 1]);
            })"""
        )
    )


def assert_inert(browsing: Browsing, bodies: Locator, dialogs: list[str]) -> None:
    assert made_from_text(browsing.page) == []
    assert not_isolated(bodies) == []
    assert dialogs == []
    assert browsing.watch.problems == []


def listen(browsing: Browsing, dialogs: list[str]) -> None:
    browsing.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))


def say(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def wait_for_notes(site: Site, conversation: str, notes: str) -> None:
    """The form saves itself a moment after the last change: ask until the server has it."""
    staff = StaffApi(site, "bram")
    try:
        for _ in range(100):
            saved = staff.http.get(
                f"/api/v1/conversations/{conversation}/registration", headers=staff.headers
            ).json()
            if saved["notes"] == notes:
                return
            time.sleep(0.1)
    finally:
        staff.close()
    raise AssertionError("the notes were not saved")


def test_s10_hostile_text_shows_as_inert_text_on_every_page(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    run_async(lambda ctx: make_staff(ctx, "bram", display_name=DISPLAY_NAME), site.settings)
    add_staff(site, "beheer", ["admin"])
    admin = StaffApi(site, "beheer")
    response = admin.http.post(
        "/api/v1/regions/den_haag/contacts", json=CONTACT, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    admin.close()
    dialogs: list[str] = []

    # A chat: both sides write every hostile text.
    youth = chatter(browser, site, contexts)
    listen(youth, dialogs)
    start(youth.page)
    for text in MESSAGES:
        say(youth.page, text)
    bram = counselor(browser, site, contexts, username="bram")
    listen(bram, dialogs)
    console = bram.page
    expect(console.locator("#who")).to_contain_text(DISPLAY_NAME)
    earlier = accept_first(console)
    for text in MESSAGES:
        say(console, text)

    chat_side = youth.page.locator("#messages")
    expect(chat_side.locator("li.counselor[data-seq] .body")).to_have_count(len(MESSAGES))
    assert chat_side.locator("li.chatter[data-seq] .body").all_text_contents() == MESSAGES
    assert chat_side.locator("li.counselor[data-seq] .body").all_text_contents() == MESSAGES
    assert_inert(youth, chat_side.locator(".body"), dialogs)
    assert times_in_order(chat_side.locator("time"))

    log = console.locator("[role=tabpanel]:not([hidden]) [role=log]")
    expect(log.locator("li.counselor[data-seq] .body")).to_have_count(len(MESSAGES))
    assert log.locator("li.chatter[data-seq] .body").all_text_contents() == MESSAGES
    assert log.locator("li.counselor[data-seq] .body").all_text_contents() == MESSAGES
    assert_inert(bram, log.locator(".body"), dialogs)
    assert times_in_order(log.locator("time"))

    # The chat ends and is registered; the same chatter comes back.
    kept = json.loads(youth.page.evaluate("sessionStorage.getItem('keerpunt.chat')"))
    staff = StaffApi(site, "bram")
    staff.end(earlier)
    response = staff.http.post(
        f"/api/v1/conversations/{earlier}/registration/complete",
        json=held_form(),
        headers=staff.headers,
    )
    assert response.status_code == 200, response.text
    staff.close()
    again, _ = chatter_api(site, kept["token"])
    expect(console.locator(f"#queue li[data-conversation='{again}']")).to_be_visible()
    assert accept_first(console) == again

    # History: the earlier chat, by the counselor with the hostile name, and its text.
    history = section(console, "history")
    expect(history).to_be_visible()
    history.locator("summary").click()
    item = history.locator(f"li[data-conversation='{earlier}']")
    expect(item).to_contain_text(DISPLAY_NAME)
    item.get_by_role("button", name="Gesprek lezen").click()
    transcript = item.locator(".case-transcript")
    expect(transcript.locator("li.counselor .body")).to_have_count(len(MESSAGES))
    assert transcript.locator("li.chatter .body").all_text_contents() == MESSAGES
    assert transcript.locator("li.counselor .body").all_text_contents() == MESSAGES
    assert_inert(bram, transcript.locator(".body"), dialogs)

    # Notes: typed in the form, kept as typed, shown again as typed after a reload.
    notes = console.locator("[role=tabpanel]:not([hidden]) .registration [data-key=notes]")
    notes.fill(HOSTILE)
    wait_for_notes(site, again, HOSTILE)

    # A warm handover with the hostile summary, to the contact with the hostile name.
    handover = open_section(console, "handover")
    handover.get_by_label("Regio").select_option("den_haag")
    radio = handover.get_by_role("radio", name=CONTACT["name"], exact=False)
    expect(radio).to_be_checked()
    expect(handover).to_contain_text(CONTACT["reach"])
    handover.get_by_label("De chatter geeft uitdrukkelijk toestemming voor deze overdracht").check()
    handover.get_by_label("Een samenvatting").check()
    handover.get_by_label("Samenvatting voor de contactpersoon").fill(HOSTILE)
    handover.get_by_role("button", name="Overdracht voorstellen").click()
    proposed = handover.locator(".case-handovers li")
    expect(proposed).to_have_count(1)
    expect(proposed.locator(".case-name")).to_have_text(CONTACT["name"])
    with console.expect_download() as download:
        proposed.get_by_role("link", name="PDF downloaden").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    for line in [*MARKUP, CONTACT["name"]]:
        assert line in text, text
    # No link, no script: nothing in the PDF acts on a click or on opening.
    assert all("/Annots" not in page for page in pdf.pages)
    assert "/Names" not in pdf.trailer["/Root"]
    assert "/OpenAction" not in pdf.trailer["/Root"]

    # The handover view lists it under the contact's name.
    console.locator("#handovers-button").click()
    row = console.locator("#handovers-view tr[data-handover]")
    expect(row).to_contain_text(CONTACT["name"])
    assert_inert(bram, log.locator(".body"), dialogs)

    # After a reload the console fetches the open chat and its form again.
    console.reload()
    expect(console.locator("#connection[data-state=online]")).to_be_attached()
    tab = console.locator(f"#tabs [role=tab][data-conversation='{again}']")
    tab.click()
    expect(notes).to_have_value(HOSTILE)
    assert_inert(bram, log.locator(".body"), dialogs)

    # The admin page shows the contact person as typed.
    beheer = open_page(browser, f"{site.url}/admin", viewport=DESKTOP)
    contexts.append(beheer.context)
    listen(beheer, dialogs)
    staff_login(beheer.page, "beheer")
    region = beheer.page.locator(".region[data-region=den_haag]")
    expect(region.get_by_role("cell", name=CONTACT["name"], exact=True)).to_be_visible()
    expect(region).to_contain_text(CONTACT["reach"])
    assert_inert(beheer, region.locator("td"), dialogs)


def test_s10_names_refuse_direction_controls(site: Site) -> None:
    add_staff(site, "beheer", ["admin"])
    admin = StaffApi(site, "beheer")
    try:
        for control in "\u202e\u2066\u2067\u2068\u2069":
            named = f"Bram {control}tset"
            with pytest.raises(Invalid):
                run_async(
                    lambda ctx, named=named: accounts.create_user(
                        ctx, "bram", PASSWORD, ["counselor"], display_name=named
                    ),
                    site.settings,
                )
            with pytest.raises(Invalid):
                run_async(
                    lambda ctx, named=named: accounts.create_user(
                        ctx, named, PASSWORD, ["counselor"]
                    ),
                    site.settings,
                )
            for field in ("name", "reach"):
                contact: dict[str, Any] = {**CONTACT, field: named}
                response = admin.http.post(
                    "/api/v1/regions/den_haag/contacts", json=contact, headers=admin.headers
                )
                assert response.status_code == 422, response.text
                assert response.json()["code"] == "invalid"
        regions = admin.http.get("/api/v1/regions", headers=admin.headers)
        assert regions.status_code == 200, regions.text
        assert "tset" not in regions.text
    finally:
        admin.close()
