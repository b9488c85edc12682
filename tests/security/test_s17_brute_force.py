"""S17 Brute force: five failed logins on one account in 30 minutes give 429; unknown and
known usernames answer alike; a TOTP code works once; TOTP checks are rate-limited.

The failures are counted in the database, so a second context on the same database (as a
second server process would be, or the same one after a restart) sees them too."""

from __future__ import annotations

import pytest

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import totp
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import TooMany, Unauthorized
from tests.live import (
    AUTHENTICATORS,
    PASSWORD,
    LiveServer,
    enrol_totp,
    http_client,
    make_staff,
    next_code,
)


async def _refusal(ctx: Context, username: str, password: str, code: str = "") -> str:
    """The refusal of a log-in, as (status, code, reason)."""
    with pytest.raises((Unauthorized, TooMany)) as refused:
        await accounts.login(ctx, username, password, code)
    error = refused.value
    return f"{error.status} {error.code} {error.reason}"


async def test_s17_five_failures_lock_a_name_known_or_unknown_alike(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna")
    answers = {
        "anna": [await _refusal(ctx, "anna", "wrong password!") for _ in range(5)],
        "nobody": [await _refusal(ctx, "nobody", PASSWORD) for _ in range(5)],
    }
    assert answers["anna"] == answers["nobody"]
    assert set(answers["anna"]) == {"401 bad_credentials invalid user name, password or code"}
    # The sixth is refused before the password is even looked at: the right one too.
    for name, password in (("anna", PASSWORD), ("nobody", PASSWORD)):
        with pytest.raises(TooMany) as limited:
            await accounts.login(ctx, name, password, next_code(name))
        assert limited.value.retry_after == 30 * 60
    # Another name is not affected; after 30 minutes the name may try again.
    await make_staff(ctx, "bram")
    assert (await accounts.login(ctx, "bram", PASSWORD, next_code("bram"))).user.username == "bram"
    clock.advance(30 * 60)
    AUTHENTICATORS["anna"].last_step = totp.step_of(clock.now()) - 2
    assert (await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))).user.username == "anna"


async def test_s17_wrong_codes_count_as_failures(ctx: Context, clock: FrozenClock) -> None:
    await make_staff(ctx, "anna")
    for wrong in ("", "000000", "12345", "abcde-fghij", "999999"):
        assert (await _refusal(ctx, "anna", PASSWORD, wrong)).startswith("401 bad_credentials")
    with pytest.raises(TooMany):
        await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))
    # Spread out, failures fall out of the window one by one.
    clock.advance(30 * 60 + 1)
    AUTHENTICATORS["anna"].last_step = totp.step_of(clock.now()) - 2
    await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))


async def test_s17_a_totp_code_works_once_also_in_another_process(
    ctx: Context, clock: FrozenClock
) -> None:
    await make_staff(ctx, "anna")
    code = next_code("anna")
    await accounts.login(ctx, "anna", PASSWORD, code)
    # A second process on the same database, at the same moment: the code is used up.
    other = build_context(ctx.settings, clock=clock)
    try:
        assert (await _refusal(other, "anna", PASSWORD, code)).startswith("401 bad_credentials")
        # An earlier step than the one used is refused as well; the next one works.
        previous = totp.code_at(AUTHENTICATORS["anna"].secret, totp.step_of(clock.now()) - 1)
        assert (await _refusal(other, "anna", PASSWORD, previous)).startswith("401")
        await accounts.login(other, "anna", PASSWORD, next_code("anna"))
    finally:
        await other.close()


async def test_s17_a_recovery_code_works_once(ctx: Context) -> None:
    await make_staff(ctx, "anna", enrol=False)
    codes = await enrol_totp(ctx, "anna")
    assert len(codes) == len(set(codes)) == 10
    # Typed with capitals and spaces, it still counts; typed again, it is gone.
    typed = codes[3].upper().replace("-", " ")
    assert (await accounts.login(ctx, "anna", PASSWORD, typed)).user.username == "anna"
    assert (await _refusal(ctx, "anna", PASSWORD, codes[3])).startswith("401 bad_credentials")
    # Another user's code is no code for anna.
    await make_staff(ctx, "bram", enrol=False)
    theirs = await enrol_totp(ctx, "bram")
    assert (await _refusal(ctx, "anna", PASSWORD, theirs[0])).startswith("401")
    assert (await accounts.login(ctx, "bram", PASSWORD, theirs[0])).user.username == "bram"


async def test_s17_failures_survive_a_restart(ctx: Context, clock: FrozenClock) -> None:
    await make_staff(ctx, "anna")
    for _ in range(5):
        await _refusal(ctx, "anna", "wrong password!")
    await ctx.close()
    restarted = build_context(ctx.settings, clock=clock)
    try:
        with pytest.raises(TooMany):
            await accounts.login(restarted, "anna", PASSWORD, next_code("anna"))
    finally:
        await restarted.close()


async def test_s17_a_user_without_totp_learns_only_with_the_right_password(
    ctx: Context,
) -> None:
    await make_staff(ctx, "anna", enrol=False)
    wrong = await _refusal(ctx, "anna", "wrong password!")
    assert wrong == await _refusal(ctx, "nobody", "wrong password!")
    result = await accounts.login(ctx, "anna", PASSWORD)
    assert result.enrolling
    # That session opens nothing but the enrolment.
    assert await accounts.authenticate_staff(ctx, result.token) is None
    assert await accounts.authenticate_enrolling(ctx, result.token) is not None


async def test_s17_chatter_account_logins_are_limited_alike(ctx: Context) -> None:
    await accounts.create_chatter_account(ctx, None, "zonnebloem", "lang genoeg wachtwoord")
    for name in ("zonnebloem", "onbekend"):
        for _ in range(5):
            with pytest.raises(Unauthorized):
                await accounts.login_chatter(ctx, name, "verkeerd wachtwoord")
        with pytest.raises(TooMany):
            await accounts.login_chatter(ctx, name, "lang genoeg wachtwoord")


async def test_s17_over_http_429_with_retry_after_the_same_for_every_name(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    answers: dict[str, list[tuple[int, str, str | None]]] = {}
    async with http_client(server.url) as http:
        for name in ("anna", "nobody"):
            answers[name] = []
            for _ in range(6):
                response = await http.post(
                    "/api/v1/auth/login",
                    json={"username": name, "password": "wrong password!", "totp": "123456"},
                )
                answers[name].append(
                    (response.status_code, response.text, response.headers.get("retry-after"))
                )
        chatter = []
        for _ in range(6):
            response = await http.post(
                "/api/v1/chatter/login", json={"username": "onbekend", "password": "x" * 12}
            )
            chatter.append(response.status_code)
    assert [a[0] for a in answers["anna"]] == [401] * 5 + [429]
    # Retry-After may differ by a second between the two names; nothing else does.
    assert [a[:2] for a in answers["anna"]] == [a[:2] for a in answers["nobody"]]
    retry = answers["anna"][5][2]
    assert retry is not None
    assert 1700 < int(retry) <= 1800
    assert chatter == [401] * 5 + [429]
