"""Bearer tokens, session ids and socket tickets are random and stored only as a keyed hash.

A copy of the database alone therefore lets nobody act as a chatter or a counselor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def same_secret(sent: str, expected: str) -> bool:
    """Compared in constant time, as bytes: `hmac.compare_digest` refuses a str with
    non-ASCII characters (a 500 for whoever sends one), and a wrong value is no match."""
    return hmac.compare_digest(sent.encode(), expected.encode())


class TokenHasher:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def digest(self, token: str, purpose: str) -> str:
        message = f"{purpose}\x00{token}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
