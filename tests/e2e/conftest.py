"""Browser tests: Debian's Chromium driven by Playwright, against a real server.

Every test gets its own SQLite database and server. A chatter page is a phone-sized
context; a counselor is a desktop-sized one. Each page records console errors, failed
requests and every request it makes, so tests can assert "no CSP violation" and "no
other host" without extra work.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import shutil
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    sync_playwright,
)

from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.db import migrate
from keerpunt.organisation import WEEKDAYS, default_file
from tests.conftest import make_settings
from tests.live import COOKIE, PASSWORD, LiveServer, make_staff, next_code, session_cookie

T = TypeVar("T")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root in a container, without the network Chromium would otherwise try to reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


# Module scope, not session: Playwright's sync API runs an event loop in this thread for
# as long as it lives, and the async tests that run after these need the thread free.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not os.path.exists(CHROMIUM):
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class NeutralSite:
    """Another host (a second loopback port) standing in for the quick-exit page."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b"<!doctype html><title>Weer</title><h1>Het weer vandaag</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/weer"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def neutral() -> Iterator[NeutralSite]:
    site = NeutralSite()
    yield site
    site.close()


def organisation_file(folder: Path, neutral_url: str, *, open_only_on: str | None = None) -> Path:
    """The shipped policy with quick exit pointing at our neutral host. `open_only_on` (a
    weekday) leaves one opening a week, 09:00-17:00 on that day."""
    text = default_file().read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith("quick_exit_url"):
            line = f'quick_exit_url = "{neutral_url}"'
        if open_only_on and line.split(" ")[0] in WEEKDAYS:
            continue
        lines.append(line)
        if open_only_on and line == "[opening_hours]":
            lines.append(f'{open_only_on} = ["09:00-17:00"]')
    text = "\n".join(lines) + "\n"
    path = folder / "organisation.toml"
    path.write_text(text, encoding="utf-8")
    return path


def e2e_settings(folder: Path, neutral_url: str, **overrides: object) -> Settings:
    database = folder / "keerpunt.db"
    url = f"sqlite+aiosqlite:///{database}"
    migrate.upgrade(url)
    values: dict[str, object] = {"heartbeat_seconds": 5.0, **overrides}
    if "organisation_file" not in values:
        values["organisation_file"] = organisation_file(folder, neutral_url)
    return make_settings(url, **values)


def run_async(work: Callable[[Context], Awaitable[T]], settings: Settings) -> T:
    """Runs domain code against the test database. Playwright's sync API owns this
    thread's event loop, so the work gets a thread and a loop of its own."""

    async def run() -> T:
        ctx = build_context(settings)
        try:
            return await work(ctx)
        finally:
            await ctx.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def add_counselor(settings: Settings, username: str = "anna", max_chats: int = 3) -> None:
    run_async(lambda ctx: make_staff(ctx, username, max_chats=max_chats), settings)


@dataclass
class Site:
    url: str
    settings: Settings
    folder: Path
    neutral_url: str


@pytest.fixture
def site(tmp_path: Path, neutral: NeutralSite) -> Iterator[Site]:
    """A live server on SQLite with counselor "anna", open whatever the hour."""
    settings = e2e_settings(tmp_path, neutral.url)
    add_counselor(settings)
    live = LiveServer(settings)
    live.start()
    yield Site(live.url, settings, tmp_path, neutral.url)
    live.stop()


@dataclass
class Watch:
    """What a page did: console errors (CSP violations land here), failed requests and
    every address it asked for."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    finished: list[Request] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Console errors but the browser's own note on every non-2xx fetch (a 401 before
        log-in, a 409 when a colleague was first), which no page can silence."""
        return [error for error in self.errors if not error.startswith("Failed to load resource")]

    def attach(self, page: Page) -> None:
        page.on("requestfinished", lambda request: self.finished.append(request))
        page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("request", lambda request: self.requests.append(request.url))


@dataclass
class Browsing:
    context: BrowserContext
    page: Page
    watch: Watch


def open_page(
    browser: Browser, url: str, *, viewport: dict[str, int], locale: str = "nl-NL"
) -> Browsing:
    context = browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    page.goto(url)
    return Browsing(context, page, watch)


@pytest.fixture
def contexts() -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def chatter(
    browser: Browser, site: Site, contexts: list[BrowserContext], lang: str = "nl"
) -> Browsing:
    browsing = open_page(browser, f"{site.url}/?lang={lang}", viewport=PHONE)
    contexts.append(browsing.context)
    return browsing


def staff_login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fills a staff page's log-in form as a person does: name, password, the app's code."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#totp", next_code(username))
    page.press("#totp", "Enter")


def counselor(
    browser: Browser,
    site: Site,
    contexts: list[BrowserContext],
    username: str = "anna",
    lang: str = "nl",
) -> Browsing:
    browsing = open_page(browser, f"{site.url}/console?lang={lang}", viewport=DESKTOP)
    contexts.append(browsing.context)
    page = browsing.page
    staff_login(page, username)
    page.wait_for_selector("#connection[data-state=online]")
    return browsing


class StaffApi:
    """A counselor over plain HTTP, for tests about the chatter's page only."""

    def __init__(self, site: Site, username: str = "anna") -> None:
        self.http = httpx.Client(base_url=site.url, timeout=10)
        response = self.http.post(
            "/api/v1/auth/login",
            json={"username": username, "password": PASSWORD, "totp": next_code(username)},
        )
        assert response.status_code == 200, response.text
        self.headers = {
            "Cookie": f"{COOKIE}={session_cookie(response)}",
            "X-CSRF-Token": response.json()["csrf_token"],
        }

    def queue(self) -> list[dict[str, Any]]:
        waiting: list[dict[str, Any]] = self.http.get("/api/v1/queue", headers=self.headers).json()[
            "waiting"
        ]
        return waiting

    def accept_next(self) -> str:
        conversation = str(self.queue()[0]["conversation"])
        response = self.http.post(
            f"/api/v1/conversations/{conversation}/accept", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return conversation

    def say(self, conversation: str, body: str) -> None:
        response = self.http.post(
            f"/api/v1/conversations/{conversation}/messages",
            json={"client_id": str(uuid.uuid4()), "body": body},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text

    def messages(self, conversation: str) -> list[dict[str, Any]]:
        page = self.http.get(
            f"/api/v1/conversations/{conversation}/messages", headers=self.headers
        ).json()
        return list(page["messages"])

    def end(self, conversation: str) -> None:
        self.http.post(f"/api/v1/conversations/{conversation}/end", headers=self.headers)

    def close(self) -> None:
        # Logged out, so the sessions of helpers do not pile up: a third session of the
        # same person would end the oldest, the console's (S16).
        self.http.post("/api/v1/auth/logout", headers=self.headers)
        self.http.close()


WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[str]:
    """axe-core (shipped inside axe-playwright-python) at WCAG 2.1 AA: one line per
    violated rule, with the first offending element."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{v['id']}: {v['help']} at {v['nodes'][0]['target']}"
        for v in results.response["violations"]
    ]
