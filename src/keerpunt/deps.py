"""FastAPI dependencies: the context and who is calling. Routes are authenticated by
declaring one of these; `api.py` refuses to mount a route that declares none unless it is
marked public. The `require_*` ones also hold the caller to the access table: a caller
none of whose roles has the route's operation is told it is not there, before anything
is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from keerpunt.accounts import access
from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.context import Context
from keerpunt.core.errors import MAX_ROW_ID, Forbidden, NotFound, Unauthorized
from keerpunt.core.origin import own_origin_matches
from keerpunt.privacy.tokens import same_secret

BEARER = "bearer "
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
VISITOR_SCOPE_KEY = "keerpunt.visitor"
# app.state: (method, path) of each authenticated route -> its operation in the table.
OPERATIONS_STATE = "operations"
SOURCE_SCOPE_KEY = "keerpunt.source"


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


def get_visitor(request: Request) -> str | None:
    """Today's keyed hash of the caller, made from the address before it was dropped."""
    visitor = request.scope.get(VISITOR_SCOPE_KEY)
    return visitor if isinstance(visitor, str) else None


Visitor = Annotated[str | None, Depends(get_visitor)]


def get_source(request: Request) -> str | None:
    """Today's keyed hash of the caller's address alone, for the abuse limits."""
    return source_of(request.scope)


def source_of(scope: Mapping[str, object]) -> str | None:
    source = scope.get(SOURCE_SCOPE_KEY)
    return source if isinstance(source, str) else None


Source = Annotated[str | None, Depends(get_source)]


def session_cookie_name(ctx: Context) -> str:
    # Browsers accept a __Host- cookie only with Secure; plain-HTTP development drops both.
    return "__Host-keerpunt_session" if ctx.settings.cookie_secure else "keerpunt_session"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[: len(BEARER)].lower() == BEARER:
        return header[len(BEARER) :].strip() or None
    return None


async def optional_chatter(request: Request, ctx: CtxDep) -> ChatterPrincipal | None:
    token = bearer_token(request)
    if token is None:
        return None
    chatter = await accounts.authenticate_chatter(ctx, token)
    if chatter is None:
        raise Unauthorized("unknown or expired chatter token", code="bad_token")
    return chatter


def check_same_site(request: Request, ctx: Context) -> None:
    """S15: a change a browser sends for another site's page is refused. Sec-Fetch-Site
    says so in every current browser; Origin in older ones. Either, when present, must
    say the request came from our own pages."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Forbidden("a change must come from this site's own pages", code="csrf")
    origin = request.headers.get("origin")
    if origin is not None and not own_origin_matches(
        origin, request.headers.get("host"), ctx.settings.public_origin
    ):
        raise Forbidden("a change must come from this site's own pages", code="csrf")


def check_csrf(request: Request, ctx: Context, staff: StaffPrincipal) -> None:
    """A change on a session cookie also needs the session's token (login and /me answer
    it), which a page of another site cannot read. Bearer requests carry their
    credential in a header no other site can set, so they need none."""
    if request.method not in UNSAFE_METHODS or bearer_token(request) is not None:
        return
    check_same_site(request, ctx)
    sent = request.headers.get(CSRF_HEADER, "")
    if not same_secret(sent, accounts.csrf_token(ctx, staff.session_hash)):
        raise Forbidden("the X-CSRF-Token header is missing or wrong", code="csrf")


async def optional_staff(request: Request, ctx: CtxDep) -> StaffPrincipal | None:
    cookie = request.cookies.get(session_cookie_name(ctx))
    if not cookie:
        return None
    staff = await accounts.authenticate_staff(ctx, cookie)
    # Refused access of staff is written to the access log by the error handler
    # (main.py), which finds the caller here.
    request.state.staff = staff
    if staff is not None:
        check_csrf(request, ctx, staff)
    return staff


def route_operation(request: Request) -> str | None:
    route = request.scope.get("route")
    operations: dict[tuple[str, str], str] = getattr(request.app.state, OPERATIONS_STATE, {})
    return operations.get((request.method, getattr(route, "path", "")))


def gate(request: Request, principal: Principal) -> None:
    operation = route_operation(request)
    if operation is None:
        # api.py refuses to mount such a route; should one appear anyway, it stays shut.
        raise NotFound("no such thing")
    access.require_try(principal, operation)


async def optional_enrolling(request: Request, ctx: CtxDep) -> StaffPrincipal | None:
    """A session that may only enrol TOTP (the password was right, no second factor yet)."""
    cookie = request.cookies.get(session_cookie_name(ctx))
    if not cookie:
        return None
    staff = await accounts.authenticate_enrolling(ctx, cookie)
    if staff is not None:
        check_csrf(request, ctx, staff)
    return staff


async def require_principal(
    request: Request,
    chatter: Annotated[ChatterPrincipal | None, Depends(optional_chatter)],
    staff: Annotated[StaffPrincipal | None, Depends(optional_staff)],
) -> Principal:
    # A bearer token names a chatter explicitly, so it wins over a stray staff cookie.
    if chatter is not None:
        # Not a staff read: refusals of a chatter are not in the access log.
        request.state.staff = None
    principal = chatter or staff
    if principal is None:
        raise Unauthorized("log in, or send the chatter token as a Bearer header")
    gate(request, principal)
    return principal


async def require_staff(
    request: Request,
    staff: Annotated[StaffPrincipal | None, Depends(optional_staff)],
) -> StaffPrincipal:
    if staff is None:
        raise Unauthorized("log in first", code="login_required")
    gate(request, staff)
    return staff


async def require_enrolling(
    request: Request,
    staff: Annotated[StaffPrincipal | None, Depends(optional_enrolling)],
) -> StaffPrincipal:
    if staff is None:
        raise Unauthorized("log in first", code="login_required")
    gate(request, staff)
    return staff


async def require_chatter(
    request: Request,
    chatter: Annotated[ChatterPrincipal | None, Depends(optional_chatter)],
) -> ChatterPrincipal:
    if chatter is None:
        raise Unauthorized("send the chatter token as a Bearer header")
    gate(request, chatter)
    return chatter


OptionalChatter = Annotated[ChatterPrincipal | None, Depends(optional_chatter)]
AnyPrincipal = Annotated[Principal, Depends(require_principal)]
Staff = Annotated[StaffPrincipal, Depends(require_staff)]
Enrolling = Annotated[StaffPrincipal, Depends(require_enrolling)]
Chatter = Annotated[ChatterPrincipal, Depends(require_chatter)]

# A row id in a path, and a seq in a query: bounded, so no driver ever sees an overflow.
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
SeqQuery = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]
