"""Dutch first: every text on the pages has a Dutch translation with the same placeholders."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import keerpunt
from keerpunt.web.i18n import pick_locale, translations

SOURCE = Path(keerpunt.__file__).parent
PO = SOURCE / "web" / "locales" / "nl" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def extracted() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(
        str(SOURCE),
        method_map=method_map,
        options_map=options,
        keywords={"_": None, "N_": None, "gettext": None},
    )
    return {message for _file, _line, message, _comments, _context in found if message}


def test_every_text_has_a_dutch_translation_with_the_same_placeholders() -> None:
    with PO.open("rb") as po:
        catalog = read_po(po, locale="nl")
    texts = extracted()
    assert len(texts) > 50  # the extraction itself works
    missing, fuzzy, broken = [], [], []
    for text in sorted(texts):
        entry = catalog.get(text)
        if entry is None or not entry.string:
            missing.append(text)
        elif entry.fuzzy:
            fuzzy.append(text)
        elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(str(entry.string))):
            broken.append(text)
    assert missing == [], "add these to messages.po (make messages)"
    assert fuzzy == []
    assert broken == [], "the Dutch text must keep the placeholders"


def test_the_page_language_comes_from_the_address_and_defaults_to_dutch() -> None:
    assert pick_locale(None) == "nl"
    assert pick_locale("en") == "en"
    assert pick_locale("fr") == "nl"
    assert translations("nl").gettext("Quick exit") == "Snel weg"
    assert translations("en").gettext("Quick exit") == "Quick exit"
    assert resources.files("keerpunt").joinpath("web/static/js/chat.js").is_file()
