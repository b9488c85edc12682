"""Opening hours kept in the admin pages: open, closing soon (the cut-off) and closed, with
exceptions, holidays and a night past midnight; a bad schedule is refused whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from keerpunt.accounts.principals import ChatterPrincipal, StaffPrincipal
from keerpunt.bootstrap import ensure_defaults
from keerpunt.chat import actions as chat
from keerpunt.chat.hours import opening_now
from keerpunt.context import Context, build_context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Conflict, Invalid, NotFound
from keerpunt.hours import actions as hours
from keerpunt.hours.schemas import HoursWrite
from keerpunt.hours.views import hours_read
from tests.conftest import RecordingBus, make_settings
from tests.live import make_staff, staff_session

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WORKDAY = [{"start": "12:00", "end": "22:00"}]


def local(text: str) -> datetime:
    """A moment on the organisation's wall clock (Amsterdam), as the clock holds it."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM).astimezone(UTC)


def schedule(**changes: Any) -> HoursWrite:
    """Weekdays 12-22; Friday on until 02:00 Saturday night; Saturday also 14-22; Sunday
    closed; Christmas closed; Christmas Eve 12-17."""
    values: dict[str, Any] = {
        "week": {
            "monday": WORKDAY,
            "tuesday": WORKDAY,
            "wednesday": WORKDAY,
            "thursday": WORKDAY,
            "friday": [{"start": "12:00", "end": "24:00"}],
            "saturday": [{"start": "00:00", "end": "02:00"}, {"start": "14:00", "end": "22:00"}],
        },
        "closed_dates": [{"day": "2026-12-25", "label": "Eerste kerstdag"}],
        "exceptions": [
            {
                "day": "2026-12-24",
                "label": "Kerstavond",
                "spans": [{"start": "12:00", "end": "17:00"}],
            }
        ],
        "closing_cutoff_minutes": 10,
    }
    values.update(changes)
    return HoursWrite.model_validate(values)


@pytest.fixture
async def hctx(db_url: str, clock: FrozenClock) -> AsyncIterator[Context]:
    """A context that keeps the opening hours (the suite's default is always open)."""
    context = build_context(
        make_settings(db_url, always_open=False), clock=clock, bus=RecordingBus()
    )
    await ensure_defaults(context)
    yield context
    await context.close()


async def _admin(ctx: Context) -> StaffPrincipal:
    await make_staff(ctx, "ada", roles=["admin"])
    return await staff_session(ctx, "ada")


async def test_closed_open_and_closing_soon_follow_the_saved_schedule(
    hctx: Context, clock: FrozenClock
) -> None:
    await hours.save(hctx, await _admin(hctx), schedule())

    # Christmas Eve (a Thursday) has its own hours: open until 17:00, not 22:00.
    clock.set(local("2026-12-24T15:00"))
    state = await opening_now(hctx)
    assert (state.state, state.closes_at) == ("open", local("2026-12-24T17:00"))
    # In the last ten minutes no new chat starts, and the page knows the next opening:
    # Christmas is closed, so Saturday 00:00 (Friday's night hours go past midnight).
    clock.set(local("2026-12-24T16:50"))
    state = await opening_now(hctx)
    assert state.state == "closing_soon"
    assert state.next_opens_at == local("2026-12-26T00:00")
    with pytest.raises(Conflict) as refused:
        await chat.start_conversation(hctx, None)
    assert refused.value.code == "closing_soon"
    # Christmas itself is closed all day.
    clock.set(local("2026-12-25T13:00"))
    state = await opening_now(hctx)
    assert (state.state, state.opens_at) == ("closed", local("2026-12-26T00:00"))
    with pytest.raises(Conflict) as refused:
        await chat.start_conversation(hctx, None)
    assert refused.value.code == "closed"


async def test_a_night_past_midnight_closes_once_and_running_chats_go_on(
    hctx: Context, clock: FrozenClock
) -> None:
    await hours.save(hctx, await _admin(hctx), schedule())
    await make_staff(hctx, "anna")
    anna = await staff_session(hctx, "anna")

    # Friday 23:30: open until Saturday 02:00, one night, not "until midnight".
    clock.set(local("2026-12-18T23:30"))
    state = await opening_now(hctx)
    assert (state.state, state.closes_at) == ("open", local("2026-12-19T02:00"))
    started = await chat.start_conversation(hctx, None)
    await chat.accept(hctx, anna, started.conversation.id)

    clock.set(local("2026-12-19T01:55"))
    state = await opening_now(hctx)
    assert state.state == "closing_soon"
    assert state.next_opens_at == local("2026-12-19T14:00")
    with pytest.raises(Conflict):
        await chat.start_conversation(hctx, None)
    # The chat that was running goes on, past closing time too.
    chatter = ChatterPrincipal(started.conversation.chatter_id)
    sent = await chat.send_message(
        hctx, chatter, started.conversation.id, "6f1c3a52-8a8b-4b59-9d4e-0c2b1f0a1d11", "nog even"
    )
    assert sent.created
    clock.set(local("2026-12-19T02:30"))
    assert (await opening_now(hctx)).state == "closed"
    await chat.send_message(
        hctx, anna, started.conversation.id, "0b8a5e36-5f83-4c4a-8c38-0f8e8b6d2b22", "ik ben er"
    )


async def test_until_the_first_save_the_organisation_file_applies(
    hctx: Context, clock: FrozenClock
) -> None:
    # The shipped file: Saturday 14:00-22:00, Christmas closed.
    clock.set(local("2026-12-19T15:00"))
    read = await hours_read(hctx)
    assert read.source == "organisation"
    assert [(s.start, s.end) for s in read.week.saturday] == [("14:00", "22:00")]
    assert read.now.state == "open"
    clock.set(local("2026-12-25T15:00"))
    assert (await opening_now(hctx)).state == "closed"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"week": {"monday": [{"start": "14:00", "end": "13:00"}]}}, "span_order", "week.monday"),
        (
            {
                "week": {
                    "monday": [
                        {"start": "12:00", "end": "18:00"},
                        {"start": "17:00", "end": "22:00"},
                    ]
                }
            },
            "span_overlap",
            "week.monday",
        ),
        (
            {
                "exceptions": [
                    {
                        "day": "2026-12-25",
                        "label": "x",
                        "spans": [{"start": "12:00", "end": "13:00"}],
                    }
                ]
            },
            "duplicate_date",
            "exceptions",
        ),
        (
            {
                "exceptions": [
                    {
                        "day": "2026-12-31",
                        "label": "Oudjaar",
                        "spans": [{"start": "18:00", "end": "18:00"}],
                    }
                ]
            },
            "span_order",
            "exceptions.2026-12-31",
        ),
    ],
)
async def test_a_bad_schedule_is_refused_whole_and_changes_nothing(
    hctx: Context, change: dict[str, Any], code: str, field: str
) -> None:
    admin = await _admin(hctx)
    await hours.save(hctx, admin, schedule())
    before = await hours_read(hctx)

    with pytest.raises(Invalid) as refused:
        await hours.save(hctx, admin, schedule(**change))
    assert (refused.value.code, refused.value.field) == (code, field)
    assert await hours_read(hctx) == before


async def test_only_an_admin_saves_the_hours(hctx: Context) -> None:
    await make_staff(hctx, "anna")
    anna = await staff_session(hctx, "anna")
    with pytest.raises(NotFound):
        await hours.save(hctx, anna, schedule())
    assert (await hours_read(hctx)).source == "organisation"
