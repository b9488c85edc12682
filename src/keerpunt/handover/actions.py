"""Contact persons and warm handovers: every change goes through here."""

from __future__ import annotations

import logging

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.core.errors import Conflict, Invalid, NotFound, Refused
from keerpunt.handover import store
from keerpunt.handover.models import OPEN_HANDOVERS, ContactPerson, Handover, summary_aad
from keerpunt.handover.schemas import ContactUpdate, ContactWrite, HandoverCreate
from keerpunt.privacy import audit
from keerpunt.registration.actions import conversation_for, current_taxonomy, draft_of

log = logging.getLogger(__name__)

NOT_FOUND = "no such handover"
OPEN = OPEN_HANDOVERS
# Each step moves one forward; a handover that cannot go on is declined from any open step.
NEXT = {"proposed": "contacted", "contacted": "accepted", "accepted": "completed"}


# Contact persons (admin) -------------------------------------------------------------------


async def add_contact(
    ctx: Context, staff: StaffPrincipal, region: str, contact: ContactWrite
) -> ContactPerson:
    access.require(staff, "contacts.admin")
    async with ctx.write() as tx:
        taxonomy = await current_taxonomy(tx.session)
        item = taxonomy.item("region", region)
        if item is None or item.retired:
            raise NotFound("no such region")
        row = ContactPerson(
            region=region,
            role=contact.role,
            name=contact.name.strip(),
            reach=contact.reach.strip(),
            active=True,
            created_at=ctx.clock.now(),
        )
        tx.session.add(row)
    return row


async def update_contact(
    ctx: Context, staff: StaffPrincipal, contact_id: int, contact: ContactUpdate
) -> ContactPerson:
    access.require(staff, "contacts.admin")
    async with ctx.write() as tx:
        row = await store.contact(tx.session, contact_id)
        if row is None:
            raise NotFound("no such contact person")
        row.role, row.name, row.reach = contact.role, contact.name.strip(), contact.reach.strip()
        row.active = contact.active
    return row


async def remove_contact(ctx: Context, staff: StaffPrincipal, contact_id: int) -> bool:
    """Removed; or, when a handover names them, kept inactive so that record stays whole.
    Returns whether the row was deleted."""
    access.require(staff, "contacts.admin")
    async with ctx.write() as tx:
        row = await store.contact(tx.session, contact_id)
        if row is None:
            raise NotFound("no such contact person")
        if await store.is_named(tx.session, row.id):
            row.active = False
            return False
        await tx.session.delete(row)
    return True


# Handovers --------------------------------------------------------------------------------


async def propose(
    ctx: Context, staff: StaffPrincipal, conversation_id: str, request: HandoverCreate
) -> Handover:
    """A warm handover, proposed by the conversation's counselor with the chatter's
    explicit consent. The summary is kept encrypted, and only if the chatter agreed to
    share one; the registration then says a warm handover was offered."""
    if not request.consent:
        raise Invalid(
            "a handover needs the chatter's explicit consent",
            code="consent_required",
            field="consent",
        )
    summary = request.summary.strip()
    share = list(dict.fromkeys(request.share))
    if "summary" in share and not summary:
        raise Invalid(
            "write the summary the chatter agreed to share", code="missing", field="summary"
        )
    if summary and "summary" not in share:
        raise Invalid(
            "the chatter did not agree to share a summary: leave it empty or tick it",
            code="not_agreed",
            field="summary",
        )
    async with ctx.write() as tx:
        conv = await conversation_for(tx.session, staff, conversation_id, "handover.propose")
        contact = await store.contact(tx.session, request.contact)
        if contact is None or not contact.active:
            raise Invalid("no such contact person", code="unknown_contact", field="contact")
        now = ctx.clock.now()
        row = Handover(
            conversation_id=conv.id,
            region=contact.region,
            contact_id=contact.id,
            counselor_id=staff.user_id,
            consent_at=now,
            share=share,
            status="proposed",
            created_at=now,
            status_at=now,
            status_by=staff.user_id,
        )
        tx.session.add(row)
        await tx.session.flush()
        if summary:
            row.summary = ctx.keyring.seal(summary, summary_aad(row.id))
        registration = await draft_of(tx, conv, now)
        if "warm_handover" not in registration.help_offered:
            registration.help_offered = [*registration.help_offered, "warm_handover"]
        await audit.record(
            ctx, tx, staff, "handover_proposed", conversation=conv.id, subject=f"handover:{row.id}"
        )
    log.info("handover proposed", extra={"handover": row.id, "region": row.region})
    return row


def may_handle(staff: StaffPrincipal, operation: str, row: Handover) -> bool:
    return access.may(staff, operation, access.Subject(counselor_id=row.counselor_id))


async def change_status(
    ctx: Context, staff: StaffPrincipal, handover_id: int, status: str
) -> Handover:
    async with ctx.write() as tx:
        row = await store.handover(tx.session, handover_id, lock=True)
        if row is None:
            raise NotFound(NOT_FOUND)
        if not may_handle(staff, "handover.step", row):
            raise Refused(NOT_FOUND, conversation=row.conversation_id)
        allowed = {NEXT[row.status], "declined"} if row.status in OPEN else set()
        if status not in allowed:
            raise Conflict(
                f"a handover that is {row.status} cannot become {status}", code="bad_transition"
            )
        row.status, row.status_at, row.status_by = status, ctx.clock.now(), staff.user_id
        await audit.record(
            ctx,
            tx,
            staff,
            f"handover_{status}",
            conversation=row.conversation_id,
            subject=f"handover:{row.id}",
        )
    return row


async def open_handover(
    ctx: Context, staff: StaffPrincipal, handover_id: int, *, export: bool = False
) -> tuple[Handover, str | None]:
    """The handover with its summary, for its counselor or a supervisor; logged as a read
    or, for the PDF, as an export. A refused attempt is logged too (outcome denied) and
    answers exactly like a missing handover."""
    async with ctx.write() as tx:
        row = await store.handover(tx.session, handover_id)
        allowed = row is not None and may_handle(staff, "handover.read", row)
        await audit.record(
            ctx,
            tx,
            staff,
            "export" if export else "read_handover",
            conversation=row.conversation_id if row else None,
            subject=f"handover:{handover_id}",
            outcome="ok" if allowed else "denied",
            purpose="handover summary",
        )
    if row is None or not allowed:
        raise NotFound(NOT_FOUND)
    summary = ctx.keyring.open(row.summary, summary_aad(row.id)) if row.summary else None
    return row, summary
