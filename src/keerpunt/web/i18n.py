"""Dutch first, English second: gettext catalogues read with Babel.

Message ids are the English texts, so English needs no catalogue and a missing Dutch
translation shows English rather than a key. The catalogue is read from the `.po` file
at start (no compiled `.mo` in the repository to go stale); `make messages` extracts new
ids from the templates and from `strings.py` into it.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from keerpunt.organisation import LOCALES, Locale

DEFAULT_LOCALE: Locale = "nl"
DOMAIN = "messages"


def catalogue_path(locale: Locale) -> str:
    return str(resources.files("keerpunt") / "web" / "locales" / locale / "LC_MESSAGES")


@cache
def translations(locale: Locale) -> gettext.NullTranslations:
    if locale == "en":
        return gettext.NullTranslations()
    with open(f"{catalogue_path(locale)}/{DOMAIN}.po", "rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: a guess is not a translation
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_locale(requested: str | None) -> Locale:
    """The page language from `?lang=`: no cookie is set before a chat starts, so the
    choice travels in the address."""
    for locale in LOCALES:
        if requested == locale:
            return locale
    return DEFAULT_LOCALE
