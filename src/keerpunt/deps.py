"""FastAPI dependencies: the context and who is calling. Routes are authenticated by
declaring one of these; `api.py` refuses to mount a route that declares none unless it is
marked public."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.context import Context
from keerpunt.core.errors import Forbidden, Unauthorized
from keerpunt.core.origin import own_origin_matches

BEARER = "bearer "
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
VISITOR_SCOPE_KEY = "keerpunt.visitor"


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


def get_visitor(request: Request) -> str | None:
    """Today's keyed hash of the caller, made from the address before it was dropped."""
    visitor = request.scope.get(VISITOR_SCOPE_KEY)
    return visitor if isinstance(visitor, str) else None


Visitor = Annotated[str | None, Depends(get_visitor)]


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
    if not hmac.compare_digest(
        sent.encode(), accounts.csrf_token(ctx, staff.session_hash).encode()
    ):
        raise Forbidden("the X-CSRF-Token header is missing or wrong", code="csrf")


async def optional_staff(request: Request, ctx: CtxDep) -> StaffPrincipal | None:
    cookie = request.cookies.get(session_cookie_name(ctx))
    if not cookie:
        return None
    staff = await accounts.authenticate_staff(ctx, cookie)
    if staff is not None:
        check_csrf(request, ctx, staff)
    return staff


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
    chatter: Annotated[ChatterPrincipal | None, Depends(optional_chatter)],
    staff: Annotated[StaffPrincipal | None, Depends(optional_staff)],
) -> Principal:
    # A bearer token names a chatter explicitly, so it wins over a stray staff cookie.
    if chatter is not None:
        return chatter
    if staff is not None:
        return staff
    raise Unauthorized("log in, or send the chatter token as a Bearer header")


async def require_staff(
    staff: Annotated[StaffPrincipal | None, Depends(optional_staff)],
) -> StaffPrincipal:
    if staff is None:
        raise Unauthorized("log in first", code="login_required")
    return staff


async def require_enrolling(
    staff: Annotated[StaffPrincipal | None, Depends(optional_enrolling)],
) -> StaffPrincipal:
    if staff is None:
        raise Unauthorized("log in first", code="login_required")
    return staff


async def require_chatter(
    chatter: Annotated[ChatterPrincipal | None, Depends(optional_chatter)],
) -> ChatterPrincipal:
    if chatter is None:
        raise Unauthorized("send the chatter token as a Bearer header")
    return chatter


OptionalChatter = Annotated[ChatterPrincipal | None, Depends(optional_chatter)]
AnyPrincipal = Annotated[Principal, Depends(require_principal)]
Staff = Annotated[StaffPrincipal, Depends(require_staff)]
Enrolling = Annotated[StaffPrincipal, Depends(require_enrolling)]
Chatter = Annotated[ChatterPrincipal, Depends(require_chatter)]
