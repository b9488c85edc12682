"""Canned replies: every staff member reads them in their order; only an admin changes them."""

from __future__ import annotations

from keerpunt.context import Context
from tests.live import LiveServer, StaffMember, http_client, make_staff

REPLY = {
    "key": "breathe",
    "title": {"nl": "Even ademhalen", "en": "Take a breath"},
    "body": {"nl": "Neem rustig de tijd.", "en": "Take your time."},
}


async def test_staff_read_the_shipped_replies_in_order(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        listed = await anna.get("/api/v1/canned")
        anonymous = await http.get("/api/v1/canned")
    assert listed.status_code == 200
    replies = listed.json()
    assert [(r["key"], r["position"]) for r in replies] == [
        ("confidential", 1),
        ("acute_danger", 2),
        ("goodbye", 3),
        ("account", 4),
    ]
    assert replies[0]["title"] == {
        "nl": "Vertrouwelijkheid uitgelegd",
        "en": "Confidentiality explained",
    }
    assert "112" in replies[1]["body"]["nl"]
    assert set(replies[0]) == {"id", "key", "title", "body", "position"}
    assert anonymous.status_code == 401


async def test_an_admin_adds_changes_and_removes_replies_and_nobody_else_may(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        toos = await StaffMember.login(http, "toos")
        admin = await StaffMember.login(http, "beheer")
        shipped = (await anna.get("/api/v1/canned")).json()
        goodbye = next(r for r in shipped if r["key"] == "goodbye")

        created = await admin.post("/api/v1/canned", json=REPLY)
        reply_id = created.json()["id"]
        taken = await admin.post("/api/v1/canned", json=REPLY)
        changed = await admin.put(
            f"/api/v1/canned/{reply_id}",
            json={**REPLY, "body": {"nl": "Neem alle tijd.", "en": "Take all the time."}},
        )
        taken_by_update = await admin.put(
            f"/api/v1/canned/{reply_id}", json={**REPLY, "key": "goodbye"}
        )
        bad_key = await admin.post("/api/v1/canned", json={**REPLY, "key": "Hoi daar!"})
        refused = [
            await anna.post("/api/v1/canned", json={**REPLY, "key": "other"}),
            await anna.put(f"/api/v1/canned/{reply_id}", json=REPLY),
            await anna.delete(f"/api/v1/canned/{goodbye['id']}"),
            await toos.post("/api/v1/canned", json={**REPLY, "key": "other"}),
            await toos.delete(f"/api/v1/canned/{goodbye['id']}"),
        ]
        middle = (await anna.get("/api/v1/canned")).json()
        removed = await admin.delete(f"/api/v1/canned/{goodbye['id']}")
        removed_again = await admin.delete(f"/api/v1/canned/{goodbye['id']}")
        unknown = await admin.put("/api/v1/canned/999999", json={**REPLY, "key": "x"})
        after = (await anna.get("/api/v1/canned")).json()
    assert created.status_code == 201, created.text
    assert created.json() == {"id": reply_id, "position": 5, **REPLY}
    assert taken.status_code == 409
    assert (taken.json()["code"], taken.json()["field"]) == ("key_taken", "key")
    assert changed.status_code == 200
    assert changed.json()["body"]["en"] == "Take all the time."
    assert changed.json()["position"] == 5
    assert taken_by_update.status_code == 409
    assert taken_by_update.json()["code"] == "key_taken"
    assert bad_key.status_code == 422
    for answer in refused:
        assert answer.status_code == 404
    assert [r["key"] for r in middle] == [
        "confidential",
        "acute_danger",
        "goodbye",
        "account",
        "breathe",
    ]
    assert middle[-1]["body"]["nl"] == "Neem alle tijd."
    assert removed.status_code == 204
    assert removed_again.status_code == 404
    assert unknown.status_code == 404
    assert [r["key"] for r in after] == ["confidential", "acute_danger", "account", "breathe"]
