"""S12: who may do what lives in one table (`keerpunt.accounts.access.RULES`), every HTTP
route names its operation (`keerpunt.api.ROUTES`) and so does every socket frame
(`keerpunt.realtime.gateway.SOCKET_OPERATIONS`). These tests walk every cell: for each
route and frame, a real request to a live server as each kind of caller, which must be
answered as the table says: allowed, or exactly "not there" (404, never 403). A caller
without the credential a route takes (no cookie, no token) gets 401.

The callers: chatter A (whose conversation it is) and chatter B, the counselor the chat is
assigned to and another counselor, a supervisor, an analyst, an outreach worker, an
administrator, and a person holding two roles (counselor and administrator), and nobody.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from keerpunt import api
from keerpunt.accounts import access
from keerpunt.accounts.principals import ROLES, ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.chat import store as chat_store
from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.deps import require_chatter, require_principal, require_staff
from keerpunt.outreach import actions as outreach
from keerpunt.outreach import store as outreach_store
from keerpunt.outreach.models import Item, Suggestion, Term
from keerpunt.outreach.posts import Post
from keerpunt.outreach.schemas import SourceIn
from keerpunt.realtime.gateway import SOCKET_OPERATIONS, STAFF_CHANNELS
from tests.conftest import make_settings
from tests.live import (
    PASSWORD,
    Chatter,
    LiveServer,
    Socket,
    StaffMember,
    audit_entries,
    held_form,
    http_client,
    make_staff,
)


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Chatter A comes back in every fresh world, and a world where a supervisor took the
    # chat over or a colleague accepted it makes that colleague A's "last counselor": the
    # minute a returning chatter is offered to them first would keep the assigned
    # counselor from the next world's chat. That offer has its own tests.
    return make_settings(db_url, returning_offer_seconds=0)


STAFF = {
    "assigned": ["counselor"],
    "other": ["counselor"],
    "supervisor": ["supervisor"],
    "analyst": ["analyst"],
    "outreach": ["outreach"],
    "admin": ["admin"],
    "two_roles": ["counselor", "admin"],
    "researcher": ["researcher"],
}
CALLERS = ("nobody", "chatter_a", "chatter_b", *STAFF)
REGION = "den_haag"
NEW_CAMPAIGN = {"name": "Zomer", "starts_on": "2026-06-01", "ends_on": "2026-08-31"}
PERIOD = {"starts_on": "2026-01-01", "ends_on": "2026-12-31"}
OK = frozenset({200, 201, 204})
# What staff sockets hear without subscribing: the operation and the frame.
CHANNELS = {"queue": ("queue.read", "queue"), "alerts": ("alerts.receive", "alert")}
unique = itertools.count()


@dataclass
class Caller:
    name: str
    http: httpx.AsyncClient
    principal: Principal | None = None
    chatter: Chatter | None = None
    staff: StaffMember | None = None

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self.staff is not None:
            verb: Callable[..., Awaitable[httpx.Response]] = getattr(self.staff, method.lower())
            return await verb(path, **kwargs)
        headers = self.chatter.headers if self.chatter is not None else {}
        return await self.http.request(method, path, headers=headers, **kwargs)


@dataclass
class World:
    """The things the cells act on, made afresh where a cell changes them."""

    ids: dict[str, Any]
    subjects: dict[str, access.Subject]


@dataclass(frozen=True)
class Call:
    """How to exercise a route: the ids its path takes, a body or query, what it acts on,
    and which answers count as allowed (a conflict proves the check was passed)."""

    json: Any = None
    params: dict[str, Any] | None = None
    subject: str | None = None
    ok: frozenset[int] = OK
    # Made once per cell (a chat to claim, a contact person to remove).
    fresh: Callable[[Town], Awaitable[dict[str, Any]]] | None = None
    # Built on its own world, since the cells change it (ending, marking, undoing).
    own_world: bool = False
    merge: bool = False
    # Path ids taken from another of the world's ids.
    rename: dict[str, str] = field(default_factory=dict)
    # Undoes what an allowed cell did that would stop the next cells (a block).
    after: Callable[[Town], Awaitable[None]] | None = None


def body(call: Call, ids: dict[str, Any]) -> Any:
    return call.json(ids) if callable(call.json) else call.json


# Every authenticated route, with how to call it. A route missing here fails
# `test_s12_the_table_names_every_route_and_every_operation_is_walked`.
CALLS: dict[tuple[str, str], Call] = {}


def _call(method: str, path: str, **kwargs: Any) -> None:
    CALLS[(method, path)] = Call(**kwargs)


async def _queued(town: Town) -> dict[str, Any]:
    fresh = await Chatter.start(town.http)
    return {"conversation_id": fresh.conversation}


async def _contact(town: Town) -> dict[str, Any]:
    made = await town.callers["admin"].request(
        "POST", f"/api/v1/regions/{REGION}/contacts", json=_contact_body()
    )
    assert made.status_code == 201, made.text
    return {"contact_id": made.json()["id"]}


async def _canned(town: Town) -> dict[str, Any]:
    made = await town.callers["admin"].request("POST", "/api/v1/canned", json=_canned_body())
    assert made.status_code == 201, made.text
    return {"response_id": made.json()["id"]}


async def _block(town: Town) -> dict[str, Any]:
    fresh = await Chatter.start(town.http)
    made = await town.callers["supervisor"].request(
        "POST", f"/api/v1/conversations/{fresh.conversation}/block", json=BLOCK
    )
    assert made.status_code == 201, made.text
    return {"block_id": made.json()["id"]}


BLOCK = {"period": "1h", "reason": "scheldt en spamt"}


async def _no_session(_town: Town) -> dict[str, Any]:
    return {"handle": "no-such-session"}


async def _enable_target(town: Town) -> None:
    target = town.user_ids["target"]
    enabled = await town.callers["admin"].request("POST", f"/api/v1/users/{target}/enable")
    assert enabled.status_code == 200, enabled.text


async def _unblock(town: Town) -> None:
    """Every test chatter comes from 127.0.0.1, and a block covers its source for the day:
    lift what a cell blocked, so the next cells can start chats."""
    supervisor = town.callers["supervisor"]
    for block in (await supervisor.request("GET", "/api/v1/blocks")).json():
        lifted = await supervisor.request("POST", f"/api/v1/blocks/{block['id']}/lift")
        assert lifted.status_code == 200, lifted.text


def _contact_body(_ids: object = None) -> dict[str, str]:
    return {"role": "zorgcoordinator", "name": f"Zorg {next(unique)}", "reach": "070 123"}


def _canned_body(_ids: object = None) -> dict[str, Any]:
    text = {"nl": "Tot ziens", "en": "Goodbye"}
    return {"key": f"bye_{next(unique)}", "title": text, "body": text}


def _send(_ids: object = None) -> dict[str, str]:
    return {"client_id": str(uuid.uuid4()), "body": "hallo"}


C = "/api/v1/conversations/{conversation_id}"
_call("POST", "/api/v1/auth/logout")
_call("GET", "/api/v1/me")
_call("POST", "/api/v1/me/pause", json={"paused": False})
_call("POST", "/api/v1/ws-ticket")
_call("GET", "/api/v1/audit")
_call("GET", "/api/v1/sessions")
# No such session: the admin passes the gate and learns it is gone (S16 ends real ones).
_call("DELETE", "/api/v1/sessions/{handle}", fresh=_no_session, ok=frozenset({404}))
_call("POST", "/api/v1/users/{user_id}/enable")
_call("POST", "/api/v1/users/{user_id}/disable", after=_enable_target)
_call("POST", "/api/v1/users/{user_id}/totp-reset")
_call("GET", "/api/v1/blocks")
_call("POST", f"{C}/block", json=BLOCK, subject="conversation", own_world=True, after=_unblock)
_call("POST", "/api/v1/blocks/{block_id}/lift", fresh=_block, after=_unblock)
_call("GET", "/api/v1/users")
_call(
    "PUT",
    "/api/v1/users/{user_id}/roles",
    json={"roles": ["counselor", "supervisor"]},
)
_call("POST", "/api/v1/chatter/logout")
_call("GET", "/api/v1/chatter/me")
# Chatters A and B have no account: a 409 `no_account` shows the check was passed.
_call("POST", "/api/v1/chatter/account/delete", json={"password": "x"}, ok=frozenset({409}))
_call("GET", C, subject="conversation")
_call("POST", f"{C}/messages", json=_send, subject="conversation")
_call("GET", f"{C}/messages", subject="conversation")
_call("POST", f"{C}/end", subject="conversation", own_world=True)
# Feedback comes after a chat: chatter A's earlier one, which has ended.
_call(
    "POST",
    f"{C}/feedback",
    json={"answers": {}},
    subject="earlier",
    rename={"conversation_id": "earlier_id"},
)
_call("POST", f"{C}/accept", subject="fresh", fresh=_queued)
_call("GET", "/api/v1/queue")
_call("GET", "/api/v1/console/snapshot")
_call("GET", "/api/v1/taxonomy")
_call("GET", "/api/v1/taxonomy/{version}")
_call("GET", "/api/v1/taxonomy/versions")
# Not a taxonomy: refused as such (422) by whoever may load one.
_call("POST", "/api/v1/taxonomy", json={"source": "nee"}, ok=frozenset({422}))
_call("GET", f"{C}/registration", subject="conversation")
_call("PUT", f"{C}/registration", json=held_form(), subject="conversation")
# The chat is still open: 409 for whoever may register it.
_call(
    "POST",
    f"{C}/registration/complete",
    json=held_form(),
    subject="conversation",
    ok=frozenset({409}),
)
_call("GET", "/api/v1/registrations/todo")
_call("GET", f"{C}/history", subject="conversation")
_call("GET", f"{C}/history/{{earlier_id}}/messages", subject="conversation")
_call("GET", f"{C}/duplicates", subject="conversation")
_call(
    "POST",
    f"{C}/duplicate",
    json=lambda ids: {"of": ids["other_id"]},
    subject="conversation",
    ok=frozenset({200, 409}),
    own_world=True,
)
_call("GET", "/api/v1/merges")
_call("POST", "/api/v1/merges/{merge_id}/undo", ok=frozenset({200, 409}), merge=True)
_call("GET", "/api/v1/regions")
_call("POST", "/api/v1/regions/{region}/contacts", json=_contact_body)
_call("PUT", "/api/v1/contacts/{contact_id}", json=_contact_body)
_call("DELETE", "/api/v1/contacts/{contact_id}", fresh=_contact)
_call(
    "POST",
    f"{C}/handovers",
    json=lambda ids: {"contact": ids["contact_id"], "consent": True},
    subject="conversation",
)
_call("GET", "/api/v1/handovers")
_call("GET", "/api/v1/handovers/{handover_id}", subject="handover")
_call("GET", "/api/v1/handovers/{handover_id}/summary.pdf", subject="handover")
_call(
    "POST",
    "/api/v1/handovers/{handover_id}/status",
    json={"status": "contacted"},
    subject="handover",
    ok=frozenset({200, 409}),
    own_world=True,
)
_call("GET", "/api/v1/canned")
_call("POST", "/api/v1/canned", json=_canned_body)
_call("PUT", "/api/v1/canned/{response_id}", json=_canned_body)
_call("DELETE", "/api/v1/canned/{response_id}", fresh=_canned)
_call("GET", "/api/v1/campaigns")
_call("GET", "/api/v1/campaigns/{campaign_id}")
_call("POST", "/api/v1/campaigns", json=NEW_CAMPAIGN)
_call("PUT", "/api/v1/campaigns/{campaign_id}", json=NEW_CAMPAIGN)
_call("POST", "/api/v1/reports", json=PERIOD)
_call("GET", "/api/v1/reports/dashboard", params=PERIOD)
# Supervision: the live view, whispers, joining and taking over (which change the chat).
_call("GET", "/api/v1/supervision/live")
_call("POST", f"{C}/whispers", json=_send, subject="conversation")
_call("GET", f"{C}/whispers", subject="conversation")
_call("POST", f"{C}/join", subject="conversation", own_world=True)
_call("POST", f"{C}/takeover", subject="conversation", own_world=True)


# Automatic assignment and transfer. Nobody holds an offer here: whoever may decline one
# passes the gate and hears there is none (tests/chat/test_assignment.py makes offers).
_call("POST", f"{C}/offer/decline", subject="conversation", ok=frozenset({404}))
_call("GET", "/api/v1/colleagues")
# Cold, back to the queue: the chat leaves its counselor, so on a world of its own.
_call("POST", f"{C}/transfers", json={"to": "queue"}, subject="conversation", own_world=True)
HANDED: list[str] = []


async def _handed(town: Town) -> dict[str, Any]:
    """A chat of the assigned counselor, handed to the other counselor (warm)."""
    fresh = await Chatter.start(town.http)
    path = f"/api/v1/conversations/{fresh.conversation}"
    assert (await town.callers["assigned"].request("POST", f"{path}/accept")).is_success
    to = town.user_ids["other"]
    made = await town.callers["assigned"].request("POST", f"{path}/transfers", json={"to": to})
    assert made.status_code == 201, made.text
    HANDED.append(fresh.conversation)
    return {"transfer_id": made.json()["id"]}


async def _end_handed(town: Town) -> None:
    """Whoever holds the handed chat now ends it, so no cap fills up."""
    path = f"/api/v1/conversations/{HANDED.pop()}/end"
    for name in ("assigned", "other"):
        await town.callers[name].request("POST", path)


_call(
    "POST",
    "/api/v1/transfers/{transfer_id}/accept",
    subject="transfer",
    fresh=_handed,
    after=_end_handed,
)
_call(
    "POST",
    "/api/v1/transfers/{transfer_id}/decline",
    subject="transfer",
    fresh=_handed,
    after=_end_handed,
)


OUTREACH_TERMS = [("snel geld", "money"), ("klusje", "job"), ("16+", "age"), ("vandaag", "urgency")]


async def _outreach(town: Town) -> dict[str, Any]:
    """A fresh source with one new item (and its suggested words), straight through the
    actions the collector uses."""
    n = next(unique)
    ctx = town.ctx
    async with ctx.read() as session:
        if not any(t.text == "klusje" for t in await outreach_store.terms(session)):
            await outreach.load_terms(ctx, [(t, "exact", c, 1.0) for t, c in OUTREACH_TERMS])
    source = await outreach.add_source(
        ctx,
        None,
        SourceIn(
            username=f"bron_{n}",
            purpose="Werving voor klusjes volgen (S12)",
            dpia_ref="DPIA-1",
            approved_by="FG",
            peer_id=-100_777_000 - n,
        ),
    )
    # Words no other post has: a new item, and new suggested words.
    words = " ".join(
        uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop")) for _ in range(3)
    )
    text = f"Snel geld met een klusje in de haven, vandaag nog, 16+, stuur een DM. {words}"
    post = Post(peer_id=-100_777_000 - n, message_id=1, posted_at=ctx.clock.now(), text=text)
    await outreach.ingest(ctx, source.id, [post])
    async with ctx.read() as session:
        item = await session.scalar(select(Item.id).where(Item.source_id == source.id))
        term = await session.scalar(select(Term.id).limit(1))
        suggestion = await session.scalar(
            select(Suggestion.id).where(Suggestion.state == "open").order_by(Suggestion.id.desc())
        )
    assert item is not None, "the post raised no alert"
    return {"source_id": source.id, "item_id": item, "term_id": term, "suggestion_id": suggestion}


def _source_body(_ids: object = None) -> dict[str, Any]:
    return {
        "username": f"nieuwe_bron_{next(unique)}",
        "purpose": "Werving voor klusjes volgen",
        "dpia_ref": "DPIA-1",
        "approved_by": "FG",
    }


OUT = "/api/v1/outreach"
SOURCE_UPDATE = {"purpose": "Werving voor klusjes volgen", "dpia_ref": "D", "approved_by": "FG"}
_call("GET", f"{OUT}/sources")
_call("POST", f"{OUT}/sources", json=_source_body)
_call(
    "PUT", f"{OUT}/sources/{{source_id}}", json={**SOURCE_UPDATE, "active": True}, fresh=_outreach
)
_call("GET", f"{OUT}/terms")
_call("POST", f"{OUT}/terms", json={"text": "wegbrengen", "kind": "exact", "category": "job"})
_call(
    "PUT",
    f"{OUT}/terms/{{term_id}}",
    json={"text": "klusje", "kind": "exact", "category": "job", "weight": 1, "active": True},
    fresh=_outreach,
)
_call("GET", f"{OUT}/items")
_call("GET", f"{OUT}/items/{{item_id}}", fresh=_outreach)
_call("POST", f"{OUT}/items/{{item_id}}/state", json={"state": "in_review"}, fresh=_outreach)
_call("POST", f"{OUT}/items/{{item_id}}/assign", json={"user_id": None}, fresh=_outreach)
_call(
    "POST",
    f"{OUT}/items/{{item_id}}/actions",
    json={"kind": "no_action", "note": ""},
    fresh=_outreach,
)
_call("GET", f"{OUT}/staff")
_call("GET", f"{OUT}/channels")
_call("GET", f"{OUT}/trends")
_call("GET", f"{OUT}/suggestions")
_call(
    "POST",
    f"{OUT}/suggestions/{{suggestion_id}}/approve",
    json={"kind": "exact", "category": "job"},
    fresh=_outreach,
)
_call("POST", f"{OUT}/suggestions/{{suggestion_id}}/reject", fresh=_outreach)
# Opening hours and idle chats
ALL_DAY = {
    "week": {
        day: [{"start": "00:00", "end": "24:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
}
_call("GET", "/api/v1/hours")
_call("PUT", "/api/v1/hours", json=ALL_DAY)
_call("POST", f"{C}/idle/extend", subject="conversation")


async def _ended(town: Town) -> dict[str, Any]:
    """A chat the assigned counselor took and ended, in which the chatter wrote."""
    fresh = await Chatter.start(town.http)
    assigned = town.callers["assigned"]
    path = f"/api/v1/conversations/{fresh.conversation}"
    assert (await assigned.request("POST", f"{path}/accept")).is_success
    assert (await fresh.send("hoi")).status_code == 201
    assert (await assigned.request("POST", f"{path}/end")).is_success
    return {"conversation_id": fresh.conversation}


async def _review(town: Town) -> dict[str, Any]:
    """A done review of the assigned counselor's ended chat."""
    ids = await _ended(town)
    made = await town.callers["supervisor"].request(
        "PUT", f"/api/v1/reviews/conversations/{ids['conversation_id']}", json=REVIEW_DONE
    )
    assert made.status_code == 200, made.text
    return {"review_id": made.json()["id"]}


