"""Reading registrations, the taxonomy, a returning chatter's history and merges.
Nothing here changes state; the reads that must be audited are in actions.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.models import User
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.chat.models import Conversation
from keerpunt.context import Context
from keerpunt.core.errors import NotFound
from keerpunt.organisation import Text
from keerpunt.registration import store
from keerpunt.registration.actions import (
    ACUTE,
    VISITOR_CODES,
    conversation_for,
    current_taxonomy,
    derive,
)
from keerpunt.registration.models import ChatterMerge, Registration, notes_aad
from keerpunt.registration.schemas import (
    Derived,
    EarlierConversation,
    History,
    ItemRead,
    MergeRead,
    RegistrationRead,
    Summary,
    TaxonomyRead,
    TodoItem,
    VersionRead,
)
from keerpunt.registration.taxonomy import LISTS, MULTIPLE, SINGLE, Taxonomy


def taxonomy_read(taxonomy: Taxonomy) -> TaxonomyRead:
    return TaxonomyRead(
        version=taxonomy.version,
        lists={
            name: [
                ItemRead(code=i.code, label=i.label, retired=i.retired)
                for i in taxonomy.items(name)
            ]
            for name in LISTS
        },
        multiple=list(MULTIPLE),
    )


async def taxonomy_view(ctx: Context, version: int | None = None) -> TaxonomyRead:
    async with ctx.read() as session:
        taxonomy = await store.taxonomy(session, version)
        rows = {row.version: row for row in await store.versions(session)}
    if taxonomy is None:
        raise NotFound("no such taxonomy version")
    read = taxonomy_read(taxonomy)
    row = rows.get(taxonomy.version)
    read.loaded_at = row.loaded_at if row else None
    return read


async def versions(ctx: Context) -> list[VersionRead]:
    async with ctx.read() as session:
        rows = await store.versions(session)
        names = await user_names(session, (row.loaded_by for row in rows))
    return [
        VersionRead(version=r.version, loaded_at=r.loaded_at, loaded_by=names.get(r.loaded_by))
        for r in rows
    ]


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    result = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {row.id: row.display_name for row in result}


def registration_read(
    ctx: Context,
    conv: Conversation,
    row: Registration | None,
    current_version: int,
    derived: dict[str, object],
) -> RegistrationRead:
    if row is None:
        fields: dict[str, object] = {name: None for name in SINGLE}
        fields.update({name: [] for name in MULTIPLE})
        fields["visitor"] = VISITOR_CODES.get(conv.visitor)
        return RegistrationRead(
            taxonomy_version=current_version,
            **fields,
            notes="",
            conversation=conv.id,
            status="new",
            duplicate_of=None,
            current_version=current_version,
            updated_at=None,
            completed_at=None,
            derived=Derived.model_validate(derived),
            escalation=None,
        )
    values: dict[str, object] = {name: getattr(row, name) for name in SINGLE + MULTIPLE}
    return RegistrationRead(
        taxonomy_version=row.taxonomy_version,
        **values,
        notes=ctx.keyring.open(row.notes, notes_aad(conv.id)) if row.notes else "",
        conversation=conv.id,
        status="complete" if row.status == "complete" else "draft",
        duplicate_of=row.duplicate_of,
        current_version=current_version,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        derived=Derived(
            source="campaign" if row.source == "campaign" else "organic",
            campaign_ref=row.campaign_ref,
            has_account=row.has_account,
            chatter_sent_message=row.chatter_sent_message,
            wait_seconds=row.wait_seconds,
            duration_seconds=row.duration_seconds,
            earlier_conversations=row.earlier_conversations,
        ),
        escalation=ctx.organisation.escalation_protocol if ACUTE in row.safety else None,
    )


async def registration_view(
    ctx: Context, staff: StaffPrincipal, conversation_id: str
) -> RegistrationRead:
    async with ctx.read() as session:
        conv = await conversation_for(session, staff, conversation_id, "registration.read")
        taxonomy = await current_taxonomy(session)
        row = await store.registration(session, conv.id)
        derived = await derive(session, conv) if row is None else {}
    return registration_read(ctx, conv, row, taxonomy.version, derived)


def status_of(row: Registration | None) -> str:
    if row is None:
        return "new"
    return "complete" if row.status == "complete" else "draft"


async def todo(ctx: Context, staff: StaffPrincipal) -> list[TodoItem]:
    access.require(staff, "registration.todo")
    async with ctx.read() as session:
        convs = await store.unregistered(session, staff.user_id)
        rows = await store.registrations(session, [c.id for c in convs])
    return [
        TodoItem(
            conversation=conv.id,
            visitor=conv.visitor,
            ended_at=conv.ended_at,
            status="draft" if conv.id in rows else "new",
        )
        for conv in convs
    ]


async def summary(session: AsyncSession, row: Registration | None) -> Summary:
    """The registration in the labels of the version it was made with."""
    if row is None:
        return Summary(status="new", taxonomy_version=None, labels={})
    taxonomy = await store.taxonomy(session, row.taxonomy_version)
    assert taxonomy is not None  # versions are never deleted
    labels: dict[str, Text | list[Text] | None] = {}
    for name in SINGLE:
        labels[name] = taxonomy.label(name, getattr(row, name))
    for name in MULTIPLE:
        found = (taxonomy.label(name, code) for code in getattr(row, name))
        labels[name] = [label for label in found if label is not None]
    status = "complete" if row.status == "complete" else "draft"
    return Summary(status=status, taxonomy_version=row.taxonomy_version, labels=labels)


async def earlier_of(
    session: AsyncSession, convs: Sequence[Conversation]
) -> list[EarlierConversation]:
    rows = await store.registrations(session, [c.id for c in convs])
    names = await user_names(session, (c.counselor_id for c in convs))
    return [
        EarlierConversation(
            conversation=c.id,
            created_at=c.created_at,
            ended_at=c.ended_at,
            status=c.status,
            counselor=names.get(c.counselor_id),
            registration=await summary(session, rows.get(c.id)),
            purged=c.purged_at is not None,
        )
        for c in convs
    ]


async def history(ctx: Context, staff: StaffPrincipal, conversation_id: str) -> History:
    """The chatter's other conversations (merged duplicates included), newest first, as
    dates and registrations: no text. Reading a transcript is a separate, audited step."""
    async with ctx.read() as session:
        conv = await conversation_for(session, staff, conversation_id, "history.read")
        group = await accounts_store.chatter_group(session, conv.chatter_id)
        others = [c for c in await store.conversations_of(session, group) if c.id != conv.id]
        chatter = await accounts_store.chatter(session, conv.chatter_id)
        earlier = await earlier_of(session, others)
    return History(
        returning=bool(others),
        has_account=bool(chatter and chatter.username),
        earlier=earlier,
    )


async def merge_reads(session: AsyncSession, merges: Iterable[ChatterMerge]) -> list[MergeRead]:
    merges = list(merges)
    names = await user_names(session, [m.by_user for m in merges] + [m.undone_by for m in merges])
    return [
        MergeRead(
            id=m.id,
            conversation=m.conversation_id,
            duplicate_of=m.duplicate_of,
            by=names.get(m.by_user),
            at=m.at,
            undone_at=m.undone_at,
            undone_by=names.get(m.undone_by),
        )
        for m in merges
    ]


async def merges(ctx: Context, staff: StaffPrincipal) -> list[MergeRead]:
    access.require(staff, "merges.read")
    async with ctx.read() as session:
        return await merge_reads(session, await store.merges(session))


async def unique_chatters(ctx: Context, start: datetime, end: datetime) -> int:
    """How many different chatters started a chat in [start, end): merged duplicates count
    once, as the chatter they were merged into. Reports count chatters this way."""
    async with ctx.read() as session:
        result = await session.scalars(
            select(Conversation.chatter_id)
            .where(Conversation.created_at >= start, Conversation.created_at < end)
            .distinct()
        )
        roots = {await accounts_store.canonical_chatter(session, cid) for cid in result.all()}
    return len(roots)
