"""The taxonomy, the registration form, duplicates and merges: every change goes here.

Each function is one transaction; an audit entry and any event are written with it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from keerpunt.accounts import access
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import store as campaigns_store
from keerpunt.chat import store as chat_store
from keerpunt.chat.access import NOT_FOUND, visible_conversation
from keerpunt.chat.models import OPEN_STATUSES, Conversation
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid, NotFound
from keerpunt.privacy import audit
from keerpunt.realtime.events import SUPERVISOR_CHANNEL, AlertOut
from keerpunt.registration import store
from keerpunt.registration.models import ChatterMerge, Registration, TaxonomyVersion, notes_aad
from keerpunt.registration.schemas import RegistrationFields
from keerpunt.registration.taxonomy import (
    MULTIPLE,
    SINGLE,
    Taxonomy,
    TaxonomyError,
    check_successor,
    parse_taxonomy,
    shipped_source,
)

log = logging.getLogger(__name__)

ACUTE = "acute_danger"
# Chat start's "who is this chat for" answers, as the taxonomy's visitor codes.
VISITOR_CODES = {"youth": "youth", "professional": "professional"}


# The taxonomy ----------------------------------------------------------------------------


async def ensure_taxonomy(ctx: Context) -> None:
    """The shipped first version, into a database that has none yet."""
    async with ctx.read() as session:
        if await store.latest_version(session) is not None:
            return
    source = shipped_source()
    taxonomy = parse_taxonomy(source)
    try:
        async with ctx.write() as tx:
            tx.session.add(
                TaxonomyVersion(version=taxonomy.version, source=source, loaded_at=ctx.clock.now())
            )
    except IntegrityError:
        pass  # another process loaded it at the same moment


async def load_taxonomy(ctx: Context, staff: StaffPrincipal | None, source: str) -> Taxonomy:
    """A new version. Refused, with one line saying why, when it would change what an
    earlier registration means. `staff` is None for the command line."""
    if staff is not None:
        access.require(staff, "taxonomy.admin")
    try:
        taxonomy = parse_taxonomy(source)
    except TaxonomyError as exc:
        raise Invalid(str(exc), code="taxonomy_invalid", field="source") from None
    async with ctx.write() as tx:
        earlier = await store.all_taxonomies(tx.session)
        try:
            check_successor(earlier, taxonomy)
        except TaxonomyError as exc:
            raise Invalid(str(exc), code="taxonomy_invalid", field="source") from None
        tx.session.add(
            TaxonomyVersion(
                version=taxonomy.version,
                source=source,
                loaded_at=ctx.clock.now(),
                loaded_by=staff.user_id if staff else None,
            )
        )
        await audit.record(ctx, tx, staff, "taxonomy_loaded", subject=f"v{taxonomy.version}")
    log.info("taxonomy loaded", extra={"version": taxonomy.version})
    return taxonomy


def known_regions(taxonomy: Taxonomy, codes: list[str]) -> list[str]:
    """The codes, each once and in order, when every one is a region of the taxonomy; a
    campaign's regions and a report's filter are checked alike."""
    for code in codes:
        if taxonomy.item("region", code) is None:
            raise Invalid(f"unknown region {code!r}", code="unknown_code", field="regions")
    return list(dict.fromkeys(codes))


async def current_taxonomy(session: AsyncSession) -> Taxonomy:
    taxonomy = await store.taxonomy(session)
    if taxonomy is None:
        raise Conflict("no taxonomy is loaded: run 'keerpunt db upgrade'", code="no_taxonomy")
    return taxonomy


# Who may register ---------------------------------------------------------------------------


async def conversation_for(
    session: AsyncSession, staff: StaffPrincipal, conversation_id: str, operation: str
) -> Conversation:
    """The conversation's own counselor registers it; supervisors may read every one that
    a counselor took (the access table says which operation reads and which writes)."""
    write = operation in WRITES
    return await visible_conversation(session, staff, conversation_id, operation, lock=write)


# Operations on a case that change it: they lock the conversation's row.
WRITES = frozenset({"registration.write", "duplicates.mark", "handover.propose"})


# The form ---------------------------------------------------------------------------------


def check_fields(
    taxonomy: Taxonomy, fields: RegistrationFields, saved: Registration | None
) -> dict[str, list[str]]:
    """Every code known in the current version; a retired one only where the saved form
    already held it. Returns the lists without repeats."""
    if fields.taxonomy_version != taxonomy.version:
        raise Invalid(
            f"the form was made with taxonomy version {fields.taxonomy_version}; the current"
            f" version is {taxonomy.version}: reload the form",
            code="taxonomy_version",
            field="taxonomy_version",
        )

    def check(name: str, code: str, held: list[str] | str | None) -> None:
        item = taxonomy.item(name, code)
        if item is None:
            raise Invalid(f"{name}: unknown code {code!r}", code="unknown_code", field=name)
        was_held = code == held if isinstance(held, str) or held is None else code in held
        if item.retired and not was_held:
            raise Invalid(f"{name}: code {code!r} is retired", code="retired_code", field=name)

    for name in SINGLE:
        code = getattr(fields, name)
        if code is not None:
            check(name, code, getattr(saved, name) if saved else None)
    lists: dict[str, list[str]] = {}
    for name in MULTIPLE:
        codes = list(dict.fromkeys(getattr(fields, name)))
        for code in codes:
            check(name, code, getattr(saved, name) if saved else [])
        lists[name] = codes
    return lists


def check_complete(fields: RegistrationFields, lists: dict[str, list[str]]) -> None:
    def missing(field: str, what: str) -> Invalid:
        return Invalid(
            f"{what} is required to finish the registration", code="missing", field=field
        )

    if fields.outcome is None:
        raise missing("outcome", "the outcome of the contact")
    if fields.outcome == "conversation_held":
        for field, what in (
            ("visitor", "who chatted"),
            ("age_band", "the age band"),
            ("region", "the region"),
            ("crime_involvement", "whether crime is involved"),
        ):
            if getattr(fields, field) is None:
                raise missing(field, what)
        if fields.crime_involvement == "yes" and not lists["crime_forms"]:
            raise missing("crime_forms", "at least one form of crime")
        if not lists["help_offered"]:
            raise missing("help_offered", "at least one kind of help offered")


async def derive(session: AsyncSession, conv: Conversation) -> dict[str, object]:
    """The facts the system knows, so nobody types them."""
    chatter = await accounts_store.chatter(session, conv.chatter_id)
    group = await accounts_store.chatter_group(session, conv.chatter_id)
    earlier = await store.conversations_of(session, group, before=conv.created_at)
    channel = await campaigns_store.channel(session, conv.channel_id) if conv.channel_id else None

    def seconds(start: datetime | None, end: datetime | None) -> int | None:
        return int((end - start).total_seconds()) if start and end else None

    return {
        "source": "campaign" if channel else "organic",
        "campaign_ref": channel.code if channel else None,
        "has_account": bool(chatter and chatter.username),
        # From the conversation, not its messages: retention may have deleted those.
        "chatter_sent_message": conv.chatter_wrote,
        "wait_seconds": seconds(conv.created_at, conv.accepted_at),
        "duration_seconds": seconds(conv.accepted_at, conv.ended_at),
        "earlier_conversations": len(earlier),
    }


async def save(
    ctx: Context,
    staff: StaffPrincipal,
    conversation_id: str,
    fields: RegistrationFields,
    *,
    complete: bool = False,
) -> Registration:
    """Store the whole form: a draft, or with `complete` the finished registration. A
    finished one stays finished when edited again. Turning acute danger on tells the
    supervisors who are online."""
    async with ctx.write() as tx:
        conv = await conversation_for(tx.session, staff, conversation_id, "registration.write")
        taxonomy = await current_taxonomy(tx.session)
        row = await store.registration(tx.session, conv.id)
        # A marked duplicate is the merge's to decide: a form saved from before the mark
        # (or any later save) cannot clear it; a supervisor's undo does.
        merge = await store.active_merge_of(tx.session, conv.id)
        if merge is not None:
            fields = fields.model_copy(update={"outcome": "duplicate"})
        lists = check_fields(taxonomy, fields, row)
        if complete:
            if conv.status in OPEN_STATUSES:
                raise Conflict(
                    "a registration is finished after the chat has ended", code="still_open"
                )
            check_complete(fields, lists)
            if fields.outcome == "duplicate" and merge is None:
                raise Invalid(
                    "mark the earlier conversation this one duplicates first",
                    code="missing",
                    field="duplicate_of",
                )
        was_acute = row is not None and ACUTE in row.safety
        now = ctx.clock.now()
        row = await draft_of(tx, conv, now)
        row.taxonomy_version = taxonomy.version
        for name in SINGLE:
            setattr(row, name, getattr(fields, name))
        for name, codes in lists.items():
            setattr(row, name, codes)
        row.duplicate_of = merge.duplicate_of if merge is not None else None
        row.notes = ctx.keyring.seal(fields.notes, notes_aad(conv.id)) if fields.notes else None
        if complete and row.status != "complete":
            row.status, row.completed_at = "complete", now
        if ACUTE in lists["safety"] and not was_acute:
            await _alert(tx, staff, conv, now)
    return row


async def _alert(tx: Tx, staff: StaffPrincipal, conv: Conversation, now: datetime) -> None:
    user = await accounts_store.user_by_id(tx.session, staff.user_id)
    name = user.display_name if user else staff.username
    tx.publish(
        SUPERVISOR_CHANNEL,
        AlertOut(kind="acute_danger", conversation=conv.id, counselor=name, at=now),
    )
    log.warning("acute danger marked", extra={"conversation": conv.id, "user_id": staff.user_id})


async def draft_of(tx: Tx, conv: Conversation, now: datetime) -> Registration:
    """The conversation's registration with its derived facts brought up to date; an empty
    draft if there is none yet. Every action that writes a registration starts here."""
    # Before a new row joins the session: these queries would flush it half-filled.
    derived = await derive(tx.session, conv)
    row = await store.registration(tx.session, conv.id)
    if row is None:
        taxonomy = await current_taxonomy(tx.session)
        row = Registration(
            conversation_id=conv.id,
            taxonomy_version=taxonomy.version,
            status="draft",
            visitor=VISITOR_CODES.get(conv.visitor),
            crime_forms=[],
            other_problems=[],
            signals=[],
            help_questions=[],
            help_offered=[],
            safety=[],
            created_at=now,
        )
        tx.session.add(row)
    row.counselor_id = conv.counselor_id
    for name, value in derived.items():
        setattr(row, name, value)
    row.updated_at = now
    return row


# Duplicates -------------------------------------------------------------------------------


async def mark_duplicate(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, of: str
) -> tuple[ChatterMerge, Registration]:
    """The counselor's judgement that this conversation's chatter is the chatter of an
    earlier conversation: the two chatters merge (this one, with whatever was merged into
    it, counts as the earlier one), and the registration says duplicate."""
    async with ctx.write() as tx:
        conv = await conversation_for(tx.session, staff, conversation_id, "duplicates.mark")
        other = await chat_store.conversation(tx.session, of)
        if other is None or other.id == conv.id or other.status == "queued":
            raise Invalid("no such earlier conversation", code="unknown_conversation", field="of")
        if await store.active_merge_of(tx.session, conv.id) is not None:
            raise Conflict(
                "this conversation is marked as a duplicate already; a supervisor can undo it",
                code="already_marked",
            )
        source = await accounts_store.canonical_chatter(tx.session, conv.chatter_id)
        target = await accounts_store.canonical_chatter(tx.session, other.chatter_id)
        if source == target:
            raise Conflict("these conversations are of one chatter already", code="same_chatter")
        chatter = await accounts_store.chatter(tx.session, source)
        assert chatter is not None
        chatter.merged_into = target
        now = ctx.clock.now()
        merge = ChatterMerge(
            conversation_id=conv.id,
            duplicate_of=other.id,
            source_chatter=source,
            target_chatter=target,
            by_user=staff.user_id,
            at=now,
        )
        tx.session.add(merge)
        await tx.session.flush()
        # After the merge: the derived count of earlier conversations now includes theirs.
        row = await draft_of(tx, conv, now)
        row.outcome, row.duplicate_of = "duplicate", other.id
        await audit.record(
            ctx,
            tx,
            staff,
            "merge",
            conversation=conv.id,
            subject=f"merge:{merge.id}",
            purpose=f"duplicate of {other.id}",
        )
    log.info("duplicate marked", extra={"conversation": conv.id, "merge": merge.id})
    return merge, row


async def undo_merge(ctx: Context, staff: StaffPrincipal, merge_id: int) -> ChatterMerge:
    """A supervisor takes a merge back: the chatters are two again, and the conversation
    goes back on its counselor's list to register."""
    access.require(staff, "merges.undo")
    async with ctx.write() as tx:
        merge = await store.merge(tx.session, merge_id, lock=True)
        if merge is None:
            raise NotFound("no such merge")
        if merge.undone_at is not None:
            raise Conflict("this merge was undone already", code="already_undone")
        chatter = await accounts_store.chatter(tx.session, merge.source_chatter)
        if chatter is not None and chatter.merged_into == merge.target_chatter:
            chatter.merged_into = None
        now = ctx.clock.now()
        merge.undone_at, merge.undone_by = now, staff.user_id
        row = await store.registration(tx.session, merge.conversation_id)
        if row is not None and row.duplicate_of == merge.duplicate_of:
            row.outcome, row.duplicate_of = None, None
            row.status, row.completed_at, row.updated_at = "draft", None, now
        await audit.record(
            ctx,
            tx,
            staff,
            "merge_undone",
            conversation=merge.conversation_id,
            subject=f"merge:{merge.id}",
        )
    return merge


