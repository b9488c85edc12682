"""Durable writes: acknowledged messages per second on SQLite and on PostgreSQL, beside
the machine's own fsync rate.

First the limit: a 512-byte write plus fsync in a loop, in a file on the filesystem the
server's data lives on; and through PostgreSQL, one single-row INSERT per commit on one
connection. Then the server (`keerpunt serve`, limits off): C chatters (default 200, one
conversation and one socket each) send in a closed loop, each sending its next message as
soon as the previous one is acknowledged (the server acknowledges after the commit), for
T seconds. The figures: acknowledged messages per second, ack latency p50/p99, and the
ratio to the fsync limit (above 1 means commits are shared by several messages). The
check: every acknowledged message is stored exactly once (counted in the database).

The tickets are written straight into the database (one per socket).

A third backend, `postgresql+redis`, is one process of a cluster: PostgreSQL, the Redis
bus, and the abuse limits on, counted in Redis, with the shipped number of rules (two per
chatter, two per source) but ceilings no sender reaches, so nothing is refused and what
is measured is the counting. It has no fsync limit of its own beside it (the commit rate
is PostgreSQL's, measured as for `postgresql`).

    python bench/durable_writes.py --senders 200 --seconds 10 --backend sqlite postgresql
    python bench/durable_writes.py --backend postgresql+redis
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

import harness
from harness import BenchError, log

BODY = "Hoi, ik wil even praten over wat er gebeurd is. Kan dat nu?"
FSYNC_SECONDS = 2.0


def file_fsync_rate(folder: Path, seconds: float = FSYNC_SECONDS) -> dict[str, Any]:
    """512-byte writes, each followed by fsync, in a file in `folder`."""
    block = os.urandom(512)
    fd, name = tempfile.mkstemp(dir=folder, prefix="fsync-")
    count = 0
    try:
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        while time.monotonic() < deadline:
            os.write(fd, block)
            os.fsync(fd)
            count += 1
        elapsed = time.monotonic() - started
    finally:
        os.close(fd)
        os.unlink(name)
    return {"fsyncs_per_s": round(count / elapsed, 1), "folder": str(folder)}


def postgres_commit_rate(url: str, seconds: float = FSYNC_SECONDS) -> dict[str, Any]:
    """Single-row INSERTs, one commit each, on one connection."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_fsync (id serial PRIMARY KEY, v text)")
        synchronous_commit = conn.execute("SHOW synchronous_commit").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
        count = 0
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        while time.monotonic() < deadline:
            conn.execute("INSERT INTO bench_fsync (v) VALUES (%s)", ("x" * 64,))
            count += 1
        elapsed = time.monotonic() - started
        conn.execute("DROP TABLE bench_fsync")
    return {
        "commits_per_s": round(count / elapsed, 1),
        "synchronous_commit": synchronous_commit[0] if synchronous_commit else None,
        "fsync": fsync[0] if fsync else None,
    }


