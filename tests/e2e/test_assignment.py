"""Automatic offers and a warm transfer, in Chromium, as counselors use them: the offer
dialog (Enter accepts), the Transfer control with a colleague and a note, the colleague's
dialog, and the chatter who sees only a neutral line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import (
    NeutralSite,
    Site,
    add_counselor,
    chatter,
    counselor,
    e2e_settings,
)
from tests.live import LiveServer

NOTE = "Wil praten over een schuld bij zijn neef"


@pytest.fixture
def assigning(tmp_path: Path, neutral: NeutralSite) -> Iterator[Site]:
    """A live server with automatic assignment on, and counselors anna and bram."""
    settings = e2e_settings(tmp_path, neutral.url, auto_assign=True, offer_seconds=60)
    add_counselor(settings, "anna")
    add_counselor(settings, "bram")
    live = LiveServer(settings)
    live.start()
    yield Site(live.url, settings, tmp_path, neutral.url)
    live.stop()


def test_an_offer_is_accepted_with_enter_and_handed_on_warm(
    browser: Browser, assigning: Site, contexts: list[BrowserContext]
) -> None:
    anna = counselor(browser, assigning, contexts, "anna")  # first in: idle longest
    bram = counselor(browser, assigning, contexts, "bram")
    youth = chatter(browser, assigning, contexts)
    youth.page.get_by_role("button", name="Start de chat").click()

    # Anna is offered the chat in a dialog with a countdown; Enter accepts.
    offer = anna.page.locator("#offer-dialog")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Er wacht een chat (Niet ingevuld)")
    expect(offer.locator("#offer-countdown")).to_contain_text("seconden")
    expect(bram.page.locator("#offer-dialog")).to_be_hidden()
    anna.page.keyboard.press("Enter")
    expect(offer).to_be_hidden()
    expect(anna.page.locator("#tabs [role=tab]")).to_have_count(1)
    expect(youth.page.get_by_text("Een hulpverlener is in het gesprek gekomen.")).to_be_visible()

    # Anna hands the chat to Bram with a note, from the keyboard.
    anna.page.locator("#message").focus()
    anna.page.keyboard.press("Alt+t")
    transfer = anna.page.locator("#transfer-dialog")
    expect(transfer).to_be_visible()
    expect(transfer.locator("#transfer-to option").first).to_have_text("bram (0 van 3 chats)")
    transfer.locator("#transfer-note").fill(NOTE)
    transfer.get_by_role("button", name="Overdragen").click()
    expect(transfer).to_be_hidden()

    # Bram sees who asks and the note, and takes over with Enter.
    incoming = bram.page.locator("#incoming-dialog")
    expect(incoming).to_be_visible()
    expect(incoming).to_contain_text(NOTE)
    bram.page.keyboard.press("Enter")
    expect(incoming).to_be_hidden()
    expect(bram.page.locator("#tabs [role=tab]")).to_have_count(1)
    expect(anna.page.locator("#notice")).to_contain_text("Je collega heeft de chat overgenomen.")

    # The chatter reads a neutral line, never the note.
    expect(youth.page.get_by_text("Je gesprek gaat verder met een collega.")).to_be_visible()
    assert NOTE not in youth.page.content()
    for who in (anna, bram, youth):
        assert who.watch.problems == []
