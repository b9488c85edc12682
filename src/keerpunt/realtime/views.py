"""Socket tickets and the socket itself."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

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


# The socket authenticates with its first frame (a ticket), not with HTTP credentials.
router.add_api_websocket_route("/ws", gateway.socket_endpoint)
