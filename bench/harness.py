"""What the socket benchmarks share: a throwaway server, the bare reference, process
figures from /proc, the load generator's watchdog, machine facts and the results.

The benchmarks (idle_sockets.py, chat_traffic.py, durable_writes.py) import this module;
bench/suite.py runs them and writes the table in docs/performance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
KEERPUNT = (sys.executable, "-m", "keerpunt")
REFERENCE = (sys.executable, str(REPO / "bench" / "reference.py"))
SERVER_START_TIMEOUT_S = 60.0
ADMIN_DSN = os.environ.get("KEERPUNT_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KEERPUNT_TEST_REDIS", "redis://127.0.0.1:6379/0")

# The generator is the limit when its event loop falls this far behind (p99 of the lag
# sampled every 10 ms), or when it used this share of one core over the run.
LAG_SAMPLE_S = 0.010
REJECT_LAG_P99_MS = 20.0
REJECT_CPU_SHARE = 0.90


class BenchError(Exception):
    """The run cannot go on; the message says why."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Figures ----------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def latency_ms(samples: list[float]) -> dict[str, float | int | None]:
    """p50/p99/p99.9/max of durations in seconds, in milliseconds."""
    if not samples:
        return {"count": 0, "p50": None, "p99": None, "p99_9": None, "max": None}
    values = sorted(samples)
    return {
        "count": len(values),
        "p50": round(percentile(values, 50) * 1000, 2),
        "p99": round(percentile(values, 99) * 1000, 2),
        "p99_9": round(percentile(values, 99.9) * 1000, 2),
        "max": round(values[-1] * 1000, 2),
    }


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference == 0:
        return None
    return round(value / reference, 2)


