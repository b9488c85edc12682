"""Redaction: phone numbers, e-mail addresses, IBANs and bank card numbers leave a post
before it is stored, and the rest of the text stays exactly as it was."""

from __future__ import annotations

import pytest

from keerpunt.outreach.redact import PLACEHOLDERS, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bel 06-12345678 nu", "bel [telefoon] nu"),
        ("bel 0612345678.", "bel [telefoon]."),
        ("app +31 6 12345678 😀", "app [telefoon] 😀"),
        ("tel: 0031612345678", "tel: [telefoon]"),
        ("vast 010-1234567", "vast [telefoon]"),
        ("BE +32 470 12 34 56", "BE [telefoon]"),
        ("UK +44 7911 123456", "UK [telefoon]"),
        ("DE +49 1512 3456789", "DE [telefoon]"),
    ],
)
def test_phone_numbers_dutch_and_international(text: str, expected: str) -> None:
    redacted = redact(text)
    assert redacted.text == expected
    assert redacted.counts["phone"] == 1


def test_email_addresses() -> None:
    redacted = redact("mail jan.de.vries+klus@example.nl! of info@voorbeeld.co.uk")
    assert redacted.text == "mail [e-mail]! of [e-mail]"
    assert redacted.counts["email"] == 2


@pytest.mark.parametrize(
    "iban",
    ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "nl91abna0417164300", "BE68539007547034"],
)
def test_ibans_with_valid_check_digits(iban: str) -> None:
    redacted = redact(f"stort op {iban} vandaag")
    assert redacted.text == "stort op [iban] vandaag"
    assert redacted.counts["iban"] == 1


def test_an_iban_with_wrong_check_digits_stays() -> None:
    assert redact("NL91ABNA0417164301").text == "NL91ABNA0417164301"


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004"])
def test_bank_card_numbers_passing_luhn(card: str) -> None:
    redacted = redact(f"pas {card} + pincode")
    assert redacted.text == "pas [bankpas] + pincode"
    assert redacted.counts["card"] == 1


def test_a_digit_run_failing_luhn_is_no_card() -> None:
    assert redact("pas 4111111111111112").counts["card"] == 0


def test_telegram_entities_are_redacted_whatever_they_look_like() -> None:
    text = "bel 06 1234 5678 of 0800-KLUS, kaart 5500 0000 0000 0004, mail mij"
    redacted = redact(
        text,
        [
            ("phone", "0800-KLUS"),
            ("bank_card", "5500 0000 0000 0004"),
            ("email", "niet@in.de.tekst"),
            ("bold", "mail mij"),
        ],
    )
    assert redacted.text == "bel [telefoon] of [telefoon], kaart [bankpas], mail mij"
    assert redacted.counts == {"phone": 2, "email": 0, "iban": 0, "card": 1}


@pytest.mark.parametrize(
    "text",
    [
        "16+ 500 euro per dag, 12-05-2024 om 20:00 uur",
        "postcode 3011 AB, huisnummer 12",
        "ik heb 5000 euro en 1.000.000 volgers",
        "ruil je 06 voor 5 euro?",
        "code 1234567890123",
        "snel geld 💸 dm @klusbaas",
        "",
    ],
)
def test_text_without_personal_data_stays_exactly(text: str) -> None:
    redacted = redact(text)
    assert redacted.text == text
    assert redacted.counts == dict.fromkeys(PLACEHOLDERS, 0)


def test_placeholders_are_documented_and_distinct() -> None:
    assert set(PLACEHOLDERS) == {"phone", "email", "iban", "card"}
    assert len(set(PLACEHOLDERS.values())) == 4
    text = redact("06-12345678 a@b.nl NL91ABNA0417164300 4111111111111111").text
    assert text == " ".join(PLACEHOLDERS[k] for k in ("phone", "email", "iban", "card"))
