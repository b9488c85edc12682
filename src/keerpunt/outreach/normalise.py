"""Two normal forms of a post, each with a map back to the original characters.

`light` undoes what Unicode itself allows (NFKC, case folding, accents and invisible
format characters): "snel" in mathematical bold, fullwidth or circled letters reads as
"snel", and "geëxplodeerd" as "geexplodeerd". `aggressive` also undoes what people do on
purpose to slip past a keyword filter: Cyrillic or Greek look-alike letters, digits and
symbols for letters (sn3l g€ld), single letters split by separators (s.n.e.l) and
stretched letters (snelllll).

Each step is either a 1:1 character replacement (offsets unchanged) or a set of local
edits found by a regular expression; only the edits are recorded, as sparse breakpoints,
so a text with nothing to undo costs one scan and no map at all. `Form.span` walks the
recorded steps back to the original string, so a highlight covers exactly the characters
that produced the match, emoji and astral characters included.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class _Edits:
    """The regions one step replaced: for region i, old[old_starts[i]:old_ends[i]] became
    new[new_starts[i]:new_ends[i]]. Between regions the step copied characters 1:1."""

    old_starts: tuple[int, ...]
    old_ends: tuple[int, ...]
    new_starts: tuple[int, ...]
    new_ends: tuple[int, ...]

    def _locate(self, pos: int) -> tuple[int, int]:
        """(first, last) original positions of the character at new position `pos`, as a
        half-open [first, last)."""
        i = bisect_right(self.new_ends, pos)
        if i < len(self.new_starts) and self.new_starts[i] <= pos:
            return self.old_starts[i], self.old_ends[i]
        if i == 0:
            return pos, pos + 1
        old = self.old_ends[i - 1] + (pos - self.new_ends[i - 1])
        return old, old + 1

    def interval(self, start: int, end: int) -> tuple[int, int]:
        if start >= end:
            first = self._locate(start)[0]
            return first, first
        return self._locate(start)[0], self._locate(end - 1)[1]


def _edits(regions: list[tuple[int, int, int]]) -> _Edits:
    """`regions`: (old_start, old_end, new_length) in order."""
    old_starts: list[int] = []
    old_ends: list[int] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    shift = 0
    for old_start, old_end, new_len in regions:
        new_start = old_start + shift
        old_starts.append(old_start)
        old_ends.append(old_end)
        new_starts.append(new_start)
        new_ends.append(new_start + new_len)
        shift += new_len - (old_end - old_start)
    return _Edits(tuple(old_starts), tuple(old_ends), tuple(new_starts), tuple(new_ends))


@dataclass(frozen=True)
class Form:
    text: str
    # The length-changing steps from the original to `text`, first step first.
    steps: tuple[_Edits, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) in `text` -> [start, end) in the original string (code points),
        covering exactly the original characters that produced them."""
        for step in reversed(self.steps):
            start, end = step.interval(start, end)
        return start, end


def _substitute(
    pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], text: str
) -> tuple[str, _Edits | None]:
    """`pattern.sub(replace, text)`, recording the regions whose length changed."""
    regions: list[tuple[int, int, int]] = []

    def record(match: re.Match[str]) -> str:
        new = replace(match)
        start, end = match.span()
        # One character for one keeps offsets; anything else (a ligature unfolded, marks
        # dropped, separators removed) becomes a region mapped as a whole.
        if len(new) != end - start or (end - start > 1 and new != match.group()):
            regions.append((start, end, len(new)))
        return new

    out = pattern.sub(record, text)
    return out, (_edits(regions) if regions else None)


# --- light -------------------------------------------------------------------------------

# Marks (Mn, Me) and invisible format characters (Cf: zero-width space and joiners, soft
# hyphen, direction marks) hang on the character before them; a "cluster" is a character
# with the marks after it, normalised on its own. Listed by block rather than computed from
# the whole Unicode table so importing stays instant; anything else `_fold` still strips.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06dc\u06df-\u06e4\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\u2cef-\u2cf1\u302a-\u302f\u3099\u309a\ufe00-\ufe0f\ufe20-\ufe2f"
    "\U000e0100-\U000e01ef"
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\U000e0001-\U000e007f"
)
_CLUSTER = re.compile(f"[^\\x00-\\x7f][{_MARKS}]*|[\\x00-\\x7f][{_MARKS}]+")
_STRIP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})


@cache
def _fold(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _STRIP_CATEGORIES)
    return unicodedata.normalize("NFKC", kept).casefold() if kept != decomposed else folded


def light(text: str) -> Form:
    """NFKC, case folding, combining marks and invisible format characters stripped."""
    if text.isascii():
        return Form(text.lower())
    folded, step = _substitute(_CLUSTER, lambda m: _fold(m.group()), text)
    lowered = folded.lower()
    if len(lowered) != len(folded):
        # Case folding already ran on every non-ASCII cluster, so this is only ASCII left;
        # should `lower` ever expand a character, lower the ASCII letters alone.
        lowered = folded.translate(_ASCII_LOWER)
    return Form(lowered, (step,) if step is not None else ())


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


# --- aggressive --------------------------------------------------------------------------

