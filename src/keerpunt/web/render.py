"""Rendering pages: autoescaped Jinja2 with the gettext extension."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from keerpunt import __version__
from keerpunt.organisation import Locale
from keerpunt.web.i18n import translations


@cache
def environment(locale: Locale) -> Environment:
    env = Environment(
        loader=PackageLoader("keerpunt", "web/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["version"] = __version__
    return env


def page(template: str, locale: Locale, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = environment(locale).get_template(template).render(locale=locale, **values)
    return HTMLResponse(html, status_code=status_code)
