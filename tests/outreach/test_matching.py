"""Watchlist matching: obfuscated spellings match and highlight exactly, ordinary words
with the same stems do not, fuzzy and pattern terms keep to their guard rails."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keerpunt.core.errors import Invalid
from keerpunt.outreach import matching
from keerpunt.outreach.matching import CATEGORIES, Hit, Matcher, Term, check_term, starter_terms
from keerpunt.outreach.redact import redact
from keerpunt.outreach.scoring import score
from tests.outreach.obfuscated import SNEL_GELD

DATA = Path(__file__).parent / "data"

TERMS = [
    Term(1, "snel geld", "exact", "money"),
    Term(2, "snel", "exact", "urgency"),
    Term(3, "geld", "exact", "money"),
    Term(4, "klus", "exact", "job"),
    Term(5, "woning", "exact", "housing"),
    Term(6, "geexplodeerd", "exact", "explosives"),
    Term(7, "klusjes", "fuzzy", "job"),
    Term(8, "💣", "exact", "explosives"),
    Term(9, r"\b1[4-8]\s*\+", "pattern", "age"),
    Term(10, r"(?<![\w@])@[a-z][a-z0-9_]{3,}", "pattern", "contact"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(TERMS, version=7)


def found(hits: list[Hit], text: str) -> dict[str, str]:
    return {h.term: text[h.start : h.end] for h in hits}


@pytest.mark.parametrize("name", sorted(SNEL_GELD))
@pytest.mark.parametrize(("before", "after"), [("", ""), ("🔥💸 ", " 💸🔥 dm"), ("x\n", "!!")])
def test_every_obfuscated_snel_geld_matches_and_highlights_exactly(
    matcher: Matcher, name: str, before: str, after: str
) -> None:
    obfuscated = SNEL_GELD[name]
    text = f"{before}{obfuscated}{after}"
    hits = [h for h in matcher.scan(text) if h.term == "snel geld"]
    assert len(hits) == 1, name
    assert text[hits[0].start : hits[0].end] == obfuscated
    assert hits[0].term_id == 1
    assert hits[0].category == "money"


def test_the_form_says_how_loose_the_match_was(matcher: Matcher) -> None:
    assert {h.form for h in matcher.scan("snel geld")} == {"light"}
    assert {h.form for h in matcher.scan(SNEL_GELD["fullwidth"])} == {"light"}
    assert {h.form for h in matcher.scan("sn3l g€ld")} == {"aggressive"}
    assert {h.form for h in matcher.scan("klusjess")} == {"fuzzy"}
    assert {h.form for h in matcher.scan("16+")} == {"pattern"}


def test_accented_spelling_matches_the_plain_term(matcher: Matcher) -> None:
    text = "Het huis is geëxplodeerd 💥"
    hits = matcher.scan(text)
    assert found(hits, text) == {"geexplodeerd": "geëxplodeerd"}
    assert hits[0].form == "light"


@pytest.mark.parametrize(
    "text", ["snelweg", "geldig", "klusjesman", "woningnood", "ongeldig", "kluswerk"]
)
def test_a_term_inside_a_longer_word_does_not_match(matcher: Matcher, text: str) -> None:
    assert matcher.scan(text) == []
    assert matcher.scan(text.upper() + "!") == []


def test_words_match_between_punctuation_and_emoji(matcher: Matcher) -> None:
    text = "💰geld💰, (klus) woning! snel?"
    assert found(matcher.scan(text), text) == {
        "geld": "geld",
        "klus": "klus",
        "woning": "woning",
        "snel": "snel",
    }


def test_emoji_terms_match_without_word_boundaries(matcher: Matcher) -> None:
    text = "klaar💣💣"
    hits = [h for h in matcher.scan(text) if h.term == "💣"]
    assert [text[h.start : h.end] for h in hits] == ["💣", "💣"]


def test_fuzzy_matches_one_typo_in_long_terms_only(matcher: Matcher) -> None:
    text = "wie wil klusjse doen"
    assert matcher.scan(text) == []  # a transposition is two edits
    text = "wie wil klusjez doen"
    hits = matcher.scan(text)
    assert [(h.term, h.form, text[h.start : h.end]) for h in hits] == [
        ("klusjes", "fuzzy", "klusjez")
    ]
    assert 80 <= hits[0].similarity < 100
    # "geld" is too short for fuzzy matching: "gelt" and "held" stay ordinary words.
    assert matcher.scan("gelt held") == []


def test_patterns_run_on_the_light_form_and_map_back(matcher: Matcher) -> None:
    sixteen_plus = "\uff11\uff16\uff0b"  # fullwidth "16+"
    text = f"Vanaf {sixteen_plus} 🔥 app @Klusbaas_010"
    hits = matcher.scan(text)
    assert found(hits, text)[r"\b1[4-8]\s*\+"] == sixteen_plus
    assert found(hits, text)[r"(?<![\w@])@[a-z][a-z0-9_]{3,}"] == "@Klusbaas_010"


def test_scan_many_gives_what_scan_gives_and_nothing_across_posts(matcher: Matcher) -> None:
    texts = [
        "snel geld",
        "",
        "s.n.e",
        "l.g.e.l.d",
        "klusjez 💣 16+",
        SNEL_GELD["mathematical bold"] + "\x00klus",
        "woning",
        "snel",
        "geld",
    ]
    assert matcher.scan_many(texts) == [matcher.scan(t) for t in texts]
    many = matcher.scan_many(texts)
    assert many[2] == []
    assert many[3] == []
    assert [h.term for h in many[7]] == ["snel"]
    assert [h.term for h in many[8]] == ["geld"]
    assert matcher.scan_many([]) == []


def test_hits_come_sorted_by_start(matcher: Matcher) -> None:
    hits = matcher.scan("woning, klus en snel geld 💣 16+")
    assert [h.start for h in hits] == sorted(h.start for h in hits)


def test_a_matcher_keeps_its_list_version(matcher: Matcher) -> None:
    assert matcher.version == 7


def test_the_same_text_as_two_terms_yields_both() -> None:
    matcher = Matcher(
        [Term(1, "woning", "exact", "housing"), Term(2, "Woning", "exact", "contact")], 1
    )
    assert sorted(h.term_id for h in matcher.scan("een woning")) == [1, 2]


def test_weights_reach_the_hits() -> None:
    matcher = Matcher([Term(1, "werk", "exact", "job", weight=0.5)], 1)
    assert matcher.scan("werk")[0].weight == 0.5


@pytest.mark.parametrize(
    ("text", "kind", "category", "reason"),
    [
        ("", "exact", "money", "leeg"),
        ("   ", "fuzzy", "money", "leeg"),
        ("geld", "fuzzy", "money", "5 letters"),
        ("snel geld", "fuzzy", "money", "enkel woord"),
        ("...", "exact", "money", "letter"),
        ("geld", "exact", "drugs", "categorie"),
        ("(a+)+", "pattern", "money", "herhaling"),
        (r"(\d+\s*)*euro", "pattern", "money", "herhaling"),
        (r"(\w)\1", "pattern", "money", "verwijzen"),
        ("[abc", "pattern", "money", "klopt niet"),
        ("a*", "pattern", "money", "lege tekst"),
        (r"\b", "pattern", "money", "lege tekst"),
        ("x" * 300, "pattern", "money", "200"),
        ("", "pattern", "money", "leeg"),
    ],
)
def test_check_term_refuses_with_a_reason(text: str, kind: str, category: str, reason: str) -> None:
    with pytest.raises(Invalid) as e:
        check_term(text, kind, category)  # type: ignore[arg-type]
    assert reason in e.value.reason


@pytest.mark.parametrize(
    ("text", "kind", "cleaned"),
    [
        ("  snel   geld ", "exact", "snel geld"),
        ("klusjes", "fuzzy", "klusjes"),
        ("💣", "exact", "💣"),
        (r"\d{2,5}\s*(?:euro|€)", "pattern", r"\d{2,5}\s*(?:euro|€)"),
        (r"(?:dm|pm)+ me", "pattern", r"(?:dm|pm)+ me"),
        (r"[(]\d+[)]+", "pattern", r"[(]\d+[)]+"),
    ],
)
def test_check_term_cleans_good_terms(text: str, kind: str, cleaned: str) -> None:
    assert check_term(text, kind, "money") == cleaned  # type: ignore[arg-type]


def test_the_starter_watchlist_loads_and_covers_every_category() -> None:
    terms = starter_terms()
    assert len(terms) > 100
    assert {t.category for t in terms} == set(CATEGORIES)
    assert len({t.id for t in terms}) == len(terms)
    for term in terms:
        assert check_term(term.text, term.kind, term.category) == term.text


def ordinary_items() -> list[str]:
    lines = (DATA / "ordinary_words.txt").read_text("utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_ordinary_words_list_is_long_and_has_the_risky_stems() -> None:
    items = ordinary_items()
    assert len(items) >= 300
    for stem in ("snelweg", "geldig", "klusjesman", "woningnood", "koerierdienst PostNL"):
        assert any(stem in item for item in items), stem


def test_no_ordinary_word_or_sentence_raises_an_alert() -> None:
    matcher = Matcher(starter_terms(), version=1)
    items = ordinary_items()
    redacted = [redact(item).text for item in items]
    alerts = [
        (item, score(hits, text).total)
        for item, text, hits in zip(items, redacted, matcher.scan_many(redacted), strict=True)
        if score(hits, text).alert
    ]
    assert alerts == []


PIECES = [
    "snel geld",
    "s.n.e.l",
    "g-e-l-d",
    "sn3l",
    "g€ld",
    "snelllll",
    "klusjez",
    "klus",
    "woning",
    "woningnood",
    "💣",
    "16+",
    "@klusbaas",
    "geëxplodeerd",
    "e\u0301",
    "\u200b",
    "\u0455",
    "\U0001d42c",
    " ",
    ", ",
    "!",
    "\n",
    "x",
    "a b c",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=6))
def test_a_batch_finds_what_each_post_alone_finds(texts: list[str]) -> None:
    matcher = Matcher(TERMS, version=1)
    batch = matcher.scan_many(texts)
    assert batch == [matcher.scan(t) for t in texts]
    for text, hits in zip(texts, batch, strict=True):
        for hit in hits:
            assert 0 <= hit.start < hit.end <= len(text)
            # Every highlight is something that reads as the term on its own.
            alone = [h.term_id for h in matcher.scan(text[hit.start : hit.end])]
            assert hit.term_id in alone or hit.form == "pattern", (text, hit)


def test_a_matcher_without_terms_finds_nothing() -> None:
    assert Matcher([], version=0).scan_many(["snel geld", ""]) == [[], []]


def test_patterns_keep_their_meaning_on_lowercased_text() -> None:
    matcher = Matcher(
        [
            Term(1, r"\bDM\b", "pattern", "contact"),
            Term(2, r"\bgeld|cash\b", "pattern", "money"),
            Term(3, r"\D\d{4}\D", "pattern", "money"),
        ],
        1,
    )
    text = "DM me, ongeldig: cashgeld x1000x"
    found = {(h.term_id, text[h.start : h.end]) for h in matcher.scan(text)}
    assert (1, "DM") in found
    # "\bgeld|cash\b" is "\bgeld" or "cash\b": neither is in "ongeldig" or "cashgeld".
    assert not any(term == 2 for term, _ in found)
    assert (3, "x1000x") in found


def test_patterns_see_one_post_at_a_time() -> None:
    matcher = Matcher(
        [Term(1, "^dm", "pattern", "contact"), Term(2, "geld[^x]*nu$", "pattern", "urgency")], 1
    )
    texts = ["snel geld", "nu", "DM me", "x\ndm", "geld, nu"]
    found = [
        [(h.term_id, text[h.start : h.end]) for h in hits]
        for text, hits in zip(texts, matcher.scan_many(texts), strict=True)
    ]
    assert found == [[], [], [(1, "DM")], [(1, "dm")], [(2, "geld, nu")]]
    assert matcher.scan_many(texts) == [matcher.scan(t) for t in texts]


@pytest.mark.parametrize("find_each", [0, 40])
def test_fuzzy_words_are_found_wherever_they_are(
    monkeypatch: pytest.MonkeyPatch, find_each: int
) -> None:
    monkeypatch.setattr(matching, "FIND_EACH", find_each)
    matcher = Matcher(TERMS, version=1)
    texts = ["klusjez klusjez", "xklusjez, klusjez!", "klusjesz klusjes"]
    found = [
        [(h.form, text[h.start : h.end]) for h in hits]
        for text, hits in zip(texts, matcher.scan_many(texts), strict=True)
    ]
    assert found == [
        [("fuzzy", "klusjez"), ("fuzzy", "klusjez")],
        [("fuzzy", "klusjez")],
        [("fuzzy", "klusjesz"), ("light", "klusjes")],
    ]


def test_money_amounts_are_not_ordinary_words() -> None:
    matcher = Matcher([Term(1, "1k", "exact", "money")], version=1)
    assert matcher.scan("ik kom zo") == []
    assert [(h.form, h.start, h.end) for h in matcher.scan("Ik betaal 1k")] == [("light", 10, 12)]


def test_words_with_letters_outside_ascii_match_whole() -> None:
    matcher = Matcher([Term(1, "brød", "exact", "job"), Term(2, "klus", "exact", "job")], version=1)
    texts = ["vers brød! 😂 klus", "brødje en klusjes", "😂 κlus"]
    found = [
        [(h.term_id, text[h.start : h.end]) for h in hits]
        for text, hits in zip(texts, matcher.scan_many(texts), strict=True)
    ]
    assert found == [[(1, "brød"), (2, "klus")], [], [(2, "κlus")]]