REVIEW_DONE = {
    "answers": {
        code: "done"
        for code in (
            "listened",
            "safety",
            "informed",
            "further_help",
            "social_environment",
            "warm_handover",
        )
    },
    "score": 4,
    "finish": True,
}
R = "/api/v1/reviews"
_call("GET", f"{R}/sample")
_call("GET", f"{R}/search")
_call("GET", f"{R}/quality")
_call("GET", f"{R}/conversations/{{conversation_id}}", fresh=_ended)
_call(
    "PUT",
    f"{R}/conversations/{{conversation_id}}",
    json={"answers": {"listened": "done"}},
    fresh=_ended,
)
_call("GET", R)
_call("GET", f"{R}/{{review_id}}", subject="review", fresh=_review)
# A period without chats: the researcher passes the gate without loading the library.
_call("GET", "/api/v1/knowledge/export", params={"since": "2020-01-01", "until": "2020-01-02"})

# Log-outs end what the other cells use: walked last.
ENROLMENT = {("POST", "/api/v1/auth/totp/begin"), ("POST", "/api/v1/auth/totp/confirm")}
LAST = [("POST", "/api/v1/chatter/logout"), ("POST", "/api/v1/auth/logout")]


def _authenticator(method: str, path: str) -> Callable[..., Any]:
    for router in api.ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path == path and method in route.methods:
                found = _find(route.dependant)
                assert found is not None, (method, path)
                return found
    raise AssertionError(f"no route {method} {path}")


