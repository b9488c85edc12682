"""Group commit: the server CPU of a chat message by the size of its commit, no sockets.

`chat.actions.send_message` is called in rounds of N concurrent sends (one per chat, so
the N share one group commit) on an SQLite file with `synchronous=FULL`, for several N.
The figure is the process's CPU time per message (utime + stime of every thread, from
/proc), split into the event loop and the SQLite writer thread, and from the sizes a
least-squares line: the fixed CPU of one commit and the CPU of each message in it. That
line is what the batcher's wait for company (`core/batching.py`) trades latency against:
a chat message at 500 a second costs the fixed part divided by the batch size, plus its
own part.

    python bench/group_commit.py                   # batches of 1, 2, 6, 12 and 24
    python bench/group_commit.py --sizes 1,8 --messages 6000

Abuse limits are off (counting them is `bench/durable_writes.py`'s `postgresql + redis`
run). Every message sent is checked to be stored once. The figures go to
bench/results/group_commit.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

import harness
from keerpunt.accounts.principals import ChatterPrincipal
from keerpunt.bootstrap import ensure_defaults
from keerpunt.chat import actions as chat
from keerpunt.chat.models import Message
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.db import migrate
from keerpunt.privacy.crypto import KeyRing

BODY = "hoi, ik wil even iets vragen over een klusje dat ik aangeboden kreeg, mag dat? " * 2
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_thread() -> dict[str, float]:
    """CPU seconds of this process's threads, by kind: the event loop, the SQLite
    writer, everything else."""
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    totals = {"event loop": 0.0, "sqlite writer": 0.0, "other": 0.0}
    for task in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{task}/stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        name = names.get(int(task), "")
        if name == "MainThread":
            totals["event loop"] += seconds
        elif name.startswith("sqlite-writer"):
            totals["sqlite writer"] += seconds
        else:
            totals["other"] += seconds
    return totals


async def measure(
    ctx: Context, chats: list[tuple[ChatterPrincipal, str]], size: int, messages: int
) -> dict[str, Any]:
    """`messages` sends in rounds of `size` at once, each round one commit."""

    async def send(index: int) -> None:
        chatter, conversation = chats[index % len(chats)]
        await chat.send_message(ctx, chatter, conversation, str(uuid.uuid4()), BODY, source="bench")

    rounds = max(1, messages // size)
    # A few rounds first: the statements of this size are compiled once and kept.
    for index in range(3):
        await asyncio.gather(*(send(index * size + k) for k in range(size)))
    before, started, wall = cpu_by_thread(), time.process_time(), time.monotonic()
    for index in range(rounds):
        await asyncio.gather(*(send(index * size + k) for k in range(size)))
    cpu = time.process_time() - started
    after = cpu_by_thread()
    sent = rounds * size
    return {
        "size": size,
        "messages": sent,
        "cpu_us_per_message": round(cpu / sent * 1e6, 1),
        "cpu_us_per_commit": round(cpu / rounds * 1e6, 1),
        "by_thread_us_per_message": {
            kind: round((after[kind] - before[kind]) / sent * 1e6, 1) for kind in after
        },
        "wall_us_per_message": round((time.monotonic() - wall) / sent * 1e6, 1),
    }


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The least-squares line through (size, CPU per commit): fixed part, slope."""
    each = harness.slope(points) or 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    return mean_y - each * mean_x, each


async def run(args: argparse.Namespace) -> dict[str, Any]:
    largest = max(args.sizes)
    with tempfile.TemporaryDirectory(prefix="keerpunt-bench-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/keerpunt.db"
        migrate.upgrade(url)
        settings = Settings(  # type: ignore[call-arg]
            env="production",
            database_url=url,
            encryption_keys=SecretStr(KeyRing.encode_spec({"k1": KeyRing.generate_key()})),
            session_secret=SecretStr(secrets.token_urlsafe(32)),
            always_open=True,
            retention_schedule=False,
            limit_new_chats_per_source="",
            limit_messages_per_chatter="",
            limit_messages_per_source="",
        )
        ctx = build_context(settings)
        try:
            await ensure_defaults(ctx)
            chats = []
            for _ in range(largest):
                started = await chat.start_conversation(ctx, None)
                conversation = started.conversation
                chats.append((ChatterPrincipal(conversation.chatter_id), conversation.id))
            harness.log(f"{largest} chats on {url}")
            sizes = []
            expected = 3 * sum(args.sizes)
            for size in args.sizes:
                figures = await measure(ctx, chats, size, args.messages)
                expected += figures["messages"]
                harness.log(
                    f"commits of {size}: {figures['cpu_us_per_message']} us a message"
                    f" ({figures['by_thread_us_per_message']})"
                )
                sizes.append(figures)
            async with ctx.read() as session:
                stored = await session.scalar(select(func.count()).select_from(Message))
                doubled = await session.scalar(
                    select(func.count()).select_from(
                        select(Message.conversation_id, Message.client_id)
                        .group_by(Message.conversation_id, Message.client_id)
                        .having(func.count() > 1)
                        .subquery()
                    )
                )
        finally:
            await ctx.close()
    fixed, each = fit([(s["size"], s["cpu_us_per_commit"]) for s in sizes])
    return {
        "database": "sqlite (synchronous=FULL)",
        "sizes": sizes,
        "fixed_us_per_commit": round(fixed, 1),
        "us_per_message_in_a_commit": round(each, 1),
        "sent": expected,
        "stored": stored,
        "lost": expected - (stored or 0),
        "doubled": doubled,
    }


def summary(result: dict[str, Any], path: Path) -> str:
    sizes = ", ".join(f"{s['size']}: {s['cpu_us_per_message']} us" for s in result["sizes"])
    return (
        f"group commit: CPU a message by commit size {sizes}; a commit's fixed part"
        f" {result['fixed_us_per_commit']} us, each message {result['us_per_message_in_a_commit']}"
        f" us; lost {result['lost']}, doubled {result['doubled']}\n  written to {path}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Server CPU of a chat message by commit size.")
    parser.add_argument("--sizes", default="1,2,6,12,24", help="commit sizes, comma-separated")
    parser.add_argument("--messages", type=int, default=3000, help="messages per size")
    parser.add_argument("--output", type=Path, help="results file")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(part) for part in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes is a list of whole numbers, such as 1,6,24")
    if not args.sizes or min(args.sizes) < 1 or max(args.sizes) > 200 or args.messages < 1:
        parser.error("--sizes are 1 to 200 (the batcher's largest batch); --messages at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark("group_commit", run(args), args.output, summary)


if __name__ == "__main__":
    raise SystemExit(main())
