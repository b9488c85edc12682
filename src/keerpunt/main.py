"""create_app: wiring only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from keerpunt import __version__
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.api import include_routers
from keerpunt.bootstrap import ensure_defaults
from keerpunt.chat import assignment_job
from keerpunt.chat import jobs as chat_jobs
from keerpunt.config import Settings
from keerpunt.context import Context, build_context
from keerpunt.core.errors import Blocked, DomainError, Refused, TooMany
from keerpunt.deps import SOURCE_SCOPE_KEY, VISITOR_SCOPE_KEY
from keerpunt.outreach import jobs as outreach_jobs
from keerpunt.privacy import actions as privacy
from keerpunt.privacy import jobs as privacy_jobs
from keerpunt.realtime.views import SOCKET_PATH, serve_socket
from keerpunt.review import jobs as review_jobs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# No inline script or style anywhere, so a message that slips past escaping still cannot
# run; pages talk only to their own origin (ws: included, under CSP level 3 'self').
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; media-src 'self'; manifest-src 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
HEADERS = [
    # Browsers heed it only over HTTPS, which the reverse proxy provides; a year, as the
    # preload list asks, so a first visit over plain HTTP is the only one.
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CSP.encode()),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
NO_STORE = (b"cache-control", b"no-store")
# Assets hold nothing personal: a cheap phone may keep them, but asks each time whether
# they changed (ETag), so an upgrade is never half-applied.
REVALIDATE = (b"cache-control", b"no-cache")


class CompressPages:
    """Pages and assets travel gzipped (a cheap phone on a slow line); API answers do not,
    so no secret ever shares a compressed body with text an attacker chose (BREACH)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def forget_client_address(scope: Scope) -> None:
    """No chatter address is ever stored or logged, so the app never learns it: the
    address is removed from the request before anything (uvicorn's own socket log lines
    included, which read it from this same scope) can use it. What stays is today's keyed
    hash of address and user agent, to count distinct visitors, and today's keyed hash of
    the address alone, for the abuse limits (`privacy/visitors.py`)."""
    client = scope.get("client")
    ctx = getattr(scope["app"].state, "ctx", None) if "app" in scope else None
    if client and isinstance(ctx, Context):
        agent = dict(scope.get("headers") or ()).get(b"user-agent", b"")
        today, address = ctx.today(), str(client[0])
        scope[VISITOR_SCOPE_KEY] = await ctx.visitors.digest(
            today, address, agent.decode("latin-1")
        )
        scope[SOURCE_SCOPE_KEY] = await ctx.visitors.source(today, address)
    scope["client"] = None


class ForgetClientAddress:
    """The outermost middleware: `forget_client_address` before anything else runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            await forget_client_address(scope)
        await self.app(scope, receive, send)


class KeerpuntApp(FastAPI):
    """The app. The chat socket goes straight to the gateway, past the middleware and
    routing that every other request passes: each of those layers is a coroutine that an
    open socket would keep alive for hours (`realtime.views.serve_socket`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == SOCKET_PATH:
            scope["app"] = self
            await forget_client_address(scope)
            await serve_socket(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


class SecurityHeaders:
    """Chat and staff answers are never cached: a shared phone must not keep them."""

    static_prefix = "/static/"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        cache = REVALIDATE if scope["path"].startswith(self.static_prefix) else NO_STORE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = message.get("headers", [])
                # A route may set a stricter or its own policy (the self-contained report).
                headers = [h for h in HEADERS if h[0] not in {name for name, _ in own}]
                message["headers"] = [*own, *headers, cache]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    staff = getattr(request.state, "staff", None)
    if isinstance(exc, Refused) and isinstance(staff, StaffPrincipal):
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path).removeprefix("/api/v1")
        await privacy.record_denied(
            request.app.state.ctx, staff, f"{request.method} {path}", exc.conversation
        )
    retry_after = exc.retry_after if isinstance(exc, TooMany | Blocked) else None
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    content: dict[str, str] = {"code": exc.code, "detail": exc.reason}
    if exc.field is not None:
        content["field"] = exc.field
    return JSONResponse(content, status_code=exc.status, headers=headers)


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        {"code": code, "detail": str(exc.detail)},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Say which field broke which rule; never echo the input (it may be a message).
    detail = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return JSONResponse({"code": "invalid", "detail": detail}, status_code=422)


def create_app(
    settings: Settings,
    *,
    ctx: Context | None = None,
    reload_keys: Callable[[], dict[str, bytes]] | None = None,
) -> FastAPI:
    """The app for these settings. Pass `ctx` to share one context (tests, the CLI);
    `reload_keys` lets the key ring pick up a rotated key (see KeyRing)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = ctx is None
        app.state.ctx = ctx or build_context(settings, reload_keys=reload_keys)
        await ensure_defaults(app.state.ctx)
        await privacy_jobs.checkpoint_now(app.state.ctx)
        every = settings.audit_checkpoint_minutes * 60
        jobs = [asyncio.create_task(privacy_jobs.checkpoints(app.state.ctx, every))]
        jobs.append(asyncio.create_task(chat_jobs.idle_sweeps(app.state.ctx)))
        if settings.auto_assign:
            jobs.append(asyncio.create_task(assignment_job.rounds(app.state.ctx)))
        if settings.retention_schedule:
            jobs.append(asyncio.create_task(privacy_jobs.daily_retention(app.state.ctx)))
            jobs.append(asyncio.create_task(outreach_jobs.daily_purge(app.state.ctx)))
            jobs.append(asyncio.create_task(review_jobs.weekly_sample(app.state.ctx)))
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
                with suppress(asyncio.CancelledError):
                    await job
            await privacy_jobs.checkpoint_now(app.state.ctx)
            if own:
                await app.state.ctx.close()

    app = KeerpuntApp(
        title="Keerpunt",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # the interactive page loads its script from a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    if ctx is not None:
        app.state.ctx = ctx
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(CompressPages)  # added first, so it runs last
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ForgetClientAddress)  # added last, so it runs first
    include_routers(app)
    app.mount("/static", StaticFiles(packages=[("keerpunt", "web/static")]), name="static")
    return app