def _find(dependant: Any) -> Callable[..., Any] | None:
    if dependant.call in (require_staff, require_chatter, require_principal):
        return dependant.call  # type: ignore[no-any-return]
    for sub in dependant.dependencies:
        if (found := _find(sub)) is not None:
            return found
    return None


def expected(caller: Caller, method: str, path: str, subject: access.Subject | None) -> int:
    """200-ish (0 here) when the table allows; else 401 without the route's credential
    kind, and 404 for everyone who has it."""
    kind = _authenticator(method, path)
    principal = caller.principal
    if principal is None:
        return 401
    if kind is require_staff and not isinstance(principal, StaffPrincipal):
        return 401
    if kind is require_chatter and not isinstance(principal, ChatterPrincipal):
        return 401
    return 0 if access.may(principal, api.ROUTES[(method, path)], subject) else 404


@dataclass
class Town:
    """The callers, logged in once, and the server they talk to."""

    http: httpx.AsyncClient
    ctx: Context
    callers: dict[str, Caller] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    campaign_id: int = 0

    async def world(self, *, merge: bool = False) -> World:
        a, assigned = self.callers["chatter_a"].chatter, self.callers["assigned"]
        assert a is not None
        # Chatter A's earlier chat (ended before anyone answered), then the current one.
        earlier = await self._start(a)
        assert (await a.end()).status_code == 200
        conv = await self._start(a)
        took = await assigned.request("POST", f"/api/v1/conversations/{conv}/accept")
        assert took.is_success, took.text
        # Another chatter's ended chat: what A's may be marked a duplicate of.
        stranger = await Chatter.start(self.http)
        assert (await stranger.end()).status_code == 200
        other = stranger.conversation
        ids: dict[str, Any] = {
            "conversation_id": conv,
            "earlier_id": earlier,
            "other_id": other,
            **await _contact(self),
            **await _canned(self),
            "region": REGION,
            "version": 1,
            "campaign_id": self.campaign_id,
            "user_id": self.user_ids["target"],
        }
        made = await assigned.request(
            "POST",
            f"/api/v1/conversations/{conv}/handovers",
            json={"contact": ids["contact_id"], "consent": True},
        )
        assert made.status_code == 201, made.text
        ids["handover_id"] = made.json()["id"]
        if merge:
            marked = await assigned.request(
                "POST", f"/api/v1/conversations/{conv}/duplicate", json={"of": other}
            )
            assert marked.status_code == 200, marked.text
            ids["merge_id"] = marked.json()["merge"]["id"]
        async with self.ctx.read() as session:
            row = await chat_store.conversation(session, conv)
            assert row is not None
            chatter_a = row.chatter_id
        counselor = self.user_ids["assigned"]
        subjects = {
            "conversation": access.Subject(chatter_id=chatter_a, counselor_id=counselor),
            "earlier": access.Subject(chatter_id=chatter_a),
            "handover": access.Subject(counselor_id=counselor),
            # A transfer is answered by the colleague it is addressed to.
            "transfer": access.Subject(counselor_id=self.user_ids["other"]),
            "review": access.Subject(counselor_id=counselor),
        }
        return World(ids, subjects)

    async def _start(self, chatter: Chatter) -> str:
        started = await self.http.post(
            "/api/v1/conversations", json={"visitor": "youth"}, headers=chatter.headers
        )
        assert started.status_code == 201, started.text
        chatter.conversation = started.json()["id"]
        return chatter.conversation

    async def close_world(self, world: World) -> None:
        # The assigned counselor's cap counts open chats: end this world's.
        path = f"/api/v1/conversations/{world.ids['conversation_id']}/end"
        await self.callers["assigned"].request("POST", path)