# Processes --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process so far (Linux), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process (VmRSS), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fd_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def raise_fd_limit() -> int:
    """Lift the soft open-file limit to the hard one (children inherit it)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# The load generator's watchdog ------------------------------------------------------------


@dataclass
class Watchdog:
    """Samples this process's event loop lag every 10 ms and its CPU time, so a run can
    say whether the generator, not the server, was the limit."""

    lags: list[float] = field(default_factory=list)
    started_wall: float = 0.0
    started_cpu: float = 0.0
    stopped_wall: float = 0.0
    stopped_cpu: float = 0.0
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.lags.clear()
        self.started_wall, self.started_cpu = time.monotonic(), time.process_time()
        self.task = asyncio.get_running_loop().create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(LAG_SAMPLE_S)
            self.lags.append(max(0.0, time.monotonic() - before - LAG_SAMPLE_S))

    async def stop(self) -> dict[str, Any]:
        self.stopped_wall, self.stopped_cpu = time.monotonic(), time.process_time()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        return self.summary()

    def summary(self) -> dict[str, Any]:
        wall = max(self.stopped_wall - self.started_wall, 1e-9)
        values = sorted(self.lags)
        return {
            "samples": len(values),
            "lag_p99_ms": round(percentile(values, 99) * 1000, 2) if values else None,
            "lag_max_ms": round(values[-1] * 1000, 2) if values else None,
            "cpu_s": round(self.stopped_cpu - self.started_cpu, 3),
            "wall_s": round(wall, 3),
            "cpu_share": round((self.stopped_cpu - self.started_cpu) / wall, 3),
        }


def verdict(generators: list[dict[str, Any]]) -> dict[str, Any]:
    """Rejected when any generator process was the limit; the reason says which and why."""
    reasons = []
    for index, g in enumerate(generators):
        if g.get("lag_p99_ms") is not None and g["lag_p99_ms"] > REJECT_LAG_P99_MS:
            reasons.append(f"generator {index}: loop lag p99 {g['lag_p99_ms']} ms")
        if g.get("cpu_share", 0) > REJECT_CPU_SHARE:
            reasons.append(f"generator {index}: CPU {round(100 * g['cpu_share'])}%")
    lags = [g["lag_p99_ms"] for g in generators if g.get("lag_p99_ms") is not None]
    return {
        "rejected": bool(reasons),
        "reason": "; ".join(reasons) or None,
        "lag_p99_ms_worst": max(lags) if lags else None,
        "cpu_share_worst": max((g.get("cpu_share", 0) for g in generators), default=None),
        "rule": f"lag p99 > {REJECT_LAG_P99_MS} ms or CPU > {round(100 * REJECT_CPU_SHARE)}%",
        "processes": generators,
    }


# Servers ----------------------------------------------------------------------------------


async def wait_healthy(
    base_url: str, process: asyncio.subprocess.Process, log_path: Path, path: str = "/healthz"
) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                tail = log_path.read_text(errors="replace")[-1000:]  # noqa: ASYNC240
                raise BenchError(f"the server exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(path)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise BenchError(f"the server did not answer {path} within {SERVER_START_TIMEOUT_S} s")


async def stop_process(process: asyncio.subprocess.Process | None) -> None:
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        log(f"pid {process.pid} did not stop within 20 s: killing it")
        process.kill()
        await process.wait()


def read_server_log(path: Path) -> dict[str, Any]:
    """Log lines by level, and the first few warnings and errors."""
    levels: Counter[str] = Counter()
    samples: list[str] = []
    if not path.exists():
        return {}
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


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on the local PostgreSQL for one run; dropped afterwards."""
    import psycopg

    name = f"keerpunt_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {ADMIN_DSN}: {str(exc).splitlines()[0]}") from exc
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    user = info.get("user") or os.environ.get("USER") or "root"
    try:
        yield f"postgresql+psycopg://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix of its own on the local Redis for one run; its keys are deleted
    afterwards."""
    import redis

    prefix = f"keerpunt-bench-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise BenchError(f"Redis at {REDIS_URL}: {exc}") from exc
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()


class KeerpuntServer:
    """`keerpunt serve` on a fresh database in a temporary folder, limits off; it can be
    stopped and started again on the same data."""

    def __init__(self, *, database_url: str = "", extra_env: dict[str, str] | None = None) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="keerpunt-bench-"))
        self.data = self.workdir / "data"
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.log_path = self.workdir / "server.log"
        self.process: asyncio.subprocess.Process | None = None
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
        env.update(
            KEERPUNT_ENV="development",
            KEERPUNT_ALWAYS_OPEN="true",
            KEERPUNT_DATA_DIR=str(self.data),
            KEERPUNT_SECRETS_DIR=str(self.data / "secrets"),
            # Every simulated client comes from loopback at machine speed: the abuse limits
            # (S18) and the per-socket frame budget (S09) would refuse them, and they are
            # not what is measured.
            KEERPUNT_LIMIT_NEW_CHATS_PER_SOURCE="",
            KEERPUNT_LIMIT_MESSAGES_PER_CHATTER="",
            KEERPUNT_LIMIT_MESSAGES_PER_SOURCE="",
            KEERPUNT_SOCKET_FRAMES_PER_SECOND="100000",
            KEERPUNT_SOCKET_FRAME_BURST="100000",
        )
        if database_url:
            env["KEERPUNT_DATABASE_URL"] = database_url
        if "KEERPUNT_SQLITE_SYNCHRONOUS" in os.environ:
            env["KEERPUNT_SQLITE_SYNCHRONOUS"] = os.environ["KEERPUNT_SQLITE_SYNCHRONOUS"]
        env.update(extra_env or {})
        self.env = env

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError("the server is not running")
        return self.process.pid

    def settings(self) -> Any:
        from keerpunt.config import Settings

        return Settings(
            env="development",
            data_dir=self.data,
            database_url=self.database_url,
            sqlite_synchronous=self.env.get("KEERPUNT_SQLITE_SYNCHRONOUS", "FULL"),
            _secrets_dir=self.data / "secrets",
        )

    async def _keerpunt(self, *args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *KEERPUNT,
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        if process.returncode != 0:
            raise BenchError(f"keerpunt {' '.join(args)} failed: {output.decode()[-500:]}")

    async def prepare(self) -> None:
        await self._keerpunt("keys", "init", "--data-dir", str(self.data))
        await self._keerpunt("db", "upgrade")

    async def start(self) -> float:
        """Start serving; the seconds until /healthz answered."""
        started = time.monotonic()
        with self.log_path.open("ab") as server_log:
            self.process = await asyncio.create_subprocess_exec(
                *KEERPUNT,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                env=self.env,
                stdout=server_log,
                stderr=asyncio.subprocess.STDOUT,
            )
        await wait_healthy(self.base_url, self.process, self.log_path)
        return time.monotonic() - started

    async def stop(self) -> None:
        await stop_process(self.process)

    def cleanup(self, keep: bool = False) -> dict[str, Any]:
        summary = read_server_log(self.log_path)
        if keep:
            log(f"kept {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return summary


@contextlib.asynccontextmanager
async def keerpunt_server(
    *, database_url: str = "", extra_env: dict[str, str] | None = None, keep: bool = False
) -> AsyncIterator[KeerpuntServer]:
    server = KeerpuntServer(database_url=database_url, extra_env=extra_env)
    try:
        await server.prepare()
        await server.start()
        log(f"keerpunt pid {server.pid} at {server.base_url}")
        yield server
    finally:
        await server.stop()
        server.cleanup(keep)


class ReferenceServer:
    """bench/reference.py: a bare ASGI socket app on the same uvicorn settings."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.log_path = Path(tempfile.mkstemp(prefix="keerpunt-reference-", suffix=".log")[1])
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError("the reference server is not running")
        return self.process.pid

    async def start(self) -> float:
        started = time.monotonic()
        with self.log_path.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *REFERENCE,
                "--mode",
                self.mode,
                "--port",
                str(self.port),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        await wait_healthy(self.base_url, self.process, self.log_path)
        return time.monotonic() - started

    async def stop(self) -> None:
        await stop_process(self.process)


