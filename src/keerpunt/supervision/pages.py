"""The supervisors' live view: the queue, every counselor and every running chat, with
observe, whisper, join and take over.

The page itself is public (it shows its log-in form); everything it shows comes from the
supervision and chat routes, which answer only supervisors.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from keerpunt.web.i18n import pick_locale
from keerpunt.web.render import page
from keerpunt.web.strings import translated
from keerpunt.web.strings.login import LOGIN
from keerpunt.web.strings.supervise import SUPERVISE

router = APIRouter(include_in_schema=False)


@router.get("/supervise", response_class=HTMLResponse)
async def supervise_page(
    lang: Annotated[str | None, Query(alias="lang", max_length=5)] = None,
) -> HTMLResponse:
    locale = pick_locale(lang)
    return page(
        "supervise.html",
        locale,
        strings=translated({**LOGIN, **SUPERVISE}, locale),
        config={"locale": locale},
    )
