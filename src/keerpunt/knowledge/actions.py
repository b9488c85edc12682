"""The knowledge export: de-identified transcripts for the programme's own research.

Per conversation one JSON object: a random pseudonym (new in every export, so two exports
cannot be joined), the month of the chat, the visitor type, the registration's categories
and the messages as sender and de-identified text. No ids, no exact times, no counselor
names. Every export is an entry in the access log with the number of conversations.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.core.errors import Invalid
from keerpunt.knowledge import deidentify, store
from keerpunt.privacy import audit
from keerpunt.registration import store as registration_store
from keerpunt.registration.models import Registration
from keerpunt.registration.taxonomy import LISTS

log = logging.getLogger(__name__)

# The registration's categorical fields that go along (no notes, no derived times); the
# visitor goes as its own field.
CATEGORIES = tuple(name for name in LISTS if name != "visitor")
MAX_DAYS = 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Raw:
    month: str
    visitor: str
    categories: dict[str, object]
    messages: list[tuple[str, str]]


def _categories(row: Registration | None) -> dict[str, object]:
    if row is None:
        return {}
    return {name: getattr(row, name) for name in CATEGORIES}


async def _collect(ctx: Context, start: datetime, end: datetime) -> list[Raw]:
    zone = ctx.organisation.zone
    found: list[Raw] = []
    async with ctx.read() as session:
        convs = await store.ended_between(session, start, end)
        registrations = await registration_store.registrations(session, [c.id for c in convs])
        for conv in convs:
            registration = registrations.get(conv.id)
            rows = await store.messages(session, conv.id)
            found.append(
                Raw(
                    month=conv.created_at.astimezone(zone).strftime("%Y-%m"),
                    visitor=(registration.visitor if registration else None) or conv.visitor,
                    categories=_categories(registration),
                    messages=[(m.sender, ctx.keyring.open(m.body, m.aad())) for m in rows],
                )
            )
    return found


def _record(raw: Raw) -> dict[str, object]:
    texts = deidentify.deidentify_all(body for _, body in raw.messages)
    return {
        "pseudonym": secrets.token_hex(8),
        "month": raw.month,
        "visitor": raw.visitor,
        "registration": raw.categories,
        "messages": [
            {"sender": sender, "text": text}
            for (sender, _), text in zip(raw.messages, texts, strict=True)
        ],
    }


def _lines(raws: list[Raw]) -> list[str]:
    records = [_record(raw) for raw in raws]
    # Not in the order of the chats: the order would tell more than the month does.
    secrets.SystemRandom().shuffle(records)
    return [json.dumps(record, ensure_ascii=False, sort_keys=True) for record in records]


def period(ctx: Context, since: date, until: date) -> tuple[datetime, datetime]:
    # Nothing was said before the product existed; and far dates do not fit a datetime.
    since = max(since, EARLIEST)
    if until < since:
        raise Invalid("the period ends before it starts", code="bad_period", field="until")
    if until >= date.max - timedelta(days=1):
        raise Invalid("the period ends too far in the future", code="bad_period", field="until")
    if (until - since).days >= MAX_DAYS:
        raise Invalid(
            f"export at most {MAX_DAYS} days at once", code="period_too_long", field="until"
        )
    zone = ctx.organisation.zone
    start = datetime.combine(since, time(), zone)
    end = datetime.combine(until + timedelta(days=1), time(), zone)
    return start, end


async def export(
    ctx: Context, staff: StaffPrincipal | None, since: date, until: date, *, via: str = "api"
) -> list[str]:
    """The export as JSON Lines, one conversation a line. `staff` is None for the CLI,
    run by an operator on the server. De-identifying takes a while (the library loads
    on first use), so it runs in a thread and the server keeps answering meanwhile."""
    if staff is not None:
        access.require(staff, "knowledge.export")
    start, end = period(ctx, since, until)
    raws = await _collect(ctx, start, end)
    lines = await asyncio.to_thread(_lines, raws)
    async with ctx.write() as tx:
        await audit.record(
            ctx,
            tx,
            staff,
            "export",
            subject=f"knowledge:{via}",
            purpose=f"research export {since.isoformat()}..{until.isoformat()}",
            count=len(lines),
        )
    log.info("knowledge export", extra={"conversations": len(lines)})
    return lines