async def town(http: httpx.AsyncClient, ctx: Context) -> Town:
    place = Town(http, ctx)
    place.callers["nobody"] = Caller("nobody", http)
    for name in ("chatter_a", "chatter_b"):
        chatter = await Chatter.start(http)
        assert (await chatter.end()).status_code == 200
        async with ctx.read() as session:
            row = await chat_store.conversation(session, chatter.conversation)
            assert row is not None
        place.callers[name] = Caller(name, http, ChatterPrincipal(row.chatter_id), chatter=chatter)
    for name, roles in STAFF.items():
        user = await make_staff(ctx, name, roles=roles, max_chats=20)
        staff = await StaffMember.login(http, name, PASSWORD)
        assert isinstance(staff, StaffMember)
        place.user_ids[name] = user.id
        principal = StaffPrincipal(user.id, name, frozenset(roles), "")
        place.callers[name] = Caller(name, http, principal, staff=staff)
    made = await place.callers["analyst"].request("POST", "/api/v1/campaigns", json=NEW_CAMPAIGN)
    assert made.status_code == 201, made.text
    place.campaign_id = made.json()["id"]
    # Whose roles the user admin cells change: none of the callers.
    place.user_ids["target"] = (await make_staff(ctx, "target", roles=["analyst"])).id
    return place


