"""The outreach API over the wire, as the pages use it."""

from __future__ import annotations

from keerpunt.context import Context
from keerpunt.outreach import actions
from keerpunt.outreach.posts import Post
from tests.live import LiveServer, StaffMember, http_client, make_staff
from tests.outreach_store.helpers import PEER, PURPOSE

AD = "Snel geld 💰 met een klusje in de haven, vandaag nog, 16+ welkom. Stuur een DM."
TERMS = [("snel geld", "money"), ("klusje", "job"), ("16+", "age"), ("vandaag", "urgency")]


async def test_an_outreach_worker_adds_a_source_and_triages_an_item(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "olga", roles=["outreach"])
    await make_staff(setup_ctx, "ada", roles=["analyst", "admin"])
    async with http_client(server.url) as http:
        olga = await StaffMember.login(http, "olga")
        ada = await StaffMember.login(http, "ada")
        assert isinstance(olga, StaffMember)
        assert isinstance(ada, StaffMember)
        body = {"purpose": PURPOSE, "dpia_ref": "DPIA-7", "approved_by": "FG"}
        invite = await olga.post(
            "/api/v1/outreach/sources", json={**body, "username": "https://t.me/+AbC123"}
        )
        assert invite.status_code == 422
        assert invite.json()["field"] == "username"
        made = await olga.post(
            "/api/v1/outreach/sources",
            json={**body, "username": "@Klusjes_Rdam", "peer_id": PEER},
        )
        assert made.status_code == 201, made.text
        assert made.json()["username"] == "klusjes_rdam"
        assert made.json()["added_by"] == "olga"
        again = await olga.post(
            "/api/v1/outreach/sources", json={**body, "username": "t.me/klusjes_rdam"}
        )
        assert again.status_code == 409
        for text, category in TERMS:
            term = {"text": text, "kind": "exact", "category": category}
            assert (await olga.post("/api/v1/outreach/terms", json=term)).status_code == 201
        posted = Post(PEER, 7, setup_ctx.clock.now(), AD, author="user1")
        await actions.ingest(setup_ctx, made.json()["id"], [posted], "live", last_seen_id=7)
        queue = (await olga.get("/api/v1/outreach/items")).json()
        assert queue["total"] == 1
        item = queue["items"][0]
        shown = (await olga.get(f"/api/v1/outreach/items/{item['id']}")).json()
        # Highlights are code-point offsets into the text (the page converts to UTF-16).
        marked = {shown["text"][h["start"] : h["end"]].casefold() for h in shown["highlights"]}
        assert {"snel geld", "klusje", "vandaag"} <= marked
        moved = await olga.post(
            f"/api/v1/outreach/items/{item['id']}/state", json={"state": "contacted"}
        )
        assert moved.status_code == 409
        moved = await olga.post(
            f"/api/v1/outreach/items/{item['id']}/state", json={"state": "in_review"}
        )
        assert moved.json()["state"] == "in_review"
        # Nobody else sees that outreach exists.
        hidden = await ada.get(f"/api/v1/outreach/items/{item['id']}")
        assert hidden.status_code == 404
        assert (await ada.get("/api/v1/outreach/sources")).status_code == 404
