"""Two normal forms of a post, each with a map back to the original characters.

`light` undoes what Unicode itself allows (NFKC, case folding, accents and invisible
format characters): "snel" in mathematical bold, fullwidth or circled letters reads as
"snel", and "geëxplodeerd" as "geexplodeerd". `aggressive` also undoes what people do on
purpose to slip past a keyword filter: Cyrillic or Greek look-alike letters, digits and
symbols for letters (sn3l g€ld), single letters split by separators (s.n.e.l) and
stretched letters (snelllll).

Built for big batches (the matcher joins thousands of posts into one string): there are
no per-character Python loops. Each step is either a 1:1 character replacement (offsets
unchanged) or a set of local edits; only the edits are recorded, as sparse breakpoints
found again with bisect, so a text with nothing to undo costs a scan and no map at all.
`light` finds what to fold with one regular-expression class (the characters folding
changes); the aggressive steps find where they might apply (one Aho-Corasick pass,
`detector`, for separators; whole-text operations on a bytes copy for digits beside
letters and stretched letters) and run their own patterns only there. `Form.span` walks
the recorded steps back to the original string, so a highlight covers exactly the
characters that produced the match, emoji and astral characters included.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import ahocorasick


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
        i = bisect_right(self.new_ends, start)
        if i == len(self.new_starts) or self.new_starts[i] >= end:
            # Both ends between the same two regions (the usual case): one shift.
            if i == 0:
                return start, end
            shift = self.old_ends[i - 1] - self.new_ends[i - 1]
            return start + shift, end + shift
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


def _apply(text: str, changes: list[tuple[int, int, str]]) -> tuple[str, _Edits | None]:
    """`text` with each (start, end, replacement) applied (in order, not overlapping), and
    the regions whose length changed. One character for one keeps offsets; anything else
    (a ligature unfolded, marks dropped, separators removed) is a region mapped whole."""
    if not changes:
        return text, None
    pieces: list[str] = []
    regions: list[tuple[int, int, int]] = []
    last = 0
    for start, end, new in changes:
        pieces.append(text[last:start])
        pieces.append(new)
        last = end
        if len(new) != end - start or end - start > 1:
            regions.append((start, end, len(new)))
    pieces.append(text[last:])
    return "".join(pieces), (_edits(regions) if regions else None)


# --- light -------------------------------------------------------------------------------

# Where to look for characters that folding changes: Latin, Greek, Cyrillic and their
# neighbours, punctuation, letter-like and enclosed forms, compatibility and full-width
# forms, mathematical letters, enclosed letters, variation selectors and tags. Outside
# these blocks nothing changes (which keeps the table small and quick to build).
_FOLD_BLOCKS = (
    (0x80, 0x3400),
    (0xA640, 0xA6A0),
    (0xA720, 0xA800),
    (0xAB30, 0xAB70),
    (0xF900, 0xFFF0),
    (0x1D400, 0x1D800),
    (0x1F100, 0x1F200),
    (0x2F800, 0x2FA20),
    (0xE0000, 0xE0200),
)
# Marks (Mn, Me) and invisible format characters (Cf: zero-width space and joiners, soft
# hyphen, direction marks, variation selectors) are dropped; they belong to the character
# before them, so a highlight covers both.
_STRIP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})


def _fold_uncached(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _STRIP_CATEGORIES)
    return unicodedata.normalize("NFKC", kept).casefold() if kept != decomposed else folded


# Bounded: a post can carry any number of distinct accent combinations.
_fold = lru_cache(maxsize=65536)(_fold_uncached)


def _ranges(code_points: list[int]) -> str:
    """A regex character class body for sorted code points, as ranges."""
    out: list[str] = []
    i = 0
    while i < len(code_points):
        j = i
        while j + 1 < len(code_points) and code_points[j + 1] == code_points[j] + 1:
            j += 1
        first, last = chr(code_points[i]), chr(code_points[j])
        out.append(re.escape(first) if i == j else f"{re.escape(first)}-{re.escape(last)}")
        i = j + 1
    return "".join(out)


# Astral blocks where something folds (mathematical letters, enclosed letters but not the
# flag letters after them, compatibility ideographs, tags): a cheap class to search for;
# each character found is then checked against the exact set.
_ASTRAL_COARSE = re.compile(
    "[\U0001d400-\U0001d7ff\U0001f100-\U0001f1e5\U0002f800-\U0002fa1f\U000e0000-\U000e01ef]"
)


@dataclass(frozen=True)
class _FoldTables:
    # A character below U+10000 folding changes, with the marks after it. Kept apart from
    # the astral ones so the regex engine can test a character with one table lookup.
    bmp: re.Pattern[str]
    astral: frozenset[str]
    marks: frozenset[str]
    marks_after: re.Pattern[str]


@cache
def _fold_tables() -> _FoldTables:
    """Built on first use (some 80 ms), not at import."""
    changing: list[int] = []
    astral: list[str] = []
    marks: list[int] = []
    for first, last in _FOLD_BLOCKS:
        for code in range(first, last):
            c = chr(code)
            if unicodedata.category(c) in _STRIP_CATEGORIES:
                marks.append(code)
            elif _fold_uncached(c) == c:
                continue
            if code < 0x10000:
                changing.append(code)
            else:
                astral.append(c)
    bmp_marks = _ranges([m for m in marks if m < 0x10000])
    return _FoldTables(
        bmp=re.compile(f"[{_ranges(changing)}][{bmp_marks}]*"),
        astral=frozenset(astral),
        marks=frozenset(map(chr, marks)),
        marks_after=re.compile(f"[{_ranges(marks)}]*"),
    )


def light(text: str) -> Form:
    """NFKC, case folding, combining marks and invisible format characters stripped."""
    if text.isascii():
        return Form(text.lower())
    tables = _fold_tables()
    found = [m.span() for m in tables.bmp.finditer(text)]
    if _ASTRAL_COARSE.search(text):
        for match in _ASTRAL_COARSE.finditer(text):
            if match.group() in tables.astral:
                after = tables.marks_after.match(text, match.end())
                found.append((match.start(), after.end() if after else match.end()))
        found.sort()
    changes: list[tuple[int, int, str]] = []
    done = 0
    for start, end in found:
        # Marks after a character folding leaves alone ("e" + combining diaeresis):
        # fold them together with it.
        if start > 0 and text[start] in tables.marks:
            start -= 1
        if start < done:
            continue
        old = text[start:end]
        new = _fold(old)
        if new != old:
            changes.append((start, end, new))
            done = end
    folded, step = _apply(text, changes)
    lowered = folded.lower()
    if len(lowered) != len(folded):
        # Case folding already ran on every character it changes, so only ASCII is left;
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
_LOOKALIKE_RE = re.compile("[" + "".join(_LOOKALIKES) + "]")

# Single letters (or digits or symbols standing for letters) split by one kind of
# separator, at least three of them: "s.n.e.l", "g-e-l-d", "s n e l". Two single letters
# ("a b") are ordinary text.
_SEPARATOR_CHARS = ".-_*·•/ "
_SEP = "[.\\-_*·•/ ]"
_SINGLE = "(?:[^\\W_]|[€$@|])"
_SPLIT = re.compile(f"(?<![^\\W_]){_SINGLE}({_SEP}) ?(?:{_SINGLE}\\1 ?)+{_SINGLE}(?![^\\W_])")
_SEPARATORS = re.compile(_SEP)

# Digits and symbols read as letters, only inside a word that also has letters, so "16+"
# and "0612345678" stay numbers.
_LEET_CHARS = "0134579€$@|"
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g", "€": "e", "$": "s"}
)
_LEET_AT = str.maketrans({"@": "a", "|": "l"})
_NUMBER_UNIT = re.compile(r"\d[^\W\d_]{1,2}")
_WORDISH = re.compile("[\\w€$@|]*")

# A letter stretched to three or more ("snelllll", "gelddd") is squeezed to one. Two stay
# (Dutch is full of them); a term is matched both as written and with its doubles
# squeezed.
_STRETCHED = re.compile(r"([a-z])\1\1+")

_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# What a detector hit means.
_SPLIT_HINT, _LEET_HINT, _STRETCH_HINT, _EXTRA = 0, 1, 2, 3


def detector(extra: Mapping[str, object] | None = None) -> Any:
    """One Aho-Corasick pass finds every place where single characters might be split by
    a separator other than the space: a single character between two of the same
    separator (".n.", ". n."). Ordinary text has few, so the step's own pattern only
    runs there. Its keys start with a rare character, so most characters leave the
    automaton at its root, which is what keeps the pass cheap; what would make every
    word or letter a key's start is found on bytes instead (`_space_splits`, `_leets`,
    `_stretches`). `extra` keys are found in the same pass over the light form and
    reported in `Forms.extra` with their value (the matcher's emoji and symbol
    terms)."""
    automaton = ahocorasick.Automaton()
    for single in _ASCII_LETTERS + "0123456789€$@|":
        # Not the space: keys starting with one would keep the automaton busy after every
        # word (`_space_splits` finds those).
        for sep in _SEPARATOR_CHARS.replace(" ", ""):
            for key in (f"{sep}{single}{sep}", f"{sep} {single}{sep}"):
                automaton.add_word(key, (_SPLIT_HINT, len(key), None))
    for key, value in (extra or {}).items():
        if key:
            automaton.add_word(key, (_EXTRA, len(key), value))
    automaton.make_automaton()
    return automaton


# Bytes tables over a copy of the text with one byte per character (each character
# outside ASCII is one "?"): 1 for an ASCII letter, 1 for a digit or symbol read as a
# letter (the euro sign is patched in by position), and the letters themselves with
# anything else as 0 in one table and 255 in the other.
_IS_LETTER = bytes(1 if chr(c) in _ASCII_LETTERS else 0 for c in range(256))
_IS_LEET = bytes(1 if chr(c) in _LEET_CHARS else 0 for c in range(256))
_IS_SPACE = bytes(1 if c == 32 else 0 for c in range(256))
_IS_SINGLE = bytes(1 if chr(c) in _ASCII_LETTERS + "0123456789$@|" else 0 for c in range(256))
_LETTER_OR_0 = bytes(c if chr(c) in _ASCII_LETTERS else 0 for c in range(256))
_LETTER_OR_255 = bytes(c if chr(c) in _ASCII_LETTERS else 255 for c in range(256))


def _starts(haystack: bytes, needle: bytes) -> list[int]:
    """Every start of `needle` in `haystack`, overlapping ones included."""
    out: list[int] = []
    at = haystack.find(needle)
    while at >= 0:
        out.append(at)
        at = haystack.find(needle, at + 1)
    return out


def _mark(mask: bytes, positions: list[int]) -> bytes:
    """`mask` with a 1 at each of `positions`."""
    if not positions:
        return mask
    marked = bytearray(mask)
    for at in positions:
        marked[at] = 1
    return bytes(marked)


def _euros(text: str) -> list[int]:
    out: list[int] = []
    at = text.find("€")
    while at >= 0:
        out.append(at)
        at = text.find("€", at + 1)
    return out


def _space_splits(raw: bytes, euros: list[int]) -> list[int]:
    """Split hints with the space as separator (" n ", "  n "), as the detector gives
    them (the character before the key), from whole-text operations on big integers."""
    spaces = int.from_bytes(raw.translate(_IS_SPACE), "little")
    singles = int.from_bytes(_mark(raw.translate(_IS_SINGLE), euros), "little")
    one = spaces & (singles >> 8) & (spaces >> 16)
    two = spaces & (spaces >> 8) & (singles >> 16) & (spaces >> 24)
    return [at - 1 for at in _starts((one | two).to_bytes(len(raw), "little"), b"\x01")]


def _leets(raw: bytes, euros: list[int]) -> list[int]:
    """Where a letter and a digit or symbol read as a letter stand side by side ("n3",
    "€l"): the first of the two. Whole-text operations on big integers, one byte per
    character, so no Python runs per character."""
    leet = _mark(raw.translate(_IS_LEET), euros)
    letters = int.from_bytes(raw.translate(_IS_LETTER), "little")
    digits = int.from_bytes(leet, "little")
    pairs = (letters & (digits >> 8)) | (digits & (letters >> 8))
    return _starts(pairs.to_bytes(len(raw), "little"), b"\x01")


def _stretches(raw: bytes) -> list[int]:
    """Where a letter stands three times in a row ("lll"): the first of the three. A
    byte of the XOR of the text and itself shifted by one is 0 where a letter repeats."""
    if len(raw) < 3:
        return []
    same = (
        int.from_bytes(raw[:-1].translate(_LETTER_OR_0), "little")
        ^ int.from_bytes(raw[1:].translate(_LETTER_OR_255), "little")
    ).to_bytes(len(raw) - 1, "little")
    return _starts(same, b"\x00\x00")


_default_detector = cache(detector)


_NOT_ASCII_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())


def _letters(word: str) -> int:
    """How many letters `word` has."""
    if word.isascii():
        return len(word.encode("ascii").translate(None, _NOT_ASCII_LETTER))
    return sum(c.isalpha() for c in word)


def _unleet(word: str) -> str:
    # "500euro", "16jaar", "5k", "3e": a number with its unit stays a number (else the
    # term "1k" would read "ik" and fire on every "ik").
    if word[:2].isdigit() or _letters(word) * 2 < len(word) or _NUMBER_UNIT.fullmatch(word):
        return word
    # "@naam" is a handle, not "anaam": an @ or | only counts inside the word.
    return word[0].translate(_LEET) + word[1:].translate(_LEET).translate(_LEET_AT)


def _unleet_at(text: str, positions: list[int]) -> list[tuple[int, int, str]]:
    """The words around `positions` (sorted) with digits and symbols read as letters."""
    changes: list[tuple[int, int, str]] = []
    done = -1
    for at in positions:
        if at < done:
            continue
        # The word's start: its run of word characters read backwards (a regex searching
        # forwards for the run that ends here would try every start on the way).
        behind = _WORDISH.match(text[max(0, at - 64) : at][::-1])
        first = at - (behind.end() if behind is not None else 0)
        last = _WORDISH.match(text, at)
        stop = last.end() if last is not None else at
        done = max(stop, at + 1)
        word = text[first:stop]
        if not word or first < (changes[-1][1] if changes else 0):
            continue
        new = _unleet(word)
        if new != word:
            changes.append((first, stop, new))
    return changes


def _forward(step: _Edits, positions: list[int]) -> list[int]:
    """Positions before `step` to positions after it; those inside a replaced region are
    dropped (the caller looks at the regions themselves)."""
    out: list[int] = []
    for at in positions:
        i = bisect_right(step.old_ends, at)
        if i < len(step.old_starts) and step.old_starts[i] <= at:
            continue
        out.append(at if i == 0 else step.new_ends[i - 1] + (at - step.old_ends[i - 1]))
    return out


def aggressive(text: str) -> Form:
    """light + look-alike letters + digits/symbols for letters + stretched letters
    squeezed + single letters joined across separators (s.n.e.l)."""
    return both(text)[1]


def both(text: str) -> tuple[Form, Form]:
    """`light(text)` and `aggressive(text)`, sharing the work."""
    forms = normalise(text)
    return forms.light, forms.aggressive


@dataclass(frozen=True)
class Forms:
    light: Form
    aggressive: Form
    # Where the aggressive form differs from the light one, as sorted, disjoint [start,
    # end) intervals of the aggressive text; everywhere else the two read the same.
    changed_starts: tuple[int, ...] = ()
    changed_ends: tuple[int, ...] = ()
    # The detector's extra keys found in the light form: (start, length, value).
    extra: tuple[tuple[int, int, object], ...] = ()

    def changed(self, start: int, end: int) -> bool:
        """Whether the aggressive steps changed anything in [start, end)."""
        i = bisect_right(self.changed_ends, start)
        return i < len(self.changed_starts) and self.changed_starts[i] < max(end, start + 1)

    @property
    def to_light(self) -> Form:
        """The aggressive form with a map onto the light form's offsets."""
        return Form(self.aggressive.text, self.aggressive.steps[len(self.light.steps) :])