# Audited reads: each writes its access-log entry -------------------------------------------

DUPLICATE_WINDOW_DAYS = 90
MAX_CANDIDATES = 50


async def search_duplicates(
    ctx: Context,
    staff: StaffPrincipal,
    conversation_id: str,
    *,
    days: int = 30,
    filters: dict[str, str] | None = None,
) -> tuple[Conversation, list[Conversation]]:
    """Recent conversations of other chatters that match the given registration fields,
    newest first. Only time, region and registration: never anything identifying."""
    days = max(1, min(days, DUPLICATE_WINDOW_DAYS))
    filters = {k: v for k, v in (filters or {}).items() if v}
    async with ctx.write() as tx:
        conv = await conversation_for(tx.session, staff, conversation_id, "duplicates.search")
        group = await accounts_store.chatter_group(tx.session, conv.chatter_id)
        since = ctx.clock.now() - timedelta(days=days)
        found = await store.recent_conversations(tx.session, since, group, limit=500)
        rows = await store.registrations(tx.session, [c.id for c in found])
        matches = [
            c
            for c in found
            if all(getattr(rows.get(c.id), field, None) == code for field, code in filters.items())
        ][:MAX_CANDIDATES]
        await audit.record(
            ctx,
            tx,
            staff,
            "search",
            conversation=conv.id,
            purpose="duplicate search",
            count=len(matches),
        )
    return conv, matches


async def read_earlier_transcript(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, earlier_id: str
) -> Conversation:
    """Access to an earlier transcript of the chatter in this conversation, logged; a
    refused one is logged too, and then answers exactly like a missing conversation."""
    async with ctx.write() as tx:
        try:
            conv: Conversation | None = await conversation_for(
                tx.session, staff, conversation_id, "transcript.earlier"
            )
        except NotFound:
            conv = None  # not the caller's conversation: refused, and logged like the rest
        earlier = await chat_store.conversation(tx.session, earlier_id)
        group = await accounts_store.chatter_group(tx.session, conv.chatter_id) if conv else set()
        allowed = (
            conv is not None
            and earlier is not None
            and earlier.id != conv.id
            and earlier.chatter_id in group
        )
        await audit.record(
            ctx,
            tx,
            staff,
            "read_transcript",
            conversation=earlier_id,
            outcome="ok" if allowed else "denied",
            purpose=f"returning chatter in {conversation_id}",
        )
    if earlier is None or not allowed:
        raise NotFound(NOT_FOUND)
    return earlier
