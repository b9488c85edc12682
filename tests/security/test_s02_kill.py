"""SECURITY.md S02: the server process is killed with SIGKILL at random moments while 20
clients (10 over HTTP, 10 over sockets) send 50 messages each. Clients retry what was not
acknowledged, with the same client_id, until it is. Afterwards: no acknowledged message is
missing, nothing is stored twice, seq is contiguous, and every message is stored once.

The clients' progress is tied to the kill count, so the kills fall across the whole run
rather than all before or after the sending. SIGTERM, by contrast, closes sockets with
1001 or 1012 and the client resumes after the restart.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from keerpunt.config import Settings
from keerpunt.db import migrate
from tests.databases import database
from tests.live import ServerProcess, http_client, own_origin

pytestmark = pytest.mark.slow

CLIENTS = int(os.environ.get("KEERPUNT_KILL_CLIENTS", "20"))
MESSAGES = int(os.environ.get("KEERPUNT_KILL_MESSAGES", "50"))
KILLS = int(os.environ.get("KEERPUNT_KILL_COUNT", "30"))
TRANSIENT = (httpx.HTTPError, OSError, WebSocketException, TimeoutError, KeyError)


@dataclass
class Client:
    transport: str
    token: str = ""
    conversation: str = ""
    sent: list[str] = field(default_factory=list)  # client_ids in the order sent
    acked: dict[str, int] = field(default_factory=dict)
    retries: int = 0


@dataclass
class Run:
    kills: int = 0
    done: bool = False


async def _start_chat(http: httpx.AsyncClient, client: Client) -> None:
    while True:
        try:
            response = await http.post("/api/v1/conversations", json={"visitor": "youth"})
            if response.status_code == 201:
                client.token = response.json()["token"]
                client.conversation = response.json()["id"]
                return
        except TRANSIENT:
            pass
        # A chat created just before a kill but never answered is simply abandoned.
        await asyncio.sleep(0.1)


async def _gate(run: Run, index: int) -> None:
    """Message `index` waits until enough kills happened, spreading kills over sending."""
    while not run.done and run.kills < (index * KILLS) // MESSAGES:
        await asyncio.sleep(0.02)


async def _http_client(url: str, client: Client, run: Run) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        await _start_chat(http, client)
        headers = {"Authorization": f"Bearer {client.token}"}
        for index in range(MESSAGES):
            await _gate(run, index)
            client_id = str(uuid.uuid4())
            client.sent.append(client_id)
            while client_id not in client.acked:
                try:
                    response = await http.post(
                        f"/api/v1/conversations/{client.conversation}/messages",
                        json={"client_id": client_id, "body": f"bericht {index}"},
                        headers=headers,
                    )
                    if response.status_code in (200, 201):
                        client.acked[client_id] = response.json()["seq"]
                        continue
                except TRANSIENT:
                    pass
                client.retries += 1
                await asyncio.sleep(random.uniform(0.02, 0.1))


async def _socket_client(url: str, ws_url: str, client: Client, run: Run) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        await _start_chat(http, client)
        headers = {"Authorization": f"Bearer {client.token}"}
        index = 0
        while index < MESSAGES:
            try:
                ticket = (await http.post("/api/v1/ws-ticket", headers=headers)).json()["ticket"]
                async with connect(
                    ws_url, open_timeout=5, close_timeout=1, origin=own_origin(url)
                ) as sock:
                    await sock.send(json.dumps({"type": "hello", "ticket": ticket}))
                    while index < MESSAGES:
                        await _gate(run, index)
                        if len(client.sent) == index:
                            client.sent.append(str(uuid.uuid4()))
                        client_id = client.sent[index]
                        await sock.send(
                            json.dumps(
                                {
                                    "type": "send",
                                    "conversation": client.conversation,
                                    "client_id": client_id,
                                    "body": f"bericht {index}",
                                }
                            )
                        )
                        while client_id not in client.acked:
                            frame = json.loads(await asyncio.wait_for(sock.recv(), 5))
                            if frame["type"] == "ack" and frame["client_id"] == client_id:
                                client.acked[client_id] = frame["seq"]
                        index += 1
            except (*TRANSIENT, ConnectionClosed):
                client.retries += 1
                await asyncio.sleep(random.uniform(0.02, 0.1))


async def _killer(server: ServerProcess, run: Run, clients: list[Client]) -> None:
    while run.kills < KILLS or not all(len(c.acked) == MESSAGES for c in clients):
        if run.kills < KILLS:
            await asyncio.sleep(random.uniform(0.1, 0.8))
            server.signal(signal.SIGKILL)
            run.kills += 1
            await server.start()
        else:
            await asyncio.sleep(0.05)
    run.done = True


@pytest.fixture
def kill_settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    from tests.conftest import NO_ABUSE_LIMITS, make_settings

    with database(backend, tmp_path) as url:
        migrate.upgrade(url)
        yield make_settings(url, **NO_ABUSE_LIMITS)


async def test_s02_sigkill_loses_and_doubles_nothing(
    kill_settings: Settings, tmp_path: Path
) -> None:
    server = ServerProcess(kill_settings, tmp_path / "server.log")
    await server.start()
    try:
        run = Run()
        clients = [Client("http" if n % 2 == 0 else "socket") for n in range(CLIENTS)]
        ws_url = server.url.replace("http", "ws") + "/api/v1/ws"
        tasks = [
            _http_client(server.url, c, run)
            if c.transport == "http"
            else _socket_client(server.url, ws_url, c, run)
            for c in clients
        ]
        await asyncio.wait_for(asyncio.gather(_killer(server, run, clients), *tasks), 600)

        lost = doubled = 0
        async with http_client(server.url) as http:
            for client in clients:
                response = await http.get(
                    f"/api/v1/conversations/{client.conversation}/messages",
                    headers={"Authorization": f"Bearer {client.token}"},
                )
                stored = response.json()["messages"]
                ids = [m["client_id"] for m in stored]
                lost += sum(1 for cid, seq in client.acked.items() if ids.count(cid) == 0)
                doubled += len(ids) - len(set(ids))
                assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
                assert ids == client.sent
                assert {cid: client.acked[cid] for cid in ids} == {
                    m["client_id"]: m["seq"] for m in stored
                }
        total = sum(len(c.acked) for c in clients)
        retries = sum(c.retries for c in clients)
        print(
            f"\nS02 kill test: kills={run.kills} messages={total} lost={lost} "
            f"doubled={doubled} retries={retries}"
        )
        assert run.kills >= KILLS
        assert total == CLIENTS * MESSAGES
        assert lost == doubled == 0
    finally:
        server.stop()


async def test_s02_sigterm_closes_sockets_and_clients_resume(
    kill_settings: Settings, tmp_path: Path
) -> None:
    server = ServerProcess(kill_settings, tmp_path / "server.log")
    await server.start()
    try:
        async with http_client(server.url) as http:
            chat = (await http.post("/api/v1/conversations")).json()
            headers = {"Authorization": f"Bearer {chat['token']}"}
            ws_url = server.url.replace("http", "ws") + "/api/v1/ws"
            ticket = (await http.post("/api/v1/ws-ticket", headers=headers)).json()["ticket"]
            sock = await connect(ws_url, origin=own_origin(server.url))
            await sock.send(json.dumps({"type": "hello", "ticket": ticket}))
            assert json.loads(await sock.recv())["type"] == "ready"
            await sock.send(
                json.dumps({"type": "subscribe", "conversation": chat["id"], "after_seq": 0})
            )
            server.signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(sock.recv(), 10)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code in (1001, 1012)

            await server.start()
            client_id = str(uuid.uuid4())
            sent = await http.post(
                f"/api/v1/conversations/{chat['id']}/messages",
                json={"client_id": client_id, "body": "na de herstart"},
                headers=headers,
            )
            assert sent.status_code == 201
            ticket = (await http.post("/api/v1/ws-ticket", headers=headers)).json()["ticket"]
            async with connect(ws_url, origin=own_origin(server.url)) as again:
                await again.send(json.dumps({"type": "hello", "ticket": ticket}))
                await again.send(
                    json.dumps({"type": "subscribe", "conversation": chat["id"], "after_seq": 0})
                )
                while True:
                    frame = json.loads(await asyncio.wait_for(again.recv(), 5))
                    if frame["type"] == "message":
                        break
            assert (frame["seq"], frame["client_id"]) == (1, client_id)
    finally:
        server.stop()
