"""The report's charts as SVG text, to inline in the HTML page (and so in the PDF).

matplotlib draws them on `Figure` objects of its own, never through pyplot's global
state, and is imported only when a chart is drawn: the app starts without it. Text stays
text (no glyph outlines), the output is the same for the same report (a fixed hash
salt, no date), and the ids inside each SVG carry the chart's name, so several charts
can share one page. A hidden figure of the partner edition gets no bar, only its mark
("< k" or "•"): a chart never shows more than the tables do.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from keerpunt.reports.exports import figure_text, hidden_mark
from keerpunt.reports.schemas import Bucket, ChannelFigures, Figure, Table

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as Canvas
    from matplotlib.typing import RcKeyType

CM = 1 / 2.54
WIDTH = 16 * CM
HEIGHT = 7 * CM
# Two calm blues for the two measures of a chart, dark text, a faint grid.
PRIMARY = "#3a6590"
SECONDARY = "#9ebcd8"
SECONDARY_INK = "#5a80a6"
INK = "#262626"
MUTED = "#5c5c5c"
GRID = "#e4e4e4"
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "keerpunt-report",
    # Labels are names people typed: a "$" in one is a dollar, not the start of a formula.
    "text.parse_math": False,
    "font.family": ["sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 7.5,
    "text.color": INK,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
    "figure.facecolor": "white",
}
MONTHS = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
# rcParams are global to the process: one chart at a time keeps one request's style out
# of another's.
_lock = threading.Lock()
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')
_STYLE = re.compile(r' style="([^"]*)"')
_SHEET = re.compile(r'\s*<defs>\s*<style type="text/css">[^<]*</style>\s*</defs>')


def _presentation(match: re.Match[str]) -> str:
    pairs = (part.split(":", 1) for part in match[1].split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _svg(figure: Canvas, name: str, label: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    # Inline in HTML: no XML prolog or DOCTYPE, no RDF metadata naming other hosts.
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    # Presentation attributes instead of style: WeasyPrint reads an inline SVG's style
    # attributes as the page's CSS too (warning on every `fill`), and a <style> inside an
    # inline SVG would apply to the whole page.
    svg = _SHEET.sub("", svg, count=1)
    svg = _STYLE.sub(_presentation, svg)
    svg = _ID.sub(lambda m: f'id="{name}-{m[1]}"', svg)
    svg = _REF.sub(lambda m: f"{m[1]}{name}-{m[2]}", svg)
    attributes = (
        f'<svg class="chart" role="img" aria-label="{html.escape(label)}" '
        'stroke-linejoin="round" stroke-linecap="butt" '
    )
    return svg.replace("<svg ", attributes, 1).strip() + "\n"


def _draw(name: str, label: str, height: float, paint: Callable[[Canvas], None]) -> str:
    import matplotlib
    from matplotlib.figure import Figure as Canvas

    with _lock, matplotlib.rc_context(STYLE):
        figure = Canvas(figsize=(WIDTH, height), layout="constrained")
        paint(figure)
        return _svg(figure, name, label)


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _top(values: Sequence[int], room: float) -> float:
    return max([*values, 1]) * room


def _hbars(name: str, rows: Sequence[Figure], *, threshold: int, locale: str, title: str) -> str:
    """One horizontal bar per figure, the first on top, each labelled with its count
    and share."""
    if not rows:
        return ""
    height = max(3.2 * CM, (0.62 * len(rows) + 1.0) * CM)

    def paint(figure: Canvas) -> None:
        ax: Axes = figure.add_subplot()
        positions = list(range(len(rows)))[::-1]
        shown = [f.n for f in rows if f.n is not None]
        for y, row in zip(positions, rows, strict=True):
            if row.n is not None:
                ax.barh(y, row.n, height=0.62, color=PRIMARY)
            x = row.n or 0
            ax.annotate(
                figure_text(row, threshold, locale),
                (x, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                color=INK if row.n is not None else MUTED,
            )
        ax.set_yticks(positions, [_wrap(f.label) for f in rows])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlim(0, _top(shown, 1.22))
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)

    return _draw(name, title, height, paint)


def crime_forms_svg(table: Table, *, threshold: int, locale: str, title: str) -> str:
    """The forms of crime, most named first (the table is ranked already)."""
    return _hbars("crime-forms", table.rows, threshold=threshold, locale=locale, title=title)


def signals_svg(table: Table, *, threshold: int, locale: str, title: str) -> str:
    return _hbars("signals", table.rows, threshold=threshold, locale=locale, title=title)


def funnel_svg(table: Table, *, threshold: int, locale: str, title: str) -> str:
    """Visitors, conversations, about crime, with signals: each of the visitors."""
    return _hbars("funnel", table.rows, threshold=threshold, locale=locale, title=title)


def visitors_svg(table: Table, *, threshold: int, locale: str, title: str) -> str:
    """Who chatted: one upright bar per group, with count and share."""
    rows = table.rows
    if not rows:
        return ""

    def paint(figure: Canvas) -> None:
        ax: Axes = figure.add_subplot()
        shown = [f.n for f in rows if f.n is not None]
        for x, row in enumerate(rows):
            if row.n is not None:
                ax.bar(x, row.n, width=0.6, color=PRIMARY)
            ax.annotate(
                figure_text(row, threshold, locale),
                (x, row.n or 0),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                color=INK if row.n is not None else MUTED,
            )
        ax.set_xticks(range(len(rows)), [_wrap(f.label, 22) for f in rows])
        ax.tick_params(axis="x", length=0)
        ax.set_ylim(0, _top(shown, 1.2))
        ax.yaxis.set_visible(False)
        ax.spines["left"].set_visible(False)

    return _draw("visitors", title, 5.5 * CM, paint)


def channels_svg(
    channels: Sequence[ChannelFigures], *, threshold: int, locale: str, title: str
) -> str:
    """Per channel its website visits and its clicks to the chat, side by side."""
    if not channels:
        return ""
    visits_label, clicks_label = channels[0].visits.label, channels[0].clicks.label

    def paint(figure: Canvas) -> None:
        ax: Axes = figure.add_subplot()
        width = 0.38
        shown: list[int] = []
        for x, channel in enumerate(channels):
            for offset, value, color, label in (
                (-width / 2, channel.visits, PRIMARY, visits_label),
                (width / 2, channel.clicks, SECONDARY, clicks_label),
            ):
                if value.n is not None:
                    shown.append(value.n)
                    # One legend entry per measure: the first channel's bars name them.
                    ax.bar(x + offset, value.n, width, color=color, label=label if x == 0 else None)
                ax.annotate(
                    figure_text(value, threshold, locale),
                    (x + offset, value.n or 0),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=6.5,
                    color=INK if value.n is not None else MUTED,
                )
        ax.set_xticks(range(len(channels)), [_wrap(c.name, 18) for c in channels])
        ax.tick_params(axis="x", length=0)
        ax.set_ylim(0, _top(shown, 1.18))
        ax.yaxis.grid(True, color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        _legend(figure, [(visits_label, PRIMARY), (clicks_label, SECONDARY)])

    return _draw("channels", title, HEIGHT, paint)


def _legend(figure: Canvas, entries: Sequence[tuple[str, str]]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=color, label=label) for label, color in entries]
    figure.legend(handles=handles, loc="outside upper left", ncols=len(entries))


def _day_text(day: date, locale: str) -> str:
    return f"{day.day} {MONTHS.get(locale, MONTHS['en'])[day.month - 1]}"


def timeline_svg(
    buckets: Sequence[Bucket],
    *,
    unit: str,
    direct_label: str,
    organic_label: str,
    threshold: int,
    locale: str,
    title: str,
) -> str:
    """Chats started per day or week: direct at the bottom, organic stacked on top.
    A hidden part gets no bar; its mark stands above the bucket in the part's colour."""
    if not buckets:
        return ""

    # Many buckets leave room for a mark only standing on end.
    narrow = len(buckets) > 16

    def paint(figure: Canvas) -> None:
        from matplotlib.ticker import MaxNLocator

        ax: Axes = figure.add_subplot()
        width = 0.8 if len(buckets) > 1 else 0.4
        tops: list[int] = []
        hidden_any = False
        for x, bucket in enumerate(buckets):
            direct, organic = bucket.direct.n, bucket.organic.n
            if direct:
                ax.bar(x, direct, width, color=PRIMARY)
            if organic:
                ax.bar(x, organic, width, bottom=direct or 0, color=SECONDARY)
            top = (direct or 0) + (organic or 0)
            tops.append(top)
            marks = [
                (mark, ink)
                for part, ink in ((bucket.direct, PRIMARY), (bucket.organic, SECONDARY_INK))
                if (mark := hidden_mark(part, threshold)) is not None
            ]
            for index, (mark, ink) in enumerate(marks):
                hidden_any = True
                ax.annotate(
                    mark,
                    (x, top),
                    xytext=(0, 2 + (13 if narrow else 8) * index),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    rotation=90 if narrow else 0,
                    fontsize=5.5,
                    color=ink,
                )
        ax.set_ylim(0, _top(tops, 1.6 if hidden_any else 1.15))
        ticks = _ticks(buckets, unit)
        ax.set_xticks(ticks, [_day_text(buckets[i].start, locale) for i in ticks])
        ax.set_xlim(-0.6, len(buckets) - 0.4)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        if not any(tops):
            # Nothing shown at all (every part hidden, or no chats): no scale to read.
            ax.set_yticks([])
        ax.yaxis.grid(True, color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        _legend(figure, [(direct_label, PRIMARY), (organic_label, SECONDARY)])

    return _draw("timeline", title, HEIGHT, paint)


def _ticks(buckets: Sequence[Bucket], unit: str) -> list[int]:
    """Which buckets get a date: every day of a short period, else each Monday, and at
    most about twelve weeks."""
    if unit == "day" and len(buckets) <= 14:
        return list(range(len(buckets)))
    if unit == "day":
        return [i for i, b in enumerate(buckets) if b.start.weekday() == 0] or [0]
    return list(range(0, len(buckets), max(1, -(-len(buckets) // 12))))
