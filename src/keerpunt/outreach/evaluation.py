"""The scorer measured on a labelled set of invented Dutch posts (`eval/outreach/gold.jsonl`).

Each post goes through the same steps as the ingest (redact, scan, score); posts are
ranked by score, highest first. Reported: precision at 50 and at 200 (of the top of the
queue staff actually read, how much is real), and precision, recall and F1 at the alert
threshold (what is kept at all). No raw accuracy: with recruitment a small share of all
posts, "nothing is ever a match" would score high on it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from keerpunt.core.errors import Invalid
from keerpunt.outreach.matching import Matcher
from keerpunt.outreach.redact import redact
from keerpunt.outreach.scoring import ALERT_THRESHOLD, SCORER_VERSION, score


@dataclass(frozen=True)
class GoldPost:
    id: str
    text: str
    label: int
    note: str = ""


@dataclass(frozen=True)
class Ranked:
    id: str
    label: int
    score: float
    note: str


@dataclass(frozen=True)
class Report:
    posts: int
    positives: int
    scorer_version: str
    threshold: float
    precision_at_50: float
    precision_at_200: float
    precision: float
    recall: float
    f1: float
    alerts: int
    # The labelled posts the scorer got wrong at the threshold, for a person to read.
    missed: tuple[Ranked, ...] = field(default=())
    false_alarms: tuple[Ranked, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def load_gold(path: Path) -> list[GoldPost]:
    posts: list[GoldPost] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                post = GoldPost(str(row["id"]), str(row["text"]), int(row["label"]), row["note"])
            except (ValueError, KeyError, TypeError) as e:
                raise Invalid(f"{path}:{number}: not a labelled post ({e}).") from e
            if post.label not in (0, 1):
                raise Invalid(f"{path}:{number}: label must be 0 or 1.")
            if post.id in seen:
                raise Invalid(f"{path}:{number}: id {post.id!r} appears twice.")
            seen.add(post.id)
            posts.append(post)
    return posts


def _precision_at(ranked: Sequence[Ranked], k: int) -> float:
    top = ranked[:k]
    return sum(r.label for r in top) / k if top else 0.0


def evaluate(posts: Sequence[GoldPost], matcher: Matcher) -> Report:
    redacted = [redact(p.text).text for p in posts]
    hits = matcher.scan_many(redacted)
    ranked = sorted(
        (
            Ranked(p.id, p.label, score(h, text).total, p.note)
            for p, h, text in zip(posts, hits, redacted, strict=True)
        ),
        # Ties go to the post listed first, so a run is repeatable.
        key=lambda r: -r.score,
    )
    positives = sum(p.label for p in posts)
    alerts = [r for r in ranked if r.score >= ALERT_THRESHOLD]
    true_alerts = sum(r.label for r in alerts)
    precision = true_alerts / len(alerts) if alerts else 0.0
    recall = true_alerts / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Report(
        posts=len(posts),
        positives=positives,
        scorer_version=SCORER_VERSION,
        threshold=ALERT_THRESHOLD,
        precision_at_50=round(_precision_at(ranked, 50), 4),
        precision_at_200=round(_precision_at(ranked, 200), 4),
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        alerts=len(alerts),
        missed=tuple(r for r in ranked if r.label and r.score < ALERT_THRESHOLD),
        false_alarms=tuple(r for r in alerts if not r.label),
    )


def compare(report: Report, baseline: dict[str, Any]) -> list[str]:
    """What fell below the committed baseline, in plain words; empty when nothing did."""
    problems: list[str] = []
    floor = float(baseline["precision_at_50"])
    if report.precision_at_50 < floor:
        problems.append(
            f"precision@50 fell to {report.precision_at_50:.3f}, below the baseline {floor:.3f}"
        )
    return problems
