"""The knowledge export, as a download."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import Response

from keerpunt.deps import CtxDep, Staff
from keerpunt.knowledge import actions

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}}},
    summary="De-identified transcripts for research, as JSON Lines (researcher; audited)",
)
async def export(since: date, until: date, staff: Staff, ctx: CtxDep) -> Response:
    lines = await actions.export(ctx, staff, since, until)
    name = f"keerpunt-kennis-{since.isoformat()}-{until.isoformat()}.jsonl"
    return Response(
        "".join(f"{line}\n" for line in lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
