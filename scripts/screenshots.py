"""Makes the screenshots in docs/img/ from a real server and Debian's Chromium.

Run it with `make screenshots`. It needs /usr/bin/chromium (apt-get install chromium);
Playwright only drives it, so `playwright install` is never needed.

What it does, in a temporary data folder that is removed afterwards:

1. `keerpunt keys init`, `db upgrade` and `user create anna`, then `keerpunt serve` on a
   free loopback port, open whatever the hour. Anna and "beheer" enrol TOTP over the API
   at their first log-in; every later log-in sends a code not used before.
2. One chat is picked up and ended over the API first, so the waiting screen has a pace
   to estimate from.
3. On a phone (360x740, Dutch): the start page, waiting in line with a message typed
   ahead, and the chat with counselor Anna. On a desktop (1280x800): Anna's console with
   two chats in tabs and one chatter waiting.
4. The chat ends: the chatter's page offers an account; Anna registers the chat, proposes
   a warm handover to the region's contact person (added by administrator "beheer"), and
   opens the handover list; the admin page as "beheer".
5. A second server, closed now and open only tomorrow 09:00-17:00: the closed page.
6. A third, `keerpunt demo` in a data folder of its own, with the demo's seed campaign:
   the analyst page's dashboard for that campaign, as the demo user, that campaign's
   report (the internal edition's first page, the partner edition's visitors), the
   outreach page's queue with its top item open, the supervisors' live view with a chat
   observed and a whisper sent, and the review page with this week's sample.

The servers are stopped at the end, also when something fails.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from keerpunt.accounts import totp
from keerpunt.organisation import WEEKDAYS

# One launch configuration for the browser tests and this script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "img"
ORGANISATION = ROOT / "src" / "keerpunt" / "data" / "organisation.toml"
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
COOKIE = "__Host-keerpunt_session"


class Authenticator:
    """The staff's authenticator app: each user's secret, and the last step used, since a
    code works once. When the steps around now are used up, it waits for the next one."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.last: dict[str, int] = {}

    def code(self, username: str) -> str:
        now = dt.datetime.now(dt.UTC)
        step = max(self.last.get(username, 0) + 1, totp.step_of(now) - 1)
        if step > totp.step_of(now) + 1:
            time.sleep(step * totp.STEP_SECONDS - totp.STEP_SECONDS - now.timestamp() + 0.5)
        self.last[username] = step
        return totp.code_at(self.secrets[username], step)

    def enrol(self, url: str, username: str, password: str) -> None:
        """A new user's first log-in: the password, the secret shown once, a first code."""
        with httpx.Client(base_url=url, timeout=10) as http:
            login = http.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            )
            login.raise_for_status()
            headers = {
                "Cookie": login.headers["set-cookie"].split(";", 1)[0],
                "X-CSRF-Token": login.json()["csrf_token"],
            }
            begun = http.post("/api/v1/auth/totp/begin", headers=headers)
            begun.raise_for_status()
            self.secrets[username] = begun.json()["secret"]
            confirmed = http.post(
                "/api/v1/auth/totp/confirm",
                json={"code": self.code(username)},
                headers=headers,
            )
            confirmed.raise_for_status()


APP = Authenticator()


