"""Shared steps for the outreach store tests: staff, a source, a small watchlist, posts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.outreach import actions
from keerpunt.outreach.models import Source
from keerpunt.outreach.posts import Post
from keerpunt.outreach.schemas import SourceIn, TermIn
from keerpunt.privacy.models import AuditEntry
from tests.live import make_staff

PEER = -1001234567890
PURPOSE = "Werving van jongeren voor klusjes in Rotterdam-Zuid volgen"


async def principal(ctx: Context, username: str, roles: list[str]) -> StaffPrincipal:
    user = await make_staff(ctx, username, roles=roles, enrol=False)
    async with ctx.read() as session:
        found = await accounts_store.user_by_id(session, user.id)
        assert found is not None
        return StaffPrincipal(found.id, found.username, frozenset(found.role_names), "test")


async def outreach_staff(ctx: Context, username: str = "olga") -> StaffPrincipal:
    return await principal(ctx, username, ["outreach"])


async def source(
    ctx: Context, staff: StaffPrincipal, username: str = "klusjes_rdam", peer_id: int = PEER
) -> Source:
    return await actions.add_source(
        ctx,
        staff,
        SourceIn(
            username=username,
            purpose=PURPOSE,
            dpia_ref="DPIA-2026-07",
            approved_by="J. de Vries (FG)",
            peer_id=peer_id,
        ),
    )


WATCHLIST = [
    ("snel geld", "exact", "money"),
    ("klusje", "exact", "job"),
    ("16+", "exact", "age"),
    ("vandaag", "exact", "urgency"),
]


async def watchlist(ctx: Context, staff: StaffPrincipal) -> dict[str, int]:
    ids = {}
    for text, kind, category in WATCHLIST:
        term = await actions.add_term(ctx, staff, TermIn(text=text, kind=kind, category=category))  # type: ignore[arg-type]
        ids[text] = term.id
    return ids


def post(
    message_id: int,
    text: str,
    *,
    peer_id: int = PEER,
    at: datetime | None = None,
    author: str | None = "user4242",
) -> Post:
    return Post(
        peer_id=peer_id,
        message_id=message_id,
        posted_at=at or datetime(2026, 12, 5, 14, 0, tzinfo=UTC),
        text=text,
        author=author,
    )


async def audit_actions(ctx: Context) -> list[tuple[str, str | None]]:
    async with ctx.read() as session:
        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    return [(r.action, r.subject) for r in rows]
