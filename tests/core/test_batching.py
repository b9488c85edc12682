"""The group commit's timing (core/batching.py): a request after a quiet spell and a
burst that fills a batch go at once; under a steady stream a small batch waits a moment
for company, so one commit carries several requests."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from keerpunt.core.batching import BUSY, FEW, After, Batcher

# Long enough that a batch which waited for company cannot finish inside the timeout.
LONG = 30.0
IN_TIME = 5.0


class Writes:
    """Records each batch the batcher writes; every request succeeds with itself."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, requests: Sequence[int]) -> tuple[list[int | BaseException], After]:
        self.batches.append(list(requests))
        return list(requests), _nothing


async def _nothing() -> None:
    return None


async def test_a_request_after_a_quiet_spell_is_written_at_once() -> None:
    writes = Writes()
    batcher: Batcher[int, int] = Batcher(writes, linger=LONG)
    assert await asyncio.wait_for(batcher.submit(1), IN_TIME) == 1
    await asyncio.sleep(BUSY * 2)
    assert await asyncio.wait_for(batcher.submit(2), IN_TIME) == 2
    assert writes.batches == [[1], [2]]


@pytest.mark.parametrize(
    ("linger", "batches"),
    [(0.2, [[1], [2, 3]]), (0, [[1], [2], [3]])],
    ids=["waiting", "without the wait a commit each"],
)
async def test_under_a_steady_stream_a_small_batch_waits_for_company(
    linger: float, batches: list[list[int]]
) -> None:
    writes = Writes()
    batcher: Batcher[int, int] = Batcher(writes, linger=linger)
    await batcher.submit(1)
    # The next ones come while the first batch is recent, a few milliseconds apart.
    second = asyncio.create_task(batcher.submit(2))
    await asyncio.sleep(0.01)
    third = asyncio.create_task(batcher.submit(3))
    assert await asyncio.gather(second, third) == [2, 3]
    assert writes.batches == batches


async def test_a_burst_that_fills_a_batch_never_waits() -> None:
    writes = Writes()
    batcher: Batcher[int, int] = Batcher(writes, linger=LONG)
    await batcher.submit(0)
    burst = [batcher.submit(n) for n in range(1, FEW + 1)]
    assert await asyncio.wait_for(asyncio.gather(*burst), IN_TIME) == list(range(1, FEW + 1))
    assert writes.batches == [[0], list(range(1, FEW + 1))]
