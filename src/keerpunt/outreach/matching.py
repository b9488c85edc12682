"""Watchlist matching: exact and fuzzy terms and patterns over normalised posts.

A batch of posts is joined into one string (NUL between posts) and normalised once; an
Aho-Corasick automaton runs over it in a "word view" where every character that is not a
letter or digit reads as a space, and each word term is stored with a space on either
side, so the automaton itself enforces word boundaries ("snelweg" never yields "snel")
and reports nothing for the ordinary words around. Punctuation inside a term reads as a
space too ("e-mail" is "e mail"). Each term is stored in its light form, its aggressive
form, with doubled letters squeezed ("kassssa" finds "kassa") and, for a phrase, run
together ("snelgeld"). Python only runs around hits: mapping a hit back to the original
characters, and telling whether the light form reads the same there (then the key that
matched says the form) or only the aggressive one.

Emoji and symbol terms ("💸") are found without word boundaries, in the normaliser's own
detector pass. Fuzzy terms (one word, five or more characters) also match a word at
Levenshtein distance 1. Candidates come from a deletion index (every term with each one
character left out), checked with rapidfuzz; the answer is cached per distinct word, so
a word seen once costs a set lookup after that.

Patterns are Python regular expressions run over the light (lowercased) form of each
post, one pass each. A pattern is refused when it could backtrack badly (a quantifier
over a group that already repeats, a back-reference) or match the empty string; Telegram
caps a post at 4,096 characters, which bounds what is left.

A Matcher is immutable apart from its caches: a changed watchlist is a new Matcher with
the new list version (building one for 10,000 terms takes a fraction of a second).
"""

from __future__ import annotations

import gc
import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from typing import Literal, cast

import ahocorasick
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from keerpunt.core.errors import Invalid
from keerpunt.outreach.normalise import Form, Forms, both, detector, normalise, squeeze_doubles

Kind = Literal["exact", "fuzzy", "pattern"]
CATEGORIES: tuple[str, ...] = (
    "money",
    "job",
    "age",
    "housing",
    "explosives",
    "ports",
    "contact",
    "urgency",
)

MIN_FUZZY_LENGTH = 5
MAX_TERM_LENGTH = 100
MAX_PATTERN_LENGTH = 200
# Patterns only look at a post's first this many characters (Telegram's own limit), which
# bounds their time.
PATTERN_TEXT_LIMIT = 4096
# Characters per joined batch in `scan_many`: big enough that per-batch costs vanish,
# small enough that the batch's copies (four bytes a character once an emoji is in it)
# stay in the CPU's cache between passes: measured some 10% faster than 1,000,000.
BATCH_CHARS = 100_000
# Up to this many distinct fuzzy-matching words in a batch are located one by one.
FIND_EACH = 8


@dataclass(frozen=True)
class Term:
    id: int
    text: str
    kind: Kind
    category: str
    weight: float = 1.0


@dataclass(frozen=True)
class Hit:
    term_id: int
    term: str
    category: str
    form: Literal["light", "aggressive", "fuzzy", "pattern"]
    start: int  # span in the ORIGINAL text given to scan()
    end: int
    similarity: float = 100.0  # fuzzy score; 100 for exact and pattern
    weight: float = 1.0  # the term's weight, for the scorer


# --- the word view -----------------------------------------------------------------------

# ASCII letters and digits stay, every other byte (and the "?" that stands in for each
# character outside ASCII) becomes a space.
_VIEW_BYTES = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _view(text: str) -> str:
    """Same length as `text`; every character that is not a letter or digit is a space.
    One C-level pass over bytes (each character outside ASCII encodes as one "?"); the
    letters and digits outside ASCII, if any, are put back after."""
    view = text.encode("ascii", "replace").translate(_VIEW_BYTES).decode("ascii")
    if text.isascii():
        return view
    letters = {c for c in set(_NON_ASCII.findall(text)) if c.isalnum()}
    if not letters:
        return view
    where = re.compile("[" + "".join(map(re.escape, sorted(letters))) + "]")
    pieces: list[str] = []
    last = 0
    for match in where.finditer(text):
        pieces.append(view[last : match.start()])
        pieces.append(match.group())
        last = match.end()
    pieces.append(view[last:])
    return "".join(pieces)


