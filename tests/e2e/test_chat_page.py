"""The chatter's page, with the counselor over plain HTTP."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import Site, StaffApi, chatter


def test_a_chat_from_start_to_feedback(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    youth = chatter(browser, site, contexts)
    page = youth.page
    expect(page.locator("h1")).to_contain_text("Chat met ons")
    page.get_by_label("Voor mezelf").check()
    page.get_by_role("button", name="Start de chat").click()
    expect(page.locator("#queue")).to_contain_text("Je bent de volgende")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")

    # Typed while waiting: kept, and there for the counselor when they join.
    page.fill("#message", "Hoi, ik wil iets vragen")
    page.press("#message", "Enter")
    expect(page.locator("li.chatter[data-seq='1']")).to_contain_text("Hoi, ik wil iets vragen")

    staff = StaffApi(site)
    conversation = staff.accept_next()
    assert [m["body"] for m in staff.messages(conversation)][0] == "Hoi, ik wil iets vragen"
    expect(page.locator("li.system[data-code='counselor_joined']")).to_be_visible()
    expect(page.locator("#queue")).to_be_hidden()

    staff.say(conversation, "Hoi! Vertel maar.")
    expect(page.locator("li.counselor .body")).to_have_text("Hoi! Vertel maar.")
    staff.end(conversation)
    expect(page.locator("#ended")).to_be_visible()
    page.get_by_role("group", name="Had je iets aan dit gesprek?").get_by_label("Ja").check()
    page.get_by_role("button", name="Verstuur antwoord").click()
    expect(page.locator("#feedback-thanks")).not_to_be_empty()
    assert youth.watch.errors == []
    staff.close()