async def walk(
    place: Town, key: tuple[str, str], world: World, seen: set[tuple[str, int]]
) -> list[str]:
    """Every caller on one route; returns the cells that answered against the table, and
    adds to `seen` each (route, kind of answer) met."""
    method, path = key
    call = CALLS[key]
    wrong = []
    for name in CALLERS:
        caller = place.callers[name]
        ids = dict(world.ids)
        subject = world.subjects.get(call.subject) if call.subject else None
        if call.fresh is not None:
            ids.update(await call.fresh(place))
            if call.subject == "fresh":
                subject = access.Subject()
        ids.update({slot: ids[source] for slot, source in call.rename.items()})
        url = path.format(**ids)
        kwargs: dict[str, Any] = {}
        if call.json is not None:
            kwargs["json"] = body(call, ids)
        if call.params is not None:
            kwargs["params"] = call.params
        answer = await caller.request(method, url, **kwargs)
        if call.after is not None:
            await call.after(place)
        want = expected(caller, method, path, subject)
        got = answer.status_code
        operation = api.ROUTES[key]
        if want == 0:
            good = got in call.ok
        elif want == 404:
            # Exactly what a missing thing answers: status, code and reason.
            detail = answer.json() if got == 404 else {}
            good = detail == {"code": "not_found", "detail": access.RULES[operation].missing}
        else:
            good = got == want
        seen.add((f"{method} {path}", want))
        if not good or got == 403:
            wrong.append(f"{method} {path} as {name}: {got}, expected {want or 'allowed'}")
    return wrong


