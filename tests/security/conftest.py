"""Fixtures the security tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from keerpunt.config import Settings
from tests.live import ServerProcess


@pytest.fixture
async def proxied(settings: Settings, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """`keerpunt serve` behind a trusted proxy on 127.0.0.1: the tests name each request's
    address in X-Forwarded-For, as the reverse proxy would (under the module's settings)."""
    process = ServerProcess(settings, tmp_path / "server.log", KEERPUNT_TRUSTED_PROXIES="127.0.0.1")
    await process.start()
    yield process
    process.stop()
