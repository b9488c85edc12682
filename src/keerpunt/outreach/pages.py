"""The outreach page: the triage queue with highlights, sources, the watchlist and trends.

The page itself is public (it shows its log-in form); everything it shows comes from the
outreach routes, which answer only staff with the outreach role.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from keerpunt.web.i18n import pick_locale
from keerpunt.web.render import page
from keerpunt.web.strings import translated
from keerpunt.web.strings.login import LOGIN
from keerpunt.web.strings.outreach import OUTREACH

router = APIRouter(include_in_schema=False)


@router.get("/outreach", response_class=HTMLResponse)
async def outreach_page(
    lang: Annotated[str | None, Query(alias="lang", max_length=5)] = None,
) -> HTMLResponse:
    locale = pick_locale(lang)
    return page(
        "outreach.html",
        locale,
        strings=translated({**LOGIN, **OUTREACH}, locale),
        config={"locale": locale},
    )
