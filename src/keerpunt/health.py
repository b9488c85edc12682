from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from keerpunt.deps import CtxDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 when the database answers")
async def healthz(ctx: CtxDep) -> JSONResponse:
    try:
        await ctx.db.ping()
    except Exception:  # any failure of the database means unhealthy; the detail stays in logs
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
