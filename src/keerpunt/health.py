from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from keerpunt.deps import CtxDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 when the database answers; names the event bus")
async def healthz(ctx: CtxDep) -> JSONResponse:
    try:
        await ctx.db.ping()
    except Exception:  # any failure of the database means unhealthy; the detail stays in logs
        return JSONResponse({"status": "unavailable"}, status_code=503)
    # "down" is still healthy: without Redis the process serves from the database.
    return JSONResponse({"status": "ok", "bus": ctx.bus.state()})
