"""The registration lists as data: every staff member reads them, an admin loads a new
version, and a version that would change what an old registration means is refused."""

from __future__ import annotations

from keerpunt.context import Context
from keerpunt.registration.taxonomy import shipped_source
from tests.live import LiveServer, StaffMember, http_client, make_staff
from tests.registration.taxonomy_edits import (
    add,
    drop,
    move,
    relabel,
    retire,
    with_version,
)


async def test_every_staff_member_reads_the_taxonomy_and_nobody_else(
    server: LiveServer, setup_ctx: Context
) -> None:
    for name, role in (("anna", "counselor"), ("toos", "supervisor"), ("beheer", "admin")):
        await make_staff(setup_ctx, name, roles=[role])
    async with http_client(server.url) as http:
        answers = []
        for name in ("anna", "toos", "beheer"):
            staff = await StaffMember.login(http, name)
            answers.append(await staff.get("/api/v1/taxonomy"))
        anonymous = await http.get("/api/v1/taxonomy")
        chatter = await http.post("/api/v1/conversations", json={})
        as_chatter = await http.get(
            "/api/v1/taxonomy", headers={"Authorization": f"Bearer {chatter.json()['token']}"}
        )
    assert [a.status_code for a in answers] == [200, 200, 200]
    body = answers[0].json()
    assert answers[1].json() == answers[2].json() == body
    assert body["version"] == 1
    assert body["loaded_at"] is not None
    assert set(body["multiple"]) == {
        "crime_forms",
        "other_problems",
        "signals",
        "help_questions",
        "help_offered",
        "safety",
    }
    outcome = body["lists"]["outcome"]
    assert outcome[0] == {
        "code": "conversation_held",
        "label": {"nl": "Gesprek gevoerd", "en": "Conversation held"},
        "retired": False,
    }
    assert {"conversation_held", "no_content", "duplicate"} <= {i["code"] for i in outcome}
    assert "den_haag" in [i["code"] for i in body["lists"]["region"]]
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "login_required"
    assert as_chatter.status_code == 401


async def test_an_admin_loads_a_new_version_and_the_old_one_stays_readable(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna")
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    source = add(with_version(2), "crime_forms", "scamming", "Oplichting", "Scamming")
    source = retire(source, "crime_forms", "theft")
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        admin = await StaffMember.login(http, "beheer")
        refused = await anna.post("/api/v1/taxonomy", json={"source": source})
        assert refused.status_code == 404
        assert (await anna.get("/api/v1/taxonomy")).json()["version"] == 1

        loaded = await admin.post("/api/v1/taxonomy", json={"source": source})
        assert loaded.status_code == 201, loaded.text
        current = (await anna.get("/api/v1/taxonomy")).json()
        older = await anna.get("/api/v1/taxonomy/1")
        never = await anna.get("/api/v1/taxonomy/3")
        versions = await admin.get("/api/v1/taxonomy/versions")
        versions_as_counselor = await anna.get("/api/v1/taxonomy/versions")
    assert loaded.json() == current
    assert current["version"] == 2
    forms = {i["code"]: i for i in current["lists"]["crime_forms"]}
    assert forms["scamming"]["label"] == {"nl": "Oplichting", "en": "Scamming"}
    # A retired code stays listed, marked, because older registrations use it.
    assert forms["theft"]["retired"] is True
    assert older.status_code == 200
    assert older.json()["version"] == 1
    assert "scamming" not in [i["code"] for i in older.json()["lists"]["crime_forms"]]
    assert never.status_code == 404
    assert [(v["version"], v["loaded_by"]) for v in versions.json()] == [(1, None), (2, "beheer")]
    assert versions_as_counselor.status_code == 404


async def test_a_version_that_changes_old_meanings_is_refused_and_nothing_is_loaded(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "beheer", roles=["admin"])
    v2 = with_version(2)
    duplicate_code = v2 + '\n[[crime_forms]]\ncode = "theft"\nlabel = { nl = "D", en = "T" }\n'
    cases = {
        "not higher": (shipped_source(), "higher than 1"),
        "a code dropped": (drop(v2, "crime_forms", "theft"), "'theft'"),
        "a code moved": (move(v2, "crime_forms", "theft", "other_problems"), "other_problems"),
        "a reserved code retired": (retire(v2, "safety", "acute_danger"), "acute_danger"),
        "both labels changed": (
            relabel(v2, "crime_forms", "theft", "Winkeldiefstal", "Shoplifting"),
            "'theft'",
        ),
        "a code twice": (duplicate_code, "twice"),
        "broken TOML": ("version = = 2\n[[outcome]", "TOML"),
    }
    async with http_client(server.url) as http:
        admin = await StaffMember.login(http, "beheer")
        for case, (source, reason) in cases.items():
            answer = await admin.post("/api/v1/taxonomy", json={"source": source})
            assert answer.status_code == 422, case
            body = answer.json()
            assert body["code"] == "taxonomy_invalid", case
            assert isinstance(body["detail"], str), case
            assert "\n" not in body["detail"], case
            assert reason in body["detail"], (case, body["detail"])
        versions = (await admin.get("/api/v1/taxonomy/versions")).json()
        current = (await admin.get("/api/v1/taxonomy")).json()
        # Rewording one language of a label is fine: the meaning stays.
        reworded = relabel(v2, "crime_forms", "theft", "Diefstal (ook winkeldiefstal)", "Theft")
        accepted = await admin.post("/api/v1/taxonomy", json={"source": reworded})
    assert [v["version"] for v in versions] == [1]
    assert current["version"] == 1
    assert accepted.status_code == 201, accepted.text
