"""Reports and the analyst dashboard: aggregates only, for analysts and admins."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from keerpunt.core.errors import MAX_ROW_ID
from keerpunt.deps import CtxDep, Staff
from keerpunt.reports import actions
from keerpunt.reports.schemas import Dashboard, Format, Report, ReportRequest

router = APIRouter(prefix="/api/v1", tags=["reports"])

MEDIA = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The report page is self-contained: its own style and inline SVG, no script at all.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def file_name(report: Report, fmt: Format) -> str:
    what = f"campagne-{report.campaign.id}" if report.campaign else "periode"
    edition = "partner" if report.edition == "partner" else "intern"
    return f"keerpunt-{what}-{report.starts_on}-{report.ends_on}-{edition}.{fmt}"


def render(report: Report, fmt: Format) -> bytes:
    # Imported here: matplotlib, openpyxl and WeasyPrint are only loaded to make a report.
    from keerpunt.reports import exports
    from keerpunt.web import report_render

    if fmt == "json":
        return exports.report_json(report)
    if fmt == "xlsx":
        return exports.report_xlsx(report)
    if fmt == "pdf":
        return report_render.report_pdf(report)
    return report_render.report_html(report).encode()


@router.post(
    "/reports",
    response_class=Response,
    summary="Produce a report (a campaign's, or any period's) in an edition and a format",
    responses={200: {"content": {m: {} for m in MEDIA.values()}}},
)
async def produce(body: ReportRequest, staff: Staff, ctx: CtxDep) -> Response:
    report = await actions.produce(ctx, staff, body)
    content = render(report, body.format)
    headers = {"Content-Disposition": f'attachment; filename="{file_name(report, body.format)}"'}
    if body.format == "html":
        headers = {"Content-Security-Policy": REPORT_CSP}
    return Response(content, media_type=MEDIA[body.format], headers=headers)


@router.get("/reports/dashboard", summary="The analyst dashboard's numbers for a period")
async def dashboard(
    staff: Staff,
    ctx: CtxDep,
    starts_on: date,
    ends_on: date,
    regions: Annotated[list[str] | None, Query(max_length=20)] = None,
    campaign_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Dashboard:
    return await actions.dashboard(ctx, staff, starts_on, ends_on, regions or [], campaign_id)
