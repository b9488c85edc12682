"""Analysts have their own role: campaigns, the dashboard and reports, and no
conversation, registration, handover or queue. What they may not see answers 404."""

from __future__ import annotations

from keerpunt.context import Context
from tests.live import Chatter, Counselor, LiveServer, held_form, http_client, make_staff


async def test_an_analyst_sees_aggregates_and_no_conversation(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "ada", roles=["analyst"])
    async with http_client(server.url) as http:
        youth = await Chatter.start(http)
        anna = await Counselor.login(http, "anna")
        assert (await anna.accept(youth.conversation)).status_code == 200
        await youth.send("Kanarie-A1: niemand mag dit lezen")
        await anna.post(f"/api/v1/conversations/{youth.conversation}/end")
        path = f"/api/v1/conversations/{youth.conversation}/registration/complete"
        assert (await anna.post(path, json=held_form())).status_code == 200

        ada = await Counselor.login(http, "ada")
        conv = youth.conversation
        for route in (
            f"/api/v1/conversations/{conv}",
            f"/api/v1/conversations/{conv}/messages",
            f"/api/v1/conversations/{conv}/registration",
            f"/api/v1/conversations/{conv}/history",
            f"/api/v1/conversations/{conv}/duplicates",
            "/api/v1/queue",
            "/api/v1/handovers",
            "/api/v1/registrations/todo",
        ):
            answer = await ada.get(route)
            assert answer.status_code == 404, (route, answer.status_code)
            assert "Kanarie" not in answer.text
        assert (await ada.post(f"/api/v1/conversations/{conv}/accept")).status_code == 404

        board = await ada.get(
            "/api/v1/reports/dashboard",
            params={"starts_on": "2020-01-01", "ends_on": "2030-12-31"},
        )
        assert board.status_code == 422  # longer than a report may cover
        today = setup_ctx.today().isoformat()
        board = await ada.get(
            "/api/v1/reports/dashboard", params={"starts_on": today, "ends_on": today}
        )
        assert board.status_code == 200, board.text
        assert [f["n"] for f in board.json()["funnel"]["rows"]][1:] == [1, 1, 1]
        report = await ada.post(
            "/api/v1/reports", json={"starts_on": today, "ends_on": today, "format": "json"}
        )
        assert report.status_code == 200
        # Numbers only: no message, no conversation or chatter id anywhere in the report.
        assert "Kanarie" not in report.text
        assert conv not in report.text
        # A counselor gets no reports, and bad input is refused with a reason.
        assert (
            await anna.get(
                "/api/v1/reports/dashboard", params={"starts_on": today, "ends_on": today}
            )
        ).status_code == 404
        backwards = await ada.post(
            "/api/v1/reports", json={"starts_on": today, "ends_on": "2001-01-01"}
        )
        assert backwards.status_code == 422
        unknown = await ada.post("/api/v1/reports", json={"campaign_id": 99})
        assert unknown.status_code == 404
        region = await ada.post(
            "/api/v1/reports", json={"starts_on": today, "ends_on": today, "regions": ["mars"]}
        )
        assert region.status_code == 422
        assert region.json()["field"] == "regions"
