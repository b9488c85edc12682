"""A post's score: the sum of named contributions, each with the terms behind it in plain
words, so staff see why a post is in the queue.

A recruitment ad combines an offer (money, a "klus"), often a kind of work (the ports,
explosives, a "woning"), a way to get in touch, and haste; one word alone is rarely one.
So each category found adds its points once (more terms in a category add a little), a
combination of categories adds more, and a contact route and urgency add on top. Hits
found only in the aggressive form or fuzzily count for less: obfuscation is itself a
signal, but a looser match is a weaker one. All points are multiples of 1/4, so the total
is exactly the sum of the contributions as shown.

The scorer also reads the text for contact routes a watchlist need not list: redaction
placeholders (`keerpunt.outreach.redact.PLACEHOLDERS`), @handles and t.me links.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from keerpunt.outreach.matching import Hit
from keerpunt.outreach.redact import PLACEHOLDERS

SCORER_VERSION = "1"
ALERT_THRESHOLD = 4.0

# Points for a category when any of its terms is found.
CATEGORY_POINTS: dict[str, float] = {
    "money": 1.5,
    "job": 1.5,
    "age": 1.0,
    "housing": 1.0,
    "explosives": 1.5,
    "ports": 1.5,
    "contact": 1.0,
    "urgency": 0.5,
}
# Categories that describe the offer or the work; two or more together is the pattern of
# a recruitment ad rather than of news or gossip.
OFFER = ("money", "job", "housing", "explosives", "ports", "age")
EXTRA_TERM_POINTS = 0.25
MAX_EXTRA_TERMS = 2
CO_OCCURRENCE_POINTS = 1.5
# An offer with a way to reach the poster.
OFFER_AND_CONTACT_POINTS = 1.0
TEXT_CONTACT_POINTS = 1.0
FORM_FACTOR = {"light": 1.0, "pattern": 1.0, "aggressive": 0.75, "fuzzy": 0.5}

_HANDLE = re.compile(r"(?<![\w@])@[a-z][a-z0-9_]{3,31}\b|\bt\.me/[a-z][a-z0-9_]{3,}", re.I)


@dataclass(frozen=True)
class Contribution:
    name: str
    points: float
    detail: str


@dataclass(frozen=True)
class Score:
    total: float
    contributions: tuple[Contribution, ...]
    version: str

    @property
    def alert(self) -> bool:
        return self.total >= ALERT_THRESHOLD


def _quarter(points: float) -> float:
    """Down to a multiple of 1/4, which floats add exactly."""
    return math.floor(points * 4 + 1e-9) / 4


def _describe(terms: Sequence[str]) -> str:
    return ", ".join(f'"{t}"' for t in terms)


def score(hits: Sequence[Hit], text: str) -> Score:
    by_category: dict[str, dict[str, float]] = {}
    for hit in hits:
        factor = FORM_FACTOR[hit.form] * hit.weight
        found = by_category.setdefault(hit.category, {})
        found[hit.term] = max(found.get(hit.term, 0.0), factor)

    contributions: list[Contribution] = []
    for category, base in CATEGORY_POINTS.items():
        terms = by_category.get(category)
        if not terms:
            continue
        ranked = sorted(terms, key=lambda t: (-terms[t], t))
        best = terms[ranked[0]]
        extra = min(len(ranked) - 1, MAX_EXTRA_TERMS) * EXTRA_TERM_POINTS
        points = _quarter(base * best + extra)
        if points > 0:
            contributions.append(Contribution(category, points, _describe(ranked)))

    offers = [c for c in OFFER if c in by_category]
    if len(offers) >= 2:
        contributions.append(
            Contribution(
                "co-occurrence",
                _quarter(CO_OCCURRENCE_POINTS * (len(offers) - 1)),
                "samen gevonden: " + ", ".join(offers),
            )
        )

    routes = [p for p in PLACEHOLDERS.values() if p in text]
    routes += sorted({m.group().lower() for m in _HANDLE.finditer(text)})
    if routes:
        contributions.append(
            Contribution(
                "contact-in-text", TEXT_CONTACT_POINTS, "contactroute: " + ", ".join(routes)
            )
        )
    if offers and ("contact" in by_category or routes):
        contributions.append(
            Contribution(
                "offer-and-contact",
                OFFER_AND_CONTACT_POINTS,
                "aanbod met een manier om contact op te nemen",
            )
        )

    total = 0.0
    for c in contributions:
        total += c.points
    return Score(total=total, contributions=tuple(contributions), version=SCORER_VERSION)
