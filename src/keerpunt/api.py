"""The router registry. Every route is authenticated unless it is listed here as public;
`check_authenticated` refuses to build an app where a route slipped through."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from keerpunt import health
from keerpunt.accounts.views import router as accounts_router
from keerpunt.admin.pages import router as admin_pages
from keerpunt.analyst.pages import router as analyst_pages
from keerpunt.campaigns.views import router as campaigns_router
from keerpunt.canned.views import router as canned_router
from keerpunt.chat.pages import router as chat_pages
from keerpunt.chat.views import router as chat_router
from keerpunt.deps import optional_chatter, optional_enrolling, optional_staff
from keerpunt.handover.views import router as handover_router
from keerpunt.realtime.views import router as realtime_router
from keerpunt.registration.views import router as registration_router
from keerpunt.reports.views import router as reports_router

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    accounts_router,
    chat_router,
    realtime_router,
    registration_router,
    handover_router,
    canned_router,
    campaigns_router,
    reports_router,
    chat_pages,
    admin_pages,
    analyst_pages,
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
}
AUTHENTICATORS = {optional_chatter, optional_staff, optional_enrolling}


def _authenticates(dependant: Dependant) -> bool:
    if dependant.call in AUTHENTICATORS:
        return True
    return any(_authenticates(sub) for sub in dependant.dependencies)


def check_authenticated(routers: tuple[APIRouter, ...]) -> None:
    routes = [route for router in routers for route in router.routes]
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods or ():
            if (method, route.path) in PUBLIC or method == "HEAD":
                continue
            if not _authenticates(route.dependant):
                raise RuntimeError(f"{method} {route.path} is neither authenticated nor public")


def include_routers(app: FastAPI) -> None:
    check_authenticated(ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
