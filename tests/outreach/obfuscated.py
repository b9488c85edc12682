"""The obfuscated spellings of "snel geld" the issue names, built from code points so the
test files stay readable (and ruff does not flag the look-alike letters)."""

from __future__ import annotations


def shifted(text: str, small_a: int) -> str:
    """`text` in another Unicode alphabet whose "a" is at `small_a`; spaces stay."""
    return "".join(c if c == " " else chr(small_a + ord(c) - ord("a")) for c in text)


CYRILLIC = str.maketrans({"s": "\u0455", "e": "\u0435"})

SNEL_GELD = {
    "mathematical bold": shifted("snel geld", 0x1D41A),
    "fullwidth": shifted("snel geld", 0xFF41),
    "circled": shifted("snel geld", 0x24D0),
    "cyrillic look-alikes": "snel geld".translate(CYRILLIC),
    "separators": "s.n.e.l g-e-l-d",
    "leetspeak": "sn3l g\u20acld",
    "stretched": "snelllll gelddd",
    "leetspeak capitals": "SN3L G\u20acLD",
    "bold capitals": shifted("snel geld", 0x1D400),
    "zero-width space inside": "sn\u200bel ge\u200bld",
    "accents": "sn\u00e9l g\u00ebld",
}
