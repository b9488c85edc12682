"""Rules for short texts that pages put inside sentences: names.

A name is shown inside a sentence ("Ingelogd als {name}", "Contactpersoon {name}
verwijderd"), so no element can isolate its direction there. Bidirectional control
characters in a name would reorder the words around it (SECURITY.md S10), so names refuse
them. Free text (messages, notes, summaries) keeps them: each such text is shown in an
element of its own that isolates direction (unicode-bidi: plaintext in the page CSS).
"""

from __future__ import annotations

# LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM and the Arabic letter mark.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)


def has_bidi_controls(text: str) -> bool:
    return any(char in BIDI_CONTROLS for char in text)


def plain_name(text: str) -> str:
    """A name as it is kept: without surrounding spaces. Raises ValueError when it holds a
    bidirectional control or another character that cannot be printed (a line break)."""
    name = text.strip()
    if has_bidi_controls(name):
        raise ValueError(
            "a name cannot hold direction control characters (U+202A-202E, U+2066-2069)"
        )
    # Zero-width (non-)joiners are not "printable" to Python, yet names in Persian or
    # Hindi need them.
    if not all(char.isprintable() or char in "\u200c\u200d" for char in name):
        raise ValueError("a name is one line of printable characters")
    return name
