"""Acute danger: the counselor sees the escalation protocol at once, and every supervisor
who is online is alerted, once."""

from __future__ import annotations

import pytest

from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.clock import FrozenClock
from keerpunt.core.errors import Invalid
from keerpunt.realtime.events import SUPERVISOR_CHANNEL, AlertOut, ServerFrame
from keerpunt.registration import actions as registration
from keerpunt.registration import reads
from keerpunt.registration.schemas import RegistrationFields
from tests.live import (
    Chatter,
    LiveServer,
    Socket,
    StaffMember,
    held_form,
    http_client,
    make_staff,
    pair,
    staff_session,
)


def _alerts(events: list[tuple[str, ServerFrame]]) -> list[tuple[str, AlertOut]]:
    return [(channel, frame) for channel, frame in events if isinstance(frame, AlertOut)]


async def test_turning_acute_danger_on_shows_the_protocol_and_alerts_once(
    ctx: Context, clock: FrozenClock, events: list[tuple[str, ServerFrame]]
) -> None:
    await make_staff(ctx, "anna")
    anna = await staff_session(ctx, "anna")
    started = await chat.start_conversation(ctx, None, visitor="youth")
    conversation = started.conversation.id
    await chat.accept(ctx, anna, conversation)

    calm = RegistrationFields.model_validate(held_form(safety=["safety_discussed"]))
    danger = RegistrationFields.model_validate(held_form(safety=["acute_danger"]))
    await registration.save(ctx, anna, conversation, calm)
    assert (await reads.registration_view(ctx, anna, conversation)).escalation is None
    assert _alerts(events) == []

    # A refused save alerts nobody, even with acute danger ticked.
    with pytest.raises(Invalid):
        bad = held_form(safety=["acute_danger"], region="atlantis")
        await registration.save(ctx, anna, conversation, RegistrationFields.model_validate(bad))
    assert _alerts(events) == []

    await registration.save(ctx, anna, conversation, danger)
    view = await reads.registration_view(ctx, anna, conversation)
    assert view.escalation == ctx.organisation.escalation_protocol
    assert view.escalation is not None
    assert "112" in view.escalation.nl
    assert _alerts(events) == [
        (
            SUPERVISOR_CHANNEL,
            AlertOut(
                kind="acute_danger", conversation=conversation, counselor="anna", at=clock.now()
            ),
        )
    ]

    # The console saves as the counselor types: saving again with it still on is quiet.
    clock.advance(5)
    await registration.save(ctx, anna, conversation, danger)
    await registration.save(ctx, anna, conversation, danger)
    assert len(_alerts(events)) == 1
    # Off, and on again later: that is a new alert.
    await registration.save(ctx, anna, conversation, calm)
    assert (await reads.registration_view(ctx, anna, conversation)).escalation is None
    await registration.save(ctx, anna, conversation, danger)
    assert len(_alerts(events)) == 2


async def test_a_supervisors_socket_gets_the_alert_and_a_counselors_does_not(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "toos", roles=["supervisor"])
    await make_staff(setup_ctx, "bram")
    async with http_client(server.url) as http:
        youth, counselor = await pair(http, setup_ctx)
        anna = StaffMember(http, counselor.cookie)
        toos = await StaffMember.login(http, "toos")
        bram = await StaffMember.login(http, "bram")
        supervisor = await Socket.open(server.ws_url, await toos.ticket())
        colleague = await Socket.open(server.ws_url, await bram.ticket())
        for sock in (supervisor, colleague):
            # A pong means the socket's channels are set up.
            await sock.send({"type": "ping"})
            await sock.expect("pong")

        path = f"/api/v1/conversations/{youth.conversation}/registration"
        saved = await anna.put(path, json=held_form(safety=["acute_danger"]))
        alert = await supervisor.expect("alert")
        again = await anna.put(path, json=held_form(safety=["acute_danger"], notes="112 gebeld"))
        # Frames reach a socket in the order they were published: a queue change after
        # the alert reaches both sockets, and the counselor's saw no alert before it.
        await Chatter.start(http)
        await colleague.expect("queue")
        await supervisor.expect("queue")
        await supervisor.close()
        await colleague.close()
    assert saved.status_code == 200
    assert saved.json()["escalation"]["nl"].startswith("Acuut gevaar")
    assert saved.json()["escalation"]["en"].startswith("Acute danger")
    assert again.status_code == 200
    assert {k: v for k, v in alert.items() if k != "at"} == {
        "type": "alert",
        "kind": "acute_danger",
        "conversation": youth.conversation,
        "counselor": "anna",
    }
    assert alert["at"].endswith("Z") or "+00:00" in alert["at"]
    assert [f["type"] for f in supervisor.seen].count("alert") == 1
    assert "alert" not in [f["type"] for f in colleague.seen]
