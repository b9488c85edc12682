"""Socket tickets and the socket itself."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send
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


async def serve_socket(scope: Scope, receive: Receive, send: Send) -> None:
    """The socket at SOCKET_PATH. It authenticates with its first frame (a ticket), not
    with HTTP credentials, and has no dependencies to solve, so the app hands it over
    before its middleware and routing (`main.KeerpuntApp`): every open socket keeps alive
    the coroutines of whatever it passed through, nine of them for the middleware stack
    and FastAPI, which every full garbage collection walks (docs/performance.md). The
    caller forgets the address first (`main.forget_client_address`), as for any route."""
    await gateway.socket_endpoint(WebSocket(scope, receive, send))
