"""A new staff member, tried as a new user would: the admin made the account (a name and a
password); in the console they log in, scan the QR code, confirm with a first code, save
ten recovery codes and carry on into the console. Later log-ins take a new code; a
recovery code works once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Browser, BrowserContext, Page, expect

from keerpunt.accounts import totp
from tests.e2e.conftest import DESKTOP, Site, axe_violations, open_page, run_async
from tests.live import PASSWORD, make_staff


def log_in(page: Page, code: str) -> None:
    page.fill("#username", "noor")
    page.fill("#password", PASSWORD)
    page.fill("#totp", code)
    page.press("#totp", "Enter")


def log_out(page: Page) -> None:
    page.click("#logout")
    expect(page.locator("#login")).to_be_visible()


def test_a_new_user_enrols_in_the_console_and_logs_in_with_codes(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    run_async(lambda ctx: make_staff(ctx, "noor", enrol=False), site.settings)
    noor = open_page(browser, f"{site.url}/console?lang=nl", viewport=DESKTOP)
    contexts.append(noor.context)
    page = noor.page
    expect(page.locator("#totp")).to_have_attribute("autocomplete", "one-time-code")
    expect(page.locator("#totp")).to_have_attribute("inputmode", "numeric")

    # The first time: name and password, no code yet.
    page.fill("#username", "noor")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page.locator("#enrol-title")).to_be_focused()
    expect(page.locator("#enrol-title")).to_have_text("Stel je authenticator-app in")
    qr = page.locator("#enrol-qr img")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    # The phone reads the key (here: the key shown as text, as someone without a camera).
    secret = page.locator("#enrol-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    assert axe_violations(page) == []

    # A wrong code says so and stays; the right one shows the recovery codes.
    page.fill("#enrol-code", "000000" if _code(secret) != "000000" else "111111")
    page.press("#enrol-code", "Enter")
    expect(page.locator("#enrol-error")).to_be_visible()
    step = totp.step_of(datetime.now(UTC))
    page.fill("#enrol-code", totp.code_at(secret, step))
    page.press("#enrol-code", "Enter")
    expect(page.locator("#recovery-title")).to_be_focused()
    expect(page.locator("#recovery-title")).to_have_text("Bewaar deze herstelcodes nu")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    assert axe_violations(page) == []
    page.click("#recovery-done")
    page.wait_for_selector("#connection[data-state=online]")
    expect(page.locator("#who")).to_contain_text("noor")
    log_out(page)
    # The codes and the QR code were shown once: they are gone from the page.
    expect(page.locator("#recovery-codes li")).to_have_count(0)
    expect(page.locator("#enrol-qr img")).to_have_count(0)

    # Next time: a new code from the app (the one used to enrol works no more).
    log_in(page, totp.code_at(secret, step))
    expect(page.locator("#login-error")).to_be_visible()
    log_in(page, totp.code_at(secret, step + 1))
    page.wait_for_selector("#connection[data-state=online]")
    log_out(page)

    # A recovery code instead of the app: once.
    log_in(page, codes[0])
    page.wait_for_selector("#connection[data-state=online]")
    log_out(page)
    log_in(page, codes[0])
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login")).to_be_visible()
    assert noor.watch.problems == []


def _code(secret: str) -> str:
    return totp.code_at(secret, totp.step_of(datetime.now(UTC)))
