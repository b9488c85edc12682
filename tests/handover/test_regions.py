"""Regions come from the taxonomy; each has fixed contact persons, kept by an admin. A
contact person named in a handover is never deleted, so that record stays whole."""

from __future__ import annotations

from keerpunt.context import Context
from keerpunt.registration.taxonomy import parse_taxonomy, shipped_source
from tests.live import LiveServer, StaffMember, held_form, http_client, make_staff, pair
from tests.registration.taxonomy_edits import retire, with_version

AVIM = {"role": "avim", "name": "Team AVIM Den Haag", "reach": "avim@example.org"}


async def test_staff_see_the_regions_of_the_current_taxonomy(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        admin = await StaffMember.login(http, "beheer")
        first = (await anna.get("/api/v1/regions")).json()
        loaded = await admin.post(
            "/api/v1/taxonomy",
            json={"source": retire(with_version(2), "region", "limburg")},
        )
        refused = await admin.post("/api/v1/regions/limburg/contacts", json=AVIM)
        second = (await admin.get("/api/v1/regions")).json()
        anonymous = await http.get("/api/v1/regions")
    shipped = [i.code for i in parse_taxonomy(shipped_source()).items("region")]
    assert [r["code"] for r in first] == shipped
    den_haag = next(r for r in first if r["code"] == "den_haag")
    assert den_haag == {
        "code": "den_haag",
        "label": {"nl": "Den Haag", "en": "The Hague"},
        "contacts": [],
    }
    assert loaded.status_code == 201
    # A retired region is not offered any more, not even for a new contact person.
    assert [r["code"] for r in second] == [c for c in shipped if c != "limburg"]
    assert refused.status_code == 404
    assert anonymous.status_code == 401


async def test_an_admin_keeps_the_contact_persons_and_nobody_else_may(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        toos = await StaffMember.login(http, "toos")
        admin = await StaffMember.login(http, "beheer")
        added = await admin.post("/api/v1/regions/den_haag/contacts", json=AVIM)
        contact = added.json()
        path = f"/api/v1/contacts/{contact['id']}"
        changes = {**AVIM, "name": "AVIM Haaglanden", "active": True}
        refused = [
            await anna.post("/api/v1/regions/den_haag/contacts", json=AVIM),
            await toos.post("/api/v1/regions/den_haag/contacts", json=AVIM),
            await anna.put(path, json=changes),
            await toos.delete(path),
        ]
        unknown_region = await admin.post("/api/v1/regions/atlantis/contacts", json=AVIM)
        bad_role = await admin.post(
            "/api/v1/regions/den_haag/contacts", json={**AVIM, "role": "politie"}
        )
        changed = await admin.put(path, json=changes)
        unknown_contact = await admin.put("/api/v1/contacts/999999", json=changes)
        listed = (await anna.get("/api/v1/regions")).json()
        second = (
            await admin.post(
                "/api/v1/regions/den_haag/contacts",
                json={"role": "municipality", "name": "Gemeente Den Haag", "reach": "14 070"},
            )
        ).json()
        removed = await admin.delete(f"/api/v1/contacts/{second['id']}")
        removed_again = await admin.delete(f"/api/v1/contacts/{second['id']}")
        after = (await anna.get("/api/v1/regions")).json()
    assert added.status_code == 201
    assert contact == {"id": contact["id"], "region": "den_haag", "active": True, **AVIM}
    for answer in refused:
        assert answer.status_code == 404
    assert unknown_region.status_code == 404
    assert bad_role.status_code == 422
    assert changed.status_code == 200
    assert changed.json()["name"] == "AVIM Haaglanden"
    assert unknown_contact.status_code == 404
    den_haag = next(r for r in listed if r["code"] == "den_haag")
    assert [c["name"] for c in den_haag["contacts"]] == ["AVIM Haaglanden"]
    assert removed.status_code == 204
    assert removed_again.status_code == 404
    den_haag = next(r for r in after if r["code"] == "den_haag")
    assert [c["id"] for c in den_haag["contacts"]] == [contact["id"]]


async def test_a_contact_named_in_a_handover_is_deactivated_not_deleted(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        admin = await StaffMember.login(http, "beheer")
        contact = (await admin.post("/api/v1/regions/den_haag/contacts", json=AVIM)).json()
        await anna.put(f"/api/v1/conversations/{youth.conversation}/registration", json=held_form())
        proposed = await anna.post(
            f"/api/v1/conversations/{youth.conversation}/handovers",
            json={"contact": contact["id"], "consent": True, "share": ["age_band"]},
        )
        removed = await admin.delete(f"/api/v1/contacts/{contact['id']}")
        regions = (await anna.get("/api/v1/regions")).json()
        detail = (await anna.get(f"/api/v1/handovers/{proposed.json()['id']}")).json()
        # Inactive: not offered for a new handover.
        refused = await anna.post(
            f"/api/v1/conversations/{youth.conversation}/handovers",
            json={"contact": contact["id"], "consent": True, "share": []},
        )
    assert proposed.status_code == 201, proposed.text
    assert removed.status_code == 204
    den_haag = next(r for r in regions if r["code"] == "den_haag")
    assert den_haag["contacts"] == [{**contact, "active": False}]
    assert detail["contact"] == {**contact, "active": False}
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("unknown_contact", "contact")