@contextlib.asynccontextmanager
async def reference_server(mode: str) -> AsyncIterator[ReferenceServer]:
    server = ReferenceServer(mode)
    try:
        await server.start()
        log(f"reference ({mode}) pid {server.pid} at {server.base_url}")
        yield server
    finally:
        await server.stop()
        server.log_path.unlink(missing_ok=True)


# Set-up through the API and the database --------------------------------------------------


async def start_conversations(
    base_url: str, count: int, parallel: int = 20
) -> list[dict[str, str]]:
    """`count` waiting conversations, each with its chatter token: [{id, token}]."""
    gate = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:

        async def one() -> dict[str, str]:
            async with gate:
                response = await http.post("/api/v1/conversations", json={"visitor": "youth"})
            if response.status_code != 201:
                raise BenchError(f"start a conversation: HTTP {response.status_code}")
            data = response.json()
            return {"id": str(data["id"]), "token": str(data["token"])}

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def mint_chatter_tickets(
    settings: Any, conversations: list[str], per_conversation: int
) -> dict[str, list[str]]:
    """Socket tickets written straight into the database, for the chatters of the given
    conversations: {conversation: [ticket, ...]}. The HTTP route makes one write
    transaction (an fsync) per ticket, which at 20,000 sockets would be the thing measured.
    They last an hour, not 60 s: the set-up of a large run takes longer than that."""
    from sqlalchemy import insert, select

    from keerpunt.chat.models import Conversation
    from keerpunt.context import build_context
    from keerpunt.privacy.tokens import new_token
    from keerpunt.realtime.actions import TICKET_PURPOSE
    from keerpunt.realtime.models import SocketTicket

    ctx = build_context(settings)
    tickets: dict[str, list[str]] = {}
    try:
        async with ctx.read() as session:
            rows = (
                await session.execute(
                    select(Conversation.id, Conversation.chatter_id).where(
                        Conversation.id.in_(conversations)
                    )
                )
            ).all()
        chatter_of = {str(r.id): str(r.chatter_id) for r in rows}
        expires = ctx.clock.now() + timedelta(hours=1)
        batch: list[dict[str, Any]] = []
        for conversation in conversations:
            for _ in range(per_conversation):
                ticket = new_token()
                tickets.setdefault(conversation, []).append(ticket)
                batch.append(
                    {
                        "id_hash": ctx.hasher.digest(ticket, TICKET_PURPOSE),
                        "chatter_id": chatter_of[conversation],
                        "expires_at": expires,
                    }
                )
        for start in range(0, len(batch), 2000):
            async with ctx.write() as tx:
                await tx.session.execute(insert(SocketTicket), batch[start : start + 2000])
    finally:
        await ctx.close()
    return tickets


