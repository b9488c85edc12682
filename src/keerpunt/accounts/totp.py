"""TOTP (RFC 6238, the codes of an authenticator app) and recovery codes: pure functions,
the time always given by the caller (`ctx.clock`)."""

from __future__ import annotations

import base64
import io
import secrets
from datetime import datetime

import pyotp
import segno

from keerpunt.privacy.tokens import same_secret

STEP_SECONDS = 30
ISSUER = "Keerpunt"
# Phones' clocks drift: the step before and the one after are accepted too (RFC 6238 5.2).
WINDOW = 1
RECOVERY_CODES = 10
# Lower-case letters and digits without the look-alikes 0/o and 1/l: 10 of them are 50 bits.
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """160 bits, base32: what RFC 4226 recommends and every authenticator app reads."""
    return pyotp.random_base32(32)


def is_base32(secret: str) -> bool:
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
    except ValueError:
        return False
    return True


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The step within the window whose code this is, later than `after` (the last step
    used), or None. A code is compared in constant time."""
    # isascii too: "١٢٣٤٥٦" is digits to Python, but no code of ours.
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    current = step_of(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if after is not None and step <= after:
            continue
        if same_secret(code, code_at(secret, step)):
            return step
    return None


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI, made here: no image service ever sees the secret,
    and the strict CSP allows `img-src data:`."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4))


def qr_terminal(uri: str) -> str:
    """The QR code in block characters, for the demo's terminal."""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def new_recovery_codes() -> list[str]:
    return [_recovery_code() for _ in range(RECOVERY_CODES)]


def _recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def normalise_code(code: str) -> str:
    """What people type: spaces, dashes and capitals do not matter."""
    return "".join(code.split()).replace("-", "").lower()
