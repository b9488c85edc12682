"""The knowledge export: planted names, numbers, addresses, dates and bank details never
reach it; the ordinary words do; only researchers export, and every export is logged."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from keerpunt.accounts.principals import ChatterPrincipal
from keerpunt.chat import actions as chat
from keerpunt.context import Context
from keerpunt.core.errors import Invalid, NotFound
from keerpunt.knowledge import actions as knowledge
from keerpunt.knowledge.deidentify import extra_pass
from tests.live import audit_entries
from tests.review.helpers import staff

CHATTER_LINES = (
    "Hoi, ik ben Jan de Vries en ik woon op de Kerkstraat 12 in Utrecht.",
    "Mijn broer Mohamed Yilmaz zit ook in de problemen met die schuld.",
    "Bel me op 06-12345678 of mail naar jan.devries@example.nl als het kan.",
    "Ze willen dat ik geld stort op NL91ABNA0417164300 voor 15 maart.",
    "Ik ben 16 jaar en zit op school in Rotterdam, voeg me toe op snap: jannieboy07",
    "Mijn telegram is @dealer_kees en hij woont aan de Lange Voorhout 3b.",
)
COUNSELOR_LINES = (
    "Fijn dat je ons schrijft. Wat je hier vertelt blijft anoniem.",
    "Hoe voel je je nu, ben je veilig thuis?",
)
PLANTED = (
    "Jan",
    "Vries",
    "Mohamed",
    "Yilmaz",
    "Kerkstraat",
    "Utrecht",
    "Rotterdam",
    "06-12345678",
    "12345678",
    "jan.devries@example.nl",
    "NL91ABNA0417164300",
    "0417164300",
    "15 maart",
    "jannieboy07",
    "dealer_kees",
    "Voorhout 3b",
)
ORDINARY = ("problemen", "schuld", "school", "anoniem", "veilig", "geld")


async def _chat(ctx: Context) -> str:
    anna = await staff(ctx, "anna", ["counselor"])
    started = await chat.start_conversation(ctx, None, visitor="youth")
    conversation = started.conversation.id
    chatter = ChatterPrincipal(started.conversation.chatter_id)
    await chat.accept(ctx, anna, conversation)
    for mine, theirs in zip(CHATTER_LINES, (*COUNSELOR_LINES, "", "", "", ""), strict=True):
        await chat.send_message(ctx, chatter, conversation, str(uuid.uuid4()), mine)
        if theirs:
            await chat.send_message(ctx, anna, conversation, str(uuid.uuid4()), theirs)
    await chat.end(ctx, anna, conversation)
    return conversation


async def test_the_export_holds_none_of_the_planted_details_and_keeps_the_words(
    ctx: Context,
) -> None:
    conversation = await _chat(ctx)
    rita = await staff(ctx, "rita", ["researcher"])
    day = ctx.clock.now().date()

    lines = await knowledge.export(ctx, rita, day, day)

    assert len(lines) == 1
    text = lines[0]
    record = json.loads(text)
    for planted in PLANTED:
        assert planted.lower() not in text.lower(), planted
    # No ids, no exact times, no names of staff.
    assert conversation not in text
    assert "anna" not in text.lower()
    assert set(record) == {"pseudonym", "month", "visitor", "registration", "messages"}
    assert record["month"] == day.strftime("%Y-%m")
    # The text is de-identified, not dropped: the ordinary words are all there.
    said = " ".join(m["text"] for m in record["messages"])
    for word in ORDINARY:
        assert word in said, word
    senders = [m["sender"] for m in record["messages"] if m["sender"] != "system"]
    assert senders.count("chatter") == len(CHATTER_LINES)
    # A new pseudonym each export.
    again = json.loads((await knowledge.export(ctx, rita, day, day))[0])
    assert again["pseudonym"] != record["pseudonym"]
    logged = await audit_entries(ctx, "export")
    assert [(e.user_id, e.count, e.subject) for e in logged] == [
        (rita.user_id, 1, "knowledge:api"),
        (rita.user_id, 1, "knowledge:api"),
    ]


async def test_only_a_researcher_exports(ctx: Context) -> None:
    day = date(2026, 1, 5)
    for roles in (["counselor"], ["supervisor"], ["analyst"], ["admin"]):
        someone = await staff(ctx, f"user_{roles[0]}", roles)
        with pytest.raises(NotFound):
            await knowledge.export(ctx, someone, day, day)
    rita = await staff(ctx, "rita", ["researcher"])
    with pytest.raises(Invalid):
        await knowledge.export(ctx, rita, day, date(2025, 12, 1))
    assert await audit_entries(ctx, "export") == []


def test_the_extra_pass_takes_what_chat_has_and_leaves_the_rest() -> None:
    text = (
        "stort op NL91 ABNA 0417 1643 00, volg @kees_020 en insta: kees.020,"
        " kijk op https://t.me/werving of www.voorbeeld.nl, ik woon Dorpsweg 7a"
    )
    out = extra_pass(text)
    for gone in ("0417", "kees_020", "kees.020", "t.me", "voorbeeld", "Dorpsweg 7a"):
        assert gone not in out, gone
    assert out.startswith("stort op [IBAN], volg [ACCOUNT] en insta: [ACCOUNT]")
    # An IBAN-like word with wrong check digits is left as it is.
    assert extra_pass("code NL00ABNA0417164300") == "code NL00ABNA0417164300"
