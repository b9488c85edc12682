"""Group commit: many concurrent requests written in one transaction.

A commit costs an fsync on SQLite and a round trip plus an fsync on PostgreSQL, whatever
it holds. Senders that arrive while a transaction is being written wait together and go
into the next one, so under load one commit carries many messages, and when nobody else
is sending a request goes at once (no added wait).

Between those two lies a steady stream: hundreds of chats sending a message every few
seconds each, so a request arrives every few milliseconds and each commit carried one or
two, paying the whole fixed cost of a transaction for each. There the batcher waits a
moment for company (`LINGER`), as PostgreSQL's `commit_delay` does: only when the
previous batch began less than `BUSY` ago and fewer than `FEW` requests wait. A request
after a quiet spell, and a burst that fills a batch anyway, never wait. At 500 messages
a second waiting 4 ms cut the server's CPU per message by a third to a half, for 3 ms
more latency; 10 ms took a further sixth, for 5 ms more (docs/performance.md). A person
does not notice 10 ms; a process that runs out of CPU makes everyone wait.

The batcher knows nothing of chats: `write` gets the requests in arrival order, commits,
and returns, for each, its result or the error that refused it alone, and a step to run
after the callers are answered (publishing the batch's events). Every caller is answered
only after `write` returned, which is after its commit. Answering before publishing keeps
the order a sender saw before batching: its own `ack` first, then its message as it
reaches every listener. When `write` itself
fails (a failed commit, a deadlock), nothing was stored and each request of that batch
is tried again in a transaction of its own, so one poisoned request fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

log = logging.getLogger(__name__)

Request = TypeVar("Request")
Result = TypeVar("Result")

# Enough to carry thousands of messages a second in a few commits; small enough that the
# IN lists of one batch stay short and one batch does not hold the write lock for long.
MAX_BATCH = 200
# The moment a small batch waits for company under a steady stream of requests; when the
# previous batch began less than BUSY ago and fewer than FEW requests wait (see above).
# Streams slower than one request per BUSY never wait.
LINGER = 0.010
BUSY = 0.02
FEW = 8

After = Callable[[], Awaitable[None]]
Write = Callable[[Sequence[Request]], Awaitable[tuple[Sequence[Result | BaseException], After]]]


class Batcher(Generic[Request, Result]):
    def __init__(
        self, write: Write[Request, Result], max_batch: int = MAX_BATCH, linger: float = LINGER
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._linger = linger
        # A batch this full already shares its commit well (or is as full as it can be).
        self._few = min(FEW, max_batch)
        self._pending: list[tuple[Request, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._last_start = float("-inf")

    async def submit(self, request: Request) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        self._pending.append((request, future))
        worker = self._worker
        if worker is None or worker.done() or worker.get_loop() is not future.get_loop():
            # One writer per process: its transactions run one after another, and what
            # arrives meanwhile waits for the next. The worker is a task of its own, so a
            # caller that goes away (a closed socket) does not cancel the others' commit.
            self._worker = asyncio.create_task(self._run(), name="group-commit")
        # A cancelled caller cancels only its future: its message may still commit, and
        # the client that sends it again with the same client_id gets the stored copy.
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            if (
                self._linger
                and len(self._pending) < self._few
                and loop.time() - self._last_start < BUSY
            ):
                await asyncio.sleep(self._linger)
            self._last_start = loop.time()
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                await self._write_batch(batch)
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            except BaseException:
                for _, future in batch + self._pending:
                    future.cancel()
                self._pending.clear()
                raise

    async def _write_batch(self, batch: list[tuple[Request, asyncio.Future[Result]]]) -> None:
        requests = [request for request, _ in batch]
        try:
            outcomes, after = await self._write(requests)
        except Exception:
            if len(batch) == 1:
                raise
            log.warning("group commit failed; writing its %d requests one by one", len(batch))
            for one in batch:
                try:
                    await self._write_batch([one])
                except Exception as exc:
                    if not one[1].done():
                        one[1].set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        await after()


class PerDatabase(Generic[Request, Result]):
    """One batcher per database (per Context in practice) for one kind of write: its
    transactions run one after another, which SQLite requires anyway and PostgreSQL's row
    locks would impose where the rows are shared."""

    def __init__(self, write: Write[Request, Result]) -> None:
        self._write = write
        self._batchers: WeakKeyDictionary[object, Batcher[Request, Result]] = WeakKeyDictionary()

    def __call__(self, database: object) -> Batcher[Request, Result]:
        batcher = self._batchers.get(database)
        if batcher is None:
            batcher = self._batchers[database] = Batcher(self._write)
        return batcher


def _retrieve(future: asyncio.Future[Any]) -> None:
    """A caller that was cancelled never reads its outcome: read it here, so asyncio does
    not log an error nobody could act on."""
    if not future.cancelled():
        future.exception()
