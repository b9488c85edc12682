"""Chat latency baseline: N chatter/counselor pairs talking over WebSockets.

Each pair is one anonymous chatter and one counselor in one conversation, each on its own
socket. Once every pair is connected and subscribed, both sides of every pair take turns
sending `send` frames. The figure measured is send-to-delivery latency: from the moment a
client hands a `send` frame to its socket until the *other* side of the pair receives the
`message` frame with the same client_id. Send-to-ack latency (the sender's own `ack`, which
the server sends after the commit) is recorded next to it.

Both ends of every measurement are in this process and read the same monotonic clock. The
clients share the machine with the server, so on a small machine the figures include the
load generator's own scheduling delays: read them as a baseline, not as the server alone.

Modes:

    # what `make bench` runs: a throwaway server on SQLite in a temporary folder
    python bench/chat_latency.py --spawn

    # against a running server, creating counselor accounts directly in its database
    python bench/chat_latency.py --url http://127.0.0.1:8000 \
        --database-url sqlite+aiosqlite:///data/keerpunt.db

    # against a running server with counselor accounts made beforehand: PREFIX1, PREFIX2, ...
    # all with the same password (each holds max_chats chats at once)
    python bench/chat_latency.py --url http://127.0.0.1:8000 \
        --counselor-prefix bench- --counselor-password '...'

Counselor accounts created by the bench (with --database-url) stay in that database; the
conversations it starts are ended at the end of the run, which frees the counselors again.
The figures go to bench/results/chat_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Origin

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import totp
from keerpunt.config import ConfigError, Settings, load_settings
from keerpunt.context import build_context

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "bench" / "results" / "chat_latency.json"
KEERPUNT = (sys.executable, "-m", "keerpunt")
SESSION_COOKIES = ("__Host-keerpunt_session", "keerpunt_session")
MAX_CHATS = 3  # chats per counselor the bench creates
HTTP_TIMEOUT_S = 30.0
STEP_TIMEOUT_S = 30.0  # any single setup step (request, socket open, subscribe)
SERVER_START_TIMEOUT_S = 30.0
BODY_FILLER = "Hoi, ik wil even praten over wat er gebeurd is. "

Role = Literal["chatter", "counselor"]
T = TypeVar("T")


class BenchError(Exception):
    """The run cannot go on; the message says why."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Bookkeeping ------------------------------------------------------------------------------


@dataclass
class Sent:
    pair: int
    sender: Role
    sent_at: float
    acked_at: float | None = None
    delivered_at: float | None = None
    deliveries: int = 0


@dataclass
class Tally:
    """Every message sent in the measured phase, and what became of it."""

    sent: dict[str, Sent] = field(default_factory=dict)
    delivered: int = 0
    duplicates: int = 0
    send_failures: int = 0
    seq_anomalies: int = 0
    unexpected_closes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    first_send: float | None = None
    last_delivery: float | None = None
    last_progress: float = 0.0  # the latest first ack or first delivery of any message
    sending_done: bool = False
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def record_send(self, client_id: str, pair: int, sender: Role) -> None:
        now = time.perf_counter()
        if self.first_send is None:
            self.first_send = now
        self.sent[client_id] = Sent(pair, sender, now)

    def unsend(self, client_id: str) -> None:
        self.sent.pop(client_id, None)
        self.send_failures += 1
        self._check()

    def ack(self, client_id: str, at: float) -> None:
        record = self.sent.get(client_id)
        if record is not None and record.acked_at is None:
            record.acked_at = at
            self.last_progress = at

    def delivery(self, client_id: str, receiver: Role, at: float) -> None:
        record = self.sent.get(client_id)
        if record is None or record.sender == receiver:
            return  # a message from before the measured phase, or the sender's own copy
        record.deliveries += 1
        if record.deliveries > 1:
            self.duplicates += 1
            return
        record.delivered_at = at
        self.delivered += 1
        self.last_delivery = self.last_progress = at
        self._check()

    def finish_sending(self) -> None:
        self.sending_done = True
        self.last_progress = max(self.last_progress, time.perf_counter())
        self._check()

    async def drain(self, idle: float) -> bool:
        """Wait for what is still on its way while acks or deliveries keep coming; False when
        nothing moved for `idle` seconds with messages outstanding."""
        while not self.settled.is_set():
            quiet = time.perf_counter() - self.last_progress
            if quiet >= idle:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.settled.wait(), idle - quiet)
        return True

    def _check(self) -> None:
        if self.sending_done and self.delivered >= len(self.sent):
            self.settled.set()


