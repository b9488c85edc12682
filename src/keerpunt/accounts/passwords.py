"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's second choice)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("keerpunt-dummy-password")

MIN_PASSWORD_CHARS = 12
COMMON_PASSWORDS = "data/common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("keerpunt").joinpath(COMMON_PASSWORDS).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("# "))


def password_problem(password: str, username: str) -> str | None:
    """Why a staff password is refused, or None. Length and a list of passwords known to
    be common, and no composition rules (NIST SP 800-63B 3.1.1.2, ASVS 5.0 6.2)."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a password has at least {MIN_PASSWORD_CHARS} characters"
    folded = password.strip().casefold()
    if folded == username.strip().casefold():
        return "a password may not be the user name"
    if folded in common_passwords():
        return "this password is on a list of common passwords; choose another"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
