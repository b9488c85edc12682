"""Fixtures of the database layer's own tests, which make their own tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import database


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend under test, without the app's schema."""
    with database(backend, tmp_path) as url:
        yield url
