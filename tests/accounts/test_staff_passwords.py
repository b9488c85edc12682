"""Staff passwords: at least 12 characters, no composition rules, not the user name and not
on the list of common passwords that ships with the package."""

from __future__ import annotations

import pytest

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.passwords import common_passwords
from keerpunt.context import Context
from keerpunt.core.errors import Invalid


async def test_a_weak_staff_password_is_refused_with_its_reason(ctx: Context) -> None:
    refusals = {
        "elf tekens.": "at least 12 characters",
        "QWERTY123456": "list of common passwords",  # on the list, in other capitals
        "1q2w3e4r5t6y": "list of common passwords",
        "Annabel-Lee-1849": "may not be the user name",
    }
    for password, reason in refusals.items():
        with pytest.raises(Invalid) as refused:
            await accounts.create_user(ctx, "annabel-lee-1849", password, ["counselor"])
        assert reason in refused.value.reason
        assert (refused.value.code, refused.value.field) == ("weak_password", "password")
    # No rules about digits, capitals or symbols: a long phrase of lower-case words will do.
    user = await accounts.create_user(ctx, "annabel-lee-1849", "zeven lange wolken", ["counselor"])
    with pytest.raises(Invalid):
        await accounts.set_password(ctx, user.username, "qwerty123456")
    await accounts.set_password(ctx, user.username, "een ander lang zinnetje")


def test_the_shipped_list_holds_common_passwords_of_ten_characters_or_more() -> None:
    listed = common_passwords()
    assert len(listed) > 1500
    assert all(len(word) >= 10 and word == word.lower() for word in listed)
    assert {"1234567890", "qwertyuiop", "password123"} <= listed
