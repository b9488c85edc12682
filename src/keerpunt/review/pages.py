"""The review page: the sample to review, a counselor's own reviews, and the quality
figures over time.

The page itself is public (it shows its log-in form); everything it shows comes from the
review routes, which answer supervisors, and counselors for their own done reviews.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from keerpunt.review.method import method
from keerpunt.web.i18n import pick_locale
from keerpunt.web.render import page
from keerpunt.web.strings import translated
from keerpunt.web.strings.login import LOGIN
from keerpunt.web.strings.review import REVIEW

router = APIRouter(include_in_schema=False)


@router.get("/review", response_class=HTMLResponse)
async def review_page(
    lang: Annotated[str | None, Query(alias="lang", max_length=5)] = None,
) -> HTMLResponse:
    locale = pick_locale(lang)
    return page(
        "review.html",
        locale,
        strings=translated({**LOGIN, **REVIEW}, locale),
        # The method's items, so a counselor's reviews show them by name.
        config={
            "locale": locale,
            "method": [{"code": i.code, "label": i.label.model_dump()} for i in method().item],
        },
    )
