"""Attribution without tracking people: a tracking link counts a visit for its channel and
opens the chat; a chat started from it is direct, any other organic; visitors are counted
once a day through a keyed hash, and nothing that names them is stored."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from keerpunt.campaigns.models import TrafficDay
from keerpunt.chat.models import Conversation
from keerpunt.context import Context
from keerpunt.db.engine import sqlite_path
from tests.live import Counselor, LiveServer, StaffMember, audit_entries, http_client, make_staff

AGENT = "Canary-Agent/7.1 (Keerpunt test)"


def campaign_body(ctx: Context, **changes: object) -> dict[str, object]:
    today = ctx.today()
    body: dict[str, object] = {
        "name": "Rake Woorden",
        "goal": "Jongeren laten zien dat praten helpt.",
        "target_group": "Jongeren van 13 t/m 24 jaar",
        "starts_on": str(today - timedelta(days=1)),
        "ends_on": str(today + timedelta(days=1)),
        "regions": ["midden", "den_haag"],
        "channels": [{"name": "Snapchat"}, {"name": "TikTok"}],
    }
    body.update(changes)
    return body


async def traffic(ctx: Context) -> dict[tuple[int, str], int]:
    async with ctx.read() as session:
        rows = (await session.scalars(select(TrafficDay))).all()
    return {(r.channel_id, r.measure): r.visitors for r in rows}


async def test_a_tracking_link_opens_the_chat_and_its_chat_counts_as_direct(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "ada", roles=["analyst"])
    async with http_client(server.url) as http:
        ada = await Counselor.login(http, "ada")
        made = await ada.post("/api/v1/campaigns", json=campaign_body(setup_ctx))
        assert made.status_code == 201, made.text
        snapchat, tiktok = made.json()["channels"]
        assert snapchat["link"] == f"/c/{snapchat['code']}"

        phone = {"User-Agent": AGENT}
        landing = await http.get(snapchat["link"], headers=phone)
        again = await http.get(snapchat["link"], headers=phone)
        other_phone = await http.get(snapchat["link"], headers={"User-Agent": "Other/1.0"})
        # The page is the chat itself: one tap from the ad. No cookie is set, and the page
        # holds the code to keep for this tab.
        assert landing.status_code == 200
        assert "set-cookie" not in landing.headers
        assert f'"campaign": "{snapchat["code"]}"' in landing.text
        assert again.status_code == other_phone.status_code == 200

        direct = await http.post(
            "/api/v1/conversations", json={"ref": snapchat["code"]}, headers=phone
        )
        organic = await http.post("/api/v1/conversations", headers={"User-Agent": "Third/2"})
        unknown = await http.post("/api/v1/conversations", json={"ref": "nosuchcode"})
        # An unknown code opens the chat page as an organic visit, and starts a chat.
        typo = await http.get("/c/nosuchcode", headers={"User-Agent": "Fourth/3"})
        assert direct.status_code == organic.status_code == unknown.status_code == 201
        assert typo.status_code == 200
        assert '"campaign": null' in typo.text

        # Reloading the chat page after landing is not a second, organic visit.
        await http.get("/", headers=phone)

    async with setup_ctx.read() as session:
        channels = {c.id: c.channel_id for c in (await session.scalars(select(Conversation))).all()}
    assert channels[direct.json()["id"]] == snapchat["id"]
    assert channels[organic.json()["id"]] is None
    assert channels[unknown.json()["id"]] is None
    counted = await traffic(setup_ctx)
    # Two phones opened the Snapchat link (one twice); one pressed start from it.
    assert counted[(snapchat["id"], "visit")] == 2
    assert counted[(snapchat["id"], "click")] == 1
    assert (tiktok["id"], "visit") not in counted
    # The typo was an organic visit; two other visitors pressed start without a link.
    assert counted[(0, "visit")] == 1
    assert counted[(0, "click")] == 2
    assert [e.subject for e in await audit_entries(setup_ctx, "campaign.create")] == [
        f"campaign:{made.json()['id']}"
    ]


async def test_nothing_that_names_a_visitor_is_stored(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        for path in ("/", "/c/abc", "/"):
            assert (await http.get(path, headers={"User-Agent": AGENT})).status_code == 200
        assert (
            await http.post("/api/v1/conversations", headers={"User-Agent": AGENT})
        ).status_code == 201
    assert await traffic(setup_ctx) == {(0, "visit"): 1, (0, "click"): 1}
    url = setup_ctx.settings.resolved_database_url()
    path = sqlite_path(url)
    if path is None:
        return  # PostgreSQL: the canary search of the files is S20's test (issue 6)
    for file in Path(path).parent.glob(Path(path).name + "*"):
        data = file.read_bytes()
        assert AGENT.encode() not in data, file
        assert b"127.0.0.1" not in data, file


async def test_campaigns_are_for_analysts_and_admins_and_bad_input_changes_nothing(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "ada", roles=["analyst"])
    await make_staff(setup_ctx, "anna", roles=["counselor"])
    async with http_client(server.url) as http:
        anna = await Counselor.login(http, "anna")
        ada = await StaffMember.login(http, "ada")
        assert isinstance(ada, StaffMember)
        body = campaign_body(setup_ctx)
        assert (await anna.post("/api/v1/campaigns", json=body)).status_code == 404
        assert (await anna.get("/api/v1/campaigns")).status_code == 404
        assert (await http.get("/api/v1/campaigns")).status_code == 401
        backwards = campaign_body(setup_ctx, starts_on="2026-05-01", ends_on="2026-04-01")
        doubled = campaign_body(setup_ctx, channels=[{"name": "TikTok"}, {"name": "tiktok"}])
        region = campaign_body(setup_ctx, regions=["atlantis"])
        for bad in (backwards, doubled, region):
            answer = await ada.post("/api/v1/campaigns", json=bad)
            assert answer.status_code == 422, answer.text
        assert (await ada.get("/api/v1/campaigns")).json() == []

        made = (await ada.post("/api/v1/campaigns", json=body)).json()
        first = made["channels"][0]
        # Channels are renamed or added; one that may be in an ad is never removed.
        renamed = {**body, "channels": [{"id": first["id"], "name": "Snapchat NL"}]}
        refused = await ada.put(f"/api/v1/campaigns/{made['id']}", json=renamed)
        assert refused.status_code == 422
        assert refused.json()["code"] == "channel_removed"
        kept = [{"id": c["id"], "name": c["name"]} for c in made["channels"]]
        grown = {**body, "channels": [*kept, {"name": "Instagram"}]}
        changed = await ada.put(f"/api/v1/campaigns/{made['id']}", json=grown)
        assert changed.status_code == 200, changed.text
        assert [c["name"] for c in changed.json()["channels"]] == [
            "Snapchat",
            "TikTok",
            "Instagram",
        ]
        assert changed.json()["channels"][0]["code"] == first["code"]
        assert json.loads((await ada.get(f"/api/v1/campaigns/{made['id']}")).text) == (
            changed.json()
        )
