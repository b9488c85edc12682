"""Canned replies: every change goes through here."""

from __future__ import annotations

import tomllib
from datetime import datetime
from importlib import resources

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.canned import store
from keerpunt.canned.models import CannedResponse
from keerpunt.canned.schemas import CannedWrite
from keerpunt.context import Context
from keerpunt.core.errors import Conflict, NotFound

NOT_FOUND = "no such canned reply"


def shipped() -> list[CannedWrite]:
    text = (resources.files("keerpunt") / "data" / "canned.toml").read_text(encoding="utf-8")
    return TypeAdapter(list[CannedWrite]).validate_python(tomllib.loads(text)["reply"])


async def ensure_defaults(ctx: Context) -> None:
    """The shipped replies, into a database that has none yet."""
    async with ctx.read() as session:
        if await store.count(session) > 0:
            return
    try:
        async with ctx.write() as tx:
            now = ctx.clock.now()
            for position, reply in enumerate(shipped(), start=1):
                tx.session.add(_row(reply, position, now))
    except IntegrityError:
        pass  # another process seeded them at the same moment


def _row(reply: CannedWrite, position: int, now: datetime) -> CannedResponse:
    return CannedResponse(
        key=reply.key,
        title_nl=reply.title.nl,
        title_en=reply.title.en,
        body_nl=reply.body.nl,
        body_en=reply.body.en,
        position=position,
        created_at=now,
        updated_at=now,
    )


async def create(ctx: Context, staff: StaffPrincipal, reply: CannedWrite) -> CannedResponse:
    access.require(staff, "canned.admin")
    async with ctx.write() as tx:
        if await store.by_key(tx.session, reply.key) is not None:
            raise Conflict(f"a canned reply {reply.key!r} exists", code="key_taken", field="key")
        row = _row(reply, await store.last_position(tx.session) + 1, ctx.clock.now())
        tx.session.add(row)
    return row


async def update(
    ctx: Context, staff: StaffPrincipal, response_id: int, reply: CannedWrite
) -> CannedResponse:
    access.require(staff, "canned.admin")
    async with ctx.write() as tx:
        row = await store.response(tx.session, response_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        other = await store.by_key(tx.session, reply.key)
        if other is not None and other.id != row.id:
            raise Conflict(f"a canned reply {reply.key!r} exists", code="key_taken", field="key")
        row.key = reply.key
        row.title_nl, row.title_en = reply.title.nl, reply.title.en
        row.body_nl, row.body_en = reply.body.nl, reply.body.en
        row.updated_at = ctx.clock.now()
    return row


async def delete(ctx: Context, staff: StaffPrincipal, response_id: int) -> None:
    access.require(staff, "canned.admin")
    async with ctx.write() as tx:
        row = await store.response(tx.session, response_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        await tx.session.delete(row)