async def test_s12_every_route_answers_each_caller_as_the_table_says(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url, timeout=60) as http:
        place = await town(http, setup_ctx)
        shared = await place.world()
        wrong: list[str] = []
        seen: set[tuple[str, int]] = set()
        order = [key for key in CALLS if key not in LAST] + LAST
        for key in order:
            call = CALLS[key]
            world = shared
            if call.own_world or call.merge:
                world = await place.world(merge=call.merge)
            wrong += await walk(place, key, world, seen)
            if world is not shared:
                await place.close_world(world)
    assert wrong == []
    # No route is all allowed or all refused: each has callers on both sides (but the
    # own account routes, which every holder of their credential may use).
    for method, path in CALLS:
        route = f"{method} {path}"
        grants = set(access.RULES[api.ROUTES[(method, path)]].grants)
        everyone = grants >= set(ROLES) or grants == {access.CHATTER}
        assert (route, 0) in seen, route
        assert everyone or (route, 404) in seen, route


async def test_s12_every_socket_frame_answers_each_caller_as_the_table_says(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url, timeout=60) as http:
        place = await town(http, setup_ctx)
        world = await place.world()
        conversation = world.ids["conversation_id"]
        subject = world.subjects["conversation"]
        wrong: list[str] = []
        sides: set[tuple[str, bool]] = set()
        sockets: dict[str, Socket] = {}
        for name in CALLERS[1:]:
            caller = place.callers[name]
            assert caller.principal is not None
            ticket = await caller.request("POST", "/api/v1/ws-ticket")
            if not access.may(caller.principal, "socket.ticket"):
                # No socket at all: every frame is out of reach.
                assert ticket.status_code == 404, (name, ticket.status_code)
                assert not any(access.may(caller.principal, op) for op in STAFF_CHANNELS.values())
                continue
            assert ticket.status_code == 200, (name, ticket.text)
            sock = sockets[name] = await Socket.open(server.ws_url, ticket.json()["ticket"])
            for frame_type, operation in SOCKET_OPERATIONS.items():
                allowed = access.may(caller.principal, operation, subject)
                answer = await _frame(sock, frame_type, conversation)
                sides.add((frame_type, allowed))
                if allowed and answer.get("type") == "error":
                    wrong.append(f"{frame_type} as {name}: refused {answer}")
                if not allowed and (answer.get("type"), answer.get("code")) != (
                    "error",
                    "not_found",
                ):
                    wrong.append(f"{frame_type} as {name}: {answer}, expected not_found")
        # The staff channels: a new chat in the queue, and acute danger in A's chat.
        await Chatter.start(http)
        path = f"/api/v1/conversations/{conversation}/registration"
        danger = held_form(safety=["acute_danger"])
        assert (await place.callers["assigned"].request("PUT", path, json=danger)).is_success
        for channel, (operation, frame_type) in CHANNELS.items():
            for name, sock in sockets.items():
                principal = place.callers[name].principal
                assert principal is not None
                if access.may(principal, operation):
                    await sock.expect(frame_type)
                    sides.add((channel, True))
                else:
                    # Up to a pong: whatever was published before has come by now.
                    await sock.send({"type": "ping"})
                    await sock.expect("pong")
                    # (A chatter's own place in the queue is a `queue` frame too.)
                    heard = [
                        f
                        for f in sock.seen
                        if f["type"] == frame_type and (frame_type == "alert" or "waiting" in f)
                    ]
                    if heard:
                        wrong.append(f"{channel} reached {name}")
                    sides.add((channel, False))
        for sock in sockets.values():
            await sock.close()
    assert wrong == []
    walked = [*SOCKET_OPERATIONS, *CHANNELS]
    assert sides == {(frame, allowed) for frame in walked for allowed in (True, False)}