def _key(text: str) -> str:
    return " ".join(_view(text).split())


def _lowercase_pattern(pattern: str) -> str:
    """The pattern for lowercased text: letters lowered, except right after a backslash
    (so \\D, \\S, \\W and \\B keep their meaning)."""
    out: list[str] = []
    escaped = False
    for c in pattern:
        out.append(c if escaped else c.lower())
        escaped = c == "\\" and not escaped
    return "".join(out)


@dataclass(frozen=True)
class _Pattern:
    index: int
    regex: re.Pattern[str]
    # A leading \b is checked by hand after the search: without it the search can skip
    # ahead to the pattern's first character, many times faster.
    boundary: bool
    # Text every match starts with ("@", "euro"): only posts that contain it are searched.
    literal: str


def _top_level_alternation(pattern: str) -> bool:
    depth = 0
    in_class = False
    escaped = False
    for c in pattern:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
    return False


_META = frozenset(".^$*+?{}[]\\|()")


def _literal_prefix(pattern: str) -> str:
    """The plain characters every match of `pattern` starts with ("" when unsure)."""
    if _top_level_alternation(pattern):
        return ""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i + 1 : i + 2]
            if not escaped or escaped.isalnum():
                break
            literal, width = escaped, 2
        elif c in _META:
            break
        else:
            literal, width = c, 1
        after = pattern[i + width : i + width + 1]
        if after in ("*", "?", "{"):
            break
        out.append(literal)
        i += width
        if after == "+":
            break
    return "".join(out)


def _compile_pattern(index: int, pattern: str) -> _Pattern:
    lowered = _lowercase_pattern(pattern)
    if (
        lowered.startswith(r"\b")
        and not re.match(r"\\b[*+?{]", lowered)
        and not _top_level_alternation(lowered)
    ):
        rest = lowered[2:]
        try:
            return _Pattern(index, re.compile(rest, re.MULTILINE), True, _literal_prefix(rest))
        except re.error:
            pass
    return _Pattern(index, re.compile(lowered, re.MULTILINE), False, _literal_prefix(lowered))


# Between two posts of a batch.
_SEPARATOR = "\x00\n"


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


# --- checking a term ---------------------------------------------------------------------

_QUANTIFIER = re.compile(r"[*+?]|\{\d*,?\d*\}")