# Letters that look like Latin ones (after case folding): Cyrillic, Greek, Armenian, and
# Latin variants NFKC keeps apart.
_LOOKALIKES = {
    # Cyrillic
    "\u0430": "a",  # cyrillic small letter a
    "\u0432": "b",  # cyrillic small letter ve
    "\u0435": "e",  # cyrillic small letter ie
    "\u0451": "e",  # cyrillic small letter io
    "\u0437": "3",  # cyrillic small letter ze
    "\u04bb": "h",  # cyrillic small letter shha
    "\u0456": "i",  # cyrillic small letter byelorussian-ukrainian i
    "\u0457": "i",  # cyrillic small letter yi
    "\u0458": "j",  # cyrillic small letter je
    "\u043a": "k",  # cyrillic small letter ka
    "\u04cf": "l",  # cyrillic small letter palochka
    "\u043c": "m",  # cyrillic small letter em
    "\u043d": "h",  # cyrillic small letter en
    "\u043e": "o",  # cyrillic small letter o
    "\u0440": "p",  # cyrillic small letter er
    "\u0441": "c",  # cyrillic small letter es
    "\u0442": "t",  # cyrillic small letter te
    "\u0443": "y",  # cyrillic small letter u
    "\u0445": "x",  # cyrillic small letter ha
    "\u0455": "s",  # cyrillic small letter dze
    "\u0501": "d",  # cyrillic small letter komi de
    "\u051b": "q",  # cyrillic small letter qa
    "\u051d": "w",  # cyrillic small letter we
    "\u044c": "b",  # cyrillic small letter soft sign
    "\u0261": "g",  # latin small letter script g
    # Greek
    "\u03b1": "a",  # greek small letter alpha
    "\u03b2": "b",  # greek small letter beta
    "\u03b3": "y",  # greek small letter gamma
    "\u03b5": "e",  # greek small letter epsilon
    "\u03b7": "n",  # greek small letter eta
    "\u03b9": "i",  # greek small letter iota
    "\u03ba": "k",  # greek small letter kappa
    "\u03bd": "v",  # greek small letter nu
    "\u03bf": "o",  # greek small letter omicron
    "\u03c1": "p",  # greek small letter rho
    "\u03c4": "t",  # greek small letter tau
    "\u03c5": "u",  # greek small letter upsilon
    "\u03c7": "x",  # greek small letter chi
    "\u03c9": "w",  # greek small letter omega
    # Armenian
    "\u0585": "o",  # armenian small letter oh
    "\u057d": "u",  # armenian small letter seh
    "\u0578": "n",  # armenian small letter vo
    "\u0570": "h",  # armenian small letter ho
    # Latin variants
    "\u0131": "i",  # latin small letter dotless i
    "\u0251": "a",  # latin small letter alpha
    "\u0269": "i",  # latin small letter iota
    "\u2113": "l",  # script small l
    "\ua781": "l",  # latin small letter turned l
    "\u0280": "r",  # latin letter small capital r
    "\u1d04": "c",  # latin letter small capital c
    "\u1d0f": "o",  # latin letter small capital o
    "\u1d20": "v",  # latin letter small capital v
    "\u1d21": "w",  # latin letter small capital w
    "\u1d22": "z",  # latin letter small capital z
}
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)
_LOOKALIKE_RE = re.compile("[" + "".join(_LOOKALIKES) + "]")

# Single letters (or digits or symbols standing for letters) split by one kind of
# separator, at least three of them: "s.n.e.l", "g-e-l-d", "s n e l". Two single letters
# ("a b") are ordinary text.
_SINGLE = r"[^\W_]|[€$@|]"
_SPLIT = re.compile(
    rf"(?<![^\W_])(?:{_SINGLE})([.\-_*·•/ ]) ?(?:(?:{_SINGLE})\1 ?)+(?:{_SINGLE})(?![^\W_])"
)
_SEPARATORS = re.compile(r"[.\-_*·•/ ]")

# Digits and symbols read as letters, only inside a word that also has letters, so "16+"
# and "0612345678" stay numbers.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g", "€": "e", "$": "s"}
)
_LEET_AT = str.maketrans({"@": "a", "|": "l"})
_LEET_WORD = re.compile(
    r"[\w€$@|]*(?:[^\W\d_][\w€$@|]*[0-9€$@|]|[0-9€$][\w€$@|]*[^\W\d_])[\w€$@|]*"
)

# A letter stretched to three or more: "snelllll" -> "snel", "gelddd" -> "geld". Two stay
# (Dutch is full of them); a term is matched both as written and with its doubles squeezed.
_STRETCHED = re.compile(r"([^\W\d_])\1\1+")


def _unleet(match: re.Match[str]) -> str:
    word = match.group()
    # "500euro", "16jaar": a number with its unit stays a number.
    if word[:2].isdigit() or sum(c.isalpha() for c in word) * 2 < len(word):
        return word
    # "@naam" is a handle, not "anaam": an @ or | only counts inside the word.
    return word[0].translate(_LEET) + word[1:].translate(_LEET).translate(_LEET_AT)


def aggressive(text: str) -> Form:
    """light + look-alike letters + digits/symbols for letters + stretched letters
    squeezed + single letters joined across separators (s.n.e.l)."""
    return both(text)[1]


def both(text: str) -> tuple[Form, Form]:
    """`light(text)` and `aggressive(text)`, sharing the work."""
    base = light(text)
    out = base.text
    steps = list(base.steps)
    if _LOOKALIKE_RE.search(out):
        out = out.translate(_LOOKALIKE_TABLE)
    out, step = _substitute(_SPLIT, lambda m: _SEPARATORS.sub("", m.group()), out)
    if step is not None:
        steps.append(step)
    out = _LEET_WORD.sub(_unleet, out)
    out, step = _substitute(_STRETCHED, lambda m: m.group(1), out)
    if step is not None:
        steps.append(step)
    return base, Form(out, tuple(steps))


def squeeze_doubles(text: str) -> str:
    """Every run of one letter down to one letter: the form a term is also matched in, so
    "kassssa" (squeezed to "kasa") still finds "kassa"."""
    return re.sub(r"([^\W\d_])\1+", r"\1", text)
