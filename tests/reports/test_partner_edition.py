"""The partner edition: only aggregates, small numbers shown as "< 5", and nothing that
lets a reader work them out, within one edition or by subtracting two overlapping ones."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.reports import actions as reports
from keerpunt.reports.schemas import Report, ReportRequest
from keerpunt.reports.suppression import Shown, overlaps, partitions, shown_cells
from tests.live import audit_entries
from tests.reports.helpers import seed_campaign, seed_editions


def figures(report: Report) -> dict[str, int | None]:
    return {f.key: f.n for f in report.figures()}


async def test_a_small_cell_is_suppressed_and_cannot_be_worked_out(
    ctx: Context, clock: FrozenClock
) -> None:
    campaign, _, internal, partner = await seed_editions(ctx, clock)
    assert partner.edition == "partner"
    assert partner.threshold == 5
    visitors = {f.key: f for f in partner.visitors.rows}
    # One professional: hidden as small, with its share.
    professional = visitors["visitors.professional"]
    assert (professional.n, professional.hidden, professional.share) == (None, "small", None)
    # The rows add up to the chats held, so one more is hidden: the total minus the shown
    # rows is two numbers together, never the one.
    hidden = [f for f in partner.visitors.rows if f.n is None]
    assert len(hidden) == 2
    assert partner.visitors.base is not None
    assert partner.visitors.base.n == 45
    # Every other small number is hidden too, and large ones are exact.
    # (The partner edition charts weeks, not days: a day is mostly one or two chats.)
    assert partner.timeline_unit == "week"
    assert internal.timeline_unit == "day"
    for key, n in figures(internal).items():
        if key.startswith("timeline."):
            continue
        shown = figures(partner)[key]
        if 0 < n < 5:  # type: ignore[operator]
            assert shown is None, key
        elif shown is not None:
            assert shown == n, key
    assert figures(partner)["outcome.duplicate"] is None
    assert figures(partner)["chats.started"] == 54
    # No partition of any partner edition has exactly one hidden part under a shown total.
    check_partitions(partner)
    # Producing it is in the access log, with the edition.
    entries = await audit_entries(ctx, "report.produce")
    assert [e.purpose.split(",")[0] for e in entries if e.purpose] == [
        "internal edition",
        "partner edition",
    ]
    assert {e.subject for e in entries} == {f"campaign:{campaign.id}"}


def check_partitions(report: Report) -> None:
    values = figures(report)
    for total, parts in partitions(report):
        hidden = [p for p in parts if values.get(p) is None]
        if values.get(total) is not None:
            assert len(hidden) != 1, (total, hidden)
        else:
            assert hidden or all(values.get(p) == 0 for p in parts), (total, parts)


async def test_no_two_overlapping_partner_editions_can_be_subtracted(
    ctx: Context, clock: FrozenClock
) -> None:
    campaign, analyst = await seed_campaign(ctx, clock)
    start, end = campaign.starts_on, campaign.ends_on
    # The kinds of editions a partner might be sent over time: the whole campaign, the
    # campaign but for its last days, its first weeks, one region, two regions.
    asked = [
        ReportRequest(campaign_id=campaign.id, edition="partner"),
        ReportRequest(campaign_id=campaign.id, edition="partner", ends_on=end - timedelta(days=8)),
        ReportRequest(campaign_id=campaign.id, edition="partner", ends_on=end - timedelta(days=2)),
        ReportRequest(campaign_id=campaign.id, edition="partner", regions=["midden"]),
        ReportRequest(campaign_id=campaign.id, edition="partner", regions=["midden", "den_haag"]),
        ReportRequest(
            campaign_id=campaign.id, edition="partner", starts_on=start + timedelta(days=7)
        ),
    ]
    made = [await reports.produce(ctx, analyst, request) for request in asked]
    for report in made:
        check_partitions(report)
    pairs = 0
    for a, b in combinations(made, 2):
        if not overlaps(
            Shown(a.starts_on, a.ends_on, a.region_codes, {}),
            b.starts_on,
            b.ends_on,
            b.region_codes,
        ):
            continue
        pairs += 1
        shown_a, shown_b = shown_cells(a), shown_cells(b)
        for key in shown_a.keys() & shown_b.keys():
            difference = abs(shown_a[key] - shown_b[key])
            assert difference == 0 or difference >= 5, (key, shown_a[key], shown_b[key])
    assert pairs >= 10
    # The differencing check did hide numbers that were not small in themselves.
    assert any(f.hidden == "derivable" for r in made[1:] for f in r.figures())
    # Internal editions are exact, and are not held against partner editions.
    internal = await reports.produce(
        ctx, analyst, ReportRequest(campaign_id=campaign.id, ends_on=end - timedelta(days=8))
    )
    assert internal.edition == "internal"
    assert all(f.n is not None for f in internal.figures())
