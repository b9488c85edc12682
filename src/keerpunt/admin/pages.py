"""The admin page: the taxonomy, regions with their contact persons, canned replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from keerpunt.deps import CtxDep
from keerpunt.web.i18n import pick_locale
from keerpunt.web.render import page
from keerpunt.web.strings import translated
from keerpunt.web.strings.admin import ADMIN
from keerpunt.web.strings.login import LOGIN
from keerpunt.web.strings.roles import CONTACT_ROLES

router = APIRouter(include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(
    ctx: CtxDep, lang: Annotated[str | None, Query(alias="lang", max_length=5)] = None
) -> HTMLResponse:
    locale = pick_locale(lang)
    return page(
        "admin.html",
        locale,
        strings=translated({**LOGIN, **ADMIN, **CONTACT_ROLES}, locale),
        config={"locale": locale},
    )
