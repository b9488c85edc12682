"""Counting distinct visitors, and limiting abuse, without knowing who they are.

Each request's address and user agent are turned into a keyed hash (HMAC-SHA256) the
moment it arrives, and the address is then dropped (`main.ForgetClientAddress`). The key
is random, made in memory for the current local day and replaced at midnight: it is never
written anywhere, so yesterday's hashes can no longer be linked to anybody, not even by
us. "Seen today" marks live in memory too and go with the key.

A second hash, of the address alone under its own key, names the request's source for
the abuse limits (`chat/abuse.py`): a user agent is trivial to change, an address less so.
It too is only ever held in memory.

One process holds one key: behind several processes, or after a restart, a visitor can
be counted once per process per day, and the limits per source count per process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

# A day's marks are capped so a flood cannot grow memory without end; past the cap a
# visitor is counted again rather than remembered.
MAX_MARKS = 500_000


class DailyVisitors:
    def __init__(self) -> None:
        self._day: date | None = None
        self._key = b""
        self._source_key = b""
        self._seen: set[tuple[str, str]] = set()

    def _rotate(self, day: date) -> None:
        if day != self._day:
            self._day, self._key = day, secrets.token_bytes(32)
            self._source_key = secrets.token_bytes(32)
            self._seen = set()

    def digest(self, day: date, address: str, agent: str) -> str:
        self._rotate(day)
        message = f"{address}\x00{agent}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def source(self, day: date, address: str) -> str:
        """Today's keyed hash of the address alone: where a request came from, for limits."""
        self._rotate(day)
        return hmac.new(self._source_key, address.encode(), hashlib.sha256).hexdigest()[:32]

    def first(self, day: date, what: str, digest: str) -> bool:
        """True the first time today this visitor is seen doing `what`."""
        self._rotate(day)
        mark = (what, digest)
        if mark in self._seen:
            return False
        if len(self._seen) < MAX_MARKS:
            self._seen.add(mark)
        return True
