"""The handover summary as a PDF for the contact person: only what the chatter agreed to
share, in the organisation's language (Dutch) or English.

WeasyPrint turns a small autoescaped HTML page into the PDF; it needs the Pango library
of the operating system, so it is imported only when a PDF is made.
"""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from keerpunt.core.errors import DomainError
from keerpunt.handover.models import ContactPerson, Handover
from keerpunt.organisation import Locale, Organisation
from keerpunt.registration.models import Registration
from keerpunt.registration.taxonomy import Taxonomy
from keerpunt.web.i18n import translations
from keerpunt.web.strings.roles import CONTACT_ROLES

ROLE_TEXT = {
    "zorgcoordinator": {
        "nl": "Zorgcoördinator mensenhandel",
        "en": "Care coordinator, trafficking",
    },
    "avim": {"nl": "AVIM (politie)", "en": "AVIM (police trafficking unit)"},
    "municipality": {"nl": "Gemeente", "en": "Municipality"},
    "youth_care": {"nl": "Jeugdzorg", "en": "Youth care"},
    "other": {"nl": "Anders", "en": "Other"},
}
SHARED_LISTS = ("visitor", "age_band", "crime_forms", "signals", "help_questions", "safety")


class PdfUnavailable(DomainError):
    status = 503
    code = "pdf_unavailable"


_env = Environment(
    loader=PackageLoader("keerpunt", "web/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def role_text(role: str, locale: Locale) -> str:
    """The contact person's role in the words the console and the admin page use."""
    text = CONTACT_ROLES.get(f"role_{role}", CONTACT_ROLES["role_other"])
    return translations(locale).gettext(text)


def summary_html(
    handover: Handover,
    contact: ContactPerson,
    summary: str | None,
    registration: Registration | None,
    taxonomy: Taxonomy | None,
    region: str,
    now: datetime,
    org: Organisation,
    locale: Locale,
) -> str:
    """The page behind the PDF. Each registration field appears only when the chatter
    agreed to share it; the summary only when they agreed to that."""
    shared: list[tuple[str, list[str]]] = []
    if registration is not None and taxonomy is not None:
        for name in SHARED_LISTS:
            if name not in handover.share:
                continue
            value = getattr(registration, name)
            codes = value if isinstance(value, list) else [value] if value else []
            labels = [label(locale) for c in codes if (label := taxonomy.label(name, c))]
            if labels:
                shared.append((name, labels))
    local = now.astimezone(org.zone)
    return _env.get_template("handover.html").render(
        locale=locale,
        handover=handover,
        contact=contact,
        role=role_text(contact.role, locale),
        region=region,
        summary=summary if "summary" in handover.share else None,
        shared=shared,
        made_at=local.strftime("%d-%m-%Y %H:%M"),
        consent_at=handover.consent_at.astimezone(org.zone).strftime("%d-%m-%Y %H:%M"),
    )


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise PdfUnavailable(
            "this server cannot make PDFs: install the Pango library (libpango-1.0-0)"
        ) from exc
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)
