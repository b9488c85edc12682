"""Over the wire: what an admin saves is what the chat page and a new chat go by, at once,
with no restart; a bad save is refused with its reason and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from keerpunt.config import Settings
from keerpunt.context import Context
from keerpunt.organisation import WEEKDAYS
from tests.live import LiveServer, StaffMember, http_client, make_staff


@pytest.fixture
def hours_server(settings: Settings) -> Iterator[LiveServer]:
    """A live server that keeps the opening hours, with the keys of `setup_ctx`."""
    live = LiveServer(settings.model_copy(update={"always_open": False}))
    live.start()
    yield live
    live.stop()


def every_day(start: str, end: str) -> dict[str, Any]:
    return {"week": {day: [{"start": start, "end": end}] for day in WEEKDAYS}}


async def test_the_chat_page_follows_what_the_admin_saves(
    hours_server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "ada", roles=["admin"])
    await make_staff(setup_ctx, "anna")
    async with http_client(hours_server.url) as http:
        ada = await StaffMember.login(http, "ada")
        anna = await StaffMember.login(http, "anna")

        closed = await ada.put("/api/v1/hours", json={"week": {}})
        assert closed.status_code == 200, closed.text
        assert closed.json()["source"] == "database"
        assert (await http.get("/api/v1/opening")).json()["state"] == "closed"
        assert "De chat is nu gesloten." in (await http.get("/")).text
        refused = await http.post("/api/v1/conversations", json={})
        assert (refused.status_code, refused.json()["code"]) == (409, "closed")

        # Open today until a little later, with a cut-off that covers now: closing soon.
        now = datetime.now(ZoneInfo("Europe/Amsterdam"))
        later = now + timedelta(hours=2)
        end = "24:00" if later.date() != now.date() else later.strftime("%H:%M")
        soon = {
            "week": {WEEKDAYS[now.weekday()]: [{"start": "00:00", "end": end}]},
            "closing_cutoff_minutes": 240,
        }
        assert (await ada.put("/api/v1/hours", json=soon)).status_code == 200
        assert (await http.get("/api/v1/opening")).json()["state"] == "closing_soon"
        page = (await http.get("/")).text
        assert "We sluiten bijna: er kan nu geen nieuwe chat beginnen." in page
        assert "112" in page  # the help lines, as when closed
        refused = await http.post("/api/v1/conversations", json={})
        assert (refused.status_code, refused.json()["code"]) == (409, "closing_soon")

        opened = await ada.put("/api/v1/hours", json=every_day("00:00", "24:00"))
        assert opened.status_code == 200
        assert (await http.get("/api/v1/opening")).json()["state"] == "open"
        assert "Start de chat" in (await http.get("/")).text
        assert (await http.post("/api/v1/conversations", json={})).status_code == 201

        # A counselor reads the hours (the console's remaining time) but cannot save them.
        assert (await anna.get("/api/v1/hours")).json()["week"] == opened.json()["week"]
        assert (await anna.put("/api/v1/hours", json={"week": {}})).status_code == 404


async def test_a_bad_save_says_why_and_changes_nothing(
    hours_server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "ada", roles=["admin"])
    async with http_client(hours_server.url) as http:
        ada = await StaffMember.login(http, "ada")
        assert (await ada.put("/api/v1/hours", json=every_day("12:00", "22:00"))).status_code == 200
        before = (await ada.get("/api/v1/hours")).json()

        bad_date = {
            **every_day("09:00", "17:00"),
            "closed_dates": [{"day": "2026-02-30", "label": "Geen dag"}],
        }
        answer = await ada.put("/api/v1/hours", json=bad_date)
        assert answer.status_code == 422
        overlap = {
            "week": {
                "monday": [{"start": "10:00", "end": "14:00"}, {"start": "13:00", "end": "15:00"}]
            }
        }
        answer = await ada.put("/api/v1/hours", json=overlap)
        assert answer.status_code == 422
        assert answer.json()["code"] == "span_overlap"
        assert "overlap" in answer.json()["detail"]
        answer = await ada.put(
            "/api/v1/hours", json={**every_day("09:00", "17:00"), "idle_close_minutes": 0}
        )
        assert answer.status_code == 422

        after = (await ada.get("/api/v1/hours")).json()
    assert {k: v for k, v in after.items() if k != "now"} == {
        k: v for k, v in before.items() if k != "now"
    }
