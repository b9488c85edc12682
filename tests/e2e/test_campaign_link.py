"""A campaign's tracking link in a real browser: the chat opens at once, the code stays in
this tab only and leaves the address bar, and the chat started from it is direct."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select

from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns.schemas import CampaignIn, CampaignRead, ChannelIn
from keerpunt.chat.models import Conversation
from keerpunt.context import Context
from tests.e2e.conftest import PHONE, Site, open_page, run_async
from tests.live import make_staff


async def _campaign(ctx: Context) -> CampaignRead:
    ada = await make_staff(ctx, "ada", roles=["analyst"])
    today = ctx.today()
    return await campaigns.create(
        ctx,
        StaffPrincipal(ada.id, ada.username, frozenset({"analyst"}), "e2e"),
        CampaignIn(
            name="Rake Woorden",
            starts_on=today - timedelta(days=3),
            ends_on=today + timedelta(days=30),
            channels=[ChannelIn(name="TikTok")],
        ),
    )


async def _channels(ctx: Context) -> list[int | None]:
    async with ctx.read() as session:
        rows = await session.scalars(select(Conversation).order_by(Conversation.created_at))
        return [row.channel_id for row in rows]


def test_a_tracking_link_opens_the_chat_and_leaves_no_trace_in_the_address(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    campaign = run_async(_campaign, site.settings)
    tiktok = campaign.channels[0]
    youth = open_page(browser, f"{site.url}{tiktok.link}", viewport=PHONE)
    contexts.append(youth.context)
    page = youth.page
    expect(page.locator("h1")).to_contain_text("Chat met ons")
    # The address is the chat page's own; the code lives in this tab's storage only.
    assert urlsplit(page.url).path == "/"
    assert tiktok.code not in page.url
    assert page.evaluate("sessionStorage.getItem('keerpunt.campaign')") == tiktok.code
    assert youth.context.cookies() == []

    page.get_by_role("button", name="Start de chat").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    # A reload keeps the tab's chat; a second tab without the link is organic.
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    other = open_page(browser, f"{site.url}/", viewport=PHONE)
    contexts.append(other.context)
    other.page.get_by_role("button", name="Start de chat").click()
    expect(other.page.locator("#connection")).to_have_attribute("data-state", "online")

    assert run_async(_channels, site.settings) == [tiktok.id, None]
    assert youth.watch.problems == []
    # The tracking address was replaced, not pushed: Back leaves the site altogether.
    page.go_back()
    assert tiktok.code not in page.url
    assert not page.url.startswith(site.url)
