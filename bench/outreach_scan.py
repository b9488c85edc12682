"""Outreach scan throughput: a synthetic corpus of posts against a big watchlist, end to end
(normalise + exact + fuzzy + pattern matching + scoring), beside a single big regular
expression `\\b(t1|t2|...)\\b` with IGNORECASE (the usual approach) measured in the same run.

    python bench/outreach_scan.py                      # 1,000,000 posts, 10,000 terms
    python bench/outreach_scan.py --messages 50000 --terms 2000    # a quick run

The watchlist is the shipped starter list plus invented Dutch-looking words (a fifth of
them fuzzy) up to --terms. Most posts are chatter: ordinary Dutch words (none of them a
term), emoji, numbers, links and punctuation. ON_SUBJECT_SHARE of them (7%; Trimbos 2021
found about 8% of posts in Dutch Telegram drug groups about the subject) also carry one to
three watchlist terms and often a recruitment phrase, OBFUSCATED_SHARE of those written
obfuscated (look-alike letters, leetspeak, s.n.e.l, stretched letters, mathematical bold)
and some fuzzy terms with a typo. The measured share of posts with a hit is recorded as
`hit_share`. Posts are generated in chunks outside the timed part. The regular expression
runs on a sample of the same posts (it is far slower). Rates are per second of CPU time of
this one process (one core), so other work on a shared machine does not count against
them; wall time is recorded beside.

Redaction is not part of the figure: it runs before the scan in the ingest, and costs the
same whatever the watchlist.

The figures go to bench/results/outreach_scan.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from keerpunt.outreach.matching import Matcher, Term, starter_terms
from keerpunt.outreach.scoring import score

RESULTS = Path(__file__).resolve().parent / "results" / "outreach_scan.json"

# Ordinary Dutch chat: function words far more often than anything else (as in real
# text), content words, and the committed false-positive words that look like terms
# (snelweg, geldig, klusjesman, woningnood). Words that are themselves watchlist terms
# ("nu", "werk", "haven" are weak terms of the starter list) are taken out of the
# chatter by `chatter_words`, so an ordinary post holds no watch term by construction.
FUNCTION_WORDS = (  # noqa: SIM905
    "ik je jij hij zij we het de een en of maar dat die dit is was ben zijn heb heeft kan "
    "wil moet ga gaat niet wel ook nog al er op in aan met van voor naar bij om te tot uit "
    "als dan zo wat wie hoe waar echt gewoon heel haha jaa nee oke"
).split()
CONTENT_WORDS = (  # noqa: SIM905
    "school huiswerk les leraar klas toets cijfer vakantie weekend zaterdag zondag maandag "
    "vrienden vriend vriendin moeder vader broer zus oma opa familie buurman buren "
    "voetbal training wedstrijd sportschool fiets scooter bus trein station stad centrum "
    "eten drinken patat pizza snoep koffie thee water bier feest muziek film serie game "
    "telefoon oplader foto video bericht groepsapp insta tiktok youtube story post "
    "mooi leuk stom saai chill vet best eigenlijk misschien zeker komen doen zien zeggen "
    "vandaag morgen gisteren straks later vanavond vannacht nu snel langzaam vroeg laat "
    "werk bijbaan baas collega winkel supermarkt geld euro duur goedkoop korting sale "
    "huis kamer straat wijk buurt park plein haven brug water boot rotterdam amsterdam "
    "utrecht zuid noord oost west snelweg geldig klusjesman woningnood vuurwerk "
    "wedstrijden uitslag ajax feyenoord psv kampioen doelpunt scheids kantine tribune "
    "verjaardag cadeau taart kaarsjes jarig gefeliciteerd bruiloft vakantiefoto strand "
    "regen zon wind koud warm sneeuw weer paraplu jas schoenen broek trui winkelen "
    "netflix aflevering seizoen spoiler concert festival kaartjes uitverkocht rij wachten "
    "boodschappen brood kaas melk appel banaan koekjes chips frisdrank energiedrank "
    "examen rooster mentor stage diploma tentamen cijferlijst rapport ouderavond"
).split()
EMOJI = ["😂", "🔥", "💯", "😍", "🙏", "👀", "💪", "🎉", "⚽", "🇳🇱", "❤️", "👍🏽", "🥲", "😅"]
PUNCT = [".", ",", "!", "?", "!!", "...", ":", " -"]
LINKS = [
    "https://nos.nl/artikel/2512345-uitslagen-eredivisie",
    "https://youtu.be/dQw4w9WgXcQ",
    "https://www.instagram.com/p/C3xYz12AbC/",
    "https://vm.tiktok.com/ZGe7a1b2c/",
    "www.ad.nl/rotterdam",
    "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
]
RECRUITMENT = [
    "snel geld verdienen",
    "klusje in de haven",
    "uithalers gezocht",
    "dm voor info",
    "16+ welkom",
    "500 per dag",
    "bankpas lenen",
    "woning nodig",
    "cobra bij een deur",
    "vandaag nog",
]
# Share of posts about the subject (each carries watch terms, some obfuscated). Trimbos
# (2021) found about 8% of posts in Dutch Telegram drug groups to be about drugs; the
# rest is chatter.
ON_SUBJECT_SHARE = 0.07
# Of the terms in an on-subject post, the share written obfuscated.
OBFUSCATED_SHARE = 0.4
# Of the fuzzy terms in an on-subject post, the share written with one typo.
TYPO_SHARE = 0.3
CYRILLIC = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "s": "\u0455"})
LEET = str.maketrans({"e": "3", "a": "4", "o": "0", "i": "1"})


def obfuscate(rng: random.Random, phrase: str) -> str:
    way = rng.randrange(5)
    if way == 0:
        return phrase.translate(CYRILLIC)
    if way == 1:
        return phrase.translate(LEET)
    if way == 2:
        return " ".join(".".join(w) if len(w) > 2 else w for w in phrase.split())
    if way == 3:
        return " ".join(w + w[-1] * 3 for w in phrase.split())
    return "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" else c for c in phrase)


def typo(rng: random.Random, word: str) -> str:
    """One letter changed, dropped or added: Levenshtein distance 1."""
    at = rng.randrange(1, len(word))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    way = rng.randrange(3)
    if way == 0:
        return word[:at] + letter + word[at + 1 :]
    if way == 1:
        return word[:at] + word[at + 1 :]
    return word[:at] + letter + word[at:]


def invented_word(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mer", "sti", "vel", "dro", "ner", "pa", "ti", "gu", "zor", "bel"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def watchlist(n: int, rng: random.Random) -> list[Term]:
    terms = starter_terms()
    seen = {t.text for t in terms}
    while len(terms) < n:
        words = [invented_word(rng) for _ in range(1 if rng.random() < 0.8 else 2)]
        text = " ".join(words)
        if text in seen:
            continue
        seen.add(text)
        fuzzy = len(words) == 1 and len(text) >= 5 and rng.random() < 0.2
        category = rng.choice(["money", "job", "housing", "explosives", "ports", "urgency"])
        terms.append(Term(len(terms) + 1, text, "fuzzy" if fuzzy else "exact", category))
    return terms[:n]


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    weights: list[float]
    emoji: list[str]
    terms: list[Term]  # word terms an on-subject post draws from


def chatter_words(terms: list[Term]) -> Vocabulary:
    """The chatter vocabulary and emoji without any that is itself a term, and the terms
    to draw from."""
    listed = {t.text.lower() for t in terms if t.kind != "pattern"}
    words: list[str] = []
    weights: list[float] = []
    for group, weight in ((FUNCTION_WORDS, 12.0), (CONTENT_WORDS, 1.0)):
        for word in group:
            if word not in listed:
                words.append(word)
                weights.append(weight)
    drawable = [t for t in terms if t.kind != "pattern" and t.text[0].isalnum()]
    emoji = [e for e in EMOJI if e not in listed]
    return Vocabulary(words, weights, emoji, drawable)


def post(rng: random.Random, vocabulary: Vocabulary) -> str:
    parts = rng.choices(vocabulary.words, vocabulary.weights, k=rng.randint(6, 40))
    for i in range(len(parts)):
        r = rng.random()
        if r < 0.04:
            parts[i] = rng.choice(vocabulary.emoji)
        elif r < 0.06:
            parts[i] = str(rng.randint(1, 2000))
        elif r < 0.065:
            parts[i] = rng.choice(LINKS)
        if rng.random() < 0.08:
            parts[i] += rng.choice(PUNCT)
    if rng.random() < ON_SUBJECT_SHARE:
        found: list[str] = []
        if rng.random() < 0.5:
            found.append(rng.choice(RECRUITMENT))
        for term in rng.sample(vocabulary.terms, rng.randint(1, 3)):
            text = term.text
            if term.kind == "fuzzy" and rng.random() < TYPO_SHARE:
                text = typo(rng, text)
            found.append(text)
        for phrase in found:
            if rng.random() < OBFUSCATED_SHARE:
                phrase = obfuscate(rng, phrase)
            parts.insert(rng.randrange(len(parts) + 1), phrase)
    text = " ".join(parts)
    return text[0].upper() + text[1:]


def corpus_chunks(total: int, chunk: int, vocabulary: Vocabulary, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    out: list[list[str]] = []
    left = total
    while left > 0:
        n = min(chunk, left)
        out.append([post(rng, vocabulary) for _ in range(n)])
        left -= n
    return out


def utf8_mb(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=20_000, help="posts per scan_many call")
    parser.add_argument("--regex-sample", type=int, default=2_000, help="posts for the regex")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.messages < 1 or args.terms < 1 or args.chunk < 1:
        print("outreach bench: --messages, --terms and --chunk must be positive", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    rng = random.Random(args.seed)
    terms = watchlist(args.terms, rng)
    vocabulary = chatter_words(terms)

    started = time.perf_counter()
    matcher = Matcher(terms, version=1)
    build_s = time.perf_counter() - started

    # Posts are made chunk by chunk so a million of them never sit in memory at once.
    chunk_seed = args.seed
    scanned = 0
    mb = 0.0
    scan_s = 0.0
    wall_s = 0.0
    hits_total = 0
    alerts = 0
    posts_with_hits = 0
    sample: list[str] = []
    while scanned < args.messages:
        n = min(args.chunk, args.messages - scanned)
        (texts,) = corpus_chunks(n, n, vocabulary, chunk_seed)
        chunk_seed += 1
        if len(sample) < args.regex_sample:
            sample.extend(texts[: args.regex_sample - len(sample)])
        t0 = time.process_time()
        wall0 = time.perf_counter()
        results = matcher.scan_many(texts)
        for text, hits in zip(texts, results, strict=True):
            # A post without a hit cannot reach the threshold: the ingest drops it without
            # scoring, and so does the bench.
            if hits and score(hits, text).alert:
                alerts += 1
        scan_s += time.process_time() - t0
        wall_s += time.perf_counter() - wall0
        scanned += n
        mb += utf8_mb(texts)
        hits_total += sum(len(h) for h in results)
        posts_with_hits += sum(1 for h in results if h)
        print(f"  {scanned:>9,} posts  {mb / scan_s:6.1f} MB/s", file=sys.stderr, end="\r")
    print(file=sys.stderr)

    # The usual approach: one alternation of every exact and fuzzy term, as written.
    words = sorted({re.escape(t.text) for t in terms if t.kind != "pattern"}, key=len, reverse=True)
    big = re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)
    t0 = time.process_time()
    regex_hits = sum(1 for text in sample for _ in big.finditer(text))
    regex_s = time.process_time() - t0
    regex_mb = utf8_mb(sample)

    ours_mb_s = mb / scan_s
    regex_mb_s = regex_mb / regex_s
    result = {
        "benchmark": "outreach_scan",
        "timestamp_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        # CPU time still grows when other processes share the cores (caches, SMT): the
        # load says how busy the machine was.
        "cores": os.cpu_count(),
        "load_average_1min": {
            "before": round(load_before, 2),
            "after": round(os.getloadavg()[0], 2),
        },
        "goal": {"mb_per_s": 25.0, "times_regex": 50.0},
        "terms": len(terms),
        "fuzzy_terms": sum(1 for t in terms if t.kind == "fuzzy"),
        "pattern_terms": sum(1 for t in terms if t.kind == "pattern"),
        "matcher_build_s": round(build_s, 2),
        "engine": {
            "messages": scanned,
            "mb_utf8": round(mb, 1),
            "cpu_seconds": round(scan_s, 2),
            "wall_seconds": round(wall_s, 2),
            "messages_per_s": round(scanned / scan_s),
            "mb_per_s": round(ours_mb_s, 2),
            "hits": hits_total,
            "posts_with_hits": posts_with_hits,
            "hit_share": round(posts_with_hits / scanned, 4),
            "alerts": alerts,
        },
        "regex": {
            "messages": len(sample),
            "mb_utf8": round(regex_mb, 3),
            "cpu_seconds": round(regex_s, 2),
            "messages_per_s": round(len(sample) / regex_s),
            "mb_per_s": round(regex_mb_s, 3),
            "hits": regex_hits,
        },
        "times_regex": round(ours_mb_s / regex_mb_s, 1),
        "corpus": {
            "on_subject_share": ON_SUBJECT_SHARE,
            "obfuscated_share_of_terms": OBFUSCATED_SHARE,
            "typo_share_of_fuzzy_terms": TYPO_SHARE,
            "words_per_post": "6-40 plus the terms",
            "source": (
                "Trimbos (2021): about 8% of posts in Dutch Telegram drug groups are about "
                "the subject; the rest is chatter"
            ),
        },
        "note": (
            "Rates per CPU second of one process. End to end: normalise (light and "
            "aggressive), exact, fuzzy, emoji and pattern matching, and scoring of every "
            "post with a hit; redaction not included. Corpus: invented Dutch chatter "
            "(function and everyday words, emoji, numbers, links, the false-positive "
            "words) without any word that is itself a term; on_subject_share of the "
            "posts also carry 1-3 watchlist terms and half of those a recruitment phrase, "
            "some obfuscated or (fuzzy terms) with a typo. hit_share is measured: it is "
            "above on_subject_share where chatter words sit one typo from a fuzzy term or "
            "match a pattern. The invented terms have random categories, so 'alerts' "
            "says nothing about the scorer on real posts (see make eval for that)."
        ),
    }
    result["goal_met"] = (
        result["engine"]["mb_per_s"] >= 25.0 and result["times_regex"] >= 50.0  # type: ignore[index]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