def _pattern_problem(pattern: str) -> str | None:
    """Why a pattern is refused, or None. Walks the pattern once, tracking for each open
    group whether something inside it repeats."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"Een patroon mag hoogstens {MAX_PATTERN_LENGTH} tekens lang zijn."
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        return "Een patroon mag niet naar een eerdere groep verwijzen (\\1)."
    stack: list[bool] = []
    repeats = False  # something repeats inside the innermost open group
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            i += 1
            continue
        if c == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a literal inside the class.
            if pattern[i + 1 : i + 2] == "]":
                i += 1
            elif pattern[i + 1 : i + 3] == "^]":
                i += 2
        elif c == "(":
            stack.append(repeats)
            repeats = False
        elif c == ")":
            inner = repeats
            repeats = stack.pop() if stack else False
            quantifier = _QUANTIFIER.match(pattern, i + 1)
            if quantifier is not None and quantifier.group() != "?":
                if inner:
                    return (
                        "Een patroon mag geen herhaling binnen een herhaling hebben, "
                        "zoals (a+)+: dat kan de zoektocht laten vastlopen."
                    )
                repeats = True
            repeats = repeats or inner
        elif (_QUANTIFIER.match(c) and c != "?") or (c == "{" and _QUANTIFIER.match(pattern, i)):
            repeats = True
        i += 1
    return None


def check_term(text: str, kind: Kind, category: str) -> str:
    """The cleaned term text, or raise keerpunt.core.errors.Invalid with a reason a
    person understands (empty, fuzzy under 5 characters, a pattern that does not compile
    or could match the empty string or is too slow-looking, unknown category)."""
    if category not in CATEGORIES:
        raise Invalid(
            f"Onbekende categorie {category!r}; kies uit: {', '.join(CATEGORIES)}.",
            field="category",
        )
    if kind == "pattern":
        cleaned = text.strip()
        if not cleaned:
            raise Invalid("Een patroon mag niet leeg zijn.", field="text")
        problem = _pattern_problem(cleaned)
        if problem is not None:
            raise Invalid(problem, field="text")
        try:
            # As the matcher compiles it: lowercased, for lowercased text.
            compiled = re.compile(_lowercase_pattern(cleaned), re.MULTILINE)
        except re.error as e:
            raise Invalid(f"Dit patroon klopt niet: {e}.", field="text") from e
        if compiled.groups and compiled.groups > 20:
            raise Invalid("Een patroon mag hoogstens 20 groepen hebben.", field="text")
        probe = "snel geld @naam 16+ 06-12345678 [telefoon]\nklus vandaag dm \U0001f4b8"
        if compiled.search("") or any(m.end() == m.start() for m in compiled.finditer(probe)):
            raise Invalid(
                "Dit patroon kan een lege tekst vinden en zou dan overal raak zijn.",
                field="text",
            )
        return cleaned
    if kind not in ("exact", "fuzzy"):
        raise Invalid(f"Onbekende soort term {kind!r}.", field="kind")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid("Een term mag niet leeg zijn.", field="text")
    if len(cleaned) > MAX_TERM_LENGTH:
        raise Invalid(f"Een term mag hoogstens {MAX_TERM_LENGTH} tekens lang zijn.", field="text")
    light, agg = both(cleaned)
    # Punctuation alone ("...") would match everywhere without meaning anything.
    if not any(c.isalnum() or unicodedata.category(c)[0] == "S" for c in light.text):
        raise Invalid("Een term heeft minstens een letter, cijfer of emoji nodig.", field="text")
    if kind == "fuzzy":
        key = _key(agg.text)
        if " " in key or (key != _key(light.text) and " " in _key(light.text)):
            raise Invalid(
                "Ongeveer zoeken werkt op een enkel woord; gebruik 'exact' voor een zinsdeel.",
                field="text",
            )
        if len(key) < MIN_FUZZY_LENGTH:
            raise Invalid(
                f"Ongeveer zoeken kan pas vanaf {MIN_FUZZY_LENGTH} letters; korte woorden "
                "zouden te vaak per ongeluk raak zijn. Gebruik 'exact'.",
                field="text",
            )
    return cleaned


# --- the matcher -------------------------------------------------------------------------


@dataclass
class _Compiled:
    term: Term
    light_key: str  # the word-view key of the light form, to tell light from aggressive
    plain: bool  # the light and aggressive keys are the same


_Form = Literal["light", "aggressive", "fuzzy", "pattern"]


class Matcher:
    def __init__(self, terms: Sequence[Term], version: int) -> None:
        self.version = version
        self._terms: list[_Compiled] = []
        self._words = ahocorasick.Automaton()
        self._patterns: list[_Pattern] = []
        self._fuzzy_index: dict[str, set[int]] = {}
        self._fuzzy_keys: dict[int, str] = {}
        self._exact_words: set[str] = set()
        # Per distinct word seen: its fuzzy candidates, or membership in the set of words
        # with none (most of them), which a whole batch's words are subtracted from at
        # once.
        self._fuzzy_found: dict[str, tuple[tuple[int, float], ...]] = {}
        self._no_fuzzy: set[str] = set()
        self._max_fuzzy = 0
        word_keys: dict[str, list[tuple[int, bool]]] = {}
        symbol_keys: dict[str, list[int]] = {}
        for term in terms:
            index = len(self._terms)
            if term.kind == "pattern":
                self._terms.append(_Compiled(term, "", False))
                self._patterns.append(_compile_pattern(index, term.text))
                continue
            light, agg = both(term.text)
            light_key = _key(light.text)
            agg_key = _key(agg.text)
            self._terms.append(_Compiled(term, light_key, light_key == agg_key))
            if not agg_key:
                # Only emoji or symbols: matched as they are, without word boundaries.
                symbol_keys.setdefault(light.text.strip(), []).append(index)
                continue
            keys = {light_key, agg_key, squeeze_doubles(agg_key)}
            # "s n e l g e l d" joins into "snelgeld": a phrase also matches run together.
            keys |= {k.replace(" ", "") for k in keys if " " in k}
            for key in keys:
                word_keys.setdefault(f" {key} ", []).append((index, key == light_key))
                self._exact_words.add(key)
            if term.kind == "fuzzy" and " " not in agg_key and len(agg_key) >= MIN_FUZZY_LENGTH:
                self._fuzzy_keys[index] = agg_key
                self._max_fuzzy = max(self._max_fuzzy, len(agg_key))
                for variant in _deletions(agg_key):
                    self._fuzzy_index.setdefault(variant, set()).add(index)
        for key, entries in word_keys.items():
            self._words.add_word(key, (len(key), tuple(entries)))
        self._has_words = bool(word_keys)
        if self._has_words:
            self._words.make_automaton()
        # Emoji and symbol terms are found in the same pass that looks for obfuscation.
        self._detector = detector(
            {symbol: tuple(indexes) for symbol, indexes in symbol_keys.items()}
        )

    def scan(self, text: str) -> list[Hit]:
        return self.scan_many([text])[0]

    def scan_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        out: list[list[Hit]] = []
        # A batch allocates many small objects at once; the cyclic collector would walk
        # every live object (hits of earlier batches included) many times over while it
        # runs, for nothing: nothing made here forms a cycle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for chunk in _chunks(texts):
                out.extend(self._scan_batch(chunk))
        finally:
            if collecting:
                gc.enable()
        return out

    # -- one batch --------------------------------------------------------------------

    def _scan_batch(self, texts: Sequence[str]) -> list[list[Hit]]:
        starts = [0] * len(texts)
        position = 0
        for i, text in enumerate(texts):
            starts[i] = position
            position += len(text) + len(_SEPARATOR)
        # Between posts a NUL, which reads as a space in the word view and is in no post
        # (one inside a post becomes a space), so each post's end is found again in the
        # light form; then a line break, so a pattern's ^ matches at a post's start.
        joined = _SEPARATOR.join(texts)
        if joined.count("\x00") != len(texts) - 1:
            joined = _SEPARATOR.join(t.replace("\x00", " ") for t in texts)
        forms = normalise(joined, self._detector)
        hits: list[list[Hit]] = [[] for _ in texts]
        view = f" {_view(forms.aggressive.text)} "
        if self._has_words:
            self._word_hits(forms, view, starts, hits)
        terms = self._terms
        for index, start, end, form, similarity in self._other_hits(forms, view):
            message = bisect_right(starts, start) - 1
            offset = starts[message]
            # A hit that runs into the next post (which nothing should do) is no hit.
            if message + 1 < len(starts) and end > starts[message + 1] - len(_SEPARATOR):
                continue
            term = terms[index].term
            hits[message].append(
                Hit(
                    term.id,
                    term.text,
                    term.category,
                    form,
                    start - offset,
                    end - offset,
                    similarity,
                    term.weight,
                )
            )
        for found in hits:
            if len(found) > 1:
                found.sort(key=_hit_order)
        return hits

    def _word_hits(self, forms: Forms, view: str, starts: list[int], hits: list[list[Hit]]) -> None:
        """The automaton's hits, straight into `hits`: the one loop that runs for every
        hit, so it keeps to local names and plain calls."""
        steps = tuple(reversed(forms.aggressive.steps))
        changed_starts = forms.changed_starts
        changed_ends = forms.changed_ends
        changed_count = len(changed_starts)
        light_text = forms.light.text
        compiled = self._terms
        last = len(starts) - 1
        gap = len(_SEPARATOR)
        to_light: Form | None = None
        for end, (length, entries) in self._words.iter(view):
            # Key " word " ends at `end` in the padded view: the word itself is
            # [end - length + 2, end) there, one less in the aggressive form.
            a_start = end - length + 1
            a_end = end - 1
            start, stop = a_start, a_end
            for step in steps:
                start, stop = step.interval(start, stop)
            message = bisect_right(starts, start) - 1
            if message < last and stop > starts[message + 1] - gap:
                continue
            offset = starts[message]
            i = bisect_right(changed_ends, a_start)
            light_word = None
            if i < changed_count and changed_starts[i] < a_end:
                # The aggressive steps changed something here: is the light form a match
                # on its own?
                if to_light is None:
                    to_light = forms.to_light
                light_word = _key(light_text[slice(*to_light.span(a_start, a_end))])
            found = hits[message]
            for index, is_light_key in entries:
                c = compiled[index]
                term = c.term
                if light_word is None:
                    # The light form reads the same here: the key says which form.
                    form: _Form = "light" if is_light_key else "aggressive"
                else:
                    form = "light" if light_word == c.light_key else "aggressive"
                found.append(
                    Hit(
                        term.id,
                        term.text,
                        term.category,
                        form,
                        start - offset,
                        stop - offset,
                        100.0,
                        term.weight,
                    )
                )

    def _other_hits(self, forms: Forms, view: str) -> Iterator[tuple[int, int, int, _Form, float]]:
        """Fuzzy, emoji and pattern hits: (term index, start, end, form, similarity),
        spans in the joined original."""
        light = forms.light
        agg = forms.aggressive
        if self._fuzzy_keys:
            for index, a_start, a_end, similarity in self._fuzzy_hits(view):
                yield index, *agg.span(a_start, a_end), "fuzzy", similarity
        for at, length, indexes in forms.extra:
            o_start, o_end = light.span(at, at + length)
            for index in cast(tuple[int, ...], indexes):
                yield index, o_start, o_end, "light", 100.0
        if self._patterns:
            yield from self._pattern_hits(light)

    def _pattern_hits(self, light: Form) -> Iterator[tuple[int, int, int, _Form, float]]:
        """Each pattern over each post on its own (`endpos` at the post's end), so no
        match can run across posts and backtracking is bounded by one post's length."""
        text = light.text
        for pattern in self._patterns:
            for begin, stop in self._pattern_ranges(text, pattern.literal):
                for found in pattern.regex.finditer(text, begin, stop):
                    start, end = found.span()
                    if pattern.boundary and not _boundary(text, start):
                        continue
                    yield pattern.index, *light.span(start, end), "pattern", 100.0

    def _pattern_ranges(self, text: str, literal: str) -> Iterator[tuple[int, int]]:
        """Where to search the light form for a pattern: (from, to) within one post and
        its first PATTERN_TEXT_LIMIT characters. With a literal every match starts with,
        only posts that have it, from its first occurrence on (what comes before stays
        visible to lookbehinds and \\b), and the post's bounds are found around it;
        without, every post."""
        gap = len(_SEPARATOR)
        if not literal:
            first = 0
            for end in accumulate(map(len, text.split("\x00")), lambda a, b: a + b + 1):
                yield first, min(end, first + PATTERN_TEXT_LIMIT)
                first = end + gap
            return
        at = text.find(literal)
        while at >= 0:
            before = text.rfind("\x00", 0, at)
            first = 0 if before < 0 else before + gap
            end = text.find("\x00", at)
            if end < 0:
                end = len(text)
            if at >= first:
                yield at, min(end, first + PATTERN_TEXT_LIMIT)
            # On to the next post that has it.
            at = text.find(literal, max(end, at) + 1)

    def _fuzzy_hits(self, view: str) -> Iterator[tuple[int, int, int, float]]:
        """(term index, start, end, similarity), spans in the aggressive form."""
        found: dict[str, tuple[tuple[int, float], ...]] = {}
        known = self._fuzzy_found
        # Bounded: a stream of new words must not grow the caches without end.
        if len(self._no_fuzzy) > 1_000_000:
            self._no_fuzzy.clear()
        if len(known) > 100_000:
            known.clear()
        low = MIN_FUZZY_LENGTH - 1
        high = self._max_fuzzy + 1
        for word in _words_of_at_least(view, low) - self._no_fuzzy:
            candidates = known.get(word)
            if candidates is None:
                if low <= len(word) <= high:
                    candidates = self._fuzzy_candidates(word)
                if not candidates:
                    self._no_fuzzy.add(word)
                    continue
                known[word] = candidates
            found[word] = candidates
        if not found:
            return
        if len(found) <= FIND_EACH:
            # A few words: a plain substring search each, which skips along the text.
            for word, candidates in found.items():
                needle = f" {word} "
                at = view.find(needle)
                while at >= 0:
                    for index, similarity in candidates:
                        yield index, at, at + len(word), similarity
                    at = view.find(needle, at + len(word) + 1)
            return
        # Many: one Aho-Corasick pass for all of them (a regex alternation cannot skip
        # ahead and costs several times more).
        automaton = ahocorasick.Automaton()
        for word, candidates in found.items():
            automaton.add_word(f" {word} ", (len(word), candidates))
        automaton.make_automaton()
        for end, (length, candidates) in automaton.iter(view):
            at = end - length - 1
            for index, similarity in candidates:
                yield index, at, at + length, similarity

    def _fuzzy_candidates(self, word: str) -> tuple[tuple[int, float], ...]:
        if word in self._exact_words or not word.isalpha():
            return ()
        indexes: set[int] = set()
        index = self._fuzzy_index
        for variant in _deletions(word):
            found = index.get(variant)
            if found:
                indexes.update(found)
        out: list[tuple[int, float]] = []
        for i in sorted(indexes):
            key = self._fuzzy_keys[i]
            if Levenshtein.distance(word, key, score_cutoff=1) == 1:
                out.append((i, round(fuzz.ratio(word, key), 1)))
        return tuple(out)


_IS_WORD_BYTE = bytes(0 if c == 32 else 1 for c in range(256))


def _words_of_at_least(view: str, shortest: int) -> set[str]:
    """The distinct words of `view` (letters and digits between spaces) that have at
    least `shortest` characters. Most words in chat are short; blanking them with a few
    operations on the whole text as one big integer (one byte a character) leaves far
    fewer words for `split` to make into strings."""
    if shortest < 2 or not view.isascii():
        return set(view.split())
    raw = view.encode("ascii")
    size = len(raw)
    word = int.from_bytes(raw.translate(_IS_WORD_BYTE), "little")
    # A byte of `starts` is 1 where a run of `shortest` word characters begins; `keep`
    # spreads each over its run.
    starts = word
    for k in range(1, shortest):
        starts &= word >> (8 * k)
    keep = starts
    for k in range(1, shortest):
        keep |= starts << (8 * k)
    keep &= (1 << (8 * size)) - 1
    full = keep * 0xFF
    spaces = int.from_bytes(b" " * size, "little")
    kept = (int.from_bytes(raw, "little") & full) | (spaces & ~full)
    return set(kept.to_bytes(size, "little").decode("ascii").split())


def _hit_order(hit: Hit) -> tuple[int, int, int]:
    return hit.start, hit.end, hit.term_id


def _boundary(text: str, at: int) -> bool:
    """Whether a word boundary (regex \\b) is at `at`."""
    before = at > 0 and _is_word(text[at - 1])
    after = at < len(text) and _is_word(text[at])
    return before != after


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _chunks(texts: Sequence[str]) -> Iterator[Sequence[str]]:
    start = 0
    size = 0
    for i, text in enumerate(texts):
        size += len(text) + 1
        if size >= BATCH_CHARS:
            yield texts[start : i + 1]
            start = i + 1
            size = 0
    if start < len(texts) or not texts:
        yield texts[start:]


STARTER_TERMS = "outreach/terms.toml"
WEAK_WEIGHT = 0.5
_SECTIONS: dict[str, tuple[Kind, float]] = {
    "exact": ("exact", 1.0),
    "weak": ("exact", WEAK_WEIGHT),
    "fuzzy": ("fuzzy", 1.0),
    "pattern": ("pattern", 1.0),
}


def starter_terms() -> list[Term]:
    """The shipped starter watchlist (`keerpunt/data/outreach/terms.toml`), numbered from
    1 in file order. Each entry is a string or a table `{ text = "...", weight = 0.5 }`;
    a category's `weak` list holds exact terms at WEAK_WEIGHT."""
    raw = resources.files("keerpunt.data").joinpath(STARTER_TERMS).read_text("utf-8")
    data = tomllib.loads(raw)
    terms: list[Term] = []
    for category, kinds in data.items():
        for section, (kind, default) in _SECTIONS.items():
            for entry in kinds.get(section, []):
                if isinstance(entry, str):
                    text, weight = entry, default
                else:
                    text, weight = entry["text"], float(entry.get("weight", default))
                cleaned = check_term(text, kind, category)
                terms.append(Term(len(terms) + 1, cleaned, kind, category, weight))
    return terms
