"""Producing reports. A report reads only aggregates, but producing one is recorded: every
report is audited (who, what, which edition), and a partner edition also records what it
showed, so later partner editions cannot be subtracted from it (`suppression.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from keerpunt.accounts import access
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.campaigns import store as campaigns_store
from keerpunt.campaigns.models import Campaign
from keerpunt.context import Context
from keerpunt.core.errors import Invalid, NotFound
from keerpunt.privacy import audit
from keerpunt.registration import store as registration_store
from keerpunt.registration.actions import known_regions
from keerpunt.reports import figures, store
from keerpunt.reports.models import PartnerRelease
from keerpunt.reports.schemas import CampaignInfo, Dashboard, Report, ReportRequest
from keerpunt.reports.suppression import Shown, shown_cells, suppress

log = logging.getLogger(__name__)

# The longest period one report covers: beyond it, split it up.
MAX_DAYS = 3 * 366


def bounds(ctx: Context, starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """Local midnight at the start of the first day to local midnight after the last."""
    zone = ctx.organisation.zone
    start = datetime.combine(starts_on, time(), zone)
    end = datetime.combine(ends_on + timedelta(days=1), time(), zone)
    return start, end


Step = Callable[[str], None]


def _no_step(_what: str) -> None:
    pass


async def compute(
    ctx: Context, request: ReportRequest, step: Step = _no_step, *, weekly: bool = False
) -> Report:
    """The internal edition of the report asked for; reads only. `step` hears when each
    stage starts (for a progress bar). The timeline is per week when `weekly`, or for a
    partner edition (most single days would be hidden), or for a long period."""
    step("reading")
    async with ctx.read() as session:
        taxonomy = await registration_store.taxonomy(session, None)
        if taxonomy is None:
            raise NotFound("no taxonomy is loaded")
        campaign: Campaign | None = None
        info, channels = None, []
        if request.campaign_id is not None:
            campaign = await campaigns_store.campaign(session, request.campaign_id)
            if campaign is None:
                raise NotFound("no such campaign")
            rows = await campaigns_store.channels(session, [campaign.id])
            channels = [figures.ChannelInfo(c.id, c.name, c.code) for c in rows]
            info = CampaignInfo(
                id=campaign.id,
                name=campaign.name,
                goal=campaign.goal,
                target_group=campaign.target_group,
                channels=[c.name for c in rows],
                regions=[
                    (text(request.locale) if (text := taxonomy.label("region", code)) else code)
                    for code in campaign.regions
                ],
            )
        starts_on = request.starts_on or (campaign.starts_on if campaign else None)
        ends_on = request.ends_on or (campaign.ends_on if campaign else None)
        if starts_on is None or ends_on is None:  # ReportRequest checked it already
            raise Invalid("give a period", field="starts_on")
        if ends_on < starts_on:
            raise Invalid("the period ends before it starts", field="ends_on")
        if (ends_on - starts_on).days > MAX_DAYS:
            raise Invalid(f"a report covers at most {MAX_DAYS} days", field="ends_on")
        regions = known_regions(taxonomy, request.regions)
        start, end = bounds(ctx, starts_on, ends_on)
        chats = await store.chats(session, start, end)
        handovers = await store.handover_regions(session, start, end)
        traffic = await campaigns_store.traffic(session, starts_on, ends_on)
    zone = ctx.organisation.zone
    step("counting")
    return figures.build(
        figures.Inputs(
            rows=chats,
            handover_regions=handovers,
            traffic=traffic,
            taxonomy=taxonomy,
            starts_on=starts_on,
            ends_on=ends_on,
            locale=request.locale,
            generated_at=ctx.clock.now(),
            to_local=lambda moment: moment.astimezone(zone).date(),
            regions=regions,
            campaign=info,
            channels=channels,
            weekly=weekly or request.edition == "partner",
        )
    )


def scope_of(request: ReportRequest) -> str:
    return f"campaign:{request.campaign_id}" if request.campaign_id is not None else "programme"


async def produce(
    ctx: Context, staff: StaffPrincipal | None, request: ReportRequest, step: Step = _no_step
) -> Report:
    """A report in the edition asked for, audited. `staff` is None for the command line
    (whoever runs it has the server's keys already)."""
    if staff is not None:
        access.require(staff, "reports.read")
    report = await compute(ctx, request, step)
    threshold = ctx.settings.report_threshold
    step("recording")
    async with ctx.write() as tx:
        if request.edition == "partner":
            scope = scope_of(request)
            earlier = (
                await tx.session.scalars(
                    select(PartnerRelease).where(PartnerRelease.scope == scope)
                )
            ).all()
            report = suppress(
                report,
                threshold,
                [Shown(e.starts_on, e.ends_on, list(e.regions), dict(e.cells)) for e in earlier],
            )
            tx.session.add(
                PartnerRelease(
                    scope=scope,
                    starts_on=report.starts_on,
                    ends_on=report.ends_on,
                    regions=list(report.region_codes),
                    cells=shown_cells(report),
                    made_at=ctx.clock.now(),
                    made_by=staff.user_id if staff else None,
                )
            )
        await audit.record(
            ctx,
            tx,
            staff,
            "report.produce",
            subject=scope_of(request),
            purpose=(
                f"{request.edition} edition, {request.format}, "
                f"{report.starts_on.isoformat()}..{report.ends_on.isoformat()}"
                + (f", regions {','.join(report.region_codes)}" if report.region_codes else "")
                + ("" if staff else ", command line")
            ),
            count=report.chats.base.n if report.chats.base else None,
        )
    log.info("report produced", extra={"edition": request.edition, "format": request.format})
    return report


async def dashboard(
    ctx: Context,
    staff: StaffPrincipal,
    starts_on: date,
    ends_on: date,
    regions: list[str],
    campaign_id: int | None,
) -> Dashboard:
    """The analyst dashboard's numbers. Not audited as a report: it shows what any
    report of the same filters shows, and nothing is exported."""
    access.require(staff, "reports.read")
    if ends_on < starts_on:
        raise Invalid("the period ends before it starts", field="ends_on")
    request = ReportRequest(
        campaign_id=campaign_id, starts_on=starts_on, ends_on=ends_on, regions=regions
    )
    # The trend is per week, whatever the period.
    report = await compute(ctx, request, weekly=True)
    return Dashboard(
        starts_on=report.starts_on,
        ends_on=report.ends_on,
        funnel=report.funnel,
        timeline_unit="week",
        timeline=report.timeline,
        visitors=report.visitors,
        crime_forms=report.crime_forms,
        signals=report.signals,
        other_problems=report.other_problems,
        help_questions=report.help_questions,
    )
