"""Small-cell suppression for the partner edition.

Three rules, applied until nothing changes:
1. A count from 1 to k-1 is hidden ("small", shown as "< k"). Zero stays: it names nobody.
2. Where numbers add up to a total (the rows of a partition, the channels to the direct
   chats, the weeks to the period), one hidden number could be worked out from the rest,
   so a second one is hidden ("derivable"): the smallest other non-zero row, or else the
   total.
3. Differencing: for every earlier partner edition of the same campaign (or of the whole
   programme) whose period and regions overlap this one, a number that differs from the
   one that edition showed under the same key by 1 to k-1 is hidden. Whatever two
   overlapping editions show, subtracting them never gives a small number.
Shares are hidden where their count or their base is.

What one edition showed is recorded (`PartnerRelease`), so the next is checked against
it. Combinations of three or more editions are not checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from keerpunt.reports.schemas import Figure, Hidden, Report


@dataclass(frozen=True)
class Shown:
    """An earlier partner edition: its domain and the numbers it showed."""

    starts_on: date
    ends_on: date
    regions: Sequence[str]
    cells: dict[str, int]


def overlaps(a: Shown, starts_on: date, ends_on: date, regions: Sequence[str]) -> bool:
    if a.ends_on < starts_on or ends_on < a.starts_on:
        return False
    # No regions: all of them.
    return not a.regions or not regions or bool(set(a.regions) & set(regions))


def partitions(report: Report) -> list[tuple[str, list[str]]]:
    """(total, parts) pairs whose parts add up to the total."""
    pairs = [
        (table.base.key, [row.key for row in table.rows])
        for table in report.tables()
        if table.partition and table.base is not None
    ]
    named = [c.chats.key for c in report.channels if c.code]
    if named:
        pairs.append(("chats.direct", named))
    if report.timeline:
        pairs.append(("chats.direct", [b.direct.key for b in report.timeline]))
        pairs.append(("chats.organic", [b.organic.key for b in report.timeline]))
    if report.channels:
        pairs.append(("funnel.visitors", [c.visits.key for c in report.channels]))
    return pairs


def suppress(report: Report, threshold: int, earlier: Sequence[Shown]) -> Report:
    """The partner edition of an internal report."""
    out = report.model_copy(deep=True)
    index: dict[str, list[Figure]] = defaultdict(list)
    for table in out.tables():
        for f in [table.base, *table.rows]:
            if f is not None:
                index[f.key].append(f)
    for f in (out.exploitation, out.accounts):
        index[f.key].append(f)
    for channel in out.channels:
        for f in (channel.visits, channel.clicks, channel.chats):
            index[f.key].append(f)
    for bucket in out.timeline:
        index[bucket.direct.key].append(bucket.direct)
        index[bucket.organic.key].append(bucket.organic)
    true = {key: figures[0].n or 0 for key, figures in index.items()}
    hidden: dict[str, Hidden] = {}

    def hide(key: str, why: Hidden) -> bool:
        if key in hidden or key not in index:
            return False
        hidden[key] = why
        return True

    for key, n in true.items():
        if 0 < n < threshold:
            hide(key, "small")
    relevant = [
        s for s in earlier if overlaps(s, report.starts_on, report.ends_on, report.region_codes)
    ]
    pairs = partitions(out)
    changed = True
    while changed:
        changed = False
        for shown in relevant:
            for key, value in shown.cells.items():
                if key in true and key not in hidden and 0 < abs(true[key] - value) < threshold:
                    changed |= hide(key, "derivable")
        for total, parts in pairs:
            open_parts = [p for p in parts if p in index and p not in hidden]
            hidden_parts = [p for p in parts if p in hidden]
            if total in hidden and not hidden_parts:
                candidates = [p for p in open_parts if true[p] > 0]
                if candidates:
                    changed |= hide(min(candidates, key=lambda p: true[p]), "derivable")
            elif total not in hidden and len(hidden_parts) == 1:
                candidates = [p for p in open_parts if true[p] > 0]
                if candidates:
                    changed |= hide(min(candidates, key=lambda p: true[p]), "derivable")
                else:
                    changed |= hide(total, "derivable")

    for key, figures in index.items():
        for f in figures:
            if key in hidden:
                f.n, f.hidden, f.share = None, hidden[key], None
            elif f.of is not None and f.of in hidden:
                f.share = None
    for channel in out.channels:
        if channel.visits.hidden or channel.clicks.hidden:
            channel.click_rate = None
    if out.best_channel and not any(
        c.name == out.best_channel and c.click_rate is not None for c in out.channels
    ):
        out.best_channel = None
    out.edition, out.threshold = "partner", threshold
    return out


def shown_cells(report: Report) -> dict[str, int]:
    """What a partner edition shows: every figure it did not hide."""
    return {f.key: f.n for f in report.figures() if f.n is not None}
