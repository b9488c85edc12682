from playwright.sync_api import Browser, BrowserContext, expect
from tests.e2e.conftest import Site, chatter, counselor, run_async
from tests.e2e.test_conversation import accept_first, say, start, confirm_dialogs
from tests.live import make_staff


def test_shots(browser: Browser, site: Site, contexts: list[BrowserContext]) -> None:
    run_async(lambda ctx: make_staff(ctx, "sanne", roles=["supervisor"]), site.settings)
    sup = counselor(browser, site, contexts, username="sanne")
    youth = chatter(browser, site, contexts, lang="en")
    start(youth.page, button="Start the chat")
    say(youth.page, "I have to sell drugs and I want to stop")
    anna = counselor(browser, site, contexts)
    c = anna.page
    accept_first(c)
    c.wait_for_timeout(800)
    c.screenshot(path="/tmp/b1/top.png")
    c.locator("#message").focus()
    c.keyboard.press("Alt+k")
    c.wait_for_timeout(300)
    c.screenshot(path="/tmp/b1/canned.png")
    c.keyboard.press("Escape")
    form = c.locator("[role=tabpanel]:not([hidden]) .registration")
    form.locator("[data-key='safety:acute_danger']").check()
    expect(sup.page.locator(".alert-banner")).to_be_visible()
    sup.page.screenshot(path="/tmp/b1/sup.png")