class Sender:
    """A chatter socket that sends the next message when the previous one is acked."""

    def __init__(self, conversation: str) -> None:
        self.conversation = conversation
        self.ws: ClientConnection | None = None
        self.ready = asyncio.Event()
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.acked: dict[str, float] = {}  # client_id: ack latency
        self.errors: dict[str, int] = {}
        self.reader: asyncio.Task[None] | None = None

    async def open(self, ws_url: str, ticket: str, source: str) -> None:
        origin = Origin(ws_url.replace("ws://", "http://").split("/api/")[0])
        async with asyncio.timeout(60):
            self.ws = await connect(
                ws_url, origin=origin, local_addr=(source, 0), ping_interval=None, max_queue=None
            )
            await self.ws.send(json.dumps({"type": "hello", "ticket": ticket}))
            self.reader = asyncio.create_task(self.read())
            await self.ready.wait()

    async def read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                frame: dict[str, Any] = json.loads(raw)
                kind = frame.get("type")
                if kind == "ack":
                    waiter = self.waiting.pop(str(frame.get("client_id")), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(time.monotonic())
                elif kind == "ready":
                    subscribe = {"type": "subscribe", "conversation": self.conversation}
                    await self.ws.send(json.dumps({**subscribe, "after_seq": 0}))
                elif kind == "conversation":
                    self.ready.set()
                elif kind == "error":
                    code = str(frame.get("code"))
                    self.errors[code] = self.errors.get(code, 0) + 1
                    waiter = self.waiting.pop(str(frame.get("client_id")), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_exception(BenchError(f"error frame {code}"))

    async def loop(self, until: float) -> None:
        assert self.ws is not None
        while time.monotonic() < until:
            client_id = harness.new_client_id()
            waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            self.waiting[client_id] = waiter
            sent = time.monotonic()
            frame = {
                "type": "send",
                "conversation": self.conversation,
                "client_id": client_id,
                "body": BODY,
            }
            await self.ws.send(json.dumps(frame))
            try:
                async with asyncio.timeout(30):
                    acked = await waiter
            except (BenchError, TimeoutError):
                return
            self.acked[client_id] = acked - sent

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader


BACKENDS = ("sqlite", "postgresql", "postgresql+redis")
# The shipped rules' shape with ceilings far above the load: counted, never refused.
UNREACHED_LIMITS = {
    "KEERPUNT_LIMIT_NEW_CHATS_PER_SOURCE": "1000000/10 minutes",
    "KEERPUNT_LIMIT_MESSAGES_PER_CHATTER": "1000000/10 seconds; 1000000/10 minutes",
    "KEERPUNT_LIMIT_MESSAGES_PER_SOURCE": "1000000/minute; 1000000/hour",
}


async def measure_server(
    database_url: str, args: argparse.Namespace, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    async with harness.keerpunt_server(
        database_url=database_url, extra_env=extra_env, keep=args.keep
    ) as server:
        limit: dict[str, Any]
        if database_url:
            limit = await asyncio.to_thread(postgres_commit_rate, database_url)
            limit["per_s"] = limit["commits_per_s"]
        else:
            limit = await asyncio.to_thread(file_fsync_rate, server.data)
            limit["per_s"] = limit["fsyncs_per_s"]
        conversations = await harness.start_conversations(server.base_url, args.senders)
        ids = [c["id"] for c in conversations]
        tickets = await harness.mint_chatter_tickets(server.settings(), ids, 1)
        senders = [Sender(c) for c in ids]
        try:
            await asyncio.gather(
                *(
                    s.open(server.ws_url, tickets[s.conversation][0], f"127.0.0.{60 + i % 4}")
                    for i, s in enumerate(senders)
                )
            )
            log(f"{len(senders)} senders ready; sending for {args.seconds} s")
            watchdog = harness.Watchdog()
            watchdog.start()
            cpu_before = harness.cpu_seconds(server.pid) or 0.0
            started = time.monotonic()
            await asyncio.gather(*(s.loop(started + args.seconds) for s in senders))
            elapsed = time.monotonic() - started
            cpu = (harness.cpu_seconds(server.pid) or 0.0) - cpu_before
            generator = await watchdog.stop()
        finally:
            await asyncio.gather(*(s.close() for s in senders))
        acked = {c: lat for s in senders for c, lat in s.acked.items()}
        stored = await harness.stored_messages(server.settings(), ids)
        errors: dict[str, int] = {}
        for s in senders:
            for code, n in s.errors.items():
                errors[code] = errors.get(code, 0) + n
        per_s = len(acked) / elapsed
        return {
            "limit": limit,
            "acked": len(acked),
            "seconds": round(elapsed, 2),
            "acked_per_s": round(per_s, 1),
            "ratio_to_limit": harness.ratio(per_s, limit["per_s"]),
            "ack_latency_ms": harness.latency_ms(list(acked.values())),
            "server_cpu_s": round(cpu, 2),
            "server_cpu_us_per_message": round(1e6 * cpu / len(acked), 1) if acked else None,
            "error_frames": errors,
            "lost": sum(1 for c in acked if c not in stored),
            "doubled": sum(1 for c in acked if stored.get(c, 0) > 1),
            "generator": harness.verdict([generator]),
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    harness.raise_fd_limit()
    result: dict[str, Any] = {"senders": args.senders, "seconds": args.seconds}
    for backend in args.backend:
        log(f"durable writes on {backend}")
        if backend == "postgresql":
            with harness.postgres_database() as url:
                result[backend] = await measure_server(url, args)
        elif backend == "postgresql+redis":
            with harness.postgres_database() as url, harness.redis_prefix() as prefix:
                cluster = {
                    "KEERPUNT_REDIS_URL": harness.REDIS_URL,
                    "KEERPUNT_REDIS_PREFIX": prefix,
                    **UNREACHED_LIMITS,
                }
                result[backend] = await measure_server(url, args, cluster)
        else:
            result[backend] = await measure_server("", args)
    measured = [result[b] for b in args.backend]
    reasons = [
        f"{b}: {result[b]['generator']['reason']}"
        for b in args.backend
        if result[b]["generator"]["rejected"]
    ]
    result["lost"] = sum(m["lost"] for m in measured)
    result["doubled"] = sum(m["doubled"] for m in measured)
    result["rejected"] = bool(reasons)
    result["rejected_reason"] = "; ".join(reasons) or None
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Acknowledged durable messages per second.")
    parser.add_argument("--senders", type=int, default=200, help="chats sending at once")
    parser.add_argument("--seconds", type=float, default=10, help="length of each run")
    parser.add_argument("--backend", nargs="+", choices=BACKENDS, default=["sqlite", "postgresql"])
    parser.add_argument("--output", type=Path, help="results file")
    parser.add_argument("--keep", action="store_true", help="keep the server's folder")
    args = parser.parse_args(argv)
    if args.senders < 1 or args.seconds <= 0:
        parser.error("--senders is at least 1, --seconds above 0")
    return args


def summary(args: argparse.Namespace, result: dict[str, Any], path: Path) -> str:
    lines = []
    for backend in args.backend:
        r = result[backend]
        lines.append(
            f"durable writes on {backend}: {r['acked_per_s']} acked msg/s with {args.senders}"
            f" senders (limit {r['limit']['per_s']}/s, ratio {r['ratio_to_limit']});"
            f" ack p50 {r['ack_latency_ms']['p50']} ms, p99 {r['ack_latency_ms']['p99']} ms;"
            f" lost {r['lost']}, doubled {r['doubled']}"
        )
    lines.append(f"  rejected: {result['rejected_reason'] or 'no'}; written to {path}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark(
        "durable_writes", run(args), args.output, functools.partial(summary, args)
    )


if __name__ == "__main__":
    sys.exit(main())
