"""The access log's search, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from keerpunt.deps import CtxDep, Staff
from keerpunt.privacy import actions
from keerpunt.privacy.schemas import AuditPage, AuditQuery

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.get(
    "/audit",
    summary="Search the access log, newest first (admins); every search is itself logged",
)
async def search(query: Annotated[AuditQuery, Query()], staff: Staff, ctx: CtxDep) -> AuditPage:
    return await actions.search_log(ctx, staff, query)
