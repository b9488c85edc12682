"""Campaigns and their channels' tracking links (analysts and admins)."""

from __future__ import annotations

from fastapi import APIRouter

from keerpunt.campaigns import actions, reads
from keerpunt.campaigns.schemas import CampaignIn, CampaignRead
from keerpunt.deps import CtxDep, IdPath, Staff

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


@router.get("/campaigns", summary="Every campaign, newest first, with its channels")
async def list_campaigns(staff: Staff, ctx: CtxDep) -> list[CampaignRead]:
    return await reads.campaigns(ctx, staff)


@router.post("/campaigns", status_code=201, summary="Create a campaign with its channels")
async def create_campaign(body: CampaignIn, staff: Staff, ctx: CtxDep) -> CampaignRead:
    return await actions.create(ctx, staff, body)


@router.get("/campaigns/{campaign_id}", summary="One campaign")
async def get_campaign(campaign_id: IdPath, staff: Staff, ctx: CtxDep) -> CampaignRead:
    return await reads.campaign(ctx, staff, campaign_id)


@router.put("/campaigns/{campaign_id}", summary="Change a campaign; rename or add channels")
async def update_campaign(
    campaign_id: IdPath, body: CampaignIn, staff: Staff, ctx: CtxDep
) -> CampaignRead:
    return await actions.update(ctx, staff, campaign_id, body)
