"""Personal data out of a post before anything is stored: phone numbers, e-mail
addresses, IBANs and bank card numbers, and the text of Telegram's own `phone`, `email`
and `bank_card` entities.

Each is replaced by a placeholder, so the stored text still says that a number was
there, which is itself a contact signal the scorer reads:

    [telefoon]   a phone number (Dutch, or international with its + prefix)
    [e-mail]     an e-mail address
    [iban]       an IBAN whose check digits are right
    [bankpas]    a bank card number (13 to 19 digits passing the Luhn check)

The rest of the text stays exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

PLACEHOLDERS: dict[str, str] = {
    "phone": "[telefoon]",
    "email": "[e-mail]",
    "iban": "[iban]",
    "card": "[bankpas]",
}
# Telegram entity types whose text is redacted, and what each counts as.
ENTITY_KINDS: dict[str, str] = {
    "phone": "phone",
    "phone_number": "phone",
    "email": "email",
    "bank_card": "card",
    "bank_card_number": "card",
}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])", re.IGNORECASE)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: dict[str, int]


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _valid_iban(candidate: str) -> bool:
    try:
        IBAN(candidate)
    except (SchwiftyException, ValueError):
        return False
    return True


def _iban_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        # The pattern is greedy; a trailing word ("NL91ABNA0417164300 snel") may have been
        # taken in: try shorter endings at a space until one validates.
        end = len(candidate)
        while end >= 15:
            if _valid_iban(candidate[:end]):
                spans.append((match.start(), match.start() + end))
                break
            space = candidate.rfind(" ", 0, end)
            if space < 0:
                break
            end = space
    return spans


def _card_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            spans.append(match.span())
    return spans


def _phone_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "NL")]


def _replace(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + placeholder + text[end:]
    return text


def redact(text: str, entities: Sequence[tuple[str, str]] = ()) -> Redacted:
    counts = dict.fromkeys(PLACEHOLDERS, 0)
    # Telegram's own entities first: Telegram already decided these are numbers or
    # addresses, whatever they look like.
    for kind, value in entities:
        what = ENTITY_KINDS.get(kind.lower())
        value = value.strip()
        if what is None or not value or value not in text:
            continue
        counts[what] += text.count(value)
        text = text.replace(value, PLACEHOLDERS[what])
    # E-mail before phone (digits in an address), IBAN and card before phone (their digit
    # runs can pass as phone numbers).
    for what, find in (
        ("email", lambda t: [m.span() for m in _EMAIL.finditer(t)]),
        ("iban", _iban_spans),
        ("card", _card_spans),
        ("phone", _phone_spans),
    ):
        spans = find(text)
        if spans:
            counts[what] += len(spans)
            text = _replace(text, spans, PLACEHOLDERS[what])
    return Redacted(text=text, counts=counts)
