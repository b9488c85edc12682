"""Idle sockets: how many chat sockets one server process holds, at what memory each, and
how long all of them take to come back after a restart.

A throwaway server (SQLite, in-process bus, limits off) gets chatter sockets up to the
target, in steps; after each step the server's resident memory (VmRSS) is sampled. Every
socket did `hello` with its own ticket and subscribed to a conversation. Conversations are
shared, 40 sockets each by default (like one chatter with many tabs): 20,000 separate
waiting chats would put 20,000 chats in the queue, and then the queue, not the sockets,
would be measured. The tickets are written straight into the database (two per socket,
lasting an hour): the HTTP ticket route makes one write transaction per ticket, which
would be the thing measured at this scale.

Then the server is stopped (SIGTERM) and started again on the same database; every client
reconnects with the page's backoff (full jitter, 0.5 s doubling up to 30 s, see
web/static/js/socket.js) and subscribes again from the last seq it holds. The figure is the
time from the SIGTERM until the last socket is subscribed again. Last, one message is
posted in each conversation: every socket must receive it exactly once.

The clients are spread over several generator processes (the open-file limit is per
process), each on its own 127.0.0.x source address, each with its own watchdog. The
verdict (rejected or not) covers the timed part, from the restart on; the generators'
lag while filling is recorded beside it.

The reference, in the same run: bench/reference.py in hold mode on the same uvicorn
settings, measured the same way (memory slope, restart).

    python bench/idle_sockets.py --target 19900 --steps 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing
import random
import sys
import time
from collections import deque
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Origin

import harness
from harness import BenchError, log

OPEN_TIMEOUT_S = 30.0
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
TICKETS_PER_SOCKET = 4


# The generator process --------------------------------------------------------------------


class Client:
    """One socket, reconnecting like the page when the line drops."""

    def __init__(self, ws_url: str, source: str, conversation: str, tickets: list[str]) -> None:
        self.ws_url = ws_url
        self.source = source
        self.conversation = conversation
        self.tickets = deque(tickets)
        self.ws: ClientConnection | None = None
        self.last_seq = 0
        self.messages: dict[int, int] = {}
        self.subscribed = asyncio.Event()
        self.subscribed_at = 0.0
        self.connects = 0
        self.closing = False
        self.failure: str | None = None
        self.task: asyncio.Task[None] | None = None
        self.backoff_cap = BACKOFF_CAP_S

    async def _session(self) -> None:
        """One connection: hello, subscribe, then read until it closes."""
        if not self.tickets:
            raise BenchError("no ticket left")
        async with asyncio.timeout(OPEN_TIMEOUT_S):
            ws = await connect(
                self.ws_url,
                local_addr=(self.source, 0),
                origin=Origin(self.ws_url.replace("ws://", "http://").split("/api/")[0]),
                open_timeout=OPEN_TIMEOUT_S,
                ping_interval=None,  # the server pings; the client answers
                max_queue=None,
            )
        self.ws = ws
        try:
            await ws.send(json.dumps({"type": "hello", "ticket": self.tickets[0]}))
            self.tickets.popleft()  # a ticket that reached the server is spent
            async for raw in ws:
                frame: dict[str, Any] = json.loads(raw)
                kind = frame.get("type")
                if kind == "ready":
                    subscribe = {
                        "type": "subscribe",
                        "conversation": self.conversation,
                        "after_seq": self.last_seq,
                    }
                    await ws.send(json.dumps(subscribe))
                elif kind == "conversation":
                    if not self.subscribed.is_set():
                        self.subscribed_at = time.monotonic()
                        self.subscribed.set()
                elif kind == "message" and frame.get("conversation") == self.conversation:
                    seq = int(frame["seq"])
                    self.messages[seq] = self.messages.get(seq, 0) + 1
                    self.last_seq = max(self.last_seq, seq)
                elif kind == "error" and frame.get("code") == "closing":
                    self.failure = str(frame.get("reason"))
        finally:
            self.ws = None
            with contextlib.suppress(Exception):
                await ws.close()

    async def run(self) -> None:
        attempt = 0
        while not self.closing:
            try:
                self.connects += 1
                await self._session()
                attempt = 0  # a connection that was up: the next drop starts over
            except (OSError, TimeoutError, ConnectionClosed, WebSocketException) as exc:
                self.failure = f"{type(exc).__name__}: {exc}"[:200]
            except BenchError as exc:
                self.failure = str(exc)
                return
            if self.closing:
                return
            self.subscribed.clear()
            ceiling = min(self.backoff_cap, BACKOFF_BASE_S * 2**attempt)
            attempt += 1
            await asyncio.sleep(random.uniform(0, ceiling))

    async def close(self) -> None:
        self.closing = True
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 5)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def generator_main(conn: Connection, setup: dict[str, Any]) -> None:
    harness.raise_fd_limit()
    loop = asyncio.get_running_loop()
    watchdog = harness.Watchdog()
    watchdog.start()
    clients = [
        Client(setup["ws_url"], setup["source"], conversation, tickets)
        for conversation, tickets in setup["sockets"]
    ]
    for client in clients:
        client.backoff_cap = setup["backoff_cap"]
    opened = 0
    gate = asyncio.Semaphore(setup["parallel"])

    async def open_one(client: Client) -> None:
        async with gate:
            client.task = asyncio.create_task(client.run())
            waiter = asyncio.create_task(client.subscribed.wait())
            await asyncio.wait(
                {waiter, client.task},
                timeout=OPEN_TIMEOUT_S * 2,
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiter.cancel()

    while True:
        command, value = await loop.run_in_executor(None, conn.recv)
        if command == "open":
            batch = clients[opened : opened + int(value)]
            opened += len(batch)
            await asyncio.gather(*(open_one(c) for c in batch))
            ready = sum(1 for c in clients[:opened] if c.subscribed.is_set())
            failures = sorted({c.failure for c in batch if c.failure and not c.subscribed.is_set()})
            conn.send({"ready": ready, "failures": failures[:5]})
        elif command == "wait_subscribed":
            deadline = time.monotonic() + float(value)
            while time.monotonic() < deadline:
                if all(c.subscribed.is_set() for c in clients[:opened]):
                    break
                await asyncio.sleep(0.05)
            times = [c.subscribed_at for c in clients[:opened] if c.subscribed.is_set()]
            failures = sorted(
                {c.failure for c in clients[:opened] if c.failure and not c.subscribed.is_set()}
            )
            conn.send(
                {"ready": len(times), "last": max(times, default=None), "failures": failures[:5]}
            )
        elif command == "wait_messages":
            expected, deadline = int(value[0]), time.monotonic() + float(value[1])
            while time.monotonic() < deadline:
                if all(len(c.messages) >= expected for c in clients[:opened]):
                    break
                await asyncio.sleep(0.05)
            # Judged on the sockets that are back: one still away gets the message when it
            # subscribes again, from the seq it holds.
            back = [c for c in clients[:opened] if c.subscribed.is_set()]
            lost = sum(max(0, expected - len(c.messages)) for c in back)
            doubled = sum(n - 1 for c in clients[:opened] for n in c.messages.values() if n > 1)
            conn.send({"lost": lost, "doubled": doubled, "checked": len(back)})
        elif command == "watch":
            # The filling is done: what it cost the generator is told, not judged (memory
            # does not depend on it); the restart from here on is timed, and judged.
            conn.send(await watchdog.stop())
            watchdog = harness.Watchdog()
            watchdog.start()
        elif command == "close":
            summary = await watchdog.stop()
            await asyncio.gather(*(c.close() for c in clients))
            conn.send(summary)
            return


def generator_process(conn: Connection, setup: dict[str, Any]) -> None:
    asyncio.run(generator_main(conn, setup))


class Generators:
    """The generator processes, driven step by step from here."""

    def __init__(self, ws_url: str, sockets: list[tuple[str, list[str]]], args: Any, base: int):
        context = multiprocessing.get_context("spawn")
        self.count = max(1, min(args.processes, len(sockets)))
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        self.sizes: list[int] = []
        for index in range(self.count):
            mine = sockets[index :: self.count]
            parent, child = context.Pipe()
            setup = {
                "ws_url": ws_url,
                "source": f"127.0.0.{base + index}",
                "sockets": mine,
                "parallel": args.parallel,
                "backoff_cap": args.backoff_cap,
            }
            process = context.Process(target=generator_process, args=(child, setup), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
            self.sizes.append(len(mine))

    async def ask(self, command: str, values: list[Any]) -> list[Any]:
        for pipe, value in zip(self.pipes, values, strict=True):
            pipe.send((command, value))
        loop = asyncio.get_running_loop()
        answers = (
            loop.run_in_executor(None, self._answer, pipe, process)
            for pipe, process in zip(self.pipes, self.processes, strict=True)
        )
        return list(await asyncio.gather(*answers))

    @staticmethod
    def _answer(pipe: Connection, process: Any) -> Any:
        """The generator's answer; an error, not a hang, when the process died."""
        while not pipe.poll(1.0):
            if not process.is_alive():
                raise BenchError(f"generator process {process.pid} exited ({process.exitcode})")
        return pipe.recv()

    async def close(self) -> list[dict[str, Any]]:
        try:
            summaries = await asyncio.wait_for(self.ask("close", [None] * self.count), 120)
        finally:
            for process in self.processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()
        return summaries


