"""The one origin check behind the socket handshake (S14) and the CSRF check (S15)."""

from __future__ import annotations

import pytest

from keerpunt.core.origin import own_origin_matches


@pytest.mark.parametrize(
    ("origin", "host", "public", "ours"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "", True),
        ("https://chat.example.nl", "chat.example.nl", "", True),
        ("https://chat.example.nl:443", "chat.example.nl", "", True),
        ("https://CHAT.example.nl", "chat.example.nl:443", "", True),
        ("https://evil.example", "chat.example.nl", "", False),
        ("https://chat.example.nl.evil.example", "chat.example.nl", "", False),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", "", False),
        ("null", "chat.example.nl", "", False),
        (None, "chat.example.nl", "", False),
        ("", "chat.example.nl", "", False),
        ("chrome-extension://abc", "abc", "", False),
        ("https://chat.example.nl", "chat.example.nl", "https://chat.example.nl/", True),
        ("https://other.example", "other.example", "https://chat.example.nl", False),
        ("http://[::1]:8000", "[::1]:8000", "", True),
        ("http://[::1]", "[::1]:80", "", True),
    ],
)
def test_only_our_own_origin_matches(
    origin: str | None, host: str, public: str, ours: bool
) -> None:
    assert own_origin_matches(origin, host, public) is ours
