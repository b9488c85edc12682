"""De-identification of chat text for the research export.

The maintained Dutch library `deduce` goes first: names, places, phone numbers, e-mail
addresses, dates, ages, URLs and ids become tags such as [PERSOON-1] and [LOCATIE-1].
A small pass on top takes what it does not know in chat: IBANs (checked with schwifty),
@handles, Snapchat/Telegram/Instagram names, links it left, and house numbers after a
street name.

Deduce builds its lookup structures on first use (about 100 s after an install, written
under its package folder; about 13 s a load later), so it is loaded lazily, once per
process, on the first export: never at import or at server start.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

if TYPE_CHECKING:
    from deduce import Deduce  # type: ignore[import-untyped]

_lock = threading.Lock()
_engine: Deduce | None = None

IBAN_TAG = "[IBAN]"
HANDLE_TAG = "[ACCOUNT]"
URL_TAG = "[URL]"
ADDRESS_TAG = "[ADRES]"

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b(?:t\.me|snapchat\.com|instagram\.com|tiktok\.com|wa\.me)/\S+"
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.]{1,31}")
# "snap: naam", "sc=naam", "insta: naam"; and "mijn snapchat is naam".
_PLATFORM = re.compile(
    r"(?i)\b(snap(?:chat)?|sc|telegram|tg|insta(?:gram)?|ig|tiktok|signal|discord)"
    r"(\s*[:=]\s*)(?!\[)([A-Za-z0-9_][A-Za-z0-9_.\-]{2,31})"
)
_PLATFORM_SAID = re.compile(
    r"(?i)\b(snapchat|telegram|instagram|insta|tiktok|discord)"
    r"(\s+(?:is|naam|name|account|id)\s+)(?!\[)([A-Za-z0-9_][A-Za-z0-9_.\-]{2,31})"
)
_MONTHS = (
    r"jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|juni?|juli?|aug(?:ustus)?"
    r"|sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Dates deduce leaves in chat: "15 maart", "3 okt", "12-3", "12/03/2025".
_DATE = re.compile(
    rf"(?i)\b\d{{1,2}}(?:e|ste|de)?\s+(?:{_MONTHS})\b(?:\s+\d{{4}})?"
    r"|\b\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?\b"
)
DATE_TAG = "[DATUM]"
# A street-like word followed by a house number ("Kerkstraat 12a", "Lange Laan 3-5").
_STREET = re.compile(
    r"(?i)\b([A-Za-zÀ-ÿ'\-]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|steeg|pad"
    r"|hof|park|plantsoen|markt|baan|veld|wal|haven|kanaal|oord|erf))"
    r"\s+(\d{1,5}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:\s?-\s?\d{1,5})?)\b"
)
# Deduce's street tag followed by a number it left.
_TAGGED_NUMBER = re.compile(r"(\[(?:LOCATIE|ADRES)[^\]]*\])\s+\d{1,5}[a-zA-Z]?\b")


def engine() -> Deduce:
    """The library, loaded once per process (slow the first time; see above)."""
    global _engine
    with _lock:
        if _engine is None:
            from deduce import Deduce

            _engine = Deduce()
        return _engine


def _ibans(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            IBAN(match[0].replace(" ", ""))
        except SchwiftyException:
            return match[0]
        return IBAN_TAG

    return _IBAN.sub(replace, text)


def extra_pass(text: str) -> str:
    """What deduce does not know in chat; run on its output."""
    text = _ibans(text)
    text = _URL.sub(URL_TAG, text)
    text = _HANDLE.sub(HANDLE_TAG, text)
    text = _PLATFORM.sub(lambda m: f"{m[1]}{m[2]}{HANDLE_TAG}", text)
    text = _PLATFORM_SAID.sub(lambda m: f"{m[1]}{m[2]}{HANDLE_TAG}", text)
    text = _STREET.sub(ADDRESS_TAG, text)
    text = _TAGGED_NUMBER.sub(lambda m: m[1], text)
    # After the streets: "Laan 3-5" is a house number, not a date.
    text = _DATE.sub(DATE_TAG, text)
    return text


def deidentify(text: str) -> str:
    if not text.strip():
        return text
    # IBANs first: deduce would read their digits as an id and keep the country letters.
    result = engine().deidentify(_ibans(text))
    return extra_pass(result.deidentified_text)


def deidentify_all(texts: Iterable[str]) -> list[str]:
    return [deidentify(text) for text in texts]
