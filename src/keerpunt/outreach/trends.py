"""Rising terms and suggested new ones: pure functions over counts and texts.

A term is rising when its last day is far above its baseline: the mean of the 28 days
before it plus three standard deviations, and at least `RISING_MINIMUM` matches, so a
quiet term going from 0 to 1 is no alarm. Suggestions are words that keep appearing
beside known terms in matched posts; a person approves one before it is a term.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Iterable, Sequence

from keerpunt.outreach.normalise import light

BASELINE_DAYS = 28
RISING_SD = 3.0
RISING_MINIMUM = 5
# Words of at least this many letters are suggested; shorter ones are mostly noise.
MIN_WORD = 4
MAX_WORD = 40
# The redaction's placeholders, "[telefoon]", "[e-mail]"...
PLACEHOLDER = re.compile(r"\[[^\]\s]{1,20}\]")

# Ordinary Dutch (and some English) words that say nothing about recruitment.
_STOP_TEXT = """
    aan alle alleen als alsjeblieft altijd ander andere anders ben bent bij binnen daar
    daarom dan dat deze die dit doe doen door dus echt een eens eerst elke even geen
    gewoon had hadden heb hebben hebt heeft hem hen het hier hij hoe hun iedereen iemand
    iets jaar jaren jij jou jouw jullie kan kijk komen komt kun kunnen laat maar mag meer
    mee met mij mijn moet moeten morgen naar niet niets nog niks omdat onder ons onze ook
    over paar per snel van veel voor vanaf vind want waar wanneer wat weer wel welke werd
    wie wij wil willen word worden wordt zal zich zij zijn zit zo zoals zonder zou zullen
    about after also been from have here just like more only that their them then there
    they this very want what when which will with your
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def baseline(history: Sequence[int]) -> tuple[float, float]:
    """The mean and the population standard deviation of the days before the last."""
    if not history:
        return 0.0, 0.0
    return float(statistics.fmean(history)), float(statistics.pstdev(history))


def rising(series: Sequence[int]) -> tuple[bool, float]:
    """Whether the last day of `series` is far above the 28 days before it, and that
    baseline's mean."""
    if not series:
        return False, 0.0
    last = series[-1]
    mean, sd = baseline(series[:-1][-BASELINE_DAYS:])
    return last >= RISING_MINIMUM and last > mean + RISING_SD * sd, mean


def words(text: str) -> list[str]:
    """The words of a text in the matcher's light form (NFKC, case folded, accents
    removed); digits and punctuation split words."""
    flat = "".join(c if c.isalpha() else " " for c in light(text).text)
    return flat.split()


def term_words(terms: Iterable[str]) -> frozenset[str]:
    """The words of the terms on the list: never suggested again."""
    return frozenset(w for term in terms for w in words(term))


def candidates(text: str, taken: Collection[str]) -> set[str]:
    """Words of a matched post that could be suggested: not a stop word, not a word of a
    term already (`term_words`), not a bracketed placeholder of the redaction."""
    return {
        w
        for w in words(PLACEHOLDER.sub(" ", text))
        if MIN_WORD <= len(w) <= MAX_WORD and w not in STOP_WORDS and w not in taken
    }
