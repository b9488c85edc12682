"""The chat page for chatters and the counselor console: server-rendered HTML."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from babel.dates import format_date, format_time
from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from keerpunt.campaigns import actions as campaigns
from keerpunt.chat.hours import opening_now
from keerpunt.context import Context
from keerpunt.deps import CtxDep, Visitor
from keerpunt.organisation import Locale, Organisation
from keerpunt.web.i18n import pick_locale, translations
from keerpunt.web.render import page
from keerpunt.web.strings import translated
from keerpunt.web.strings.case import CASE
from keerpunt.web.strings.chat import CHAT
from keerpunt.web.strings.console import CONSOLE
from keerpunt.web.strings.login import LOGIN
from keerpunt.web.strings.roles import CONTACT_ROLES

router = APIRouter(include_in_schema=False)

Lang = Annotated[str | None, Query(alias="lang", max_length=5)]


def opens_text(org: Organisation, opens_at: datetime, now: datetime, locale: Locale) -> str:
    """ "today at 14:00", "tomorrow at 14:00" or "on Monday 28 December at 14:00"."""
    _ = translations(locale).gettext
    local, today = opens_at.astimezone(org.zone), now.astimezone(org.zone).date()
    clock = format_time(local, "HH:mm", locale=locale)
    days = (local.date() - today).days
    if days == 0:
        return _("The chat opens today at {time}.").format(time=clock)
    if days == 1:
        return _("The chat opens tomorrow at {time}.").format(time=clock)
    day = format_date(local, "EEEE d MMMM", locale=locale)
    return _("The chat opens on {day} at {time}.").format(day=day, time=clock)


@router.get("/", response_class=HTMLResponse)
@router.get("/chat", response_class=HTMLResponse)
async def chat_page(ctx: CtxDep, visitor: Visitor, lang: Lang = None) -> HTMLResponse:
    await campaigns.count(ctx, campaigns.VISIT, None, visitor)
    return await render_chat(ctx, pick_locale(lang), None)


@router.get("/c/{code}", response_class=HTMLResponse)
async def tracking_link(
    code: Annotated[str, Path(max_length=64)], ctx: CtxDep, visitor: Visitor, lang: Lang = None
) -> HTMLResponse:
    """A campaign's tracking link: the chat page itself, so one tap is all it takes. The
    page keeps the code for this tab only and takes it out of the address at once. An
    unknown code still opens the chat, as an organic visit."""
    channel = await campaigns.channel_for(ctx, code)
    await campaigns.count(ctx, campaigns.VISIT, channel, visitor)
    return await render_chat(ctx, pick_locale(lang), code if channel else None)


async def render_chat(ctx: Context, locale: Locale, campaign: str | None) -> HTMLResponse:
    org, state = ctx.organisation, await opening_now(ctx)
    opens = closes = None
    # Closed: the next opening; closing soon (no new chats): the opening after this one.
    next_open = state.opens_at or state.next_opens_at
    if next_open is not None:
        opens = opens_text(org, next_open, ctx.clock.now(), locale)
    if state.closes_at is not None:
        closes = format_time(state.closes_at.astimezone(org.zone), "HH:mm", locale=locale)
    return page(
        "chat.html",
        locale,
        is_open=state.takes_new_chats,
        closing_soon=state.closing_soon,
        opens=opens,
        closes=closes,
        org=org,
        strings=translated(CHAT, locale),
        config={
            "quickExitUrl": org.quick_exit_url,
            "maxChars": ctx.settings.max_message_chars,
            "locale": locale,
            "campaign": campaign,
            "retentionDays": ctx.settings.retention_days,
        },
    )


@router.get("/console", response_class=HTMLResponse)
async def console_page(ctx: CtxDep, lang: Lang = None) -> HTMLResponse:
    locale = pick_locale(lang)
    return page(
        "console.html",
        locale,
        strings=translated({**LOGIN, **CONSOLE, **CASE, **CONTACT_ROLES}, locale),
        config={
            "maxChars": ctx.settings.max_message_chars,
            "locale": locale,
            "retentionDays": ctx.settings.retention_days,
        },
    )
