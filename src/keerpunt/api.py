"""The router registry. Every route is authenticated unless it is listed here as public,
and every authenticated route names its operation in the access table
(`accounts/access.py`); `check_authenticated` refuses to build an app where a route
slipped through either."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from keerpunt import health
from keerpunt.abuse.views import router as abuse_router
from keerpunt.accounts.access import RULES
from keerpunt.accounts.views import router as accounts_router
from keerpunt.admin.pages import router as admin_pages
from keerpunt.analyst.pages import router as analyst_pages
from keerpunt.campaigns.views import router as campaigns_router
from keerpunt.canned.views import router as canned_router
from keerpunt.chat.assignment_views import router as assignment_router
from keerpunt.chat.pages import router as chat_pages
from keerpunt.chat.views import router as chat_router
from keerpunt.core.errors import ErrorRead
from keerpunt.deps import (
    OPERATIONS_STATE,
    optional_chatter,
    optional_enrolling,
    optional_staff,
    require_chatter,
    require_enrolling,
    require_principal,
    require_staff,
)
from keerpunt.handover.views import router as handover_router
from keerpunt.hours.views import router as hours_router
from keerpunt.knowledge.views import router as knowledge_router
from keerpunt.outreach.pages import router as outreach_pages
from keerpunt.outreach.views import router as outreach_router
from keerpunt.privacy.views import router as privacy_router
from keerpunt.realtime.views import router as realtime_router
from keerpunt.registration.views import router as registration_router
from keerpunt.reports.views import router as reports_router
from keerpunt.review.pages import router as review_pages
from keerpunt.review.views import router as review_router
from keerpunt.supervision.pages import router as supervision_pages
from keerpunt.supervision.views import router as supervision_router

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    accounts_router,
    chat_router,
    assignment_router,
    abuse_router,
    realtime_router,
    registration_router,
    handover_router,
    canned_router,
    campaigns_router,
    reports_router,
    privacy_router,
    outreach_router,
    hours_router,
    review_router,
    knowledge_router,
    chat_pages,
    admin_pages,
    analyst_pages,
    outreach_pages,
    review_pages,
    supervision_router,
    supervision_pages,
)

# (method, path): reachable without credentials, each for a reason.
PUBLIC = {
    ("GET", "/healthz"),  # load balancers
    ("POST", "/api/v1/auth/login"),  # the way in
    ("POST", "/api/v1/conversations"),  # a chat starts anonymously: one tap from an ad
    ("GET", "/api/v1/opening"),  # the chat page and the organisation's site show it
    ("POST", "/api/v1/chatter/account"),  # an account can be made before a first chat
    ("POST", "/api/v1/chatter/login"),  # a returning chatter's way in
    ("GET", "/"),  # the chat page: one tap from an ad, nothing asked
    ("GET", "/chat"),
    ("GET", "/c/{code}"),  # a campaign's tracking link: the chat page, counted
    ("GET", "/console"),  # the console page shows its login form; its data needs a session
    ("GET", "/admin"),  # likewise the admin page
    ("GET", "/analyst"),  # the analyst page shows its login form; its data needs a session
    ("GET", "/outreach"),  # likewise the outreach page
    ("GET", "/review"),  # likewise the review page
    ("GET", "/supervise"),  # likewise the supervisors' live view
}
# (method, path) -> the operation in the access table; a new route is one line here.
ROUTES: dict[tuple[str, str], str] = {
    # Staff sessions and the socket
    ("POST", "/api/v1/auth/logout"): "staff.session",
    ("GET", "/api/v1/me"): "staff.session",
    ("POST", "/api/v1/me/pause"): "staff.pause",
    ("POST", "/api/v1/ws-ticket"): "socket.ticket",
    ("GET", "/api/v1/audit"): "audit.search",
    ("POST", "/api/v1/conversations/{conversation_id}/block"): "conversation.block",
    ("GET", "/api/v1/blocks"): "blocks.admin",
    ("POST", "/api/v1/blocks/{block_id}/lift"): "blocks.admin",
    ("GET", "/api/v1/users"): "users.admin",
    ("POST", "/api/v1/users/{user_id}/disable"): "users.admin",
    ("POST", "/api/v1/users/{user_id}/enable"): "users.admin",
    ("POST", "/api/v1/users/{user_id}/totp-reset"): "users.admin",
    ("GET", "/api/v1/sessions"): "users.admin",
    ("DELETE", "/api/v1/sessions/{handle}"): "users.admin",
    ("POST", "/api/v1/auth/totp/begin"): "staff.enrol",
    ("POST", "/api/v1/auth/totp/confirm"): "staff.enrol",
    ("PUT", "/api/v1/users/{user_id}/roles"): "users.admin",
    # A chatter's own account
    ("POST", "/api/v1/chatter/logout"): "chatter.account",
    ("GET", "/api/v1/chatter/me"): "chatter.account",
    ("POST", "/api/v1/chatter/account/delete"): "chatter.account",
    # Conversations
    ("GET", "/api/v1/conversations/{conversation_id}"): "conversation.read",
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): "conversation.send",
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): "conversation.messages",
    ("POST", "/api/v1/conversations/{conversation_id}/end"): "conversation.end",
    ("POST", "/api/v1/conversations/{conversation_id}/feedback"): "conversation.feedback",
    ("POST", "/api/v1/conversations/{conversation_id}/accept"): "conversation.claim",
    ("GET", "/api/v1/queue"): "queue.read",
    ("GET", "/api/v1/console/snapshot"): "queue.read",
    ("POST", "/api/v1/conversations/{conversation_id}/offer/decline"): "offer.decline",
    ("POST", "/api/v1/conversations/{conversation_id}/transfers"): "conversation.transfer",
    ("POST", "/api/v1/transfers/{transfer_id}/accept"): "transfer.respond",
    ("POST", "/api/v1/transfers/{transfer_id}/decline"): "transfer.respond",
    ("GET", "/api/v1/colleagues"): "colleagues.read",
    # Registration and case tools
    ("GET", "/api/v1/taxonomy"): "taxonomy.read",
    ("GET", "/api/v1/taxonomy/{version}"): "taxonomy.read",
    ("GET", "/api/v1/taxonomy/versions"): "taxonomy.admin",
    ("POST", "/api/v1/taxonomy"): "taxonomy.admin",
    ("GET", "/api/v1/conversations/{conversation_id}/registration"): "registration.read",
    ("PUT", "/api/v1/conversations/{conversation_id}/registration"): "registration.write",
    ("POST", "/api/v1/conversations/{conversation_id}/registration/complete"): (
        "registration.write"
    ),
    ("GET", "/api/v1/registrations/todo"): "registration.todo",
    ("GET", "/api/v1/conversations/{conversation_id}/history"): "history.read",
    ("GET", "/api/v1/conversations/{conversation_id}/history/{earlier_id}/messages"): (
        "transcript.earlier"
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/duplicates"): "duplicates.search",
    ("POST", "/api/v1/conversations/{conversation_id}/duplicate"): "duplicates.mark",
    ("GET", "/api/v1/merges"): "merges.read",
    ("POST", "/api/v1/merges/{merge_id}/undo"): "merges.undo",
    # Handovers and contact persons
    ("GET", "/api/v1/regions"): "regions.read",
    ("POST", "/api/v1/regions/{region}/contacts"): "contacts.admin",
    ("PUT", "/api/v1/contacts/{contact_id}"): "contacts.admin",
    ("DELETE", "/api/v1/contacts/{contact_id}"): "contacts.admin",
    ("POST", "/api/v1/conversations/{conversation_id}/handovers"): "handover.propose",
    ("GET", "/api/v1/handovers"): "handover.list",
    ("GET", "/api/v1/handovers/{handover_id}"): "handover.read",
    ("GET", "/api/v1/handovers/{handover_id}/summary.pdf"): "handover.read",
    ("POST", "/api/v1/handovers/{handover_id}/status"): "handover.step",
    # Canned replies
    ("GET", "/api/v1/canned"): "canned.read",
    ("POST", "/api/v1/canned"): "canned.admin",
    ("PUT", "/api/v1/canned/{response_id}"): "canned.admin",
    ("DELETE", "/api/v1/canned/{response_id}"): "canned.admin",
    # Aggregates
    ("GET", "/api/v1/campaigns"): "campaigns.read",
    ("GET", "/api/v1/campaigns/{campaign_id}"): "campaigns.read",
    ("POST", "/api/v1/campaigns"): "campaigns.write",
    ("PUT", "/api/v1/campaigns/{campaign_id}"): "campaigns.write",
    ("POST", "/api/v1/reports"): "reports.read",
    ("GET", "/api/v1/reports/dashboard"): "reports.read",
    # Outreach
    ("GET", "/api/v1/outreach/sources"): "outreach.read",
    ("POST", "/api/v1/outreach/sources"): "outreach.sources",
    ("PUT", "/api/v1/outreach/sources/{source_id}"): "outreach.sources",
    ("GET", "/api/v1/outreach/terms"): "outreach.read",
    ("POST", "/api/v1/outreach/terms"): "outreach.terms",
    ("PUT", "/api/v1/outreach/terms/{term_id}"): "outreach.terms",
    ("GET", "/api/v1/outreach/items"): "outreach.read",
    ("GET", "/api/v1/outreach/items/{item_id}"): "outreach.read",
    ("POST", "/api/v1/outreach/items/{item_id}/state"): "outreach.triage",
    ("POST", "/api/v1/outreach/items/{item_id}/assign"): "outreach.triage",
    ("POST", "/api/v1/outreach/items/{item_id}/actions"): "outreach.triage",
    ("GET", "/api/v1/outreach/staff"): "outreach.read",
    ("GET", "/api/v1/outreach/channels"): "outreach.read",
    ("GET", "/api/v1/outreach/trends"): "outreach.read",
    ("GET", "/api/v1/outreach/suggestions"): "outreach.read",
    ("POST", "/api/v1/outreach/suggestions/{suggestion_id}/approve"): "outreach.terms",
    ("POST", "/api/v1/outreach/suggestions/{suggestion_id}/reject"): "outreach.terms",
    # Opening hours and idle chats
    ("GET", "/api/v1/hours"): "hours.read",
    ("PUT", "/api/v1/hours"): "hours.admin",
    ("POST", "/api/v1/conversations/{conversation_id}/idle/extend"): "conversation.idle_extend",
    # Review against the method, and the knowledge export
    ("GET", "/api/v1/reviews/sample"): "review.list",
    ("GET", "/api/v1/reviews/search"): "review.list",
    ("GET", "/api/v1/reviews/quality"): "review.quality",
    ("GET", "/api/v1/reviews/conversations/{conversation_id}"): "review.transcript",
    ("PUT", "/api/v1/reviews/conversations/{conversation_id}"): "review.write",
    ("GET", "/api/v1/reviews"): "review.mine",
    ("GET", "/api/v1/reviews/{review_id}"): "review.read",
    ("GET", "/api/v1/knowledge/export"): "knowledge.export",
    # Supervision
    ("GET", "/api/v1/supervision/live"): "supervision.live",
    ("POST", "/api/v1/conversations/{conversation_id}/whispers"): "conversation.whisper",
    ("GET", "/api/v1/conversations/{conversation_id}/whispers"): "conversation.whisper",
    ("POST", "/api/v1/conversations/{conversation_id}/join"): "conversation.join",
    ("POST", "/api/v1/conversations/{conversation_id}/takeover"): "conversation.takeover",
}
# The dependencies that authenticate and hold the caller to the table (`deps.gate`).
AUTHENTICATORS = {require_principal, require_staff, require_chatter, require_enrolling}


def _authenticates(dependant: Dependant) -> bool:
    if dependant.call in AUTHENTICATORS:
        return True
    return any(_authenticates(sub) for sub in dependant.dependencies)


def check_authenticated(
    routers: tuple[APIRouter, ...], routes: dict[tuple[str, str], str] = ROUTES
) -> None:
    mounted = set()
    for route in (route for router in routers for route in router.routes):
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods or ():
            key = (method, route.path)
            if key in PUBLIC or method == "HEAD":
                continue
            mounted.add(key)
            if not _authenticates(route.dependant):
                raise RuntimeError(f"{method} {route.path} is neither authenticated nor public")
            if routes.get(key) not in RULES:
                raise RuntimeError(f"{method} {route.path} names no operation of the access table")
    if stale := sorted(routes.keys() - mounted):
        raise RuntimeError(f"the access table names routes that do not exist: {stale}")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorRead, "description": description}


# Answers a route may give besides its own, declared so the OpenAPI document holds every
# status a client can meet (S08 checks each answer against it).
MALFORMED = _error("A body that is not JSON")
UNAUTHORIZED = _error("No credentials, or credentials that are not (or no longer) valid")
NOT_FOUND = _error("Not there, or not the caller's to see: both answer alike")
CONFLICT = _error("Not possible in the current state")
INVALID = _error("Input that does not fit: the rules it broke, or the one field at fault")
UNAVAILABLE = _error("A part the answer needs is missing or down")
LOGINS = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/chatter/login")}
UNAVAILABLE_ROUTES = {("GET", "/healthz"), ("GET", "/api/v1/handovers/{handover_id}/summary.pdf")}
AUTHENTICATING = {optional_chatter, optional_staff, optional_enrolling}
FORBIDDEN = _error(
    "A change refused: a staff cookie without the CSRF token or from another site (csrf),"
    " or a blocked chatter (blocked, with Retry-After)"
)
TOO_MANY = _error("Over a limit (log-in failures, new chats, messages): see Retry-After")
LIMITED_ROUTES = LOGINS | {
    ("POST", "/api/v1/conversations"),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"),
}


def _uses(dependant: Dependant, calls: set[Any]) -> bool:
    return dependant.call in calls or any(_uses(sub, calls) for sub in dependant.dependencies)


def declare_errors(route: APIRoute) -> None:
    """Declare the error answers this route can give, from what it takes."""
    key = (sorted(route.methods or ())[0], route.path)
    errors: dict[int | str, dict[str, Any]] = {}
    if route.body_field is not None:
        errors[400] = MALFORMED
    if key in LOGINS or _uses(route.dependant, AUTHENTICATING):
        errors[401] = UNAUTHORIZED
    if key not in PUBLIC or route.dependant.path_params:
        errors[404] = NOT_FOUND
    if key[0] != "GET":
        errors[403] = FORBIDDEN
    if key[0] != "GET" or key not in PUBLIC:
        errors[409] = CONFLICT
    if route.body_field is not None or route.dependant.query_params or route.dependant.path_params:
        errors[422] = INVALID
    if key in LIMITED_ROUTES:
        errors[429] = TOO_MANY
    if key in UNAVAILABLE_ROUTES:
        errors[503] = UNAVAILABLE
    route.responses = {**errors, **route.responses}


def include_routers(app: FastAPI) -> None:
    check_authenticated(ROUTERS)
    setattr(app.state, OPERATIONS_STATE, dict(ROUTES))
    for router in ROUTERS:
        # Before including: the app's copy of each route is built from these.
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                declare_errors(route)
        app.include_router(router)
