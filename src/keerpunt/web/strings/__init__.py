"""Texts the page scripts show, marked for extraction and translated on the server.

Scripts hold no text of their own: each page gets its strings as a JSON block (data, not
script, so the CSP is unaffected) and `strings.js` reads them. `{name}` marks a value the
script fills in.
"""

from __future__ import annotations

from collections.abc import Mapping

from keerpunt.organisation import Locale
from keerpunt.web.i18n import translations


def N_(message: str) -> str:
    return message


def translated(strings: Mapping[str, str], locale: Locale) -> dict[str, str]:
    gettext = translations(locale).gettext
    return {key: gettext(text) for key, text in strings.items()}