async def stored_messages(settings: Any, conversations: list[str]) -> dict[str, int]:
    """{client_id: rows} of the messages stored in these conversations."""
    from sqlalchemy import func, select

    from keerpunt.chat.models import Message
    from keerpunt.context import build_context

    ctx = build_context(settings)
    counts: dict[str, int] = {}
    try:
        async with ctx.read() as session:
            for start in range(0, len(conversations), 500):
                rows = await session.execute(
                    select(Message.client_id, func.count())
                    .where(Message.conversation_id.in_(conversations[start : start + 500]))
                    .group_by(Message.conversation_id, Message.client_id)
                )
                for client_id, count in rows.all():
                    counts[str(client_id)] = counts.get(str(client_id), 0) + int(count)
    finally:
        await ctx.close()
    return counts


# Machine facts and results ----------------------------------------------------------------


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


def machine() -> dict[str, Any]:
    cpu_model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    ram_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    load = None
    with contextlib.suppress(OSError):
        load = [round(x, 2) for x in os.getloadavg()]
    status = git("status", "--porcelain")
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "fd_limit": fd_limit(),
        "load_before": load,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty": None if status is None else bool(status),
    }


def write_result(name: str, result: dict[str, Any], output: Path | None = None) -> Path:
    path = output or RESULTS / f"{name}.json"
    final = {
        "benchmark": name,
        "timestamp_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        **result,
        "machine": machine(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(final, indent=2) + "\n")
    return path


def run_benchmark(
    name: str,
    work: Coroutine[Any, Any, dict[str, Any]],
    output: Path | None,
    summary: Callable[[dict[str, Any], Path], str],
) -> int:
    """A benchmark's command line: run it, write its results file, print its summary;
    a BenchError is one line and exit status 1, never a traceback."""
    try:
        result = asyncio.run(work)
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    path = write_result(name, result, output)
    print(summary(result, path))
    return 0


def new_client_id() -> str:
    return str(uuid.uuid4())


def run_id() -> str:
    return secrets.token_hex(3)


# Counselors -------------------------------------------------------------------------------

SESSION_COOKIES = ("__Host-keerpunt_session", "keerpunt_session")


@dataclass
class Counselor:
    username: str
    cookie: str  # "name=value", sent by hand: httpx keeps no Secure cookie on plain HTTP
    csrf: str
    free: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}


async def counselors(
    settings: Any, base_url: str, count: int, max_chats: int = 20
) -> list[Counselor]:
    """`count` counselor accounts made through the actions (TOTP on with a secret made
    here), each logged in once over HTTP."""
    from keerpunt.accounts import actions as accounts
    from keerpunt.accounts import totp
    from keerpunt.context import build_context

    secret = totp.new_secret()
    prefix = f"bench-{run_id()}"
    credentials = [(f"{prefix}-{i + 1}", secrets.token_urlsafe(18)) for i in range(count)]
    ctx = build_context(settings)
    try:
        for username, password in credentials:
            await accounts.create_user(ctx, username, password, ["counselor"], max_chats=max_chats)
            await accounts.install_totp(ctx, username, secret)
    finally:
        await ctx.close()

    async def login(http: httpx.AsyncClient, username: str, password: str) -> Counselor:
        code = totp.code_at(secret, totp.step_of(datetime.now(UTC)))
        response = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": password, "totp": code}
        )
        if response.status_code != 200:
            raise BenchError(f"login {username}: HTTP {response.status_code}")
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name.strip() in SESSION_COOKIES:
                cookie = f"{name.strip()}={rest.split(';', 1)[0]}"
                return Counselor(username, cookie, response.json()["csrf_token"], max_chats)
        raise BenchError("login answered 200 but set no session cookie")

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return list(await asyncio.gather(*(login(http, u, p) for u, p in credentials)))