def normalise(text: str, using: Any = None) -> Forms:
    """Both forms, and where they differ. The aggressive steps add at most one map: the
    joins and squeezes are applied together, the rest is one character for one. `using`
    is a `detector(...)` with extra keys to find on the way."""
    base = light(text)
    out = base.text
    changed: list[tuple[int, int]] = []
    if _LOOKALIKE_RE.search(out):
        swaps = [(m.start(), m.end(), _LOOKALIKES[m.group()]) for m in _LOOKALIKE_RE.finditer(out)]
        out = _apply(out, swaps)[0]
        changed += [(start, end) for start, end, _ in swaps]
    splits: list[int] = []
    extra: list[tuple[int, int, object]] = []
    for end, (kind, length, value) in (using or _default_detector()).iter(out):
        if kind == _EXTRA:
            extra.append((end - length + 1, length, value))
        else:
            # A split hint starts at the separator after the run's first character.
            splits.append(end - length)
    raw = out.encode("ascii", "replace")
    euros = _euros(out) if "€" in out else []
    space_splits = _space_splits(raw, euros)
    if space_splits:
        splits = sorted(splits + space_splits)
    leets = _leets(raw, euros)
    stretches = _stretches(raw)
    if not (splits or leets or stretches):
        return _forms(base, out, (), changed, extra)

    # Single letters joined: "s.n.e.l" -> "snel", stretched letters squeezed as well
    # ("s.n.e.l.l.l"). A run's first hint is right after its first letter; later hints
    # inside it are skipped.
    edits: list[tuple[int, int, str]] = []
    done = 0
    for start in splits:
        match = _SPLIT.match(out, start) if start >= done else None
        if match is not None:
            joined = _STRETCHED.sub(r"\1", _SEPARATORS.sub("", match.group()))
            edits.append((start, match.end(), joined))
            done = match.end()
    # Letters stretched to three or more, outside what was joined: "snelllll" -> "snel".
    if stretches:
        joined_starts = [e[0] for e in edits]
        joined_ends = [e[1] for e in edits]
        done = 0
        for start in stretches:
            if start < done:
                continue
            i = bisect_right(joined_ends, start)
            if i < len(joined_starts) and joined_starts[i] <= start:
                continue
            match = _STRETCHED.match(out, start)
            if match is not None:
                edits.append((start, match.end(), match.group(1)))
                done = match.end()
        edits.sort()
    step: _Edits | None = None
    if edits:
        if changed:
            edit_starts = [e[0] for e in edits]
            edit_ends = [e[1] for e in edits]
            changed = [(s, e) for s, e in changed if not _inside(edit_starts, edit_ends, s)]
        out, step = _apply(out, edits)
        if step is not None:
            leets = _forward(step, leets) + list(step.new_starts)
            leets.sort()
            changed = [(a, b) for p, q in changed for a, b in [_shift(step, p, q)]]
            changed += list(zip(step.new_starts, step.new_ends, strict=True))
    # Digits and symbols for letters, around their hints and in every joined word.
    if leets:
        unleeted = _unleet_at(out, leets)
        if unleeted:
            out = _apply(out, unleeted)[0]
            changed += [(start, end) for start, end, _ in unleeted]
    return _forms(base, out, (step,) if step is not None else (), changed, extra)


def _inside(starts: list[int], ends: list[int], at: int) -> bool:
    """Whether `at` is in one of the sorted, disjoint [start, end) intervals."""
    i = bisect_right(ends, at)
    return i < len(starts) and starts[i] <= at


def _shift(step: _Edits, start: int, end: int) -> tuple[int, int]:
    """A 1:1 change's interval, outside every region of `step`, after the step."""
    moved = _forward(step, [start])
    first = moved[0] if moved else start
    return first, first + (end - start)


def _forms(
    base: Form,
    out: str,
    steps: tuple[_Edits, ...],
    changed: list[tuple[int, int]],
    extra: list[tuple[int, int, object]],
) -> Forms:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(changed):
        end = max(end, start + 1)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return Forms(
        base,
        Form(out, base.steps + steps),
        tuple(s for s, _ in merged),
        tuple(e for _, e in merged),
        tuple(extra),
    )


def squeeze_doubles(text: str) -> str:
    """Every run of one letter down to one letter: the form a term is also matched in, so
    "kassssa" (squeezed to "kasa") still finds "kassa"."""
    return re.sub(r"([^\W\d_])\1+", r"\1", text)
