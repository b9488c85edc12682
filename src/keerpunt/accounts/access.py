"""Who may do what: one table for every operation over HTTP and the socket.

Each operation lists, per role (and "chatter" for a chatter's token), the relation the
caller needs to the thing it acts on. A person holding several roles may do what any one
of them may. A check is a lookup here; what the table refuses is reported exactly as a
thing that does not exist (`NotFound`), never as forbidden, so a refusal tells nothing.

`keerpunt.api.ROUTES` names the operation of every HTTP route and
`keerpunt.realtime.gateway.SOCKET_OPERATIONS` that of every socket frame; the app refuses
to start with a route that names none, and `tests/security/test_s12_access_matrix.py`
walks every cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from keerpunt.accounts.principals import ROLES, ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.core.errors import Refused

CHATTER = "chatter"


class Relation(Enum):
    # Anyone holding the role: lists, their own account, the queue, aggregates.
    ANY = "any"
    # The chatter whose conversation it is.
    OWN = "own"
    # The counselor the conversation (or the handover) is assigned to.
    ASSIGNED = "assigned"
    # Any conversation a counselor has taken: supervisors oversee the work, but never
    # what waits in the queue unanswered.
    TAKEN = "taken"
    # The counselor the conversation is assigned to, or a supervisor who joined it: the
    # staff side that writes in the chat.
    JOINED = "joined"


ANY, OWN, ASSIGNED, TAKEN = Relation.ANY, Relation.OWN, Relation.ASSIGNED, Relation.TAKEN
JOINED = Relation.JOINED


@dataclass(frozen=True)
class Subject:
    """What the relations are judged on: whose conversation, and whose to handle."""

    chatter_id: str | None = None
    counselor_id: int | None = None
    # Supervisors who joined the conversation (they write in it besides its counselor).
    joined: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Rule:
    grants: Mapping[str, Relation]
    # What a refused caller is told is not there.
    missing: str = "no such thing"
    # The action itself refuses and writes the refusal to the access log, so no gate may
    # refuse before it (a refusal there would go unlogged).
    audited: bool = False
    # Who may hold the grants: checked when the table is built.
    holders: frozenset[str] = field(default=frozenset({CHATTER, *ROLES}), repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.grants) - self.holders
        if unknown:
            raise ValueError(f"unknown roles in the access table: {sorted(unknown)}")


CONVERSATION = "no such conversation"
CHAT_STAFF = {"counselor": ANY, "supervisor": ANY}
# A conversation's own side: its chatter and the counselor who took it (and a supervisor
# who joined it).
PARTIES = {CHATTER: OWN, "counselor": ASSIGNED, "supervisor": JOINED}
# Who follows a conversation: its parties, and supervisors observing any taken one. An
# observer reads and streams it but sends nothing into it (no message, typing or read
# receipt), so the chatter sees no trace of them.
WATCHERS = {**PARTIES, "supervisor": TAKEN}
# Reading a case: its counselor, and supervisors for every taken conversation.
CASE_READERS = {"counselor": ASSIGNED, "supervisor": TAKEN}
CASE_WRITERS = {"counselor": ASSIGNED, "supervisor": ASSIGNED}
ALL_STAFF: dict[str, Relation] = {role: ANY for role in ROLES}
AGGREGATES = {"analyst": ANY, "admin": ANY}
ADMIN = {"admin": ANY}
OUTREACH = {"outreach": ANY}

RULES: dict[str, Rule] = {
    # Staff sessions and the socket ticket
    "staff.session": Rule(ALL_STAFF),  # own account: /me, log out
    "staff.enrol": Rule(ALL_STAFF),  # a session with only the password: enrol TOTP
    "staff.pause": Rule(CHAT_STAFF),  # pausing is about taking chats
    "users.admin": Rule(ADMIN, "no such user"),
    "socket.ticket": Rule({CHATTER: ANY, **CHAT_STAFF}),
    # The chatter's own account
    "chatter.account": Rule({CHATTER: ANY}),
    # A conversation, by its parties
    "conversation.read": Rule(WATCHERS, CONVERSATION),
    "conversation.messages": Rule(WATCHERS, CONVERSATION),  # the transcript and resume
    "conversation.subscribe": Rule(WATCHERS, CONVERSATION),  # live over the socket
    "conversation.send": Rule(PARTIES, CONVERSATION),
    "conversation.typing": Rule(PARTIES, CONVERSATION),
    "conversation.read_receipt": Rule(PARTIES, CONVERSATION),
    "conversation.end": Rule(PARTIES, CONVERSATION),
    "conversation.feedback": Rule({CHATTER: OWN}, CONVERSATION),
    # The queue
    "queue.read": Rule(CHAT_STAFF, CONVERSATION),
    "conversation.claim": Rule(CHAT_STAFF, CONVERSATION),
    "alerts.receive": Rule({"supervisor": ANY}),
    # Automatic assignment and transfer (chat/assignment_actions.py): an offer is declined
    # by the counselor it went to (the action checks), a transfer answered by the
    # colleague it is addressed to
    "offer.decline": Rule(CHAT_STAFF, "no such offer"),
    "conversation.transfer": Rule(CASE_WRITERS, CONVERSATION),
    "transfer.respond": Rule(CASE_WRITERS, "no such transfer"),
    "colleagues.read": Rule(CHAT_STAFF, "no such list"),
    # Registration and case tools
    "taxonomy.read": Rule({**CHAT_STAFF, **AGGREGATES}),
    "taxonomy.admin": Rule(ADMIN),
    "registration.read": Rule(CASE_READERS, CONVERSATION),
    "registration.write": Rule(CASE_WRITERS, CONVERSATION),
    "registration.todo": Rule(CHAT_STAFF, "no such list"),
    "history.read": Rule(CASE_READERS, CONVERSATION),
    "transcript.earlier": Rule(CASE_READERS, CONVERSATION, audited=True),
    "duplicates.search": Rule(CASE_READERS, CONVERSATION),
    "duplicates.mark": Rule(CASE_WRITERS, CONVERSATION),
    "merges.read": Rule({"supervisor": ANY}, "no such merge"),
    "merges.undo": Rule({"supervisor": ANY}, "no such merge"),
    # Handovers and the contact persons they go to
    "regions.read": Rule({**CHAT_STAFF, "admin": ANY}, "no such region"),
    "contacts.admin": Rule(ADMIN, "no such contact person"),
    "handover.propose": Rule(CASE_WRITERS, CONVERSATION),
    "handover.list": Rule(CHAT_STAFF, "no such handover"),
    "handover.read": Rule(
        {"counselor": ASSIGNED, "supervisor": ANY}, "no such handover", audited=True
    ),
    "handover.step": Rule({"counselor": ASSIGNED, "supervisor": ANY}, "no such handover"),
    # Canned replies: counselors use them, admins keep them
    "canned.read": Rule({**CHAT_STAFF, "admin": ANY}, "no such canned reply"),
    "canned.admin": Rule(ADMIN, "no such canned reply"),
    # Aggregates: campaigns, the dashboard and reports
    "campaigns.read": Rule(AGGREGATES, "no such campaign"),
    "campaigns.write": Rule(AGGREGATES, "no such campaign"),
    "reports.read": Rule(AGGREGATES, "no such report"),
    # The access log: admins search it, and every search is itself an entry
    "audit.search": Rule(ADMIN, "no such page"),
    # Blocking a chatter for abuse: the chat's counselor or any supervisor; supervisors
    # see the blocks in force and lift them
    "conversation.block": Rule({"counselor": ASSIGNED, "supervisor": ANY}, CONVERSATION),
    "blocks.admin": Rule({"supervisor": ANY}, "no such block"),
    # Outreach: public Telegram sources, the watchlist, triage and trends; outreach only
    "outreach.read": Rule(OUTREACH, "no such item"),
    "outreach.triage": Rule(OUTREACH, "no such item"),
    "outreach.sources": Rule(OUTREACH, "no such source"),
    "outreach.terms": Rule(OUTREACH, "no such term"),
    # Opening hours: chat staff see them (the remaining time), admins keep them
    "hours.read": Rule({**CHAT_STAFF, "admin": ANY}, "no such schedule"),
    "hours.admin": Rule(ADMIN, "no such schedule"),
    # A silent chatter's chat: its counselor, or a supervisor of any taken chat, gives
    # more time before it closes
    "conversation.idle_extend": Rule({"counselor": ASSIGNED, "supervisor": TAKEN}, CONVERSATION),
    # Review against the method: supervisors review ended conversations; a counselor
    # reads the done reviews of their own conversations
    "review.list": Rule({"supervisor": ANY}, CONVERSATION),
    "review.transcript": Rule({"supervisor": ANY}, CONVERSATION),
    "review.write": Rule({"supervisor": ANY}, CONVERSATION),
    "review.read": Rule({"counselor": ASSIGNED, "supervisor": ANY}, "no such review"),
    "review.mine": Rule({"counselor": ANY, "supervisor": ANY}, "no such review"),
    "review.quality": Rule({"supervisor": ANY}, "no such page"),
    # The de-identified transcript export for research: the researcher role alone
    "knowledge.export": Rule({"researcher": ANY}, "no such export"),
    # Supervision: the live view, whispers between supervisor and counselor, joining a
    # chat and taking it over
    "supervision.live": Rule({"supervisor": ANY}, "no such page"),
    "conversation.whisper": Rule({"counselor": ASSIGNED, "supervisor": TAKEN}, CONVERSATION),
    "conversation.join": Rule({"supervisor": TAKEN}, CONVERSATION),
    "conversation.takeover": Rule({"supervisor": TAKEN}, CONVERSATION),
}


def holders(principal: Principal) -> frozenset[str]:
    if isinstance(principal, ChatterPrincipal):
        return frozenset({CHATTER})
    return principal.roles


def _related(principal: Principal, relation: Relation, subject: Subject | None) -> bool:
    if relation is ANY:
        return True
    if subject is None:
        return False
    if relation is OWN:
        return (
            isinstance(principal, ChatterPrincipal) and subject.chatter_id == principal.chatter_id
        )
    if relation is ASSIGNED:
        return isinstance(principal, StaffPrincipal) and subject.counselor_id == principal.user_id
    if relation is JOINED:
        return isinstance(principal, StaffPrincipal) and (
            subject.counselor_id == principal.user_id or principal.user_id in subject.joined
        )
    return subject.counselor_id is not None  # TAKEN


def may(principal: Principal, operation: str, subject: Subject | None = None) -> bool:
    """Whether the principal may perform the operation on the subject."""
    grants = RULES[operation].grants
    return any(
        _related(principal, grants[who], subject) for who in holders(principal) if who in grants
    )


def may_try(principal: Principal, operation: str) -> bool:
    """Whether any of the principal's roles has the operation at all: the gate before the
    subject is read (a route answers 404 without touching the database)."""
    return bool(holders(principal) & RULES[operation].grants.keys())


def require(principal: Principal, operation: str, subject: Subject | None = None) -> None:
    if not may(principal, operation, subject):
        raise Refused(RULES[operation].missing)


def require_try(principal: Principal, operation: str) -> None:
    """The gate before the subject is read. An audited operation passes on to its action,
    which refuses and logs the refusal."""
    if not RULES[operation].audited and not may_try(principal, operation):
        raise Refused(RULES[operation].missing)
