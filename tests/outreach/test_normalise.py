"""The normaliser: every obfuscated "snel geld" reads as "snel geld", and every offset maps
back to exactly the original characters, whatever surrounds them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keerpunt.outreach.normalise import aggressive, light
from tests.outreach.obfuscated import SNEL_GELD, shifted


@pytest.mark.parametrize("name", sorted(SNEL_GELD))
def test_every_obfuscated_snel_geld_reads_as_snel_geld(name: str) -> None:
    original = SNEL_GELD[name]
    form = aggressive(original)
    assert form.text == "snel geld"
    assert form.span(0, len(form.text)) == (0, len(original))
    assert original[slice(*form.span(0, 4))].replace("\u200b", "") != ""
    # "geld" maps to the characters that spelled it, not to the whole string.
    start, end = form.span(5, 9)
    assert aggressive(original[start:end]).text == "geld"


def test_unicode_forms_read_as_snel_geld_already_in_the_light_form() -> None:
    for name in ("mathematical bold", "fullwidth", "circled", "accents", "bold capitals"):
        assert light(SNEL_GELD[name]).text == "snel geld", name


def test_accents_are_stripped_in_the_light_form() -> None:
    assert light("geëxplodeerd").text == "geexplodeerd"
    assert light("GEËXPLODEERD").text == "geexplodeerd"
    # The same word with a combining diaeresis instead of the precomposed letter.
    combining = "gee\u0308xplodeerd"
    form = light(combining)
    assert form.text == "geexplodeerd"
    assert combining[slice(*form.span(0, len(form.text)))] == combining
    assert combining[slice(*form.span(2, 3))] == "e\u0308"


def test_offsets_stay_exact_with_emoji_and_astral_characters_around() -> None:
    bold = shifted("snel geld", 0x1D41A)
    original = f"🔥💰 {bold} 👉 DM 🇳🇱"
    form = aggressive(original)
    start = form.text.index("snel geld")
    assert original[slice(*form.span(start, start + 9))] == bold
    dm = form.text.index("dm")
    assert original[slice(*form.span(dm, dm + 2))] == "DM"


def test_separators_join_single_letters_only() -> None:
    assert aggressive("s.n.e.l").text == "snel"
    assert aggressive("k l u s j e").text == "klusje"
    # Two single letters, initials and ordinary punctuation stay as they are.
    assert aggressive("a b").text == "a b"
    assert aggressive("J. de Vries").text == "j. de vries"
    assert aggressive("snel. geld").text == "snel. geld"


def test_digits_stay_digits_outside_words() -> None:
    assert aggressive("16+ en 500 euro, 06 uur").text == "16+ en 500 euro, 06 uur"
    assert aggressive("500euro").text == "500euro"
    assert aggressive("@naam").text == "@naam"
    assert aggressive("k1usje").text == "kiusje"
    # A number with a short unit: "1k" must not read as the word "ik".
    assert aggressive("1k of 5k, 3e keer").text == "1k of 5k, 3e keer"


def test_letters_stretched_to_three_or_more_are_squeezed() -> None:
    assert aggressive("snelllll gelddd").text == "snel geld"
    # Two stay: Dutch is full of them.
    assert aggressive("heel veel geld").text == "heel veel geld"


def test_plain_ascii_is_only_lowercased() -> None:
    form = light("Snel GELD verdienen")
    assert form.text == "snel geld verdienen"
    assert form.span(5, 9) == (5, 9)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_offsets_map_inside_the_original_and_in_order(text: str) -> None:
    for form in (light(text), aggressive(text)):
        previous_start = 0
        for i in range(len(form.text)):
            start, end = form.span(i, i + 1)
            assert 0 <= start <= end <= len(text)
            assert start >= previous_start
            previous_start = start
        assert form.span(0, len(form.text))[1] <= len(text)