# The measured run -------------------------------------------------------------------------


async def fill(
    generators: Generators, pid: int, steps: int, budget: float
) -> tuple[list[tuple[int, int]], int, list[str], float]:
    """Open sockets up to the target in steps, or until the time budget is spent; RSS
    (KiB) after each step."""
    await asyncio.sleep(1)
    points = [(0, harness.rss_kib(pid) or 0)]
    failures: list[str] = []
    started = time.monotonic()
    done = [0] * generators.count
    ready = 0
    for step in range(1, steps + 1):
        goal = [size * step // steps for size in generators.sizes]
        answers = await generators.ask("open", [g - d for g, d in zip(goal, done, strict=True)])
        done = goal
        ready = sum(a["ready"] for a in answers)
        for a in answers:
            failures.extend(f for f in a["failures"] if f not in failures)
        await asyncio.sleep(0.5)  # let the server settle before reading its memory
        rss = harness.rss_kib(pid) or 0
        points.append((ready, rss))
        log(f"  {ready}/{sum(goal)} sockets subscribed, RSS {rss / 1024:.0f} MiB")
        if time.monotonic() - started > budget and step < steps:
            log(f"  the fill budget of {budget:g} s is spent: stopping at {ready} sockets")
            break
    return points, ready, failures[:10], time.monotonic() - started


async def restart_and_wait(
    generators: Generators, server: Any, expected: int, wait_s: float
) -> dict[str, Any]:
    filling = await generators.ask("watch", [None] * generators.count)
    stopped_at = time.monotonic()
    await server.stop()
    stop_s = time.monotonic() - stopped_at
    start_s = await server.start()
    answers = await generators.ask("wait_subscribed", [wait_s] * generators.count)
    ready = sum(a["ready"] for a in answers)
    lasts = [a["last"] for a in answers if a["last"] is not None]
    all_back = ready >= expected and bool(lasts)
    failures = sorted({f for a in answers for f in a["failures"]})[:10]
    return {
        "generator_while_filling": filling,
        "failures": failures,
        "waited_up_to_s": round(wait_s, 1),
        "stop_s": round(stop_s, 2),
        "start_s": round(start_s, 2),
        "back": ready,
        "all_back": all_back,
        "reconnect_s": round(max(lasts) - stopped_at, 2) if all_back else None,
    }


def memory_figures(points: list[tuple[int, int]]) -> dict[str, Any]:
    # From the first step on, so the one-time costs of the first socket stay out; with a
    # single step, from the start.
    measured = points[1:] if len(points) > 2 else points
    per_socket = harness.slope([(float(x), float(y)) for x, y in measured])
    return {
        "rss_samples": points,
        "rss_before_kib": points[0][1],
        "rss_at_target_kib": points[-1][1],
        "kib_per_socket": round(per_socket, 2) if per_socket is not None else None,
    }


async def measure_keerpunt(args: argparse.Namespace) -> dict[str, Any]:
    per_conv = max(1, args.per_conversation)
    conversations_count = max(1, -(-args.target // per_conv))
    async with harness.keerpunt_server(keep=args.keep) as server:
        log(f"keerpunt: {conversations_count} conversations, minting tickets")
        conversations = await harness.start_conversations(server.base_url, conversations_count)
        ids = [c["id"] for c in conversations]
        # Sockets are dealt to conversations in turn; each takes a few tickets (one per
        # connection that reaches the server: the first, and the reconnects).
        owners = [ids[i % len(ids)] for i in range(args.target)]
        wanted = -(-args.target // len(ids)) * TICKETS_PER_SOCKET
        tickets = await harness.mint_chatter_tickets(server.settings(), ids, wanted)
        sockets = [
            (conv, [tickets[conv].pop() for _ in range(TICKETS_PER_SOCKET)]) for conv in owners
        ]
        generators = Generators(server.ws_url, sockets, args, base=10)
        summaries: list[dict[str, Any]] = []
        try:
            log(f"keerpunt: opening {args.target} sockets in {args.steps} steps")
            points, ready, failures, fill_s = await fill(
                generators, server.pid, args.steps, args.fill_budget
            )
            log("keerpunt: restarting the server")
            wait_s = args.reconnect_timeout or max(60.0, 1.5 * fill_s)
            restart = await restart_and_wait(generators, server, ready, wait_s)
            log(f"  back: {restart['back']}/{ready} in {restart['reconnect_s']} s")
            # One message per conversation: every socket must get it exactly once.
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                for conversation in conversations:
                    response = await http.post(
                        f"/api/v1/conversations/{conversation['id']}/messages",
                        headers={"Authorization": f"Bearer {conversation['token']}"},
                        json={"client_id": harness.new_client_id(), "body": "hoi"},
                    )
                    if response.status_code not in (200, 201):
                        raise BenchError(f"post a message: HTTP {response.status_code}")
            answers = await generators.ask("wait_messages", [(1, 60)] * generators.count)
        finally:
            summaries = await generators.close()
        return {
            "conversations": len(ids),
            "sockets_per_conversation": per_conv,
            "subscribed": ready,
            "fill_s": round(fill_s, 2),
            "sockets_per_s": round(ready / fill_s, 1) if fill_s else None,
            "stopped_by_budget": ready < args.target and fill_s > args.fill_budget,
            "setup_failures": failures,
            **memory_figures(points),
            "restart": restart,
            "check": {
                "messages": len(conversations),
                "sockets_checked": sum(a["checked"] for a in answers),
                "lost": sum(a["lost"] for a in answers),
                "doubled": sum(a["doubled"] for a in answers),
            },
            "generator": harness.verdict(summaries),
        }


async def measure_reference(args: argparse.Namespace, target: int, steps: int) -> dict[str, Any]:
    """The same number of sockets Keerpunt reached, in as many steps."""
    async with harness.reference_server("hold") as server:
        sockets = [(f"ref-{i}", ["ref-1", "ref-2"]) for i in range(target)]
        generators = Generators(server.ws_url, sockets, args, base=30)
        try:
            log(f"reference: opening {target} sockets in {steps} steps")
            points, ready, failures, fill_s = await fill(generators, server.pid, steps, 1e9)
            log("reference: restarting the server")
            wait_s = args.reconnect_timeout or max(60.0, 1.5 * fill_s)
            restart = await restart_and_wait(generators, server, ready, wait_s)
            log(f"  back: {restart['back']}/{ready} in {restart['reconnect_s']} s")
        finally:
            summaries = await generators.close()
        return {
            "subscribed": ready,
            "fill_s": round(fill_s, 2),
            "sockets_per_s": round(ready / fill_s, 1) if fill_s else None,
            "setup_failures": failures,
            **memory_figures(points),
            "restart": restart,
            "generator": harness.verdict(summaries),
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    harness.raise_fd_limit()
    keerpunt = await measure_keerpunt(args)
    steps = max(1, len(keerpunt["rss_samples"]) - 1)
    reference = await measure_reference(args, max(1, keerpunt["subscribed"]), steps)
    both = [keerpunt["generator"], reference["generator"]]
    reasons = [g["reason"] for g in both if g["rejected"]]
    return {
        "target": args.target,
        "fd_limit": harness.fd_limit(),
        "processes": args.processes,
        "keerpunt": keerpunt,
        "reference": reference,
        "kib_per_socket_ratio": harness.ratio(
            keerpunt["kib_per_socket"], reference["kib_per_socket"]
        ),
        "reconnect_ratio": harness.ratio(
            keerpunt["restart"]["reconnect_s"], reference["restart"]["reconnect_s"]
        ),
        "lost": keerpunt["check"]["lost"],
        "doubled": keerpunt["check"]["doubled"],
        "rejected": bool(reasons),
        "rejected_reason": "; ".join(reasons) or None,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Idle chat sockets: memory and reconnects.")
    limit = harness.fd_limit()
    parser.add_argument(
        "--target",
        type=int,
        default=min(20000, limit - 100),
        help="sockets to open (the open-file limit of one process caps it)",
    )
    parser.add_argument("--steps", type=int, default=10, help="RSS samples on the way")
    parser.add_argument("--per-conversation", type=int, default=40, help="sockets per chat")
    parser.add_argument("--processes", type=int, default=3, help="generator processes")
    parser.add_argument("--parallel", type=int, default=50, help="opens in flight per process")
    parser.add_argument(
        "--fill-budget", type=float, default=1e9, help="stop opening after this long, s"
    )
    parser.add_argument(
        "--reconnect-timeout",
        type=float,
        default=0,
        help="wait this long for all to be back, s (default: 1.5 times the filling, >= 60)",
    )
    parser.add_argument(
        "--backoff-cap", type=float, default=BACKOFF_CAP_S, help="longest reconnect wait, s"
    )
    parser.add_argument("--output", type=Path, help="results file")
    parser.add_argument("--keep", action="store_true", help="keep the server's folder")
    args = parser.parse_args(argv)
    if args.target < 1 or args.steps < 1 or args.processes < 1:
        parser.error("--target, --steps and --processes are at least 1")
    if args.target > limit - 50:
        parser.error(f"--target above what one process can hold (open-file limit {limit})")
    return args


def summary(args: argparse.Namespace, result: dict[str, Any], path: Path) -> str:
    k, r = result["keerpunt"], result["reference"]
    return (
        f"idle sockets: {k['subscribed']}/{args.target} subscribed;"
        f" {k['kib_per_socket']} KiB each (reference {r['kib_per_socket']},"
        f" ratio {result['kib_per_socket_ratio']});"
        f" all back after restart in {k['restart']['reconnect_s']} s"
        f" (reference {r['restart']['reconnect_s']} s); lost {result['lost']},"
        f" doubled {result['doubled']}; rejected: {result['rejected_reason'] or 'no'}\n"
        f"  written to {path}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark(
        "idle_sockets", run(args), args.output, functools.partial(summary, args)
    )


if __name__ == "__main__":
    sys.exit(main())
