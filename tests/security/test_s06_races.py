"""SECURITY.md S06: concurrent sends keep seq unique and gap-free; of five counselors
claiming one chat at once exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from keerpunt.config import Settings
from keerpunt.context import Context
from tests.conftest import NO_ABUSE_LIMITS, make_settings
from tests.live import Chatter, Counselor, LiveServer, ServerProcess, http_client, make_staff

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(db_url: str) -> Settings:
    # 500 messages at once from one chatter is a flood the abuse limits (S18) refuse.
    return make_settings(db_url, **NO_ABUSE_LIMITS)


@pytest.fixture
async def own_process(settings: Settings, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """`keerpunt serve` in a process of its own, as in production. A thousand client
    coroutines in the test's process would otherwise share the interpreter lock with the
    server they measure, and stall it past SQLite's busy timeout."""
    process = ServerProcess(settings, tmp_path / "server.log")
    await process.start()
    yield process
    process.stop()


async def test_s06_both_sides_send_500_at_once(
    own_process: ServerProcess, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    limits = httpx.Limits(max_connections=40)
    async with http_client(own_process.url, limits=limits, timeout=60) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http)
        await anna.accept(youth.conversation)
        ids = {side: [str(uuid.uuid4()) for _ in range(500)] for side in ("chatter", "counselor")}

        resent: set[str] = set()

        async def send(side: str, client_id: str) -> httpx.Response:
            # As every real client does: a send whose connection broke goes again with
            # the same client_id. Under this load the test's own loop can stall past
            # uvicorn's 5 s keep-alive, and the server closes a pooled connection just as
            # the next request goes out on it.
            while True:
                try:
                    if side == "chatter":
                        return await youth.send(f"c {client_id}", client_id)
                    return await anna.send(youth.conversation, f"h {client_id}", client_id)
                except httpx.TransportError:
                    resent.add(client_id)

        sends = [send(side, cid) for side, cids in ids.items() for cid in cids]
        # Interleave the two sides so both hit the server at the same moments.
        sends = sends[::2] + sends[1::2]
        responses = await asyncio.gather(*sends)
        first_tries = [r for r in responses if r.json()["client_id"] not in resent]
        assert {r.status_code for r in first_tries} == {201}
        # A resend answers 201 if the lost try never reached the store, 200 if it did.
        assert {r.status_code for r in responses} <= {200, 201}
        acked = [r.json()["seq"] for r in responses]
        assert len(set(acked)) == 1000

        stored = []
        after = 0
        while True:
            page = (await youth.messages(after_seq=after)).json()
            stored.extend(page["messages"])
            if not page["more"]:
                break
            after = page["messages"][-1]["seq"]
    seqs = [m["seq"] for m in stored]
    assert seqs == list(range(1, 1002))  # the join message, then 1,000 in one line
    assert sorted(acked) == list(range(2, 1002))
    by_id = {m["client_id"]: m for m in stored}
    for side, cids in ids.items():
        assert all(by_id[cid]["sender"] == side for cid in cids)


async def test_s06_five_counselors_claim_one_chat(server: LiveServer, setup_ctx: Context) -> None:
    names = [f"hulp{n}" for n in range(5)]
    for name in names:
        await make_staff(setup_ctx, name, max_chats=20)
    async with http_client(server.url) as http:
        counselors = [await Counselor.login(http, name) for name in names]
        winners = []
        for _ in range(10):
            youth = await Chatter.start(http)
            answers = await asyncio.gather(*(c.accept(youth.conversation) for c in counselors))
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 409, 409, 409, 409]
            assert {a.json()["code"] for a in answers if a.status_code == 409} == {"taken"}
            winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
            winners.append(winner)
            page = (await youth.messages()).json()
            # One join message, not five.
            assert [m["code"] for m in page["messages"]] == ["counselor_joined"]
        snapshots = [(await c.get("/api/v1/console/snapshot")).json() for c in counselors]
    assert sum(len(s["conversations"]) for s in snapshots) == 10
    for index, snap in enumerate(snapshots):
        assert len(snap["conversations"]) == winners.count(index)
