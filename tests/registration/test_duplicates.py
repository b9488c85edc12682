"""Duplicates: a chatter who came back under a new identity is found by time and
registration (never by text), merged into the earlier chatter, and a supervisor can undo
it. Every search, merge and undo is in the access log."""

from __future__ import annotations

import uuid

import httpx

from keerpunt.context import Context
from tests.live import (
    Chatter,
    LiveServer,
    StaffMember,
    audit_entries,
    held_form,
    http_client,
    make_staff,
)

SECRET = "Kanarie-D2: ik was het die gisteren wegviel"


async def _registered_chat(http: httpx.AsyncClient, anna: StaffMember, **fields: object) -> Chatter:
    chatter = await Chatter.start(http)
    assert (await anna.accept(chatter.conversation)).status_code == 200
    await chatter.send(SECRET)
    await anna.post(f"/api/v1/conversations/{chatter.conversation}/end")
    path = f"/api/v1/conversations/{chatter.conversation}/registration/complete"
    done = await anna.post(path, json=held_form(**fields))
    assert done.status_code == 200, done.text
    return chatter


async def test_candidates_are_filtered_by_registration_and_never_the_same_chatter(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna", max_chats=5)
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        den_haag = await _registered_chat(http, anna, region="den_haag")
        rotterdam = await _registered_chat(http, anna, region="rotterdam", age_band="18_20")
        parent = await _registered_chat(http, anna, region="den_haag", visitor="parent")
        await Chatter.start(http)  # still waiting: not a candidate
        new = await Chatter.start(http)
        await anna.accept(new.conversation)
        # The new chatter's own earlier chat is no duplicate of them.
        own = (await http.post("/api/v1/conversations", json={}, headers=new.headers)).json()
        await anna.accept(own["id"])

        path = f"/api/v1/conversations/{new.conversation}/duplicates"
        everything = await anna.get(path)
        by_region = (await anna.get(path, params={"region": "den_haag"})).json()
        narrow = (
            await anna.get(
                path, params={"region": "den_haag", "visitor": "youth", "age_band": "16_17"}
            )
        ).json()
        older_age = (await anna.get(path, params={"age_band": "18_20"})).json()
        nothing = (await anna.get(path, params={"region": "limburg"})).json()
        too_far = await anna.get(path, params={"days": 91})
        bram = await StaffMember.login(http, "bram")
        not_bram = await bram.get(path)
    assert everything.status_code == 200
    ids = [c["conversation"] for c in everything.json()]
    # Newest first; never this chatter's own chats, never one still waiting.
    assert ids == [parent.conversation, rotterdam.conversation, den_haag.conversation]
    assert SECRET not in everything.text
    first = everything.json()[2]
    assert first["counselor"] == "anna"
    assert first["registration"]["labels"]["region"] == {"nl": "Den Haag", "en": "The Hague"}
    assert [c["conversation"] for c in by_region] == [parent.conversation, den_haag.conversation]
    assert [c["conversation"] for c in narrow] == [den_haag.conversation]
    assert [c["conversation"] for c in older_age] == [rotterdam.conversation]
    assert nothing == []
    assert too_far.status_code == 422
    assert not_bram.status_code == 404
    searches = await audit_entries(setup_ctx, "search")
    assert [(e.conversation_id, e.count) for e in searches] == [
        (new.conversation, 3),
        (new.conversation, 2),
        (new.conversation, 1),
        (new.conversation, 1),
        (new.conversation, 0),
    ]


async def test_marking_merges_the_chatters_and_a_supervisor_undoes_it(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "anna", max_chats=5)
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    async with http_client(server.url) as http:
        anna = await StaffMember.login(http, "anna")
        toos = await StaffMember.login(http, "toos")
        earlier = await _registered_chat(http, anna)
        other = await _registered_chat(http, anna, region="rotterdam")
        new = await Chatter.start(http)
        await anna.accept(new.conversation)
        base = f"/api/v1/conversations/{new.conversation}"
        history_before = (await anna.get(f"{base}/history")).json()

        unknown = await anna.post(f"{base}/duplicate", json={"of": str(uuid.uuid4())})
        itself = await anna.post(f"{base}/duplicate", json={"of": new.conversation})
        marked = await anna.post(f"{base}/duplicate", json={"of": earlier.conversation})
        history_merged = (await anna.get(f"{base}/history")).json()
        again = await anna.post(f"{base}/duplicate", json={"of": other.conversation})
        # The other way round: the two are one chatter already.
        same = await anna.post(
            f"/api/v1/conversations/{earlier.conversation}/duplicate",
            json={"of": new.conversation},
        )
        candidates = (await anna.get(f"{base}/duplicates")).json()

        await anna.post(f"{base}/end")
        finished = await anna.post(
            f"{base}/registration/complete", json={"taxonomy_version": 1, "outcome": "duplicate"}
        )
        todo_merged = (await anna.get("/api/v1/registrations/todo")).json()
        merges_by_counselor = await anna.get("/api/v1/merges")
        merges = (await toos.get("/api/v1/merges")).json()
        merge_id = marked.json()["merge"]["id"]
        undo_by_counselor = await anna.post(f"/api/v1/merges/{merge_id}/undo")
        undone = await toos.post(f"/api/v1/merges/{merge_id}/undo")
        undo_again = await toos.post(f"/api/v1/merges/{merge_id}/undo")
        undo_nothing = await toos.post("/api/v1/merges/999999/undo")
        history_after = (await anna.get(f"{base}/history")).json()
        registration_after = (await anna.get(f"{base}/registration")).json()
        todo_after = (await anna.get("/api/v1/registrations/todo")).json()
        merges_after = (await toos.get("/api/v1/merges")).json()
    assert history_before["earlier"] == []
    assert unknown.status_code == 422
    assert (unknown.json()["code"], unknown.json()["field"]) == ("unknown_conversation", "of")
    assert itself.status_code == 422
    assert marked.status_code == 200, marked.text
    merge = marked.json()["merge"]
    assert (merge["conversation"], merge["duplicate_of"]) == (
        new.conversation,
        earlier.conversation,
    )
    assert (merge["by"], merge["undone_at"], merge["undone_by"]) == ("anna", None, None)
    registration = marked.json()["registration"]
    assert (registration["outcome"], registration["duplicate_of"]) == (
        "duplicate",
        earlier.conversation,
    )
    assert registration["status"] == "draft"
    assert history_merged["returning"] is True
    assert [e["conversation"] for e in history_merged["earlier"]] == [earlier.conversation]
    assert again.status_code == 409
    assert again.json()["code"] == "already_marked"
    assert same.status_code == 409
    assert same.json()["code"] == "same_chatter"
    assert earlier.conversation not in [c["conversation"] for c in candidates]
    assert other.conversation in [c["conversation"] for c in candidates]
    assert finished.status_code == 200, finished.text
    assert finished.json()["status"] == "complete"
    assert new.conversation not in [t["conversation"] for t in todo_merged]
    assert merges_by_counselor.status_code == 404
    assert [m["id"] for m in merges] == [merge_id]
    assert merges[0] == merge | {"at": merges[0]["at"]}

    assert undo_by_counselor.status_code == 404
    assert undone.status_code == 200
    assert undone.json()["undone_by"] == "toos"
    assert undone.json()["undone_at"] is not None
    assert undo_again.status_code == 409
    assert undo_again.json()["code"] == "already_undone"
    assert undo_nothing.status_code == 404
    # Two chatters again: the history is empty, the registration goes back to the list.
    assert history_after == {"returning": False, "has_account": False, "earlier": []}
    assert (registration_after["outcome"], registration_after["duplicate_of"]) == (None, None)
    assert registration_after["status"] == "draft"
    assert registration_after["completed_at"] is None
    assert [t["conversation"] for t in todo_after] == [new.conversation]
    assert todo_after[0]["status"] == "draft"
    assert merges_after[0]["undone_by"] == "toos"

    merged = await audit_entries(setup_ctx, "merge")
    undone_entries = await audit_entries(setup_ctx, "merge_undone")
    assert [(e.conversation_id, e.subject) for e in merged] == [
        (new.conversation, f"merge:{merge_id}")
    ]
    assert [(e.conversation_id, e.subject) for e in undone_entries] == [
        (new.conversation, f"merge:{merge_id}")
    ]
    assert undone_entries[0].role == "supervisor"
