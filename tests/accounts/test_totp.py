"""The one-time codes of the authenticator app."""

from __future__ import annotations

from datetime import UTC, datetime

from keerpunt.accounts import totp

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_a_code_in_other_digits_is_no_match_rather_than_an_error() -> None:
    secret = totp.new_secret()
    step = totp.step_of(NOW)
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, NOW, None) == step
    # Arabic-Indic digits are digits to Python; compare_digest refuses them as str.
    other = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert totp.matching_step(secret, other, NOW, None) is None
