"""FastAPI dependencies: the context and who is calling. Routes are authenticated by
declaring one of these; `api.py` refuses to mount a route that declares none unless it is
marked public."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from keerpunt.accounts import actions as accounts
from keerpunt.accounts.principals import ChatterPrincipal, Principal, StaffPrincipal
from keerpunt.context import Context
from keerpunt.core.errors import Unauthorized

BEARER = "bearer "
VISITOR_SCOPE_KEY = "keerpunt.visitor"
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


async def optional_staff(request: Request, ctx: CtxDep) -> StaffPrincipal | None:
    cookie = request.cookies.get(session_cookie_name(ctx))
    if not cookie:
        return None
    return await accounts.authenticate_staff(ctx, cookie)


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


async def require_chatter(
    chatter: Annotated[ChatterPrincipal | None, Depends(optional_chatter)],
) -> ChatterPrincipal:
    if chatter is None:
        raise Unauthorized("send the chatter token as a Bearer header")
    return chatter


OptionalChatter = Annotated[ChatterPrincipal | None, Depends(optional_chatter)]
AnyPrincipal = Annotated[Principal, Depends(require_principal)]
Staff = Annotated[StaffPrincipal, Depends(require_staff)]
Chatter = Annotated[ChatterPrincipal, Depends(require_chatter)]