# Clients ----------------------------------------------------------------------------------


@dataclass
class Counselor:
    username: str
    cookie: str  # "name=value", sent by hand: httpx keeps no Secure cookie on plain HTTP
    free: int
    csrf: str = ""  # the session's token, sent with every change

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}


class Peer:
    """One side of a pair: a socket subscribed to the pair's conversation."""

    def __init__(self, role: Role, conversation: str, ws: ClientConnection, tally: Tally) -> None:
        self.role = role
        self.conversation = conversation
        self.ws = ws
        self.tally = tally
        self.last_seq = 0
        self.subscribed = asyncio.Event()
        self.closing = False
        self.reader: asyncio.Task[None] | None = None

    async def read_loop(self) -> None:
        try:
            async for raw in self.ws:
                at = time.perf_counter()
                frame: dict[str, Any] = json.loads(raw)
                kind = frame.get("type")
                if kind == "message" and frame.get("conversation") == self.conversation:
                    seq = int(frame["seq"])
                    if seq != self.last_seq + 1:
                        self.tally.seq_anomalies += 1
                    self.last_seq = max(self.last_seq, seq)
                    self.tally.delivery(str(frame["client_id"]), self.role, at)
                elif kind == "ack":
                    self.tally.ack(str(frame["client_id"]), at)
                elif kind == "conversation" and frame.get("conversation") == self.conversation:
                    self.subscribed.set()  # sent once the subscribe's replay is done
                elif kind == "error":
                    self.tally.errors[f"{self.role}:{frame.get('code')}"] += 1
        except ConnectionClosed:
            pass
        finally:
            if not self.closing:
                self.tally.unexpected_closes += 1

    async def close(self) -> None:
        self.closing = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader


@dataclass
class Pair:
    index: int
    conversation: str
    token: str
    counselor: Counselor
    chatter_peer: Peer
    counselor_peer: Peer


class Timings:
    """Durations of the setup steps, in seconds, by step."""

    def __init__(self) -> None:
        self.steps: dict[str, list[float]] = {}

    async def time(self, step: str, work: Awaitable[T]) -> T:
        started = time.perf_counter()
        async with asyncio.timeout(STEP_TIMEOUT_S):
            result = await work
        self.steps.setdefault(step, []).append(time.perf_counter() - started)
        return result

    def summary(self) -> dict[str, dict[str, float | int]]:
        return {
            step: {
                "count": len(values),
                "p50_ms": ms(percentile(sorted(values), 50)),
                "max_ms": ms(max(values)),
            }
            for step, values in self.steps.items()
        }