async def _frame(sock: Socket, frame_type: str, conversation: str) -> dict[str, Any]:
    """Send one frame; the answer is its error, or what shows it was done (typing and
    read receipts answer nothing: a ping after them answers with no error first)."""
    frames: dict[str, dict[str, Any]] = {
        "subscribe": {"type": "subscribe", "conversation": conversation, "after_seq": 0},
        "send": {"type": "send", "conversation": conversation, **_send()},
        "typing": {"type": "typing", "conversation": conversation, "active": True},
        "read": {"type": "read", "conversation": conversation, "seq": 0},
    }
    done = {"subscribe": "conversation", "send": "ack", "typing": "pong", "read": "pong"}
    await sock.send(frames[frame_type])
    # A ping after every frame, read up to its pong: no answer is left for the next one.
    await sock.send({"type": "ping"})
    answer: dict[str, Any] = {}
    while True:
        frame = await sock.recv()
        if frame["type"] == "pong":
            return answer or frame
        refused = frame["type"] == "error" and frame.get("conversation") == conversation
        if not answer and (refused or frame["type"] == done[frame_type]):
            answer = frame


def test_s12_the_table_names_every_route_and_every_operation_is_walked() -> None:
    mounted = {
        (method, route.path)
        for router in api.ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if (method, route.path) not in api.PUBLIC
    }
    assert set(api.ROUTES) == mounted
    # Only a session with the password alone reaches these; every caller here has logged
    # in fully. tests/security/test_s16_sessions.py and tests/e2e/test_enrolment.py walk them.
    mounted -= ENROLMENT
    assert set(CALLS) == mounted, "a new route needs a line in CALLS too"
    channels = {operation for operation, _ in CHANNELS.values()}
    assert set(STAFF_CHANNELS.values()) == channels
    walked = {*api.ROUTES.values(), *SOCKET_OPERATIONS.values(), *channels}
    assert walked == set(access.RULES), "an operation that no route or frame performs"


