"""Quick exit and feedback: how a chat ends from the chatter's side."""

from __future__ import annotations

from keerpunt.context import Context
from tests.live import Chatter, LiveServer, http_client, pair


async def test_quick_exit_ends_the_chat_and_tells_the_counselor(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        response = await http.post(
            f"/api/v1/conversations/{youth.conversation}/end",
            headers=youth.headers,
            json={"reason": "quick_exit"},
        )
        assert response.status_code == 200
        assert response.json()["status"] == "ended"
        page = (await anna.get(f"/api/v1/conversations/{youth.conversation}/messages")).json()
    last = page["messages"][-1]
    assert (last["sender"], last["code"]) == ("system", "quick_exit")


async def test_only_the_chatter_can_leave_by_quick_exit(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        refused = await anna.post(
            f"/api/v1/conversations/{youth.conversation}/end", json={"reason": "quick_exit"}
        )
        unknown = await http.post(
            f"/api/v1/conversations/{youth.conversation}/end",
            headers=youth.headers,
            json={"reason": "bored"},
        )
        state = (
            await http.get(f"/api/v1/conversations/{youth.conversation}", headers=youth.headers)
        ).json()
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_reason"
    assert unknown.status_code == 422
    assert state["status"] == "active"  # nothing changed


async def test_feedback_is_given_once_after_the_chat(
    server: LiveServer, setup_ctx: Context
) -> None:
    async with http_client(server.url) as http:
        youth, anna = await pair(http, setup_ctx)
        url = f"/api/v1/conversations/{youth.conversation}/feedback"
        early = await http.post(url, headers=youth.headers, json={"answers": {"helpful": "yes"}})
        await anna.post(f"/api/v1/conversations/{youth.conversation}/end")
        wrong = [
            {"answers": {"helpful": "maybe-not"}},
            {"answers": {"unknown": "yes"}},
            {"answers": {"a": "yes", "b": "yes", "c": "yes", "d": "yes"}},
        ]
        refused = [await http.post(url, headers=youth.headers, json=body) for body in wrong]
        by_staff = await anna.post(url, json={"answers": {"helpful": "yes"}})
        given = await http.post(
            url, headers=youth.headers, json={"answers": {"helpful": "a_bit", "again": "yes"}}
        )
        twice = await http.post(url, headers=youth.headers, json={"answers": {"helpful": "no"}})
        other = await Chatter.start(http)
        foreign = await http.post(url, headers=other.headers, json={"answers": {"helpful": "no"}})
    assert early.status_code == 409
    assert early.json()["code"] == "still_open"
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert by_staff.status_code == 401
    assert given.status_code == 204
    assert twice.status_code == 409
    assert twice.json()["code"] == "feedback_given"
    assert foreign.status_code == 404


async def test_the_opening_state_is_public(server: LiveServer) -> None:
    async with http_client(server.url) as http:
        response = await http.get("/api/v1/opening")
    assert response.status_code == 200
    assert response.json()["open"] is True  # the test settings take chats at any hour