def expect(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if response.status_code != status:
        raise BenchError(f"{what}: HTTP {response.status_code} {response.text[:200]}")
    data: dict[str, Any] = response.json()
    return data


def session_cookie(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() in SESSION_COOKIES:
            return f"{name.strip()}={rest.split(';', 1)[0]}"
    raise BenchError("login answered 200 but set no session cookie")


async def login_counselors(
    http: httpx.AsyncClient, credentials: Iterable[tuple[str, str]], pairs: int, timings: Timings
) -> list[Counselor]:
    """Log in one account after another until their free chat slots cover every pair."""
    counselors: list[Counselor] = []
    capacity = 0
    for username, password in credentials:
        if capacity >= pairs:
            break
        response = await timings.time(
            "login",
            http.post(
                "/api/v1/auth/login",
                json={"username": username, "password": password, "totp": current_code()},
            ),
        )
        if response.status_code == 401:
            log(f"login {username!r} refused (401): no more counselor accounts")
            break
        expect(response, 200, f"login {username!r}")
        counselor = Counselor(username, session_cookie(response), 0, response.json()["csrf_token"])
        snapshot = expect(
            await http.get("/api/v1/console/snapshot", headers=counselor.headers),
            200,
            f"snapshot of {username!r}",
        )
        active = sum(1 for c in snapshot["conversations"] if c["status"] == "active")
        counselor.free = 0 if snapshot["paused"] else max(0, snapshot["max_chats"] - active)
        capacity += counselor.free
        counselors.append(counselor)
    if capacity < pairs:
        raise BenchError(
            f"the counselors logged in hold {capacity} more chats, {pairs} pairs need a slot each"
        )
    return counselors


async def open_peer(
    ws_url: str, ticket: str, role: Role, conversation: str, tally: Tally, timings: Timings
) -> Peer:
    async def handshake() -> ClientConnection:
        # Our own pages' Origin: the server refuses a socket from any other (S14).
        scheme, _, rest = ws_url.partition("://")
        origin = Origin(f"{'https' if scheme == 'wss' else 'http'}://{rest.split('/', 1)[0]}")
        ws = await connect(ws_url, open_timeout=STEP_TIMEOUT_S, ping_interval=None, origin=origin)
        await ws.send(json.dumps({"type": "hello", "ticket": ticket}))
        frame = json.loads(await ws.recv())
        if frame.get("type") != "ready":
            await ws.close()
            raise BenchError(f"{role} socket: expected ready, got {frame}")
        return ws

    ws = await timings.time("socket_ready", handshake())
    peer = Peer(role, conversation, ws, tally)
    peer.reader = asyncio.create_task(peer.read_loop(), name=f"read-{role}-{conversation}")
    subscribe = {"type": "subscribe", "conversation": conversation, "after_seq": 0}
    await ws.send(json.dumps(subscribe))
    await timings.time("subscribe", peer.subscribed.wait())
    return peer


async def setup_pair(
    index: int,
    http: httpx.AsyncClient,
    ws_url: str,
    counselor: Counselor,
    tally: Tally,
    timings: Timings,
) -> Pair:
    created = expect(
        await timings.time(
            "create_conversation", http.post("/api/v1/conversations", json={"visitor": "youth"})
        ),
        201,
        "start a conversation",
    )
    conversation, token = str(created["id"]), str(created["token"])
    peers: list[Peer] = []
    try:
        expect(
            await timings.time(
                "accept",
                http.post(
                    f"/api/v1/conversations/{conversation}/accept", headers=counselor.headers
                ),
            ),
            200,
            f"{counselor.username} accepts",
        )
        chatter_headers = {"Authorization": f"Bearer {token}"}
        chatter_ticket, counselor_ticket = await asyncio.gather(
            timings.time("ticket", http.post("/api/v1/ws-ticket", headers=chatter_headers)),
            timings.time("ticket", http.post("/api/v1/ws-ticket", headers=counselor.headers)),
        )
        tickets = (
            str(expect(chatter_ticket, 200, "chatter ticket")["ticket"]),
            str(expect(counselor_ticket, 200, "counselor ticket")["ticket"]),
        )
        opened = await asyncio.gather(
            open_peer(ws_url, tickets[0], "chatter", conversation, tally, timings),
            open_peer(ws_url, tickets[1], "counselor", conversation, tally, timings),
            return_exceptions=True,
        )
        peers = [p for p in opened if isinstance(p, Peer)]
        for failure in opened:
            if isinstance(failure, BaseException):
                raise failure
        return Pair(index, conversation, token, counselor, peers[0], peers[1])
    except BaseException:
        # Leave nothing half open: a queued or active chat would hold the counselor's slot.
        for peer in peers:
            await peer.close()
        await end_conversation(http, conversation, token)
        raise


async def end_conversation(http: httpx.AsyncClient, conversation: str, token: str) -> bool:
    with contextlib.suppress(httpx.HTTPError, TimeoutError):
        async with asyncio.timeout(STEP_TIMEOUT_S):
            response = await http.post(
                f"/api/v1/conversations/{conversation}/end",
                headers={"Authorization": f"Bearer {token}"},
            )
        return response.status_code == 200
    return False


async def converse(
    pair: Pair, messages: int, interval: float, tally: Tally, rng: random.Random
) -> None:
    """Chatter and counselor take turns, `messages` each, a jittered pause between sends."""
    await asyncio.sleep(rng.uniform(0, interval))  # spread the pairs out
    for turn in range(2 * messages):
        peer = pair.chatter_peer if turn % 2 == 0 else pair.counselor_peer
        client_id = str(uuid.uuid4())
        body = f"[{pair.index}/{turn}] {BODY_FILLER}"
        frame = json.dumps(
            {
                "type": "send",
                "conversation": pair.conversation,
                "client_id": client_id,
                "body": body,
            }
        )
        tally.record_send(client_id, pair.index, peer.role)
        try:
            await peer.ws.send(frame)
        except (ConnectionClosed, WebSocketException):
            tally.unsend(client_id)
            return
        await asyncio.sleep(interval * rng.uniform(0.5, 1.5))


# The measured run -------------------------------------------------------------------------


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Phase:
    """What happened around the measured messages: setup, the talk, the teardown."""

    pairs: list[Pair] = field(default_factory=list)
    setup_failures: Counter[str] = field(default_factory=Counter)
    setup_s: float = 0.0
    setup_batch_s: list[float] = field(default_factory=list)
    talk_start: float = 0.0
    talk_end: float = 0.0
    cpu_before: tuple[float, float | None] = (0.0, None)
    cpu_after: tuple[float, float | None] = (0.0, None)
    timed_out: bool = False
    drained: bool = False
    not_ended: int = 0


async def set_up(
    args: argparse.Namespace,
    target: Target,
    http: httpx.AsyncClient,
    tally: Tally,
    timings: Timings,
    phase: Phase,
) -> None:
    """Log the counselors in, then set the pairs up a batch at a time."""
    split = urlsplit(target.base_url)
    ws_url = f"{'wss' if split.scheme == 'https' else 'ws'}://{split.netloc}/api/v1/ws"
    started = time.perf_counter()
    counselors = await login_counselors(http, target.credentials, args.pairs, timings)
    slots = [c for c in counselors for _ in range(c.free)][: args.pairs]
    log(f"{len(counselors)} counselors logged in; setting up {args.pairs} pairs")
    for batch in chunks(list(enumerate(slots)), args.batch):
        batch_started = time.perf_counter()
        results = await asyncio.gather(
            *(setup_pair(i, http, ws_url, c, tally, timings) for i, c in batch),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, Pair):
                phase.pairs.append(result)
            else:
                phase.setup_failures[f"{type(result).__name__}: {result}"[:200]] += 1
        phase.setup_batch_s.append(round(time.perf_counter() - batch_started, 3))
        failed = sum(phase.setup_failures.values())
        log(f"  {len(phase.pairs)}/{args.pairs} pairs ready ({failed} failed)")
    phase.setup_s = time.perf_counter() - started


async def talk(
    args: argparse.Namespace, target: Target, tally: Tally, phase: Phase, rng: random.Random
) -> None:
    """Every pair talks at once; then wait for what is still on its way."""
    log(
        f"talking: {len(phase.pairs)} pairs x {args.messages} messages per side,"
        f" ~{args.interval} s apart"
    )
    phase.cpu_before = cpu_seconds(target.server_pid)
    phase.talk_start = time.perf_counter()
    talkers = [
        asyncio.create_task(converse(p, args.messages, args.interval, tally, rng))
        for p in phase.pairs
    ]
    try:
        async with asyncio.timeout(args.timeout):
            await asyncio.gather(*talkers)
            tally.finish_sending()
            phase.drained = await tally.drain(args.drain_timeout)
    except TimeoutError:
        phase.timed_out = True
        for task in talkers:
            task.cancel()
        await asyncio.gather(*talkers, return_exceptions=True)
    phase.talk_end = time.perf_counter()
    phase.cpu_after = cpu_seconds(target.server_pid)


async def tear_down(http: httpx.AsyncClient, phase: Phase) -> None:
    """Close the sockets, then end the chats: that frees the counselors again."""
    sides = [peer for p in phase.pairs for peer in (p.chatter_peer, p.counselor_peer)]
    await asyncio.gather(*(peer.close() for peer in sides))
    gate = asyncio.Semaphore(10)

    async def end(pair: Pair) -> bool:
        async with gate:
            return await end_conversation(http, pair.conversation, pair.token)

    ended = await asyncio.gather(*(end(p) for p in phase.pairs))
    phase.not_ended = ended.count(False)


async def run_bench(args: argparse.Namespace, target: Target) -> dict[str, Any]:
    tally, timings, phase = Tally(), Timings(), Phase()
    # No cookie jar: every request carries its credentials explicitly.
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(
        base_url=target.base_url,
        timeout=HTTP_TIMEOUT_S,
        cookies=jar,
        limits=httpx.Limits(max_connections=50),
    ) as http:
        try:
            await set_up(args, target, http, tally, timings, phase)
            if not phase.pairs:
                raise BenchError(f"no pair could be set up: {dict(phase.setup_failures)}")
            await talk(args, target, tally, phase, random.Random(args.seed))
        finally:
            await tear_down(http, phase)
    return summarize(args, tally, timings, phase)


def cpu_seconds(server_pid: int | None) -> tuple[float, float | None]:
    """CPU time used so far by this process and (on Linux) by the server process."""
    server = None
    if server_pid is not None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{server_pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()  # utime and stime are fields 14 and 15
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return time.process_time(), server


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def latency_figures(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return dict.fromkeys(("min", "p50", "p90", "p99", "max", "mean"))
    values = sorted(samples)
    return {
        "min": ms(values[0]),
        "p50": ms(percentile(values, 50)),
        "p90": ms(percentile(values, 90)),
        "p99": ms(percentile(values, 99)),
        "max": ms(values[-1]),
        "mean": ms(sum(values) / len(values)),
    }


def summarize(
    args: argparse.Namespace, tally: Tally, timings: Timings, phase: Phase
) -> dict[str, Any]:
    records = list(tally.sent.values())
    delivery = [r.delivered_at - r.sent_at for r in records if r.delivered_at is not None]
    acks = [r.acked_at - r.sent_at for r in records if r.acked_at is not None]
    acked_not_delivered = sum(
        1 for r in records if r.acked_at is not None and r.delivered_at is None
    )
    # From the first send to the last delivery: the span over which messages/s is taken.
    start = tally.first_send or phase.talk_end
    end = tally.last_delivery or phase.talk_end
    duration = max(end - start, 1e-9)
    server_cpu = None
    if phase.cpu_before[1] is not None and phase.cpu_after[1] is not None:
        server_cpu = round(phase.cpu_after[1] - phase.cpu_before[1], 3)
    return {
        "pairs_requested": args.pairs,
        "pairs": len(phase.pairs),
        "messages_per_side": args.messages,
        "interval_s": args.interval,
        "offered_msgs_per_s": round(len(phase.pairs) / args.interval, 1)
        if args.interval > 0
        else None,
        "counts": {
            "sent": len(records),
            "acked": len(acks),
            "delivered": tally.delivered,
            # Not delivered to the peer by the end of the run (see "drained").
            "lost": len(records) - tally.delivered,
            "acked_not_delivered": acked_not_delivered,
            "duplicates": tally.duplicates,
            "send_failures": tally.send_failures,
            "seq_anomalies": tally.seq_anomalies,
            "unexpected_socket_closes": tally.unexpected_closes,
            "error_frames": dict(tally.errors),
            "setup_failures": dict(phase.setup_failures),
            "conversations_not_ended": phase.not_ended,
        },
        "latency_ms": latency_figures(delivery),
        "ack_latency_ms": latency_figures(acks),
        "msgs_per_s": round(tally.delivered / duration, 1),
        "duration_s": round(duration, 3),
        "drained": phase.drained,
        "timed_out": phase.timed_out,
        "setup_s": round(phase.setup_s, 3),
        "setup_batch_s": phase.setup_batch_s,
        "setup_steps": timings.summary(),
        "cpu_s_while_talking": {
            "wall": round(phase.talk_end - phase.talk_start, 3),
            "bench": round(phase.cpu_after[0] - phase.cpu_before[0], 3),
            "server": server_cpu,
        },
    }


# Targets: a spawned server or a running one -----------------------------------------------


@dataclass
class Target:
    base_url: str
    credentials: Iterable[tuple[str, str]]
    database: dict[str, Any]
    server_pid: int | None = None  # known when spawned: its CPU time is reported
    server_log: dict[str, Any] | None = None


def database_info(url: str, settings: Settings | None = None) -> dict[str, Any]:
    backend = make_url(url).get_backend_name()
    info: dict[str, Any] = {"backend": backend}
    if backend == "sqlite" and settings is not None:
        info["sqlite_synchronous"] = settings.sqlite_synchronous
    return info


def new_password() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


# The TOTP secret of the counselor accounts: the bench's own (it makes them), or
# --counselor-totp-secret for accounts made beforehand.
TOTP_SECRET = {"secret": totp.new_secret()}


def current_code() -> str:
    return totp.code_at(TOTP_SECRET["secret"], totp.step_of(datetime.now(UTC)))


async def create_counselors(settings: Settings, count: int) -> list[tuple[str, str]]:
    """Counselor accounts made through the actions, each with a random password, and TOTP
    on with the bench's secret (each account logs in once, so each code is used once)."""
    run_id = secrets.token_hex(3)
    credentials = [(f"bench-{run_id}-{i + 1}", new_password()) for i in range(count)]
    ctx = build_context(settings)
    try:
        for username, password in credentials:
            await accounts.create_user(ctx, username, password, ["counselor"], max_chats=MAX_CHATS)
            await accounts.install_totp(ctx, username, TOTP_SECRET["secret"])
    finally:
        await ctx.close()
    log(f"created {count} counselor accounts bench-{run_id}-1..{count}")
    return credentials


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def run_keerpunt(args: list[str], env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *KEERPUNT,
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    if process.returncode != 0:
        raise BenchError(f"keerpunt {' '.join(args)} failed: {output.decode()[-500:]}")


def log_tail(path: Path, chars: int = 1000) -> str:
    return path.read_text(errors="replace")[-chars:]


async def wait_healthy(base_url: str, process: asyncio.subprocess.Process, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                tail = log_tail(log_path)
                raise BenchError(f"the server exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise BenchError(f"the server did not answer /healthz within {SERVER_START_TIMEOUT_S} s")


def read_server_log(path: Path) -> dict[str, Any]:
    """Log lines by level, and the first few warnings and errors (their event names)."""
    levels: Counter[str] = Counter()
    samples: list[str] = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            level = str(entry.get("level", "?"))
            event = f"{entry.get('logger')}: {entry.get('event')} {entry.get('error', '')}"
        except (ValueError, AttributeError):
            level, event = "unstructured", line
        levels[level] += 1
        if level not in ("INFO", "DEBUG") and len(samples) < 10 and event not in samples:
            samples.append(event.strip()[:300])
    return {"lines_by_level": dict(levels), "samples": samples}


@contextlib.asynccontextmanager
async def spawned_server(args: argparse.Namespace) -> AsyncIterator[Target]:
    """Keys, schema and counselors in a temporary folder, and `keerpunt serve` on it."""
    workdir = Path(tempfile.mkdtemp(prefix="keerpunt-bench-"))
    data = workdir / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
    env.update(
        KEERPUNT_ENV="development",
        KEERPUNT_ALWAYS_OPEN="true",
        KEERPUNT_DATA_DIR=str(data),
        KEERPUNT_SECRETS_DIR=str(data / "secrets"),
        # Every simulated chatter comes from this one loopback address at machine speed:
        # the abuse limits (S18) would refuse them, and they are not what is measured. A
        # server under test elsewhere (--url) needs them raised the same way.
        KEERPUNT_LIMIT_NEW_CHATS_PER_SOURCE="",
        KEERPUNT_LIMIT_MESSAGES_PER_CHATTER="",
        KEERPUNT_LIMIT_MESSAGES_PER_SOURCE="",
    )
    if args.database_url:
        env["KEERPUNT_DATABASE_URL"] = args.database_url
    # The caller's KEERPUNT_* settings stay out (they may name another database or other
    # keys), except SQLite's durability setting, which is worth comparing runs on.
    if "KEERPUNT_SQLITE_SYNCHRONOUS" in os.environ:
        env["KEERPUNT_SQLITE_SYNCHRONOUS"] = os.environ["KEERPUNT_SQLITE_SYNCHRONOUS"]
    log_path = workdir / "server.log"
    process: asyncio.subprocess.Process | None = None
    target: Target | None = None
    try:
        await run_keerpunt(["keys", "init", "--data-dir", str(data)], env)
        await run_keerpunt(["db", "upgrade"], env)
        settings = Settings(
            env="development",
            data_dir=data,
            database_url=args.database_url or "",
            sqlite_synchronous=env.get("KEERPUNT_SQLITE_SYNCHRONOUS", "FULL"),
            _secrets_dir=data / "secrets",
        )
        credentials = await create_counselors(settings, math.ceil(args.pairs / MAX_CHATS))
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as server_log:
            process = await asyncio.create_subprocess_exec(
                *KEERPUNT,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                env=env,
                stdout=server_log,
                stderr=asyncio.subprocess.STDOUT,
            )
        await wait_healthy(base_url, process, log_path)
        log(f"server pid {process.pid} at {base_url}, data in {data}")
        database = database_info(settings.resolved_database_url(), settings)
        target = Target(base_url, credentials, database, process.pid)
        yield target
    finally:
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                log("the server did not stop within 15 s: killing it")
                process.kill()
                await process.wait()
        if target is not None and log_path.exists():
            target.server_log = read_server_log(log_path)
        if args.keep:
            log(f"kept {workdir} (server.log, data/)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


@contextlib.asynccontextmanager
async def running_server(args: argparse.Namespace) -> AsyncIterator[Target]:
    if args.counselor_password:
        prefix, password = args.counselor_prefix, args.counselor_password
        if args.counselor_totp_secret:
            TOTP_SECRET["secret"] = args.counselor_totp_secret
        # Each account holds at least one chat, so `pairs` accounts are the most it takes.
        credentials: Iterable[tuple[str, str]] = [
            (f"{prefix}{i}", password) for i in range(1, args.pairs + 1)
        ]
        database = database_info(args.database_url) if args.database_url else {"backend": "unknown"}
    else:
        # The server's own settings where this shell has them; creating an account needs the
        # database only, so without usable secrets here a bare development context will do.
        try:
            settings = load_settings().model_copy(update={"database_url": args.database_url})
            settings.check()
        except ConfigError:
            settings = Settings(env="development", database_url=args.database_url)
        credentials = await create_counselors(settings, math.ceil(args.pairs / MAX_CHATS))
        database = database_info(args.database_url, settings)
    yield Target(args.url.rstrip("/"), credentials, database)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server: Callable[[argparse.Namespace], contextlib.AbstractAsyncContextManager[Target]]
    server = spawned_server if args.spawn else running_server
    async with server(args) as target:
        result = await run_bench(args, target)
        result["mode"] = "spawn" if args.spawn else "url"
        result["database"] = target.database
    # The server log is read once the spawned server has stopped.
    result["server_log"] = target.server_log
    return result


# Report -----------------------------------------------------------------------------------


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(  # noqa: S603
                ["git", *args],  # noqa: S607
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def report(result: dict[str, Any], output: Path) -> dict[str, Any]:
    final = {
        "benchmark": "chat_latency",
        "timestamp_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        **result,
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "git": git_commit(),
        },
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(final, indent=2) + "\n")
    return final


def print_summary(final: dict[str, Any], output: Path) -> None:
    counts, lat, ack = final["counts"], final["latency_ms"], final["ack_latency_ms"]
    print(
        f"chat latency: {final['pairs']} pairs x {final['messages_per_side']} messages per side"
        f" on {final['database'].get('backend')} ({final['mode']})\n"
        f"  sent {counts['sent']}, delivered {counts['delivered']}, lost {counts['lost']},"
        f" duplicates {counts['duplicates']}, error frames {sum(counts['error_frames'].values())}\n"
        f"  send->delivery ms: p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}"
        f"  max {lat['max']}  mean {lat['mean']}\n"
        f"  send->ack ms:      p50 {ack['p50']}  p90 {ack['p90']}  p99 {ack['p99']}"
        f"  max {ack['max']}\n"
        f"  {final['msgs_per_s']} messages/s delivered over {final['duration_s']} s;"
        f" setup took {final['setup_s']} s"
    )
    if counts["setup_failures"]:
        print(f"  setup failures: {counts['setup_failures']}")
    if final["timed_out"]:
        print("  the run hit --timeout: figures cover what was delivered until then")
    elif not final["drained"]:
        print("  deliveries stopped coming with messages outstanding (--drain-timeout)")
    cpu = final["cpu_s_while_talking"]
    print(
        f"  CPU while talking: bench {cpu['bench']} s, server {cpu['server']} s in {cpu['wall']} s"
    )
    print(f"  written to {output}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Send-to-delivery latency of chat messages over WebSockets.",
        epilog="See the module docstring for the three ways to run it.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--spawn", action="store_true", help="start a throwaway server")
    where.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--pairs", type=int, default=100, help="chatter/counselor pairs")
    parser.add_argument("--messages", type=int, default=20, help="messages each side sends")
    parser.add_argument(
        "--interval", type=float, default=0.2, help="mean pause between turns, s (jittered ±50%%)"
    )
    parser.add_argument("--batch", type=int, default=10, help="pairs set up at the same time")
    parser.add_argument(
        "--database-url",
        help="--url: the server's database, to create counselor accounts in;"
        " --spawn: use this database instead of SQLite in a temporary folder",
    )
    parser.add_argument(
        "--counselor-prefix", default="bench-", help="existing accounts PREFIX1, PREFIX2, ..."
    )
    parser.add_argument("--counselor-password", help="the password of those accounts")
    parser.add_argument(
        "--counselor-totp-secret", help="the TOTP secret (base32) of those accounts"
    )
    parser.add_argument(
        "--timeout", type=float, default=180, help="bound on talking and draining, s"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=15,
        help="after the last send, give up once no ack or delivery came for this long, s",
    )
    parser.add_argument("--seed", type=int, help="seed for the jitter")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results file")
    parser.add_argument("--keep", action="store_true", help="--spawn: keep the temporary folder")
    args = parser.parse_args(argv)
    if args.url and not (args.database_url or args.counselor_password):
        parser.error("--url needs --database-url or --counselor-password")
    if args.pairs < 1 or args.messages < 1 or args.batch < 1 or args.interval < 0:
        parser.error("--pairs, --messages and --batch are at least 1, --interval at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = asyncio.run(run(args))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    final = report(result, args.output)
    print_summary(final, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
