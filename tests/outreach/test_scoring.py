"""The score explains itself: named contributions that add up to the total exactly, a
recruitment ad alerts, a lone word or a news item about recruitment does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keerpunt.outreach.matching import Hit, Matcher, starter_terms
from keerpunt.outreach.redact import redact
from keerpunt.outreach.scoring import ALERT_THRESHOLD, SCORER_VERSION, Score, score

GOLD = Path(__file__).resolve().parents[2] / "eval" / "outreach" / "gold.jsonl"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(starter_terms(), version=1)


def scored(matcher: Matcher, text: str) -> Score:
    redacted = redact(text).text
    return score(matcher.scan(redacted), redacted)


def names(result: Score) -> set[str]:
    return {c.name for c in result.contributions}


def test_a_recruitment_ad_alerts_and_says_why(matcher: Matcher) -> None:
    result = scored(
        matcher, "Snel geld! Klusje in de haven, 500 per rit, 16+. DM @havenwerk 🔥 vandaag nog"
    )
    assert result.alert
    assert {"money", "job", "ports", "age", "co-occurrence", "contact", "urgency"} <= names(result)
    money = next(c for c in result.contributions if c.name == "money")
    assert '"snel geld"' in money.detail
    assert result.version == SCORER_VERSION


def test_the_total_is_exactly_the_sum_of_the_contributions(matcher: Matcher) -> None:
    texts = [json.loads(line)["text"] for line in GOLD.read_text("utf-8").splitlines()]
    for text in texts:
        result = scored(matcher, text)
        total = 0.0
        for c in result.contributions:
            total += c.points
            assert c.points * 4 == int(c.points * 4), (text, c)
            assert c.detail
        assert result.total == total
        assert sum(c.points for c in result.contributions) == result.total


@pytest.mark.parametrize("text", ["geld", "snel", "klusje", "woning", "dm", "haven", "💣"])
def test_one_word_alone_does_not_alert(matcher: Matcher, text: str) -> None:
    assert not scored(matcher, text).alert


def test_a_redacted_phone_number_is_a_contact_route(matcher: Matcher) -> None:
    without = scored(matcher, "Klusje, 500 per rit, snel geld")
    with_phone = scored(matcher, "Klusje, 500 per rit, snel geld, bel 06-12345678")
    assert "contact" not in names(without)
    contact = next(c for c in with_phone.contributions if c.name == "contact")
    assert "[telefoon]" in contact.detail
    assert with_phone.total > without.total
    assert with_phone.alert


def test_an_offer_with_an_age_and_urgency_adds_up(matcher: Matcher) -> None:
    result = scored(matcher, "jongens 16+ gezocht voor klusjes, cash per dag, vandaag nog, dm")
    assert {"age", "urgency", "job", "money"} <= names(result)
    assert result.alert


def test_news_and_prevention_about_recruitment_take_points_off(matcher: Matcher) -> None:
    ad = scored(matcher, "Snel geld met een klusje, dm @klus")
    warning = scored(matcher, "Politie waarschuwt: snel geld met een klusje, dm @klus is ronselen")
    assert "news-or-prevention" in names(warning)
    assert warning.total < ad.total


def test_looser_matches_count_for_less() -> None:
    def hit(form: str) -> Hit:
        return Hit(1, "klusjes", "job", form, 0, 7)  # type: ignore[arg-type]

    points = [score([hit(f)], "x").total for f in ("light", "aggressive", "fuzzy")]
    assert points[0] > points[1] > points[2] > 0


def test_weak_terms_count_for_less() -> None:
    strong = Hit(1, "klusje", "job", "light", 0, 6)
    weak = Hit(2, "werk", "job", "light", 0, 4, weight=0.5)
    assert score([weak], "werk").total < score([strong], "klusje").total


def test_no_hits_no_points() -> None:
    result = score([], "een gewone zin")
    assert result.total == 0
    assert result.contributions == ()
    assert not result.alert
    assert ALERT_THRESHOLD > 0
