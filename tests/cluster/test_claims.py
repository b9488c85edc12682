"""Scheduled jobs run once across the cluster: of all the processes that claim a job's
period, exactly one wins, on SQLite and PostgreSQL, also when they race."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from keerpunt.chat import jobs as chat_jobs
from keerpunt.cluster import actions as cluster
from keerpunt.cluster import store
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.db import migrate
from keerpunt.privacy import audit
from keerpunt.privacy import jobs as privacy_jobs
from keerpunt.privacy.actions import claim_day
from tests.databases import database
from tests.live import audit_entries

RACERS = 12


@pytest.fixture
async def pair(settings: Settings, clock: FrozenClock) -> AsyncIterator[tuple[Context, Context]]:
    a, b = build_context(settings, clock=clock), build_context(settings, clock=clock)
    yield a, b
    await a.close()
    await b.close()


async def _race(pair: tuple[Context, Context], job: str, period: str) -> list[bool]:
    a, b = pair
    return await asyncio.gather(
        *(cluster.claim(a if n % 2 else b, job, period) for n in range(RACERS))
    )


async def test_of_racing_claims_exactly_one_wins_each_period(
    pair: tuple[Context, Context],
) -> None:
    assert (await _race(pair, "a_job", "2026-12-06")).count(True) == 1
    assert (await _race(pair, "a_job", "2026-12-06")).count(True) == 0
    # Another job's period is its own.
    assert (await _race(pair, "other_job", "2026-12-06")).count(True) == 1
    assert (await _race(pair, "a_job", "2026-12-07")).count(True) == 1
    async with pair[0].read() as session:
        row = await store.job_run(session, "a_job")
    assert row is not None
    assert row.period == "2026-12-07"
    assert row.holder == cluster.HOLDER
    assert row.claimed_at == pair[0].clock.now()


async def test_slots_are_the_same_for_every_process_within_one(
    pair: tuple[Context, Context], clock: FrozenClock
) -> None:
    a, b = pair
    first = cluster.slot(a, 20)
    clock.advance(20)
    assert cluster.slot(b, 20) != first
    assert cluster.slot(a, 20) == cluster.slot(b, 20)
    assert cluster.slot(a, 86400).endswith("T00:00:00Z")


async def test_two_processes_write_one_checkpoint_per_slot(
    pair: tuple[Context, Context], clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=privacy_jobs.log.name)

    def checkpoints() -> int:
        return sum(r.getMessage() == audit.CHECKPOINT_EVENT for r in caplog.records)

    a, b = pair
    ran = await asyncio.gather(*(privacy_jobs.checkpoint_if_due(c, 60) for c in (a, b, a, b)))
    assert ran.count(True) == 1
    assert checkpoints() == 1
    clock.advance(60)
    ran = await asyncio.gather(*(privacy_jobs.checkpoint_if_due(c, 60) for c in (b, a)))
    assert ran.count(True) == 1
    assert checkpoints() == 2


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the job loops did not get that far")


async def test_two_idle_sweep_loops_sweep_once_per_slot(
    pair: tuple[Context, Context], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims: list[bool] = []
    sweeps: list[Context] = []
    real_claim, real_sweep = cluster.claim, chat_jobs.idle.sweep

    async def counted_claim(ctx: Context, job: str, period: str) -> bool:
        won = await real_claim(ctx, job, period)
        claims.append(won)
        return won

    def counted_sweep(ctx: Context) -> Awaitable[object]:
        sweeps.append(ctx)
        return real_sweep(ctx)

    monkeypatch.setattr(chat_jobs.cluster, "claim", counted_claim)
    monkeypatch.setattr(chat_jobs.idle, "sweep", counted_sweep)
    loops = [asyncio.create_task(chat_jobs.idle_sweeps(c, every=0.01)) for c in pair]
    try:
        await _until(lambda: len(claims) >= 10)
        assert len(sweeps) == 1
        clock.advance(chat_jobs.IDLE_SWEEP_SECONDS)
        seen = len(claims)
        await _until(lambda: len(claims) >= seen + 10)
        assert len(sweeps) == 2
    finally:
        for loop in loops:
            loop.cancel()
        for loop in loops:
            with pytest.raises(asyncio.CancelledError):
                await loop


async def test_a_daily_job_runs_once_a_day_across_two_processes(
    pair: tuple[Context, Context], clock: FrozenClock
) -> None:
    a, b = pair
    ran = await asyncio.gather(*(privacy_jobs.retention_if_due(c) for c in (a, b, a, b)))
    assert sum(r is not None for r in ran) == 1
    assert len(await audit_entries(a, "retention_run")) == 1
    assert not await claim_day(b)
    clock.advance(24 * 3600)
    assert await privacy_jobs.retention_if_due(b) is not None
    assert await privacy_jobs.retention_if_due(a) is None
    assert len(await audit_entries(a, "retention_run")) == 2


def test_the_migration_keeps_the_day_a_job_last_ran(backend: str, tmp_path: Path) -> None:
    with database(backend, tmp_path) as url:
        migrate.upgrade(url, "0013")
        engine = create_engine(migrate.sync_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE job_runs SET day = '2026-12-05' WHERE name = 'retention'")
                )
            migrate.upgrade(url)
            with engine.begin() as conn:
                rows = dict(conn.execute(text("SELECT name, period FROM job_runs")).all())
                assert rows["retention"] == "2026-12-05"
                assert rows["review_sample"] is None
                conn.execute(text("INSERT INTO job_runs (name, period) VALUES ('idle_sweep', 'x')"))
            migrate.downgrade(url, "0013")
            with engine.begin() as conn:
                days = dict(conn.execute(text("SELECT name, day FROM job_runs")).all())
            assert set(days) == {"retention", "outreach_purge", "review_sample"}
            assert str(days["retention"]) == "2026-12-05"
        finally:
            engine.dispose()
