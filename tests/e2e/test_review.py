"""The review page in Chromium: a supervisor reviews a sampled chat with the keyboard
alone and finishes it; the counselor then reads it under "Mijn beoordelingen"."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from keerpunt.context import Context
from keerpunt.review import actions, reads
from tests.e2e.conftest import (
    DESKTOP,
    Browsing,
    Site,
    axe_violations,
    open_page,
    run_async,
    staff_login,
)
from tests.review.helpers import ended_chat, staff


def seed(site: Site) -> str:
    """Counselor "bram" with one ended chat, drawn into this week's sample; supervisor
    "sara". Returns the conversation."""

    async def work(ctx: Context) -> str:
        bram = await staff(ctx, "bram", ["counselor"])
        await staff(ctx, "sara", ["supervisor"])
        conversation = await ended_chat(ctx, bram, ("hoi", "ik zit vast aan een schuld"))
        drawn = await actions.draw_sample(ctx, actions.current_week(ctx))
        assert drawn.drawn == 1
        return conversation

    return run_async(work, site.settings)


def review_page(
    browser: Browser, site: Site, contexts: list[BrowserContext], username: str
) -> Browsing:
    browsing = open_page(browser, f"{site.url}/review?lang=nl", viewport=DESKTOP)
    contexts.append(browsing.context)
    staff_login(browsing.page, username)
    return browsing


def test_a_supervisor_reviews_with_the_keyboard_and_the_counselor_reads_it(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    conversation = seed(site)
    sara = review_page(browser, site, contexts, "sara")
    page = sara.page
    expect(page.locator("#todo-title")).to_be_focused()
    row = page.locator(f"#sample-rows tr[data-conversation='{conversation}']")
    expect(row).to_contain_text("bram")
    expect(row).to_contain_text("nog niet begonnen")
    row.get_by_role("button").click()

    # The transcript beside the form; focus on the first item's first answer.
    expect(page.locator("#transcript")).to_contain_text("ik zit vast aan een schuld")
    first = page.locator("#items input").first
    expect(first).to_be_focused()
    # Space picks "Gedaan" for the item, Tab goes on to the next item: six items.
    for _ in range(6):
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    # The score: Space picks 1, three arrows make it 4; then the comment.
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    expect(page.locator("#comment")).to_be_focused()
    page.keyboard.type("Goed doorgevraagd.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#form-status")).to_have_text(
        "Beoordeling afgerond. De hulpverlener kan haar nu lezen."
    )
    expect(row).to_contain_text("klaar")
    assert axe_violations(page) == []
    assert sara.watch.problems == []

    async def stored(ctx: Context) -> tuple[str, int | None, str | None]:
        review = await reads.review_of(ctx, conversation)
        assert review is not None
        return review.status, review.score, review.comment

    assert run_async(stored, site.settings) == ("done", 4, "Goed doorgevraagd.")

    # The counselor sees only "Mijn beoordelingen", with the review.
    bram = review_page(browser, site, contexts, "bram")
    mine = bram.page
    expect(mine.locator("#mine-title")).to_be_focused()
    expect(mine.locator("[data-tab=todo]")).to_be_hidden()
    card = mine.locator("#mine-list li")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Goed doorgevraagd.")
    expect(card).to_contain_text("Score: 4 van 5")
    expect(card).to_contain_text("Geluisterd en verhelderd")
    expect(card).to_contain_text("sara")
    assert axe_violations(mine) == []
    # The supervisor's quality tab: the week with its one review.
    page.click("[data-tab=quality]")
    expect(page.locator("#quality-title")).to_be_focused()
    expect(page.locator("#quality-rows tr").first).to_contain_text("100% gedaan")
    expect(page.locator("#quality-chart svg")).to_be_visible()
    assert axe_violations(page) == []
    assert sara.watch.problems == []
    assert bram.watch.problems == []
