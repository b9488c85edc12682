"""The report as a spreadsheet and as JSON, and how a figure reads in any format.

A suppressed figure reads "< k" (below the threshold) or "•" (derivable from other
numbers), never its count. openpyxl is imported only when a spreadsheet is made.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from keerpunt.reports.labels import label
from keerpunt.reports.schemas import Bucket, ChannelFigures, Figure, Report, Table

DERIVABLE = "\u2022"
NO_SHARE = "\u2013"
# A spreadsheet reads a text starting with one of these as a formula (or, after a tab or
# a carriage return, as one once the text is pasted elsewhere).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hidden_mark(figure: Figure, threshold: int) -> str | None:
    """What the partner edition shows instead of a hidden count; None if it is shown."""
    if figure.n is not None:
        return None
    if figure.hidden == "small":
        return f"< {threshold}"
    return DERIVABLE


def whole_percent(share: float) -> int:
    # Half up, as people round: 12.5% reads 13%, not the 12% of round().
    return math.floor(share * 100 + 0.5)


def number_text(n: int, locale: str) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if locale == "nl" else text


def figure_text(figure: Figure, threshold: int, locale: str) -> str:
    """ "34 (76%)", "34" without a share, "< 5" or "•" when hidden."""
    mark = hidden_mark(figure, threshold)
    if mark is not None:
        return mark
    assert figure.n is not None
    text = number_text(figure.n, locale)
    if figure.share is None:
        return text
    return f"{text} ({whole_percent(figure.share)}%)"


def report_json(report: Report) -> bytes:
    return report.model_dump_json(indent=2).encode()


def safe_text(text: str) -> str:
    """A text cell that can never become a formula: names come from users."""
    return "'" + text if text.startswith(FORMULA_START) else text


SHEETS = {
    "nl": {
        "overview": "Overzicht",
        "channels": "Kanalen",
        "chats": "Gestarte chats",
        "content": "Inhoud en uitkomst",
        "visitors": "Wie chatte",
        "crime_forms": "Criminaliteit",
        "exploitation": "Uitbuiting",
        "other_problems": "Andere problematiek",
        "help": "Hulp",
        "accounts": "Accounts",
        "handovers": "Overdrachten",
        "funnel": "Trechter",
        "notes": "Toelichting",
    },
    "en": {
        "overview": "Overview",
        "channels": "Channels",
        "chats": "Chats started",
        "content": "Content and outcome",
        "visitors": "Who chatted",
        "crime_forms": "Crime",
        "exploitation": "Exploitation",
        "other_problems": "Other problems",
        "help": "Help",
        "accounts": "Accounts",
        "handovers": "Handovers",
        "funnel": "Funnel",
        "notes": "Notes",
    },
}
WORDS = {
    "nl": {
        "title": "Titel",
        "edition": "Editie",
        "internal": "Interne editie",
        "partner": "Partnereditie",
        "threshold": "Drempel voor kleine aantallen",
        "period": "Periode",
        "starts_on": "Van",
        "ends_on": "Tot en met",
        "generated_at": "Gemaakt op",
        "campaign": "Campagne",
        "goal": "Doel",
        "target_group": "Doelgroep",
        "channels": "Kanalen",
        "regions": "Regio's",
        "limited_to": "Beperkt tot regio's",
        "item": "Omschrijving",
        "count": "Aantal",
        "share": "Aandeel",
        "key": "Sleutel",
        "channel": "Kanaal",
        "click_rate": "Doorklik naar de chat",
        "best_channel": "Best geconverteerd",
        "timeline": "Per dag",
        "timeline_week": "Per week (vanaf maandag)",
        "day": "Dag",
        "week": "Week vanaf",
        "direct": "Direct",
        "organic": "Organisch",
        "content": "Inhoud",
        "outcomes": "Uitkomst",
        "signals": "Signalen",
        "help_questions": "Hulpvragen",
        "help_offered": "Geboden hulp",
        "notes": "Toelichting",
    },
    "en": {
        "title": "Title",
        "edition": "Edition",
        "internal": "Internal edition",
        "partner": "Partner edition",
        "threshold": "Threshold for small counts",
        "period": "Period",
        "starts_on": "From",
        "ends_on": "To",
        "generated_at": "Made on",
        "campaign": "Campaign",
        "goal": "Goal",
        "target_group": "Target group",
        "channels": "Channels",
        "regions": "Regions",
        "limited_to": "Limited to regions",
        "item": "Item",
        "count": "Count",
        "share": "Share",
        "key": "Key",
        "channel": "Channel",
        "click_rate": "Click-through to the chat",
        "best_channel": "Converted best",
        "timeline": "Per day",
        "timeline_week": "Per week (from Monday)",
        "day": "Day",
        "week": "Week from",
        "direct": "Direct",
        "organic": "Organic",
        "content": "Content",
        "outcomes": "Outcome",
        "signals": "Signals",
        "help_questions": "Help questions",
        "help_offered": "Help offered",
        "notes": "Notes",
    },
}
PERCENT = "0%"


class _Sheet:
    """Writes rows top-down on one worksheet, keeping the formats in one place."""

    def __init__(self, sheet: Any, report: Report, words: dict[str, str]) -> None:
        from openpyxl.styles import Alignment, Font

        self.sheet = sheet
        self.report = report
        self.words = words
        self.row = 1
        self.bold = Font(bold=True)
        self.heading = Font(bold=True, size=13)
        self.right = Alignment(horizontal="right")

    def cell(self, column: int, value: object, *, number_format: str | None = None) -> Any:
        if isinstance(value, str):
            value = safe_text(value)
        cell = self.sheet.cell(row=self.row, column=column, value=value)
        if number_format:
            cell.number_format = number_format
        return cell

    def line(self, *values: object, bold: bool = False) -> None:
        for column, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = self.cell(column, value)
            if bold:
                cell.font = self.bold
        self.row += 1

    def title(self, text: str) -> None:
        self.cell(1, text).font = self.heading
        self.row += 2

    def gap(self) -> None:
        self.row += 1

    def count(self, column: int, figure: Figure) -> None:
        mark = hidden_mark(figure, self.report.threshold)
        if mark is None:
            self.cell(column, figure.n)
        else:
            # Text in a column of numbers: aligned as the numbers are.
            self.cell(column, mark).alignment = self.right

    def share(self, column: int, share: float | None) -> None:
        if share is not None:
            self.cell(column, share, number_format=PERCENT)

    def figure(self, figure: Figure, *, bold: bool = False) -> None:
        label = self.cell(1, figure.label)
        if bold:
            label.font = self.bold
        self.count(2, figure)
        self.share(3, figure.share)
        self.cell(4, figure.key)
        self.row += 1

    def table(self, table: Table, heading: str | None = None) -> None:
        if heading:
            self.line(heading, bold=True)
        w = self.words
        self.line(w["item"], w["count"], w["share"], w["key"], bold=True)
        if table.base is not None:
            self.figure(table.base, bold=True)
        for row in table.rows:
            self.figure(row)
        self.gap()

    def widths(self, *widths: int) -> None:
        from openpyxl.utils import get_column_letter

        for column, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(column)].width = width


def _overview(out: _Sheet, report: Report) -> None:
    w = out.words
    out.title(report.title)
    out.line(w["edition"], w[report.edition])
    if report.edition == "partner":
        out.line(w["threshold"], report.threshold)
    # openpyxl gives a date cell the format yyyy-mm-dd; it cannot store a time zone, so
    # the moment is written in the report's own local time.
    out.line(w["starts_on"], report.starts_on)
    out.line(w["ends_on"], report.ends_on)
    out.line(w["generated_at"], report.generated_at.replace(tzinfo=None))
    if report.regions:
        out.line(w["limited_to"], ", ".join(report.regions))
    campaign = report.campaign
    if campaign is not None:
        out.gap()
        out.line(w["campaign"], campaign.name)
        out.line(w["goal"], campaign.goal)
        out.line(w["target_group"], campaign.target_group)
        out.line(w["channels"], ", ".join(campaign.channels))
        out.line(w["regions"], ", ".join(campaign.regions))
    out.widths(28, 90)


def _channels(out: _Sheet, channels: Sequence[ChannelFigures], best: str | None) -> None:
    w = out.words
    first = channels[0]
    out.line(
        w["channel"],
        first.visits.label,
        first.clicks.label,
        w["click_rate"],
        first.chats.label,
        bold=True,
    )
    for channel in channels:
        out.cell(1, channel.name)
        out.count(2, channel.visits)
        out.count(3, channel.clicks)
        out.share(4, channel.click_rate)
        out.count(5, channel.chats)
        out.row += 1
    if best:
        out.gap()
        out.line(w["best_channel"], best)
    out.widths(28, 18, 18, 18, 18)


def _timeline(out: _Sheet, report: Report, buckets: Sequence[Bucket]) -> None:
    w = out.words
    week = report.timeline_unit == "week"
    out.line(w["timeline_week"] if week else w["timeline"], bold=True)
    out.line(w["week"] if week else w["day"], w["direct"], w["organic"], bold=True)
    for bucket in buckets:
        out.cell(1, bucket.start)
        out.count(2, bucket.direct)
        out.count(3, bucket.organic)
        out.row += 1


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def report_xlsx(report: Report) -> bytes:
    """One sheet per section of the report, in the order of the HTML page. Counts are
    numbers, shares percent-formatted numbers, hidden counts the text "< k" or "•"."""
    from openpyxl import Workbook

    names, w = SHEETS[report.locale], WORDS[report.locale]
    book = Workbook()
    # The file says when the report was made, not when it was downloaded.
    book.properties.created = book.properties.modified = _naive_utc(report.generated_at)
    book.properties.creator = "Keerpunt"

    def sheet(key: str) -> _Sheet:
        if book.worksheets and book.worksheets[0].title == "Sheet":
            ws = book.worksheets[0]
            ws.title = names[key]
        else:
            ws = book.create_sheet(names[key])
        return _Sheet(ws, report, w)

    _overview(sheet("overview"), report)

    if report.channels:
        out = sheet("channels")
        out.title(names["channels"])
        _channels(out, report.channels, report.best_channel)

    out = sheet("chats")
    out.title(names["chats"])
    out.table(report.chats)
    _timeline(out, report, report.timeline)
    out.widths(40, 12, 12, 28)

    def tables_sheet(key: str, title: str, tables: list[tuple[Table, str | None]]) -> None:
        out = sheet(key)
        out.title(title)
        for table, heading in tables:
            out.table(table, heading)
        out.widths(60, 12, 12, 36)

    tables_sheet(
        "content",
        names["content"],
        [(report.content, w["content"]), (report.outcomes, w["outcomes"])],
    )
    tables_sheet("visitors", names["visitors"], [(report.visitors, None)])
    tables_sheet("crime_forms", report.crime_forms.title, [(report.crime_forms, None)])

    out = sheet("exploitation")
    out.title(names["exploitation"])
    out.line(w["item"], w["count"], w["share"], w["key"], bold=True)
    out.figure(report.exploitation)
    out.gap()
    out.table(report.signals, report.signals.title)
    out.widths(60, 12, 12, 36)

    tables_sheet("other_problems", report.other_problems.title, [(report.other_problems, None)])
    tables_sheet(
        "help",
        names["help"],
        [(report.help_questions, w["help_questions"]), (report.help_offered, w["help_offered"])],
    )

    out = sheet("accounts")
    out.title(names["accounts"])
    out.line(w["item"], w["count"], w["share"], w["key"], bold=True)
    out.figure(report.accounts)
    out.widths(60, 12, 12, 36)

    tables_sheet("handovers", report.handovers.title, [(report.handovers, None)])
    tables_sheet("funnel", names["funnel"], [(report.funnel, None)])

    out = sheet("notes")
    out.title(names["notes"])
    for note in notes(report):
        out.line(note)
    out.widths(140)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def notes(report: Report) -> list[str]:
    """The report's method notes, with the partner edition's note on hidden counts."""
    extra = []
    if report.edition == "partner":
        extra.append(label("note.partner", report.locale, k=report.threshold))
    return [*report.notes, *extra]
