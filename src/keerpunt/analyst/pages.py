"""The analyst page: campaigns with their tracking links, the dashboard and reports.

The page itself is public (it shows its log-in form); everything it shows comes from the
campaign and report routes, which answer only analysts and admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from keerpunt.deps import CtxDep
from keerpunt.web.i18n import pick_locale
from keerpunt.web.render import page
from keerpunt.web.strings import translated
from keerpunt.web.strings.analyst import ANALYST
from keerpunt.web.strings.login import LOGIN

router = APIRouter(include_in_schema=False)


@router.get("/analyst", response_class=HTMLResponse)
async def analyst_page(
    ctx: CtxDep, lang: Annotated[str | None, Query(alias="lang", max_length=5)] = None
) -> HTMLResponse:
    locale = pick_locale(lang)
    return page(
        "analyst.html",
        locale,
        strings=translated({**LOGIN, **ANALYST}, locale),
        # The partner edition's threshold, so the page can say what "< k" means.
        config={"locale": locale, "threshold": ctx.settings.report_threshold},
    )
