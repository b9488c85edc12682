"""SECURITY.md S05 in the browser: the pages reconnect with exponential backoff and full
jitter capped at 30 s, notice a silent half-open link by the missing heartbeats, and show
every message exactly once after a reset or a dead link. The chat page is opened through
the fault proxy (tests/faultproxy.py), so its socket and requests pass through it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import (
    PHONE,
    NeutralSite,
    Site,
    StaffApi,
    add_counselor,
    chatter,
    counselor,
    e2e_settings,
    open_page,
)
from tests.e2e.test_conversation import accept_first, lines, panel, say, start
from tests.faultproxy import FaultProxy
from tests.live import LiveServer

T = TypeVar("T")
HEARTBEAT = 1.0  # the page's watchdog: no frame for 2 heartbeats + 5 s, so 7 s here


class ThreadedProxy:
    """The fault proxy on an event loop of its own: Playwright's sync API owns this one."""

    def __init__(self, target_port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.proxy = self.run(lambda: FaultProxy(target_port).start())

    def run(self, work: Callable[[], Any]) -> Any:
        async def call() -> Any:
            result = work()
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(30)

    @property
    def url(self) -> str:
        return str(self.proxy.url)

    def close(self) -> None:
        self.run(self.proxy.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def faulty_site(tmp_path: Path, neutral: NeutralSite) -> Iterator[tuple[Site, ThreadedProxy]]:
    settings = e2e_settings(
        tmp_path,
        neutral.url,
        heartbeat_seconds=HEARTBEAT,
        ws_ping_interval_seconds=2.0,
        ws_ping_timeout_seconds=2.0,
    )
    add_counselor(settings)
    live = LiveServer(settings)
    live.start()
    proxy = ThreadedProxy(live.port)
    yield Site(live.url, settings, tmp_path, neutral.url), proxy
    proxy.close()
    live.stop()


def test_s05_reconnect_backoff_has_full_jitter_and_a_30_second_cap(
    browser: Browser, faulty_site: tuple[Site, ThreadedProxy], contexts: list[BrowserContext]
) -> None:
    site, _ = faulty_site
    browsing = open_page(browser, f"{site.url}/", viewport=PHONE)
    contexts.append(browsing.context)
    # The module both pages use (chat.js and console.js import it).
    ranges = browsing.page.evaluate(
        """async () => {
            const { backoff } = await import("/static/js/socket.js");
            const ranges = [];
            for (let attempt = 0; attempt < 25; attempt++) {
                const waits = Array.from({ length: 400 }, () => backoff(attempt));
                ranges.push([Math.min(...waits), Math.max(...waits)]);
            }
            return ranges;
        }"""
    )
    for attempt, (low, high) in enumerate(ranges):
        ceiling = min(30_000, 500 * 2**attempt)
        assert 0 <= low <= high <= ceiling
        # Full jitter: the waits spread from near zero to near the ceiling.
        assert low < 0.1 * ceiling
        assert high > 0.9 * ceiling
    assert ranges[-1][1] <= 30_000


def test_s05_the_backoff_starts_again_only_after_a_good_connection(
    browser: Browser, faulty_site: tuple[Site, ThreadedProxy], contexts: list[BrowserContext]
) -> None:
    site, _ = faulty_site
    browsing = open_page(browser, f"{site.url}/", viewport=PHONE)
    contexts.append(browsing.context)
    attempts = browsing.page.evaluate(
        """async () => {
            const { Socket, STABLE_MS } = await import("/static/js/socket.js");
            // A socket whose ticket never comes, so no real connection is made.
            const sock = new Socket({
                ticket: () => new Promise(() => {}),
                onReady() {}, onFrame() {}, onState() {},
            });
            sock.stopped = false;
            const after = (upFor) => {
                sock.attempt = 6;
                sock.ready = true;
                sock.readyAt = Date.now() - upFor;
                sock.drop();
                return sock.attempt;
            };
            const result = [after(1000), after(STABLE_MS + 1000)];
            sock.stop();
            return result;
        }"""
    )
    # Dropped after a second: the wait keeps growing. After a good spell: from the start.
    assert attempts == [7, 1]


def messages_shown(page: Page) -> list[str]:
    return page.locator("#messages li[data-seq] .body").all_inner_texts()


def seqs_shown(page: Page) -> list[int]:
    values = page.locator("#messages li[data-seq]").evaluate_all(
        "els => els.map(e => Number(e.dataset.seq))"
    )
    return [int(v) for v in values]


@pytest.mark.parametrize("fault", ["reset", "half_open"])
def test_s05_the_chat_page_loses_and_doubles_nothing_through_a_broken_link(
    browser: Browser,
    faulty_site: tuple[Site, ThreadedProxy],
    contexts: list[BrowserContext],
    fault: str,
) -> None:
    site, proxy = faulty_site
    youth = open_page(browser, f"{proxy.url}/?lang=nl", viewport=PHONE)
    contexts.append(youth.context)
    page = youth.page
    page.get_by_role("button", name="Start de chat").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    staff = StaffApi(site)
    try:
        conversation = staff.accept_next()
        staff.say(conversation, "hallo")
        expect(page.locator("#messages li[data-seq]")).to_have_count(2)

        if fault == "reset":
            assert proxy.run(proxy.proxy.reset_all) >= 1
        else:
            assert proxy.run(proxy.proxy.silence_all) >= 1
        # While the link is broken, both sides write.
        for n in (1, 2):
            staff.say(conversation, f"van anna {n}")
            page.fill("#message", f"van de jongere {n}")
            page.press("#message", "Enter")
        # The page finds out (at once after a reset; after 7 s of silence on a
        # half-open link), reconnects, resumes and sends again what was not acknowledged.
        # On a half-open link the browser's idle HTTP connections went silent too, and
        # it may try each of them (up to six per host) for a ticket before it opens a new
        # one: every such try waits out the page's 10 s ticket timeout and a backoff.
        expect(page.locator("li.pending")).to_have_count(0, timeout=100_000)
        expect(page.locator("#messages li[data-seq]")).to_have_count(6, timeout=15_000)
        staff.say(conversation, "daarna")
        expect(page.locator("#messages li[data-seq]")).to_have_count(7)
        stored = staff.messages(conversation)
    finally:
        staff.close()
    assert seqs_shown(page) == list(range(1, 8))
    # The first is the system message "a counselor joined", worded by the page itself.
    assert stored[0]["sender"] == "system"
    assert messages_shown(page)[1:] == [m["body"] for m in stored[1:]]
    chatter_lines = [m["body"] for m in stored if m["sender"] == "chatter"]
    assert chatter_lines == ["van de jongere 1", "van de jongere 2"]
    assert youth.watch.problems == []


def test_s05_the_console_loses_and_doubles_nothing_after_a_reset(
    browser: Browser, faulty_site: tuple[Site, ThreadedProxy], contexts: list[BrowserContext]
) -> None:
    site, proxy = faulty_site
    # The console through the proxy; the chatter's page straight to the server.
    youth = chatter(browser, site, contexts)
    start(youth.page)
    through_proxy = Site(proxy.url, site.settings, site.folder, site.neutral_url)
    anna = counselor(browser, through_proxy, contexts)
    console = anna.page
    accept_first(console)
    say(youth.page, "hoi")
    expect(panel(console)).to_have_count(2)

    assert proxy.run(proxy.proxy.reset_all) >= 1
    for n in (1, 2):
        say(youth.page, f"van de jongere {n}")
        console.fill("#message", f"van anna {n}")
        console.press("#message", "Enter")
    # The console finds the socket gone, reconnects, rebuilds from the snapshot and
    # sends again what was not acknowledged.
    expect(console.locator("li.pending")).to_have_count(0, timeout=45_000)
    expect(panel(console)).to_have_count(6, timeout=15_000)
    expect(youth.page.locator("#messages li[data-seq]")).to_have_count(6)
    seqs = [int(s) for s in panel(console).evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == list(range(1, 7))
    assert seqs_shown(youth.page) == seqs
    assert lines(console, "chatter") == ["hoi", "van de jongere 1", "van de jongere 2"]
    assert lines(console, "counselor") == ["van anna 1", "van anna 2"]
    assert youth.watch.problems == []
    assert anna.watch.problems == []
