"""SECURITY.md S07: a hypothesis state machine over the real write path, the real bus and
the real delivery rule, on a real SQLite file.

The machine sends from both sides, loses acks (so the client retries), restarts the server
(a new context: new bus, new connections, nothing kept in memory), drops the client's
connection (it resumes from the last seq it holds), and delivers bus events twice and out
of order. After every step the client's view must be a prefix of the stored conversation,
in order, without a gap or a double; every acknowledged message must be stored exactly
once; and once all retries are through, every message ever sent is stored exactly once.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import select

from keerpunt.accounts.principals import ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.chat import actions as chat
from keerpunt.chat import reads
from keerpunt.chat.models import Message
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.db import migrate
from keerpunt.realtime.bus import Lagged, Subscription
from keerpunt.realtime.delivery import Decision, Stream
from keerpunt.realtime.events import MessageOut, conversation_channel
from tests.conftest import NO_ABUSE_LIMITS, make_settings
from tests.live import make_staff

_TEMPLATE: Path | None = None


def _template_database() -> Path:
    """One migrated database file, copied for every example: migrating each time is slow."""
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="keerpunt-s07-"))
        _TEMPLATE = folder / "template.db"
        migrate.upgrade(f"sqlite+aiosqlite:///{_TEMPLATE}")
    return _TEMPLATE


class DeliveryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="keerpunt-s07-"))
        database = self.folder / "keerpunt.db"
        shutil.copy(_template_database(), database)
        self.settings: Settings = make_settings(
            f"sqlite+aiosqlite:///{database}", **NO_ABUSE_LIMITS
        )
        self.ctx: Context = build_context(self.settings)
        self.subscription: Subscription | None = None
        self.inbox: list[MessageOut] = []  # bus events not yet handed to the client
        self.stream = Stream(0)
        self.received: list[tuple[int, str, str]] = []  # what the client shows, in order
        self.pending: dict[str, tuple[str, str]] = {}  # client_id -> (side, body), unacked
        self.acked: dict[str, int] = {}
        self.sent_bodies: dict[str, str] = {}

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    @initialize()
    def open_conversation(self) -> None:
        async def setup() -> tuple[Principal, Principal, str]:
            user = await make_staff(self.ctx, "anna")
            started = await chat.start_conversation(self.ctx, None)
            staff = StaffPrincipal(user.id, user.username, user.role_names, "s07")
            await chat.accept(self.ctx, staff, started.conversation.id)
            return ChatterPrincipal(started.conversation.chatter_id), staff, started.conversation.id

        self.chatter, self.staff, self.conversation = self.run(setup())
        self._connect()

    # Transport ---------------------------------------------------------------------

    def _connect(self) -> None:
        """Listen on the bus, then catch up from the last seq held: the subscribe path."""

        async def listen() -> Subscription:
            subscription = self.ctx.bus.subscription()
            await subscription.add(conversation_channel(self.conversation))
            return subscription

        self.subscription = self.run(listen())
        self.inbox = []
        self._catch_up()

    def _catch_up(self) -> None:
        while True:
            _, messages, more = self.run(
                reads.messages_after(self.ctx, self.chatter, self.conversation, self.stream.last)
            )
            for message in messages:
                self._show(message)
            if not more:
                return

    def _show(self, message: MessageOut) -> None:
        self.stream.delivered(message.seq)
        self.received.append((message.seq, message.client_id, message.body))

    def _drain_bus(self) -> None:
        assert self.subscription is not None

        async def drain(subscription: Subscription) -> list[MessageOut | Lagged]:
            items: list[MessageOut | Lagged] = []
            while True:
                try:
                    item = await asyncio.wait_for(subscription.get(), 0.001)
                except TimeoutError:
                    return items
                if isinstance(item, Lagged):
                    items.append(item)
                elif isinstance(item[1], MessageOut):
                    items.append(item[1])

        for item in self.run(drain(self.subscription)):
            if isinstance(item, Lagged):
                self._catch_up()
            else:
                self.inbox.append(item)

    # Rules -------------------------------------------------------------------------

    @rule(side=st.sampled_from(["chatter", "counselor"]), ack_lost=st.booleans())
    def send(self, side: str, ack_lost: bool) -> None:
        client_id = str(uuid.uuid4())
        body = f"{side} {len(self.sent_bodies)}"
        self.sent_bodies[client_id] = body
        self.pending[client_id] = (side, body)
        self._attempt(client_id, ack_lost)

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data(), ack_lost=st.booleans())
    def retry(self, data: st.DataObject, ack_lost: bool) -> None:
        client_id = data.draw(st.sampled_from(sorted(self.pending)))
        self._attempt(client_id, ack_lost)

    def _attempt(self, client_id: str, ack_lost: bool) -> None:
        side, body = self.pending[client_id]
        principal = self.chatter if side == "chatter" else self.staff
        sent = self.run(chat.send_message(self.ctx, principal, self.conversation, client_id, body))
        assert sent.message.body == self.sent_bodies[client_id]
        if client_id in self.acked:
            assert sent.message.seq == self.acked[client_id]
        if not ack_lost:
            self.acked[client_id] = sent.message.seq
            del self.pending[client_id]
        self._drain_bus()

    @precondition(lambda self: bool(self.inbox))
    @rule(data=st.data(), duplicate=st.booleans())
    def deliver(self, data: st.DataObject, duplicate: bool) -> None:
        """Hand the client any waiting event, in any order, possibly more than once."""
        index = data.draw(st.integers(0, len(self.inbox) - 1))
        event = self.inbox[index] if duplicate else self.inbox.pop(index)
        decision = self.stream.decide(event.seq)
        if decision is Decision.DELIVER:
            self._show(event)
        elif decision is Decision.GAP:
            self._catch_up()

    @rule()
    def drop_connection(self) -> None:
        """The phone loses its connection; what was in flight is gone. It resumes."""

        async def close(subscription: Subscription) -> None:
            await subscription.close()

        assert self.subscription is not None
        self.run(close(self.subscription))
        self._connect()

    @rule()
    def restart_server(self) -> None:
        """A new process: new bus, new pool. Only the database remains."""
        self.run(self.ctx.close())
        self.ctx = build_context(self.settings)
        self._connect()

    # Invariants --------------------------------------------------------------------

    def _stored(self) -> list[tuple[int, str, str]]:
        async def load() -> list[tuple[int, str, str]]:
            async with self.ctx.read() as session:
                rows = await session.scalars(
                    select(Message)
                    .where(Message.conversation_id == self.conversation)
                    .order_by(Message.seq)
                )
                return [(m.seq, m.client_id, self.ctx.keyring.open(m.body, m.aad())) for m in rows]

        return list(self.run(load()))

    @invariant()
    def client_view_is_an_exact_prefix(self) -> None:
        if not hasattr(self, "conversation"):
            return
        stored = self._stored()
        assert [seq for seq, _, _ in stored] == list(range(1, len(stored) + 1))
        assert self.received == stored[: len(self.received)]
        assert self.stream.last == len(self.received)
        stored_ids = [client_id for _, client_id, _ in stored]
        assert len(stored_ids) == len(set(stored_ids))
        for client_id, seq in self.acked.items():
            assert stored[seq - 1][1] == client_id

    def teardown(self) -> None:
        try:
            if hasattr(self, "conversation"):
                for client_id in list(self.pending):
                    self._attempt(client_id, ack_lost=False)
                self._drain_bus()
                self._catch_up()
                stored = self._stored()
                ids = [client_id for _, client_id, _ in stored]
                assert set(self.sent_bodies) <= set(ids)
                assert len(ids) == len(set(ids))
                assert self.received == stored
        finally:
            self.run(self.ctx.close())
            self.loop.close()
            shutil.rmtree(self.folder, ignore_errors=True)


DeliveryMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_s07_delivery_state_machine = DeliveryMachine.TestCase
