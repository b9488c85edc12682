"""The heartbeat reads every console's session at once: it must agree with the one-by-one
read on each session, live, idle, ended or of a disabled user, and see changed roles."""

from __future__ import annotations

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import reads
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from tests.live import PASSWORD, make_staff, next_code


async def test_the_batch_read_agrees_with_the_single_read(ctx: Context, clock: FrozenClock) -> None:
    await make_staff(ctx, "anna")
    bert = await make_staff(ctx, "bert")
    await make_staff(ctx, "carla")
    idle = await accounts.login(ctx, "carla", PASSWORD, next_code("carla"))
    clock.advance(16 * 60)  # carla's first session idles out
    anna = await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))
    ended = await accounts.login(ctx, "anna", PASSWORD, next_code("anna"))
    bert_session = await accounts.login(ctx, "bert", PASSWORD, next_code("bert"))
    await accounts.logout(ctx, await _principal(ctx, ended.session_hash))
    await accounts.set_active(ctx, None, bert.id, False)
    await accounts.change_roles(ctx, None, "anna", grant=["supervisor"])
    hashes = [s.session_hash for s in (idle, anna, ended, bert_session)] + ["unknown"]

    batch = await reads.staff_by_session_hashes(ctx, hashes)

    for id_hash in hashes:
        single = await accounts.staff_by_session_hash(ctx, id_hash, touch=False)
        assert batch.get(id_hash) == single, id_hash
    assert set(batch) == {anna.session_hash}
    assert "supervisor" in batch[anna.session_hash].roles
    assert await reads.staff_by_session_hashes(ctx, []) == {}


async def _principal(ctx: Context, id_hash: str) -> accounts.StaffPrincipal:
    principal = await accounts.staff_by_session_hash(ctx, id_hash)
    assert principal is not None
    return principal
