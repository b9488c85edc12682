"""Chat traffic: chatter/counselor pairs talking on a fixed schedule, delivery latency
from the scheduled send time, and the server's CPU per delivered message beside a bare
relay carrying the same traffic.

A throwaway server (SQLite, synchronous=FULL, in-process bus, limits off) gets P
conversations (S = 2P sockets), each accepted by a counselor (counselors hold 20 chats
each); each side of each pair has its own socket, subscribed to its conversation. Then
messages go out on a fixed schedule, R per second in total for T seconds in W windows:
in a window, message k is due at start + k/R, from pair k mod P, chatter and counselor
taking turns. Latency runs from the *due* time to the moment the other side receives the
message, so a stall in the server (or in the generator) shows up in the figures instead
of being hidden by a late send. The server's CPU time (utime + stime from /proc) over
its talking windows, divided by the messages delivered, is the cost of a message.

The reference: bench/reference.py in relay mode (same uvicorn settings) with the same
sockets and the same schedule; it forwards each text frame to the partner. Both servers
are up at once and their windows take turns (Keerpunt then the reference, then the other
way round, ...), so a slower spell of the machine falls on both.

Every run checks that each message reached the other side exactly once.

    python bench/chat_traffic.py --sockets 2000 --rate 500 --seconds 20 --windows 4
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

import harness
from harness import BenchError, log

BODY = "Hoi, ik wil even praten over wat er gebeurd is. Kan dat nu?"
OPEN_TIMEOUT_S = 60.0
MAX_CHATS = 20


@dataclass
class Tally:
    due: dict[str, float] = field(default_factory=dict)
    sender: dict[str, str] = field(default_factory=dict)
    delivered: dict[str, float] = field(default_factory=dict)
    acked: dict[str, float] = field(default_factory=dict)
    doubled: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    last_progress: float = 0.0

    def delivery(self, client_id: str, side: str, at: float) -> None:
        if self.sender.get(client_id, side) == side:
            return  # the sender's own copy, or not one of ours
        if client_id in self.delivered:
            self.doubled += 1
            return
        self.delivered[client_id] = at
        self.last_progress = at


class Side:
    """One socket of a pair."""

    def __init__(self, pair: int, side: str, conversation: str, tally: Tally) -> None:
        self.pair, self.side, self.conversation, self.tally = pair, side, conversation, tally
        self.ws: ClientConnection | None = None
        self.subscribed = asyncio.Event()
        self.reader: asyncio.Task[None] | None = None
        self.closing = False

    async def open(self, ws_url: str, ticket: str, source: str) -> None:
        origin = Origin(ws_url.replace("ws://", "http://").split("/api/")[0])
        async with asyncio.timeout(OPEN_TIMEOUT_S):
            self.ws = await connect(
                ws_url, origin=origin, local_addr=(source, 0), ping_interval=None, max_queue=None
            )
            await self.ws.send(json.dumps({"type": "hello", "ticket": ticket}))
            self.reader = asyncio.create_task(self.read())
            waiter = asyncio.create_task(self.subscribed.wait())
            await asyncio.wait({waiter, self.reader}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if not self.subscribed.is_set():
                raise BenchError(f"socket closed before subscribing: {self.tally.errors}")

    async def read(self) -> None:
        assert self.ws is not None
        tally = self.tally
        try:
            async for raw in self.ws:
                at = time.monotonic()
                frame: dict[str, Any] = json.loads(raw)
                kind = frame.get("type")
                if kind in ("message", "send"):  # "send": forwarded as is by the relay
                    client_id = frame.get("client_id")
                    if client_id is not None:
                        tally.delivery(str(client_id), self.side, at)
                elif kind == "ack":
                    tally.acked.setdefault(str(frame.get("client_id")), at)
                    tally.last_progress = at
                elif kind == "ready":
                    subscribe = {"type": "subscribe", "conversation": self.conversation}
                    await self.ws.send(json.dumps({**subscribe, "after_seq": 0}))
                elif kind == "conversation":
                    self.subscribed.set()
                elif kind == "error":
                    code = f"{self.side}:{frame.get('code')}"
                    tally.errors[code] = tally.errors.get(code, 0) + 1
        except ConnectionClosed:
            pass
        finally:
            if not self.closing:
                tally.closed += 1

    async def send(self, client_id: str) -> None:
        assert self.ws is not None
        frame = {
            "type": "send",
            "conversation": self.conversation,
            "client_id": client_id,
            "body": BODY,
        }
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(frame))

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader


Ticket = str | Callable[[], Awaitable[str]]


async def open_all(
    ws_url: str, plan: list[tuple[Side, Ticket]], parallel: int
) -> tuple[int, list[str]]:
    gate = asyncio.Semaphore(parallel)
    failures: list[str] = []

    async def one(index: int, side: Side, ticket: Ticket) -> None:
        # Spread over source addresses: 28,000 ephemeral ports each.
        source = f"127.0.0.{50 + index % 8}"
        async with gate:
            try:
                await side.open(
                    ws_url, ticket if isinstance(ticket, str) else await ticket(), source
                )
            except (OSError, TimeoutError, ConnectionClosed, BenchError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:200])

    await asyncio.gather(*(one(i, s, t) for i, (s, t) in enumerate(plan)))
    return sum(1 for s, _ in plan if s.subscribed.is_set()), sorted(set(failures))[:5]


async def talk(
    pairs: list[tuple[Side, Side]], pid: int, args: argparse.Namespace, tally: Tally
) -> dict[str, Any]:
    """One window of the schedule, then its drain; the server's CPU over both. The tally
    goes on from earlier windows: this window counts what it added."""
    seconds = args.seconds / args.windows
    total = int(args.rate * seconds)
    delivered_before = len(tally.delivered)
    watchdog = harness.Watchdog()
    watchdog.start()
    await asyncio.sleep(0.5)
    cpu_before = harness.cpu_seconds(pid) or 0.0
    start = time.monotonic() + 0.1
    sends: set[asyncio.Task[None]] = set()
    for k in range(total):
        due = start + k / args.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        chatter, counselor = pairs[k % len(pairs)]
        side = chatter if (k // len(pairs)) % 2 == 0 else counselor
        client_id = harness.new_client_id()
        tally.due[client_id] = due
        tally.sender[client_id] = side.side
        task = asyncio.create_task(side.send(client_id))
        sends.add(task)
        task.add_done_callback(sends.discard)
    if sends:
        await asyncio.gather(*sends)
    sent_done = time.monotonic()
    tally.last_progress = max(tally.last_progress, sent_done)
    while True:
        quiet = time.monotonic() - tally.last_progress
        if len(tally.delivered) - delivered_before >= total or quiet >= args.drain:
            break
        await asyncio.sleep(0.01)
    end = time.monotonic()
    cpu_after = harness.cpu_seconds(pid) or 0.0
    delivered = len(tally.delivered) - delivered_before
    cpu = cpu_after - cpu_before
    return {
        "scheduled": total,
        "delivered": delivered,
        "window_s": round(end - start, 2),
        "send_lag_s": round(sent_done - (start + (total - 1) / args.rate), 3),
        "server_cpu_s": round(cpu, 3),
        "server_cpu_us_per_message": round(1e6 * cpu / delivered, 1) if delivered else None,
        "generator": await watchdog.stop(),
    }


def totals(windows: list[dict[str, Any]], tally: Tally) -> dict[str, Any]:
    """One server's windows together: latency over every message, CPU over all windows
    (so a collection or a heartbeat round that fell in one window counts as it costs)."""
    latencies = [tally.delivered[c] - tally.due[c] for c in tally.delivered]
    acks = [tally.acked[c] - tally.due[c] for c in tally.acked if c in tally.due]
    scheduled = sum(w["scheduled"] for w in windows)
    delivered = sum(w["delivered"] for w in windows)
    cpu = sum(w["server_cpu_s"] for w in windows)
    window_s = sum(w["window_s"] for w in windows)
    return {
        "scheduled": scheduled,
        "delivered": delivered,
        "lost": scheduled - delivered,
        "doubled": tally.doubled,
        "error_frames": tally.errors,
        "unexpected_closes": tally.closed,
        "latency_ms": harness.latency_ms(latencies),
        "ack_latency_ms": harness.latency_ms(acks),
        "window_s": round(window_s, 2),
        "send_lag_s": max(w["send_lag_s"] for w in windows),
        "server_cpu_s": round(cpu, 3),
        "server_cpu_share": round(cpu / max(window_s, 1e-9), 3),
        "server_cpu_us_per_message": round(1e6 * cpu / delivered, 1) if delivered else None,
        "windows_cpu_us_per_message": [w["server_cpu_us_per_message"] for w in windows],
        "generator": harness.verdict([w["generator"] for w in windows]),
    }


async def close_all(sides: list[Side]) -> None:
    await asyncio.gather(*(s.close() for s in sides))


@dataclass
class Party:
    """One server with its sockets open and subscribed, ready to talk."""

    pid: int
    pairs: list[tuple[Side, Side]]
    tally: Tally
    windows: list[dict[str, Any]] = field(default_factory=list)
    setup_s: float = 0.0
    stored: dict[str, int] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def keerpunt_party(args: argparse.Namespace) -> AsyncIterator[Party]:
    count = args.sockets // 2
    async with harness.keerpunt_server(keep=args.keep) as server:
        log(f"keerpunt: {count} conversations, {-(-count // MAX_CHATS)} counselors")
        setup_started = time.monotonic()
        staff = await harness.counselors(
            server.settings(), server.base_url, -(-count // MAX_CHATS), MAX_CHATS
        )
        # Each chat is accepted as soon as it starts: a long queue would make every start
        # and accept pay for the queue positions of all the others.
        gate = asyncio.Semaphore(20)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:

            async def start_and_accept(index: int) -> str:
                counselor = staff[index // MAX_CHATS]
                async with gate:
                    started = await http.post("/api/v1/conversations", json={"visitor": "youth"})
                    if started.status_code != 201:
                        raise BenchError(f"start a chat: HTTP {started.status_code}")
                    conversation = str(started.json()["id"])
                    accepted = await http.post(
                        f"/api/v1/conversations/{conversation}/accept", headers=counselor.headers
                    )
                    if accepted.status_code != 200:
                        raise BenchError(f"accept: HTTP {accepted.status_code} {accepted.text}")
                    return conversation

            ids = list(await asyncio.gather(*(start_and_accept(i) for i in range(count))))
        chatter_tickets = await harness.mint_chatter_tickets(server.settings(), ids, 1)
        log(f"keerpunt: chats started and accepted in {time.monotonic() - setup_started:.1f} s")

        async def staff_ticket(index: int) -> str:
            # Fetched just before its socket opens: a staff ticket lasts 60 s.
            headers = staff[index // MAX_CHATS].headers
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
                ticket = await http.post("/api/v1/ws-ticket", headers=headers)
            if ticket.status_code != 200:
                raise BenchError(f"staff ticket: HTTP {ticket.status_code}")
            return str(ticket.json()["ticket"])

        tally = Tally()
        pairs = [(Side(i, "a", c, tally), Side(i, "b", c, tally)) for i, c in enumerate(ids)]
        plan: list[tuple[Side, Ticket]] = [
            (a, chatter_tickets[c][0]) for (a, _), c in zip(pairs, ids, strict=True)
        ]
        plan += [(b, functools.partial(staff_ticket, i)) for i, (_, b) in enumerate(pairs)]
        try:
            ready, failures = await open_all(server.ws_url, plan, args.parallel)
            setup_s = time.monotonic() - setup_started
            log(f"keerpunt: {ready} sockets subscribed in {setup_s:.1f} s")
            if ready < len(plan):
                raise BenchError(f"only {ready} of {len(plan)} sockets subscribed: {failures}")
            party = Party(server.pid, pairs, tally, setup_s=round(setup_s, 1))
            yield party
        finally:
            await close_all([s for pair in pairs for s in pair])
        stored = await harness.stored_messages(server.settings(), ids)
        ours = [c for c in tally.due if c in stored]
        party.stored = {
            "rows": sum(stored[c] for c in ours),
            "stored_twice": sum(1 for c in ours if stored[c] > 1),
            "acked_not_stored": sum(1 for c in tally.acked if c in tally.due and c not in stored),
        }


@contextlib.asynccontextmanager
async def reference_party(args: argparse.Namespace) -> AsyncIterator[Party]:
    count = args.sockets // 2
    async with harness.reference_server("relay") as server:
        tally = Tally()
        pairs = [
            (Side(i, "a", f"ref-{i}", tally), Side(i, "b", f"ref-{i}", tally)) for i in range(count)
        ]
        plan = [(s, f"{s.pair}:{s.side}") for pair in pairs for s in pair]
        try:
            ready, failures = await open_all(server.ws_url, plan, args.parallel)
            if ready < len(plan):
                raise BenchError(f"reference: only {ready} of {len(plan)} subscribed: {failures}")
            log(f"reference: {ready} sockets")
            yield Party(server.pid, pairs, tally)
        finally:
            await close_all([s for pair in pairs for s in pair])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Both servers up with their sockets open, then their windows taking turns (K R, R K,
    K R, ...): what the machine does meanwhile (another tenant, the CPU's clock) falls on
    both alike, so the ratio holds where each figure alone moves by a tenth or more."""
    harness.raise_fd_limit()
    async with keerpunt_party(args) as ours, reference_party(args) as ref:
        for index in range(args.windows):
            turn = (ours, ref) if index % 2 == 0 else (ref, ours)
            for party in turn:
                party.windows.append(await talk(party.pairs, party.pid, args, party.tally))
            log(
                f"window {index + 1}/{args.windows}: CPU per message"
                f" {ours.windows[-1]['server_cpu_us_per_message']} us against"
                f" {ref.windows[-1]['server_cpu_us_per_message']} us"
            )
    # The stored rows were counted as the keerpunt server closed.
    keerpunt = totals(ours.windows, ours.tally)
    keerpunt["stored"] = ours.stored
    keerpunt["setup_s"] = ours.setup_s
    reference = totals(ref.windows, ref.tally)
    pair_ratios = [
        harness.ratio(k["server_cpu_us_per_message"], r["server_cpu_us_per_message"])
        for k, r in zip(ours.windows, ref.windows, strict=True)
    ]
    both = [keerpunt["generator"], reference["generator"]]
    reasons = [g["reason"] for g in both if g["rejected"]]
    return {
        "sockets": args.sockets,
        "rate": args.rate,
        "seconds": args.seconds,
        "windows": args.windows,
        "keerpunt": keerpunt,
        "reference": reference,
        "cpu_ratio": harness.ratio(
            keerpunt["server_cpu_us_per_message"], reference["server_cpu_us_per_message"]
        ),
        # Each window's ratio beside the one before or after it: their spread is the noise
        # left after the taking of turns.
        "cpu_ratio_windows": pair_ratios,
        # Not delivered by the end of the drain. The clients here do not reconnect, so a
        # socket the server closed (see unexpected_closes) leaves its messages undelivered
        # even though they are stored: counted as lost all the same.
        "lost": keerpunt["lost"] + reference["lost"],
        "unexpected_closes": keerpunt["unexpected_closes"] + reference["unexpected_closes"],
        "doubled": keerpunt["doubled"] + reference["doubled"] + keerpunt["stored"]["stored_twice"],
        "rejected": bool(reasons),
        "rejected_reason": "; ".join(reasons) or None,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chat traffic on a fixed schedule.")
    parser.add_argument("--sockets", type=int, default=2000, help="sockets (two per chat)")
    parser.add_argument("--rate", type=float, default=500, help="messages per second in all")
    parser.add_argument(
        "--seconds", type=float, default=20, help="length of each server's schedule, all windows"
    )
    parser.add_argument(
        "--windows", type=int, default=4, help="turns each server takes, alternating"
    )
    parser.add_argument("--drain", type=float, default=10, help="give up after this quiet, s")
    parser.add_argument("--parallel", type=int, default=50, help="sockets opened at once")
    parser.add_argument("--output", type=Path, help="results file")
    parser.add_argument("--keep", action="store_true", help="keep the server's folder")
    args = parser.parse_args(argv)
    if args.sockets < 2 or args.rate <= 0 or args.seconds <= 0 or args.windows < 1:
        parser.error("--sockets is at least 2; --windows at least 1; --rate and --seconds above 0")
    return args


def summary(args: argparse.Namespace, result: dict[str, Any], path: Path) -> str:
    k, r = result["keerpunt"], result["reference"]
    return (
        f"chat traffic: {args.sockets} sockets, {args.rate:g} msg/s for {args.seconds:g} s;"
        f" delivered {k['delivered']}/{k['scheduled']}, p50 {k['latency_ms']['p50']} ms,"
        f" p99 {k['latency_ms']['p99']} ms, p99.9 {k['latency_ms']['p99_9']} ms;"
        f" CPU {k['server_cpu_us_per_message']} us/msg (reference"
        f" {r['server_cpu_us_per_message']}, ratio {result['cpu_ratio']}; by window"
        f" {result['cpu_ratio_windows']});"
        f" lost {result['lost']}, doubled {result['doubled']};"
        f" rejected: {result['rejected_reason'] or 'no'}\n  written to {path}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark(
        "chat_traffic", run(args), args.output, functools.partial(summary, args)
    )


if __name__ == "__main__":
    sys.exit(main())
