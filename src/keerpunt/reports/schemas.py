"""A report as data: what the HTML page, the PDF, the spreadsheet and the JSON all show.

Every number is a `Figure` with a stable key, so a partner edition can be compared cell by
cell with earlier ones. `n` is None when the partner edition suppressed it: `hidden` says
why ("small": below the threshold, shown as "< k"; "derivable": it could be worked out
from other numbers, shown as a dot).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from keerpunt.core.errors import MAX_ROW_ID

Edition = Literal["internal", "partner"]
Format = Literal["json", "html", "pdf", "xlsx"]
Hidden = Literal["small", "derivable"]


class Figure(BaseModel):
    key: str
    label: str
    n: int | None
    # Of the figure's table base, 0..1; None where there is no base or it would reveal.
    share: float | None = None
    # The key of the figure the share is of.
    of: str | None = None
    hidden: Hidden | None = None


class Table(BaseModel):
    key: str
    title: str
    base: Figure | None = None
    rows: list[Figure]
    # The rows add up to the base, so one hidden row could be worked out from the rest.
    partition: bool = False


class ChannelFigures(BaseModel):
    name: str
    code: str | None
    visits: Figure
    clicks: Figure
    chats: Figure
    # Clicks to the chat per website visit.
    click_rate: float | None


class Bucket(BaseModel):
    start: date
    direct: Figure
    organic: Figure


class CampaignInfo(BaseModel):
    id: int
    name: str
    goal: str
    target_group: str
    channels: list[str]
    regions: list[str]


class Report(BaseModel):
    title: str
    edition: Edition
    threshold: int
    locale: Literal["nl", "en"]
    campaign: CampaignInfo | None
    starts_on: date
    ends_on: date
    # Labels and codes of the regions the report was limited to; none: all regions.
    regions: list[str]
    region_codes: list[str]
    generated_at: datetime
    channels: list[ChannelFigures]
    best_channel: str | None
    chats: Table
    content: Table
    outcomes: Table
    visitors: Table
    other_problems: Table
    crime_forms: Table
    exploitation: Figure
    signals: Table
    help_questions: Table
    help_offered: Table
    accounts: Figure
    handovers: Table
    timeline_unit: Literal["day", "week"]
    timeline: list[Bucket]
    funnel: Table
    notes: list[str]

    def figures(self) -> list[Figure]:
        """Every figure of the report, each once."""
        out: list[Figure] = [self.exploitation, self.accounts]
        for table in self.tables():
            out.extend(([table.base] if table.base else []) + table.rows)
        for channel in self.channels:
            out.extend((channel.visits, channel.clicks, channel.chats))
        for bucket in self.timeline:
            out.extend((bucket.direct, bucket.organic))
        seen: dict[str, Figure] = {}
        for figure in out:
            seen.setdefault(figure.key, figure)
        return list(seen.values())

    def tables(self) -> list[Table]:
        return [
            self.chats,
            self.content,
            self.outcomes,
            self.visitors,
            self.other_problems,
            self.crime_forms,
            self.signals,
            self.help_questions,
            self.help_offered,
            self.handovers,
            self.funnel,
        ]


class ReportRequest(BaseModel):
    """One report: a campaign (its period unless another is given) or any period."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    starts_on: date | None = None
    ends_on: date | None = None
    regions: list[str] = Field(default_factory=list, max_length=20)
    edition: Edition = "internal"
    format: Format = "json"
    locale: Literal["nl", "en"] = "nl"

    @model_validator(mode="after")
    def _period(self) -> ReportRequest:
        if self.campaign_id is None and (self.starts_on is None or self.ends_on is None):
            raise ValueError("give a campaign, or a period with both starts_on and ends_on")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("the period ends before it starts")
        return self


class Dashboard(BaseModel):
    """The analyst dashboard: numbers only, never a conversation."""

    starts_on: date
    ends_on: date
    funnel: Table
    timeline_unit: Literal["day", "week"]
    timeline: list[Bucket]
    visitors: Table
    crime_forms: Table
    signals: Table
    other_problems: Table
    help_questions: Table
