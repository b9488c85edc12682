"""A supervisor observes, whispers and takes over, in three browsers: a chatter on a
phone, counselor anna at the console and supervisor sven on the live view. The chatter
must see no trace of the observer and never a whisper; anna's unread count stays hers."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.e2e.conftest import (
    DESKTOP,
    Site,
    axe_violations,
    chatter,
    counselor,
    open_page,
    run_async,
    staff_login,
)
from tests.e2e.test_conversation import accept_first, confirm_dialogs, say, start
from tests.live import make_staff

WHISPER = "Vraag eens naar de schuld die hij noemt"


def frames_of(page: Page) -> list[dict[str, Any]]:
    """Every frame the page's sockets receive, from now on."""
    seen: list[dict[str, Any]] = []

    def on_socket(ws: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str):
                seen.append(json.loads(payload))

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return seen


def test_observe_whisper_and_take_over_leave_the_chatter_untouched(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    run_async(
        lambda ctx: make_staff(ctx, "sven", roles=["supervisor"], display_name="Sven"),
        site.settings,
    )
    youth = chatter(browser, site, contexts)
    phone_frames = frames_of(youth.page)
    youth.page.reload()
    start(youth.page)
    other = chatter(browser, site, contexts)
    start(other.page)
    anna = counselor(browser, site, contexts)
    console = anna.page
    first = accept_first(console)
    second = accept_first(console)
    # anna looks at the second chat; what the first chatter writes waits unread.
    console.locator(f"#tabs [role=tab][data-conversation='{second}']").click()
    say(youth.page, "hallo? ben je daar nog")
    badge = console.locator(f"#tabs [role=tab][data-conversation='{first}'] .unread")
    expect(badge).to_have_text("1")
    messages = youth.page.locator("#messages li")
    expect(youth.page.locator("#messages")).to_contain_text("hallo? ben je daar nog")
    before = messages.count()
    since = len(phone_frames)

    sven = open_page(browser, f"{site.url}/supervise?lang=nl", viewport=DESKTOP)
    contexts.append(sven.context)
    live = sven.page
    staff_login(live, "sven")
    expect(live.locator("#connection")).to_have_attribute("data-state", "online")
    row = live.locator(f"#running tr[data-conversation='{first}']")
    expect(row).to_contain_text("wacht op antwoord")
    row.get_by_role("button", name="Meekijken").click()
    expect(live.locator("#transcript")).to_contain_text("hallo? ben je daar nog")
    expect(live.locator("#observe-hint")).to_contain_text("De chatter ziet je niet")

    # Whisper: on anna's console in its own style, never on the chatter's page.
    live.fill("#whisper-body", WHISPER)
    live.press("#whisper-body", "Enter")
    expect(live.locator("#whispers li")).to_contain_text(WHISPER)
    whisper = console.locator(f"#panel-{first} li.whisper")
    expect(whisper).to_contain_text(WHISPER)
    expect(whisper).to_contain_text("Fluistering van Sven")
    # anna answers the first chat: everything published before has reached the phone.
    expect(youth.page.locator("#typing")).to_have_text("")
    expect(badge).to_have_text("1")
    # Since sven came, only the observer and the whisper happened: the phone got no
    # typing and no read receipt.
    observed = phone_frames[since:]
    console.locator(f"#tabs [role=tab][data-conversation='{first}']").click()
    expect(badge).to_be_hidden()
    say(console, "Ik ben er, vertel")
    expect(youth.page.locator("#messages")).to_contain_text("Ik ben er, vertel")
    # The observer left no trace: one new line (anna's), no typing, no whisper anywhere.
    expect(messages).to_have_count(before + 1)
    expect(youth.page.locator("#typing")).to_have_text("")
    assert WHISPER not in youth.page.content()
    assert not [f for f in phone_frames if f.get("type") == "whisper"]
    assert not any(WHISPER in json.dumps(f) for f in phone_frames)
    assert not [f for f in observed if f.get("type") in {"typing", "read"}]

    # Take over: the chat moves to sven, the chatter reads a neutral line.
    confirm_dialogs(live)
    live.locator("#takeover").click()
    expect(youth.page.locator("#messages")).to_contain_text(
        "Je gesprek gaat verder met een collega."
    )
    expect(console.locator(f"#panel-{first} li[data-code=transferred]")).to_have_count(1)
    expect(live.locator("#write")).to_be_visible()
    live.fill("#write-body", "Ik neem het even over.")
    live.press("#write-body", "Enter")
    expect(youth.page.locator("#messages")).to_contain_text("Ik neem het even over.")
    expect(live.locator(f"#running tr[data-conversation='{first}']")).to_contain_text("Sven")
    assert axe_violations(live) == []
    for page in (youth, anna, sven):
        assert page.watch.problems == [], page.watch.problems
