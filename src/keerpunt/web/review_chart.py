"""The quality page's chart: per item of the method, the share answered "done" per week,
as one line each. Plain SVG text with presentation attributes only (no style element, no
script): it goes into the page under the strict CSP as it is."""

from __future__ import annotations

from html import escape

from keerpunt.organisation import Locale
from keerpunt.review.schemas import Quality

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 250, 16, 40
# Told apart by colour and by dash, so the lines read in black and white too.
COLOURS = ("#3a6590", "#b0562c", "#2f7d4f", "#7a4a9a", "#8a6d1f", "#444444")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
TITLES = {
    "nl": "Aandeel 'gedaan' per onderdeel van de methode, per week",
    "en": "Share 'done' per item of the method, per week",
}


def quality_svg(quality: Quality, locale: Locale) -> str:
    weeks = quality.weeks
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(weeks) - 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    title = TITLES[locale]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(title)}" class="quality-chart">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"'
            ' stroke="#e4e4e4" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11"'
            f' fill="#5c5c5c">{int(tick * 100)}%</text>'
        )
    for i, week in enumerate(weeks):
        if len(weeks) <= 13 or i % 2 == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle"'
                f' font-size="10" fill="#5c5c5c">{escape(week.week[-3:])}</text>'
            )
    labels = {item.code: item.label(locale) for item in quality.method}
    for n, code in enumerate(labels):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        # A week without answers to the item breaks the line: no figure is no zero.
        runs: list[list[str]] = [[]]
        for i, week in enumerate(weeks):
            shares = next(s for s in week.items if s.code == code)
            if shares.answered:
                runs[-1].append(f"{x(i):.1f},{y(shares.done):.1f}")
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            elif run:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}"'
                    f' stroke-width="2"{dash_attr}/>'
                )
        ly = TOP + 12 + n * 18
        lx = WIDTH - RIGHT + 12
        parts.append(
            f'<line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}"'
            f' stroke-width="2"{dash_attr}/>'
        )
        parts.append(
            f'<text x="{lx + 28}" y="{ly}" font-size="11" fill="#262626">'
            f"{escape(labels[code][:34])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
