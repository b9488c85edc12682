"""Watchlist matching: exact and fuzzy terms and patterns over normalised posts.

A batch of posts is joined into one string and normalised once; an Aho-Corasick
automaton runs over it in a "word view" where every character that is not a letter or
digit reads as a space, and each word term is stored with a space on either side, so the
automaton itself enforces word boundaries ("snelweg" never yields "snel") and reports
nothing for the ordinary words around. Python only runs around hits: mapping a hit back
to the original characters, and deciding whether it was found in the light or only in the
aggressive form.

Fuzzy terms (one word, five or more characters) also match a word at Levenshtein
distance 1. Candidates come from a deletion index (every term with each one character
left out), checked with rapidfuzz; the answer is cached per distinct word, so a word seen
once costs a few dictionary lookups after that.

Patterns are Python regular expressions run over the light form of each post. A pattern
is refused when it could backtrack badly (a quantifier over a group that already
repeats, a back-reference) or match the empty string; Telegram caps a post at 4,096
characters, which bounds what is left.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import ahocorasick
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from keerpunt.core.errors import Invalid
from keerpunt.outreach.normalise import Form, both, squeeze_doubles

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
# Posts longer than Telegram allows are cut before patterns run, which bounds their time.
PATTERN_TEXT_LIMIT = 4096
# Characters per joined batch in `scan_many`: big enough that per-batch costs vanish,
# small enough to keep the batch's copies in a few megabytes.
BATCH_CHARS = 1_000_000


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

_NOT_WORD = re.compile(r"[^\w ]|_")


def _view(text: str) -> str:
    """Same length as `text`; every character that is not a letter or digit is a space."""
    return _NOT_WORD.sub(" ", text)


def _key(text: str) -> str:
    return " ".join(_view(text).split())


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
            compiled = re.compile(cleaned, re.IGNORECASE | re.MULTILINE)
        except re.error as e:
            raise Invalid(f"Dit patroon klopt niet: {e}.", field="text") from e
        if compiled.groups and compiled.groups > 20:
            raise Invalid("Een patroon mag hoogstens 20 groepen hebben.", field="text")
        probe = "snel geld @naam 16+ 06-12345678 [telefoon]\nklus vandaag dm"
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
    if not light.text.strip():
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


@dataclass
class _Batch:
    original_starts: list[int]
    light: Form
    aggressive: Form
    # The aggressive form's own steps, mapping its offsets onto the light form's.
    to_light: Form
    hits: list[list[Hit]] = field(default_factory=list)


class Matcher:
    def __init__(self, terms: Sequence[Term], version: int) -> None:
        self.version = version
        self._terms: list[_Compiled] = []
        self._words = ahocorasick.Automaton()
        self._symbols = ahocorasick.Automaton()
        self._patterns: list[tuple[int, re.Pattern[str]]] = []
        self._fuzzy_index: dict[str, set[int]] = {}
        self._fuzzy_keys: dict[int, str] = {}
        self._exact_words: set[str] = set()
        self._fuzzy_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._max_fuzzy = 0
        word_keys: dict[str, list[int]] = {}
        symbol_keys: dict[str, list[int]] = {}
        for term in terms:
            index = len(self._terms)
            if term.kind == "pattern":
                self._terms.append(_Compiled(term, ""))
                self._patterns.append((index, re.compile(term.text, re.IGNORECASE | re.MULTILINE)))
                continue
            light, agg = both(term.text)
            light_key = _key(light.text)
            self._terms.append(_Compiled(term, light_key))
            agg_key = _key(agg.text)
            if not agg_key:
                # Only emoji or symbols: matched as they are, without word boundaries.
                symbol = light.text.strip()
                symbol_keys.setdefault(symbol, []).append(index)
                continue
            for key in {light_key, agg_key, squeeze_doubles(agg_key)}:
                if key:
                    word_keys.setdefault(f" {key} ", []).append(index)
                    self._exact_words.add(key)
            if term.kind == "fuzzy" and " " not in agg_key and len(agg_key) >= MIN_FUZZY_LENGTH:
                self._fuzzy_keys[index] = agg_key
                self._max_fuzzy = max(self._max_fuzzy, len(agg_key))
                for variant in _deletions(agg_key):
                    self._fuzzy_index.setdefault(variant, set()).add(index)
        for key, indexes in word_keys.items():
            self._words.add_word(key, (len(key), tuple(indexes)))
        for key, indexes in symbol_keys.items():
            self._symbols.add_word(key, (len(key), tuple(indexes)))
        self._has_words = bool(word_keys)
        self._has_symbols = bool(symbol_keys)
        if self._has_words:
            self._words.make_automaton()
        if self._has_symbols:
            self._symbols.make_automaton()

    def scan(self, text: str) -> list[Hit]:
        return self.scan_many([text])[0]

    def scan_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        out: list[list[Hit]] = []
        for chunk in _chunks(texts):
            out.extend(self._scan_batch(chunk))
        return out

    # -- one batch --------------------------------------------------------------------

    def _scan_batch(self, texts: Sequence[str]) -> list[list[Hit]]:
        starts: list[int] = []
        position = 0
        for text in texts:
            starts.append(position)
            position += len(text) + 1
        # NUL between posts reads as a space in the word view and is in no pattern a
        # person writes, so no match runs from one post into the next.
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
        light, agg = both(joined)
        batch = _Batch(starts, light, agg, Form(agg.text, agg.steps[len(light.steps) :]), hits=[])
        batch.hits = [[] for _ in texts]
        seen: set[tuple[int, int, int, int]] = set()
        for hit_index, a_start, a_end, form, similarity in self._raw_hits(batch, agg):
            self._add(batch, seen, hit_index, a_start, a_end, form, similarity)
        for hits in batch.hits:
            hits.sort(key=lambda h: (h.start, h.end, h.term_id))
        return batch.hits

    def _add(
        self,
        batch: _Batch,
        seen: set[tuple[int, int, int, int]],
        index: int,
        start: int,
        end: int,
        form: Literal["light", "aggressive", "fuzzy", "pattern"],
        similarity: float,
    ) -> None:
        message = bisect_right(batch.original_starts, start) - 1
        if message < 0 or bisect_right(batch.original_starts, max(end - 1, start)) - 1 != message:
            return
        offset = batch.original_starts[message]
        key = (message, index, start, end)
        if key in seen:
            return
        seen.add(key)
        term = self._terms[index].term
        batch.hits[message].append(
            Hit(
                term_id=term.id,
                term=term.text,
                category=term.category,
                form=form,
                start=start - offset,
                end=end - offset,
                similarity=similarity,
                weight=term.weight,
            )
        )

    def _raw_hits(
        self, batch: _Batch, agg: Form
    ) -> Iterator[tuple[int, int, int, Literal["light", "aggressive", "fuzzy", "pattern"], float]]:
        """(term index, start, end, form, similarity), spans in the joined original."""
        agg_text = batch.aggressive.text
        view = f" {_view(agg_text)} "
        light_text = batch.light.text
        if self._has_words:
            for end, (length, indexes) in self._words.iter(view):
                # Key " word " ends at `end` in the padded view: the word itself is
                # [end - length + 2, end) there, one less in the aggressive form.
                a_start = end - length + 1
                a_end = end - 1
                l_start, l_end = batch.to_light.span(a_start, a_end)
                light_word = _key(light_text[l_start:l_end])
                for index in indexes:
                    form: Literal["light", "aggressive"] = (
                        "light" if light_word == self._terms[index].light_key else "aggressive"
                    )
                    yield index, *agg.span(a_start, a_end), form, 100.0
        if self._fuzzy_keys:
            for index, a_start, a_end, similarity in self._fuzzy_hits(view):
                yield index, *agg.span(a_start, a_end), "fuzzy", similarity
        if self._has_symbols:
            for end, (length, indexes) in self._symbols.iter(light_text):
                o_start, o_end = batch.light.span(end - length + 1, end + 1)
                for index in indexes:
                    yield index, o_start, o_end, "light", 100.0
        for index, pattern in self._patterns:
            for match in pattern.finditer(light_text):
                if match.end() - match.start() > PATTERN_TEXT_LIMIT:
                    continue
                o_start, o_end = batch.light.span(match.start(), match.end())
                yield index, o_start, o_end, "pattern", 100.0

    def _fuzzy_hits(self, view: str) -> Iterator[tuple[int, int, int, float]]:
        """(term index, start, end, similarity), spans in the aggressive form."""
        found: dict[str, tuple[tuple[int, float], ...]] = {}
        cache = self._fuzzy_cache
        low = MIN_FUZZY_LENGTH - 1
        high = self._max_fuzzy + 1
        for word in set(view.split()):
            if not low <= len(word) <= high:
                continue
            candidates = cache.get(word)
            if candidates is None:
                candidates = self._fuzzy_candidates(word)
                if len(cache) > 500_000:
                    cache.clear()
                cache[word] = candidates
            if candidates:
                found[word] = candidates
        if not found:
            return
        alternation = "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True))
        for match in re.finditer(f"(?<= )(?:{alternation})(?= )", view):
            for index, similarity in found[match.group()]:
                yield index, match.start() - 1, match.end() - 1, similarity

    def _fuzzy_candidates(self, word: str) -> tuple[tuple[int, float], ...]:
        if word in self._exact_words or not word.isalpha():
            return ()
        indexes: set[int] = set()
        for variant in _deletions(word):
            indexes.update(self._fuzzy_index.get(variant, ()))
        out: list[tuple[int, float]] = []
        for index in sorted(indexes):
            key = self._fuzzy_keys[index]
            if Levenshtein.distance(word, key, score_cutoff=1) == 1:
                out.append((index, round(fuzz.ratio(word, key), 1)))
        return tuple(out)


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
