"""Fixtures shared by the whole suite. `tests/test_example.py` shows how to use them."""

from __future__ import annotations

import asyncio
import gc
import io
import secrets
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from keerpunt.bootstrap import ensure_defaults
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.db import migrate
from keerpunt.privacy.crypto import KeyRing
from keerpunt.realtime.bus import MemoryBus
from keerpunt.realtime.events import ServerFrame
from tests.databases import BACKENDS, database
from tests.live import LiveServer


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend under test, migrated to head."""
    with database(backend, tmp_path) as url:
        migrate.upgrade(url)
        yield url


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "production",
        "database_url": db_url,
        "encryption_keys": SecretStr(KeyRing.encode_spec({"k1": KeyRing.generate_key()})),
        "session_secret": SecretStr(secrets.token_urlsafe(32)),
        "heartbeat_seconds": 25.0,
        # Tests run at any hour; the closed page has its own tests with their own hours.
        "always_open": True,
        # The daily retention run writes an audit entry at startup; its own tests turn
        # it on.
        "retention_schedule": False,
        # Every test's clients come from 127.0.0.1, so the shipped limit on new chats per
        # source (S18: 5 in 10 minutes) would refuse a test's sixth chat. The S18 tests
        # use SHIPPED_LIMITS.
        "limit_new_chats_per_source": "1000/10 minutes",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


LIMITS = ("limit_new_chats_per_source", "limit_messages_per_chatter", "limit_messages_per_source")
# The abuse limits as shipped, for the tests of S18 itself.
SHIPPED_LIMITS: dict[str, object] = {name: Settings.model_fields[name].default for name in LIMITS}


# For load and race tests (S02, S06, S07), whose clients all come from one loopback
# address at machine speed: the abuse limits (S18) would refuse them, which is what they
# are for, and not what those tests measure. The S18 tests use the shipped numbers.
NO_ABUSE_LIMITS: dict[str, object] = {
    "limit_new_chats_per_source": "",
    "limit_messages_per_chatter": "",
    "limit_messages_per_source": "",
}


class RecordingBus(MemoryBus):
    """The in-process bus, remembering every frame published, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[tuple[str, ServerFrame]] = []

    async def publish(self, channel: str, frame: ServerFrame) -> None:
        self.published.append((channel, frame))
        await super().publish(channel, frame)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def ctx(settings: Settings, clock: FrozenClock) -> AsyncIterator[Context]:
    """A context on the test database with a frozen clock and a recording bus, holding
    the data every database starts with (the taxonomy, the canned replies)."""
    context = build_context(settings, clock=clock, bus=RecordingBus())
    await ensure_defaults(context)
    yield context
    await context.close()


@pytest.fixture
def events(ctx: Context) -> list[tuple[str, ServerFrame]]:
    assert isinstance(ctx.bus, RecordingBus)
    return ctx.bus.published


@pytest.fixture
async def setup_ctx(settings: Settings) -> AsyncIterator[Context]:
    """A context with the real clock, to prepare data for a live server."""
    context = build_context(settings)
    await ensure_defaults(context)
    yield context
    await context.close()


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    """A real uvicorn server on a loopback port, on the same database as `setup_ctx`."""
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


def _waiting_work() -> str:
    """Every thread's stack and every task of every running event loop (a live server's
    among them): what the server was doing when a client gave up waiting."""
    out = io.StringIO()
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        out.write(f"--- thread {names.get(ident, ident)}\n")
        out.write("".join(traceback.format_stack(frame)))
    loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)]
    for loop in loops:
        if not loop.is_running():
            continue
        for _ in range(3):  # the set of tasks may change while it is read
            try:
                tasks = list(asyncio.all_tasks(loop))
                break
            except RuntimeError:
                tasks = []
        for task in tasks:
            out.write(f"--- task {task.get_name()} {task.get_coro()!r}\n")
            task.print_stack(limit=20, file=out)
    return out.getvalue()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    """A client that timed out adds what every thread and task was waiting on to the
    report, before the fixtures stop the server."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.excinfo is not None and call.excinfo.errisinstance(httpx.TimeoutException):
        report.sections.append(("what was waiting at the timeout", _waiting_work()))
