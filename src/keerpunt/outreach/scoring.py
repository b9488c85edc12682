"""A post's score: the sum of named contributions, each with the terms behind it in plain
words, so staff see why a post is in the queue.

A recruitment ad combines an offer (money, a "klus"), often a kind of work (the ports,
explosives, a "woning"), a way to get in touch, and haste; one word alone is rarely one.
So each category found adds its points once (more terms in a category add a little), a
combination of offer categories adds more, and a contact route next to an offer adds on
top. A hit counts with its term's weight (ordinary words such as "werk" or "deur" are
weak), and less when it was found only in the aggressive form or fuzzily: obfuscation is
itself a signal, but a looser match is a weaker one.

The scorer also reads the text itself for two things a watchlist need not list: contact
routes (the redaction placeholders of `keerpunt.outreach.redact.PLACEHOLDERS`, @handles,
t.me links), and the voice of news and prevention ("politie", "rechtbank",
"campagne"), which takes points off a post that would otherwise alert: those posts use
the same words to warn about recruitment.

Each contribution's detail lists what was found the way staff read it: the term, what
was actually written when that differs (`"snel geld" (als "sn3l g€ld")`), and for a
pattern the text it matched.

All points are multiples of 1/4, which floats add exactly, so the total is exactly the
sum of the contributions as shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from keerpunt.outreach.matching import Hit
from keerpunt.outreach.redact import PLACEHOLDERS

SCORER_VERSION = "2"
ALERT_THRESHOLD = 4.0

# Points for a category when a full-weight term of it is found.
CATEGORY_POINTS: dict[str, float] = {
    "money": 1.5,
    "job": 1.5,
    "age": 1.0,
    "housing": 1.25,
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
TEXT_CONTACT_POINTS = 1.0
OFFER_AND_CONTACT_POINTS = 1.0
NEWS_POINTS = -2.0
_RANK = {category: i for i, category in enumerate(CATEGORY_POINTS)}
_OFFER = frozenset(OFFER)
FORM_FACTOR = {"light": 1.0, "pattern": 1.0, "aggressive": 0.75, "fuzzy": 0.5}

_HANDLE = re.compile(r"(?<![\w@])@[a-z][a-z0-9_]{3,31}\b|\bt\.me/[a-z][a-z0-9_]{3,}", re.I)
_NEWS = re.compile(
    r"\b(?:politie|nieuws|nieuwsbericht|rechtbank|rechter|aangehouden|veroordeelt|"
    r"veroordeeld|onderzoekt|burgemeester|gemeente|gemeenteraad|campagne|voorlichting|"
    r"waarschuwt|waarschuwing|douane|getuigen|onderschept|praat erover|trap er niet in|"
    r"pas op voor|vacature|solliciteer|cao|uitzendbureau)\b"
)  # over the lowercased text: without IGNORECASE the search skips ahead, twice as fast


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
    """Down to a multiple of 1/4 (towards minus infinity), which floats add exactly."""
    return math.floor(points * 4 + 1e-9) / 4


def _describe(labels: Sequence[str]) -> str:
    return ", ".join(labels)


_QUOTED: dict[str, str] = {}


def _label(hit: Hit, text: str) -> str:
    """How a hit reads to staff: the term, and what was written when that differs."""
    if hit.form == "light":
        quoted = _QUOTED.get(hit.term)
        if quoted is None:
            quoted = _QUOTED[hit.term] = f'"{hit.term}"'
        return quoted
    written = text[hit.start : hit.end]
    if hit.form == "pattern":
        return f'"{written}"'
    if written.lower() == hit.term.lower():
        return f'"{hit.term}"'
    return f'"{hit.term}" (als "{written}")'


def _by_strength(found: dict[str, float]) -> list[str]:
    if len(found) == 1:
        return list(found)
    return sorted(found, key=lambda t: (-found[t], t))


def score(hits: Sequence[Hit], text: str) -> Score:
    # Per category, each hit's strength: its term's weight, less for a looser form.
    by_category: dict[str, dict[str, float]] = {}
    for hit in hits:
        factor = FORM_FACTOR[hit.form] * hit.weight
        label = _label(hit, text)
        found = by_category.get(hit.category)
        if found is None:
            by_category[hit.category] = {label: factor}
        elif found.get(label, 0.0) < factor:
            found[label] = factor
    strength = {c: min(1.0, max(found.values())) for c, found in by_category.items()}

    contributions: list[Contribution] = []
    for category in sorted(by_category, key=_RANK.__getitem__):
        if category == "contact":
            continue
        labels = by_category[category]
        ranked = _by_strength(labels)
        extra = min(len(ranked) - 1, MAX_EXTRA_TERMS) * EXTRA_TERM_POINTS
        points = _quarter(CATEGORY_POINTS[category] * strength[category] + extra)
        if points > 0:
            contributions.append(Contribution(category, points, _describe(ranked)))

    offers = [c for c in by_category if c in _OFFER]
    if len(offers) >= 2:
        offers.sort(key=lambda c: (-strength[c], _RANK[c]))
        beyond_strongest = sum(strength[c] for c in offers[1:])
        points = _quarter(CO_OCCURRENCE_POINTS * beyond_strongest)
        if points > 0:
            contributions.append(
                # The category codes: the page names them in the reader's language.
                Contribution("co-occurrence", points, ", ".join(offers))
            )

    routes = [p for p in PLACEHOLDERS.values() if p in text] if "[" in text else []
    if "@" in text or "t.me" in text:
        routes += sorted({m.group().lower() for m in _HANDLE.finditer(text)})
    contact = by_category.get("contact", {})
    if contact or routes:
        listed = CATEGORY_POINTS["contact"] * strength.get("contact", 0.0)
        points = _quarter(max(listed, TEXT_CONTACT_POINTS if routes else 0.0))
        shown = _by_strength(contact)
        shown += [f'"{r}"' for r in routes if f'"{r}"' not in contact]
        contributions.append(Contribution("contact", points, _describe(shown)))
        if offers:
            contributions.append(
                Contribution(
                    "offer-and-contact",
                    _quarter(OFFER_AND_CONTACT_POINTS * strength[offers[0]]),
                    "een aanbod met een manier om contact op te nemen",
                )
            )

    total = 0.0
    for c in contributions:
        total += c.points
    # The voice of news and prevention only matters where it decides whether the post is
    # kept at all: below the threshold it is dropped anyway, and the check is not free.
    if total >= ALERT_THRESHOLD:
        news = sorted({m.group() for m in _NEWS.finditer(text.lower())})
        if news:
            contributions.append(
                Contribution(
                    "news-or-prevention",
                    NEWS_POINTS,
                    "klinkt als nieuws, voorlichting of een gewone vacature: "
                    + _describe([f'"{w}"' for w in news]),
                )
            )
            total += NEWS_POINTS
    return Score(total=total, contributions=tuple(contributions), version=SCORER_VERSION)
