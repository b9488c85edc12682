"""Socket tickets and the socket itself."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from keerpunt.deps import AnyPrincipal, CtxDep
from keerpunt.realtime import gateway
from keerpunt.realtime.actions import issue_ticket

router = APIRouter(prefix="/api/v1", tags=["realtime"])


class TicketRead(BaseModel):
    ticket: str
    expires_in: int


@router.post("/ws-ticket", summary="A single-use ticket to open the socket, valid 60 s")
async def ws_ticket(principal: AnyPrincipal, ctx: CtxDep) -> TicketRead:
    return TicketRead(
        ticket=await issue_ticket(ctx, principal), expires_in=ctx.settings.ticket_seconds
    )


SOCKET_PATH = "/api/v1/ws"


class SocketRoute:
    """The socket, at SOCKET_PATH. It authenticates with its first frame (a ticket), not
    with HTTP credentials, and has no dependencies to solve, so it skips FastAPI's
    routing: matching, its exception middleware and exit stacks kept about 7 KiB alive
    for every open socket (docs/performance.md). Added as the innermost middleware, so
    the address is forgotten (`main.ForgetClientAddress`) before it runs, as for any
    route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == SOCKET_PATH:
            await gateway.socket_endpoint(WebSocket(scope, receive, send))
        else:
            await self.app(scope, receive, send)
