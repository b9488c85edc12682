"""The campaign report reproduces the programme's own report (seed 000) from data made
through the product: the chats, their registrations, merges, accounts and handovers."""

from __future__ import annotations

from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.reports import actions as reports
from keerpunt.reports.schemas import Figure, ReportRequest, Table
from tests.reports.helpers import seed_campaign


def rows(table: Table) -> dict[str, int | None]:
    return {f.key.split(".", 1)[1]: f.n for f in table.rows}


def n(figure: Figure | None) -> int | None:
    assert figure is not None
    return figure.n


async def test_the_campaign_report_shows_the_seed_reports_numbers(
    ctx: Context, clock: FrozenClock
) -> None:
    campaign, analyst = await seed_campaign(ctx, clock)
    report = await reports.produce(ctx, analyst, ReportRequest(campaign_id=campaign.id))

    assert report.campaign is not None
    assert report.campaign.channels == ["Snapchat", "TikTok", "Instagram"]
    assert (report.starts_on, report.ends_on) == (campaign.starts_on, campaign.ends_on)
    # 54 chats in the period, 19 of them straight from the campaign.
    assert n(report.chats.base) == 54
    assert rows(report.chats) == {"direct": 19, "organic": 35}
    # 7 without content (or a test, or abuse), 2 duplicates merged.
    assert rows(report.outcomes) == {"held": 45, "no_content": 7, "duplicate": 2, "unregistered": 0}
    # About 75% young people, the rest relatives, and one professional.
    visitors = {f.key: f for f in report.visitors.rows}
    assert n(visitors["visitors.youth"]) == 34
    assert round((visitors["visitors.youth"].share or 0) * 100) == 76
    assert n(visitors["visitors.professional"]) == 1
    assert n(visitors["visitors.relative"]) == 10
    # Drug selling named most; burglary and robbery second.
    forms = [(f.key.split(".")[1], f.n) for f in report.crime_forms.rows]
    assert forms[0] == ("drugs_selling", 11)
    assert set(forms[1:3]) == {("burglary", 6), ("robbery", 6)}
    assert ("circuit_unknown", 3) in forms
    # Half the crime chats name one or more signals of exploitation.
    assert n(report.exploitation) == 12
    assert report.exploitation.share == 0.5
    assert n(report.content.base) == 54
    assert rows(report.content) == {"with_message": 49, "about_crime": 24}
    assert rows(report.signals)["threatened"] == 6
    # Accounts made to come back, and the handovers per region.
    assert n(report.accounts) == 6
    assert rows(report.handovers) == {"midden": 2, "den_haag": 1}
    # Per channel: visits, unique clicks to the chat, chats.
    by_name = {c.name: c for c in report.channels}
    assert by_name["Snapchat"].chats.n == 9
    assert by_name["TikTok"].chats.n == 6
    assert by_name["Instagram"].chats.n == 4
    assert by_name["Snapchat"].visits.n == 96
    assert by_name["Snapchat"].clicks.n == 9 + 21
    assert report.best_channel == "Snapchat"
    assert sum((b.direct.n or 0) + (b.organic.n or 0) for b in report.timeline) == 54
