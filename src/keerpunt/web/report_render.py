"""The report as one self-contained HTML page (its own style, inline SVG charts, no
script, nothing fetched), and the same page as a PDF.

The page's own headings are in the report's language; every other word comes from the
report. matplotlib and WeasyPrint are imported only when a report is rendered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from keerpunt.reports.exports import figure_text, notes, number_text, whole_percent
from keerpunt.reports.labels import label
from keerpunt.reports.schemas import Figure, Report, Table
from keerpunt.web.handover_pdf import PdfUnavailable

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "period": "Periode",
        "to": "t/m",
        "generated": "Gemaakt op",
        "campaign": "Campagne",
        "goal": "Doel",
        "channels": "Kanalen",
        "target_group": "Doelgroep",
        "regions": "Regio's",
        "limited_to": "Beperkt tot regio's",
        "all_regions": "Alle regio's",
        "per_channel": "Per kanaal",
        "channel": "Kanaal",
        "click_rate": "Doorklik naar de chat",
        "best_channel": "Best geconverteerd: {name}, {rate} van de websitebezoekers klikte door"
        " naar de chat.",
        "no_best_channel": "Geen kanaal is aan te wijzen als best geconverteerd.",
        "chats": "Gestarte chats",
        "timeline_day": "Gestarte chats per dag",
        "timeline_week": "Gestarte chats per week",
        "content": "Inhoud en uitkomst",
        "content_sub": "Inhoud",
        "outcomes_sub": "Uitkomst",
        "visitors": "Wie chatte",
        "crime_forms": "Vormen van criminaliteit",
        "exploitation": "Criminele uitbuiting",
        "signals": "Signalen van criminele uitbuiting",
        "other_problems": "Andere problematiek",
        "help": "Hulpvragen en geboden hulp",
        "help_questions": "Hulpvragen",
        "help_offered": "Geboden hulp",
        "accounts": "Accounts",
        "handovers": "Warme overdrachten per regio",
        "funnel": "Van bezoek tot signaal",
        "notes": "Toelichting",
        "item": "Omschrijving",
        "count": "Aantal (aandeel)",
        "share_of": "Percentages: aandeel van \u201c{base}\u201d.",
        "several": "Een chat kan meer dan één keuze hebben; de percentages tellen niet op tot"
        " 100%.",
        "nothing": "Niets geregistreerd in deze periode.",
    },
    "en": {
        "period": "Period",
        "to": "to",
        "generated": "Made on",
        "campaign": "Campaign",
        "goal": "Goal",
        "channels": "Channels",
        "target_group": "Target group",
        "regions": "Regions",
        "limited_to": "Limited to regions",
        "all_regions": "All regions",
        "per_channel": "Per channel",
        "channel": "Channel",
        "click_rate": "Click-through to the chat",
        "best_channel": "Converted best: {name}, {rate} of the website visitors clicked"
        " through to the chat.",
        "no_best_channel": "No channel can be named as the best converting one.",
        "chats": "Chats started",
        "timeline_day": "Chats started per day",
        "timeline_week": "Chats started per week",
        "content": "Content and outcome",
        "content_sub": "Content",
        "outcomes_sub": "Outcome",
        "visitors": "Who chatted",
        "crime_forms": "Forms of crime",
        "exploitation": "Criminal exploitation",
        "signals": "Signals of criminal exploitation",
        "other_problems": "Other problems",
        "help": "Help questions and help offered",
        "help_questions": "Help questions",
        "help_offered": "Help offered",
        "accounts": "Accounts",
        "handovers": "Warm handovers per region",
        "funnel": "From visit to signal",
        "notes": "Notes",
        "item": "Item",
        "count": "Count (share)",
        "share_of": "Percentages: share of \u201c{base}\u201d.",
        "several": "A chat can have more than one choice; the percentages do not add up to 100%.",
        "nothing": "Nothing registered in this period.",
    },
}
MONTHS = {
    "nl": (
        *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
        *("september", "oktober", "november", "december"),
    ),
    "en": (
        *("January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December"),
    ),
}

_env = Environment(
    loader=PackageLoader("keerpunt", "web/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def day_text(day: date, locale: str) -> str:
    return f"{day.day} {MONTHS[locale][day.month - 1]} {day.year}"


def share_base(table: Table) -> str | None:
    """The label of what the table's percentages are a share of."""
    if table.base is not None:
        return table.base.label
    keys = {row.of for row in table.rows if row.of}
    for row in table.rows:
        if row.key in keys:
            return row.label
    return None


def charts(report: Report, words: dict[str, str]) -> dict[str, Markup]:
    from keerpunt.web import charts as draw

    common: dict[str, Any] = {"threshold": report.threshold, "locale": report.locale}
    timeline_title = words["timeline_week" if report.timeline_unit == "week" else "timeline_day"]
    direct, organic = (row.label for row in report.chats.rows)
    svgs = {
        "channels": draw.channels_svg(report.channels, title=words["per_channel"], **common),
        "timeline": draw.timeline_svg(
            report.timeline,
            unit=report.timeline_unit,
            direct_label=direct,
            organic_label=organic,
            title=timeline_title,
            **common,
        ),
        "visitors": draw.visitors_svg(report.visitors, title=words["visitors"], **common),
        "crime_forms": draw.crime_forms_svg(
            report.crime_forms, title=words["crime_forms"], **common
        ),
        "signals": draw.signals_svg(report.signals, title=words["signals"], **common),
        "funnel": draw.funnel_svg(report.funnel, title=words["funnel"], **common),
    }
    # matplotlib writes the SVG and escapes every text in it, labels from users too.
    return {name: Markup(svg) for name, svg in svgs.items()}  # noqa: S704


def report_html(report: Report) -> str:
    """The whole report as one page that needs nothing else: no script, no request."""
    locale = report.locale
    words = WORDS[locale]

    def fmt(figure: Figure) -> str:
        return figure_text(figure, report.threshold, locale)

    def rate(share: float | None) -> str:
        return "\u2013" if share is None else f"{whole_percent(share)}%"

    best = next(
        (c for c in report.channels if c.name == report.best_channel and c.click_rate), None
    )
    return _env.get_template("report.html").render(
        r=report,
        w=words,
        edition=label(f"edition.{report.edition}", locale),
        period=f"{day_text(report.starts_on, locale)} {words['to']} "
        f"{day_text(report.ends_on, locale)}",
        generated=report.generated_at.strftime("%d-%m-%Y %H:%M"),
        best=(
            words["best_channel"].format(name=best.name, rate=rate(best.click_rate))
            if best
            else None
        ),
        charts=charts(report, words),
        notes=notes(report),
        fmt=fmt,
        rate=rate,
        number=lambda n: number_text(n, locale),
        share_base=share_base,
    )


def _refuse_all() -> Any:
    """A URL fetcher that fetches nothing: the page holds all it needs, and a report must
    never make the server reach out (a name from a user cannot smuggle in an address)."""
    from weasyprint import urls

    fetcher = getattr(urls, "URLFetcher", None)
    if fetcher is not None:
        return fetcher(allowed_protocols=(), allow_redirects=False)

    def refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"the report fetches nothing: {url}")

    return refuse


def report_pdf(report: Report) -> bytes:
    """The same page as a PDF on A4."""
    html = report_html(report)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise PdfUnavailable(
            "this server cannot make PDFs: install the Pango library (libpango-1.0-0)"
        ) from exc
    pdf = HTML(string=html, url_fetcher=_refuse_all()).write_pdf()
    assert pdf is not None
    return bytes(pdf)