def fill_login(page: Page, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#totp", APP.code(username))
    page.press("#totp", "Enter")


TIMEOUT_MS = 15_000

# A fictional chat. The youth typed the first line while waiting.
TYPED_AHEAD = "Hoi. Mag ik iets vragen zonder dat iemand het te weten komt?"
EXCHANGE = [
    ("counselor", "Hoi, ik ben Anna. Ja, dat mag. Je hoeft je naam niet te zeggen."),
    (
        "chatter",
        "Een jongen uit de buurt zegt dat ik hem 600 euro schuld heb. "
        "Ik moet voor hem gaan dealen om het terug te betalen.",
    ),
    ("counselor", "Wat goed dat je dit vertelt. Waarom zegt hij dat je hem iets schuldig bent?"),
    (
        "chatter",
        "Hij gaf me vorige maand nieuwe schoenen en wat geld. Nu noemt hij het een lening.",
    ),
    (
        "counselor",
        "Dat is een bekende truc: eerst iets geven en daarna een 'schuld' maken. "
        "Jij hebt niets fout gedaan. Voel je je nu veilig?",
    ),
    ("chatter", "Niet echt. Hij weet waar ik woon."),
]
# What Anna is writing when the pictures are taken: the phone shows that she types.
DRAFT = "Dat snap ik. Is er iemand bij wie je"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(data_dir: Path) -> dict[str, str]:
    """This machine's environment without any KEERPUNT_ setting, plus ours."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEERPUNT_")}
    env.update(
        KEERPUNT_ENV="development",
        KEERPUNT_ALWAYS_OPEN="true",
        KEERPUNT_DATA_DIR=str(data_dir),
        KEERPUNT_COOKIE_SECURE="true",
    )
    return env


def keerpunt(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    """Runs one `keerpunt` command; its output is shown only when it fails."""
    done = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "keerpunt", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"keerpunt {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


class Server:
    """`keerpunt serve` as a child process on a free loopback port."""

    def __init__(
        self, env: dict[str, str], log: Path, command: str = "serve", ready_within: float = 30
    ) -> None:
        self.env = env
        self.log = log
        self.command = command
        self.ready_within = ready_within
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter)
                [sys.executable, "-m", "keerpunt", self.command, "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not become healthy in {self.ready_within:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class Staff:
    """Counselor anna over plain HTTP, for the chat picked up before the screenshots."""

    def __init__(self, url: str, password: str, username: str = "anna") -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        response = self.http.post(
            "/api/v1/auth/login",
            json={"username": username, "password": password, "totp": APP.code(username)},
        )
        response.raise_for_status()
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith(f"{COOKIE}="))
        self.headers = {
            "Cookie": session.split(";", 1)[0],
            "X-CSRF-Token": response.json()["csrf_token"],
        }

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(path, json=body, headers=self.headers)
        response.raise_for_status()
        return response.json() if response.content else None

    def accept_and_end(self, conversation: str) -> None:
        for step in ("accept", "end"):
            response = self.http.post(
                f"/api/v1/conversations/{conversation}/{step}", headers=self.headers
            )
            response.raise_for_status()

    def close(self) -> None:
        self.http.close()


def new_chat(url: str, visitor: str) -> str:
    """A chatter who starts a chat over the API and then only waits."""
    response = httpx.post(f"{url}/api/v1/conversations", json={"visitor": visitor}, timeout=10)
    response.raise_for_status()
    return str(response.json()["id"])


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=IMAGES / name, full_page=False, animations="disabled")
    print(f"wrote docs/img/{name}")


def say(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def open_chat(browser: Browser, url: str, password: str) -> None:
    """Everything but the closed page, against one open server."""
    for username in ("anna", "beheer"):
        APP.enrol(url, username, password)
    staff = Staff(url, password)
    try:
        staff.accept_and_end(new_chat(url, "youth"))
    finally:
        staff.close()

    phone_context = new_context(browser, **PHONE)
    desk_context = new_context(browser, **DESKTOP)
    try:
        phone = phone_context.new_page()
        phone.goto(f"{url}/?lang=nl")
        expect(phone.locator("#start-button")).to_be_visible()
        shoot(phone, "chat-start.png")

        first = new_chat(url, "unknown")  # waits before our youth, and says nothing yet
        phone.get_by_label("Voor mezelf").check()
        phone.get_by_role("button", name="Start de chat").click()
        expect(phone.locator("#connection")).to_have_attribute("data-state", "online")
        expect(phone.locator("#queue")).to_contain_text("nummer 2")
        say(phone, TYPED_AHEAD)
        expect(phone.locator("li.chatter[data-seq='1']")).to_be_visible()
        shoot(phone, "chat-waiting.png")

        console = desk_context.new_page()
        console.goto(f"{url}/console?lang=nl")
        fill_login(console, "anna", password)
        expect(console.locator("#connection")).to_have_attribute("data-state", "online")
        waiting = console.locator("#queue li[data-conversation]")
        expect(waiting).to_have_count(2)
        youth = waiting.nth(1).get_attribute("data-conversation")
        if not youth or youth == first:
            raise RuntimeError("our youth is not second in the queue")
        for conversation in (first, youth):
            console.locator(f"#queue li[data-conversation='{conversation}'] button.accept").click()
            tab = console.locator(f"#tabs [role=tab][data-conversation='{conversation}']")
            expect(tab).to_be_visible()
        new_chat(url, "relative")
        expect(waiting).to_have_count(1)

        console.locator(f"#tabs [role=tab][data-conversation='{youth}']").click()
        expect(phone.locator("li.system[data-code='counselor_joined']")).to_be_visible()
        shown = 2  # the line typed ahead and "a counselor has joined"
        for sender, text in EXCHANGE:
            say(console if sender == "counselor" else phone, text)
            shown += 1
            expect(phone.locator("#messages li[data-seq]")).to_have_count(shown)
        log = "[role=tabpanel]:not([hidden]) [role=log] li[data-seq]"
        expect(console.locator(log)).to_have_count(shown)
        expect(phone.locator("li.pending")).to_have_count(0)
        # The console's note "chat accepted" goes after 8 s; the queue clock runs meanwhile.
        expect(console.locator("#notice")).to_be_empty()
        console.fill("#message", DRAFT)
        expect(phone.locator("#typing")).not_to_be_empty()
        phone.locator("#message").blur()
        shoot(phone, "chat-chatting.png")
        shoot(console, "console.png")
        case_work(phone, console, url, password, youth)
        admin_page(browser, url, password)
    finally:
        phone_context.close()
        desk_context.close()


# What Anna registers about the chat above, as the form's data-key values.
REGISTRATION = [
    "outcome:conversation_held",
    "visitor:youth",
    "age_band:16_17",
    "region:den_haag",
    "crime_involvement:yes",
    "crime_forms:drugs_selling",
    "signals:threatened",
    "signals:debt_to_recruiter",
    "help_questions:how_to_stop",
    "help_offered:clarified",
    "help_offered:lowered_thresholds",
    "safety:safety_discussed",
]
NOTES = "Opgezette drugsschuld van 600 euro; hij weet waar de jongere woont. Wil stoppen."
SUMMARY = "Jongere van 16-17 uit Den Haag, wordt onder druk gezet om te dealen voor een schuld."


def case_work(phone: Page, console: Page, url: str, password: str, youth: str) -> None:
    """The chat ends; the phone offers an account; Anna registers and hands over."""
    beheer = Staff(url, password, "beheer")
    try:
        beheer.post(
            "/api/v1/regions/den_haag/contacts",
            {"role": "zorgcoordinator", "name": "J. de Vries", "reach": "070 123 4567, ma-vr"},
        )
    finally:
        beheer.close()
    console.fill("#message", "")
    anna = Staff(url, password)
    try:
        anna.post(f"/api/v1/conversations/{youth}/end")
    finally:
        anna.close()

    expect(phone.locator("#ended")).to_be_visible()
    phone.locator("#ended [data-account=create]").click()
    expect(phone.locator("#create-username")).to_be_visible()
    phone.locator("#create-username").fill("zonnebloem")
    shoot(phone, "chat-account.png")

    tab = console.locator("[role=tabpanel]:not([hidden])")
    expect(tab.locator(".registration")).to_be_visible()
    for key in REGISTRATION:
        tab.locator(f".registration [data-key='{key}']").check()
    tab.locator(".registration textarea").first.fill(NOTES)
    expect(tab.locator(".registration")).to_contain_text("Concept opgeslagen")
    # The picture shows the form from its first question.
    tab.locator(".registration").evaluate(
        """form => {
            for (let node = form; node; node = node.parentElement) node.scrollTop = 0;
        }"""
    )
    shoot(console, "console-registration.png")

    handover = tab.locator(".case-tools [data-section=handover]")
    handover.locator("summary").click()
    handover.get_by_label("De chatter geeft uitdrukkelijk toestemming voor deze overdracht").check()
    handover.get_by_label("Een samenvatting").check()
    handover.get_by_label("Leeftijd").check()
    handover.get_by_label("Vormen van criminaliteit").check()
    handover.get_by_label("Samenvatting voor de contactpersoon").fill(SUMMARY)
    handover.get_by_role("button", name="Overdracht voorstellen").click()
    expect(handover.locator(".case-handovers li")).to_have_count(1)
    handover.locator(".case-handovers").scroll_into_view_if_needed()
    shoot(console, "console-handover.png")

    console.locator("#handovers-button").click()
    expect(console.locator("#handovers-view tr[data-handover]")).to_have_count(1)
    shoot(console, "console-handovers.png")


def admin_page(browser: Browser, url: str, password: str) -> None:
    """In a context of its own: Anna's session cookie would open the page as her."""
    context = new_context(browser, **DESKTOP)
    page = context.new_page()
    page.goto(f"{url}/admin?lang=nl")
    fill_login(page, "beheer", password)
    expect(page.locator("#taxonomy-current")).not_to_be_empty()
    shoot(page, "admin.png")
    context.close()


def analyst_page(browser: Browser, url: str, password: str) -> None:
    """The dashboard of the demo's seed campaign, as the demo user (an analyst too)."""
    context = new_context(browser, **DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/analyst?lang=nl")
        fill_login(page, "demo", password)
        expect(page.locator("#funnel tbody tr")).to_have_count(4)
        campaign = page.locator("#filter-campaign option", has_text="Rake Woorden")
        page.select_option("#filter-campaign", campaign.get_attribute("value") or "")
        expect(page.locator("#dashboard-scope")).to_contain_text("Campagne Rake Woorden")
        expect(page.locator("#dashboard")).to_have_attribute("aria-busy", "false")
        # The picture starts at the dashboard: the funnel, the weeks, the first answers.
        page.locator("#dashboard").evaluate("node => node.scrollIntoView()")
        shoot(page, "analyst.png")
    finally:
        context.close()


def outreach_page(browser: Browser, url: str, password: str) -> None:
    """The demo's outreach queue with its top item open: the matches marked and the score
    explained, as the demo user (outreach too)."""
    context = new_context(browser, **DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/outreach?lang=nl")
        fill_login(page, "demo", password)
        expect(page.locator("#queue-rows tr").first).to_be_visible()
        page.locator("#queue-rows tr").first.locator("button[data-item]").click()
        expect(page.locator("#item-text mark").first).to_be_visible()
        expect(page.locator("#item-why tbody tr").first).to_be_visible()
        shoot(page, "outreach.png")
    finally:
        context.close()


def supervise_page(browser: Browser, url: str, password: str) -> None:
    """The demo's live view as the demo user (supervisor too): anna's and bram's running
    chats, one with acute danger, and the first one observed with a whisper sent."""
    context = new_context(browser, **DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/supervise?lang=nl")
        fill_login(page, "demo", password)
        expect(page.locator("#running tr").first).to_be_visible()
        page.locator("#running tr").first.locator("button[data-conversation]").click()
        expect(page.locator("#transcript li").first).to_be_visible()
        page.fill("#whisper-body", "Goed dat je naar zijn veiligheid vraagt. Vraag ook naar thuis.")
        page.locator("#whisper-send").click()
        expect(page.locator("#whispers li").first).to_be_visible()
        shoot(page, "supervise.png")
    finally:
        context.close()


def review_page(browser: Browser, url: str, password: str) -> None:
    """The demo's review page: this week's sample with one review open."""
    context = new_context(browser, **DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{url}/review?lang=nl#todo")
        fill_login(page, "demo", password)
        expect(page.locator("#sample-rows tr").first).to_be_visible()
        page.locator("#sample-rows tr button.primary").first.click()
        expect(page.locator("#transcript li").first).to_be_visible()
        shoot(page, "review.png")
    finally:
        context.close()


def demo_analyst(browser: Browser, folder: Path) -> None:
    """`keerpunt demo` seeds its campaign before it serves: the analyst page's picture."""
    password = secrets.token_urlsafe(16)
    APP.secrets["demo"] = totp.new_secret()
    env = {
        **base_env(folder / "demo-data"),
        "KEERPUNT_DEMO_PASSWORD": password,
        "KEERPUNT_DEMO_TOTP_SECRET": APP.secrets["demo"],
    }
    server = Server(env, folder / "demo.log", command="demo", ready_within=180)
    try:
        server.start()
        analyst_page(browser, server.url, password)
        campaign_report(browser, server.url, password)
        outreach_page(browser, server.url, password)
        supervise_page(browser, server.url, password)
        review_page(browser, server.url, password)
    finally:
        server.stop()


def campaign_report(browser: Browser, url: str, password: str) -> None:
    """The demo campaign's report as the analyst page downloads it: the internal edition's
    first page, and the partner edition's visitors and forms of crime."""
    with httpx.Client(base_url=url) as http:
        login = http.post(
            "/api/v1/auth/login",
            json={"username": "demo", "password": password, "totp": APP.code("demo")},
        )
        login.raise_for_status()
        cookie = {
            "Cookie": login.headers["set-cookie"].split(";", 1)[0],
            "X-CSRF-Token": login.json()["csrf_token"],
        }
        pages = {}
        for edition in ("internal", "partner"):
            answer = http.post(
                "/api/v1/reports",
                json={"campaign_id": 1, "format": "html", "edition": edition},
                headers=cookie,
            )
            answer.raise_for_status()
            pages[edition] = answer.text
    context = new_context(browser, viewport={"width": 900, "height": 1200})
    try:
        page = context.new_page()
        page.set_content(pages["internal"])
        shoot(page, "report.png")
        page.set_content(pages["partner"])
        page.locator("#visitors").evaluate("node => node.scrollIntoView()")
        shoot(page, "report-partner.png")
    finally:
        context.close()


def closed_organisation(folder: Path) -> Path:
    """The shipped organisation file, open only tomorrow 09:00-17:00."""
    text = ORGANISATION.read_text(encoding="utf-8")
    zone = ZoneInfo(tomllib.loads(text)["timezone"])
    tomorrow = WEEKDAYS[(dt.datetime.now(zone).date() + dt.timedelta(days=1)).weekday()]
    lines = []
    for line in text.splitlines():
        if line.split(" ")[0] in WEEKDAYS:
            continue
        lines.append(line)
        if line == "[opening_hours]":
            lines.append(f'{tomorrow} = ["09:00-17:00"]')
    path = folder / "organisation.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def closed_chat(browser: Browser, url: str) -> None:
    context = new_context(browser, **PHONE)
    try:
        page = context.new_page()
        page.goto(f"{url}/?lang=nl")
        expect(page.locator("#closed")).to_contain_text("morgen om 09:00")
        expect(page.locator("#help-lines")).to_be_visible()
        # The sticky bar stays on top; scroll so that the closed notice sits just below it.
        page.evaluate(
            """() => {
                const bar = document.querySelector("header.bar").offsetHeight;
                const top = document.querySelector("#closed").getBoundingClientRect().top;
                window.scrollTo(0, window.scrollY + top - bar - 12);
            }"""
        )
        shoot(page, "chat-closed.png")
    finally:
        context.close()


def main() -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    IMAGES.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="keerpunt-screenshots-"))
    data = folder / "data"
    env = base_env(data)
    password = secrets.token_urlsafe(16)
    servers: list[Server] = []
    try:
        keerpunt(env, "keys", "init", "--data-dir", str(data))
        keerpunt(env, "db", "upgrade")
        keerpunt(
            env,
            "user",
            "create",
            "anna",
            "--role",
            "counselor",
            "--display-name",
            "Anna",
            "--password-stdin",
            stdin=password + "\n",
        )
        keerpunt(
            env,
            "user",
            "create",
            "beheer",
            "--role",
            "admin",
            "--display-name",
            "Beheer",
            "--password-stdin",
            stdin=password + "\n",
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                open_server = Server(env, folder / "open.log")
                servers.append(open_server)
                open_server.start()
                open_chat(browser, open_server.url, password)
                open_server.stop()

                closed_env = {
                    **env,
                    "KEERPUNT_ALWAYS_OPEN": "false",
                    "KEERPUNT_ORGANISATION_FILE": str(closed_organisation(folder)),
                }
                closed_server = Server(closed_env, folder / "closed.log")
                servers.append(closed_server)
                closed_server.start()
                closed_chat(browser, closed_server.url)
                closed_server.stop()

                demo_analyst(browser, folder)
            finally:
                browser.close()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