def test_s12_the_table_keeps_its_promises() -> None:
    """The safety of the table itself, whatever its later edits: nobody but a
    conversation's parties touches it, aggregates never lead to a conversation."""
    conversation_ops = [op for op in access.RULES if op.startswith("conversation.")]
    for op in conversation_ops:
        grants = access.RULES[op].grants
        assert "analyst" not in grants, op
        assert "outreach" not in grants, op
        assert access.ANY not in [grants.get("chatter")], op
    # Outreach staff reach their own module and account, nothing else; and their module
    # is theirs alone.
    for op, rule in access.RULES.items():
        if op.startswith("outreach."):
            assert dict(rule.grants) == {"outreach": access.ANY}, op
        else:
            assert "outreach" not in rule.grants or op in {"staff.session", "staff.enrol"}, op
    b = ChatterPrincipal("b")
    theirs = access.Subject(chatter_id="a", counselor_id=1)
    # A chatter's own account and socket aside, chatter B reaches nothing of A's.
    own = {op for op, rule in access.RULES.items() if rule.grants.get("chatter") is access.ANY}
    assert own == {"chatter.account", "socket.ticket"}
    assert not any(access.may(b, op, theirs) for op in access.RULES.keys() - own)
    other_counselor = StaffPrincipal(2, "x", frozenset({"counselor", "admin"}), "")
    assert not access.may(other_counselor, "conversation.send", theirs)


async def test_s12_a_counselor_who_loses_access_loses_the_live_subscription_within_a_second(
    server: LiveServer, setup_ctx: Context
) -> None:
    """No chat is taken from its counselor yet (transfer comes later); what takes it away
    today is the administrator taking the counselor role away. The open console stops
    streaming the chat at once: the table is looked at again on the bus event, not at
    the next request."""
    anna_user = await make_staff(setup_ctx, "anna", roles=["counselor"])
    await make_staff(setup_ctx, "adri", roles=["admin"])
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await StaffMember.login(http, "anna")
        adri = await StaffMember.login(http, "adri")
        assert (await anna.accept(youth.conversation)).status_code == 200
        console = await Socket.open(server.ws_url, await anna.ticket())
        phone = await Socket.open(server.ws_url, await youth.ticket())
        for sock in (console, phone):
            await sock.subscribe(youth.conversation)
            await sock.expect("conversation")
        assert (await youth.send("ben je er nog?")).status_code == 201
        await console.expect("message", body="ben je er nog?")

        changed = await adri.put(f"/api/v1/users/{anna_user.id}/roles", json={"roles": ["analyst"]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["roles"] == ["analyst"]
        gone = await console.expect("error", timeout=1, conversation=youth.conversation)
        assert gone["code"] == "not_found"

        # What the chatter writes now reaches their own phone, and not the console.
        assert (await youth.send("Kanarie-S12")).status_code == 201
        await phone.expect("message", body="Kanarie-S12")
        await console.send({"type": "ping"})
        await console.expect("pong")
        assert not [f for f in console.seen if f.get("body") == "Kanarie-S12"]
        # Subscribing again is refused like any chat that is not there, and so is HTTP.
        await console.subscribe(youth.conversation)
        again = await console.expect("error", conversation=youth.conversation)
        assert again["code"] == "not_found"
        read = await anna.get(f"/api/v1/conversations/{youth.conversation}/messages")
        assert read.status_code == 404
        for sock in (console, phone):
            await sock.close()
    logged = await audit_entries(setup_ctx, "roles_changed")
    assert [(e.subject, e.purpose, e.outcome) for e in logged] == [
        (f"user:{anna_user.id}", "analyst", "ok")
    ]
