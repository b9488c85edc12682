"""S08: schemathesis over the app's OpenAPI document, against a live server, once for each
kind of caller: nobody, a chatter (token) and each staff role (session). Every answer is
below 500 and matches the document (its status is declared, its body fits the declared
schema, its content type is the declared one); input that breaks the schema is refused
with a 4xx; and every route that is not public refuses a caller without credentials.

Examples are derandomized, so CI sees the same requests on every run; there are few per
operation (`EXAMPLES`), to stay within a few minutes with both databases.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from keerpunt import api
from keerpunt.context import Context
from tests.live import Chatter, LiveServer, StaffMember, http_client, make_staff

EXAMPLES = 6
ROLES = ("counselor", "supervisor", "analyst", "outreach", "admin", "researcher")
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]
# Each caller's pass ends with what ends its session or changes its roles.
LAST = {("PUT", "/api/v1/users/{user_id}/roles"), ("POST", "/api/v1/chatter/logout"),
        ("POST", "/api/v1/auth/logout")}  # fmt: skip


def credentials(caller: Chatter | StaffMember | None) -> dict[str, str]:
    """The headers that make a request this caller's: one place to add what a session
    needs besides its cookie."""
    return dict(caller.headers) if caller is not None else {}


def run_operation(
    operation: Any, base_url: str, headers: dict[str, str], anonymous: bool, ids: dict[str, Any]
) -> None:
    must_refuse = anonymous and (operation.method.upper(), operation.path) not in api.PUBLIC
    for mode, checks in (
        (GenerationMode.POSITIVE, POSITIVE_CHECKS),
        (GenerationMode.NEGATIVE, NEGATIVE_CHECKS),
    ):
        try:
            checker(operation, mode, checks, base_url, headers, must_refuse, ids)()
        except Unsatisfiable:
            # Nothing to get wrong: an operation without parameters or body.
            assert mode is GenerationMode.NEGATIVE, operation.label


def checker(
    operation: Any,
    mode: GenerationMode,
    checks: list[Any],
    base_url: str,
    headers: dict[str, str],
    must_refuse: bool,
    ids: dict[str, Any],
) -> Any:
    # Valid requests name things that exist, so they reach past "not found"; invalid ones
    # are free to make up ids.
    slots = set(re.findall(r"{(\w+)}", operation.path))
    fixed = {k: v for k, v in ids.items() if k in slots} if mode.is_positive else {}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
    def check(case: Any) -> None:
        with requests.Session() as session:
            response = case.call(base_url=base_url, headers=headers, session=session)
        case.validate_response(response, checks=checks, headers=headers)
        if must_refuse:
            # Without credentials: a valid request is refused as such; an invalid one
            # may be refused for its input first, but never served.
            refused = {401} if mode is GenerationMode.POSITIVE else set(range(400, 500))
            assert response.status_code in refused, (
                f"{case.method} {case.formatted_path} without credentials: {response.status_code}"
            )

    return check


def run_all(base_url: str, callers: dict[str, dict[str, str]], ids: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.method.upper(), op.path) in LAST)
    for name, headers in callers.items():
        for operation in operations:
            public = (operation.method.upper(), operation.path) in api.PUBLIC
            if public and name in ROLES:
                continue  # public routes ignore the staff session: nobody and a chatter do
            run_operation(operation, base_url, headers, name == "nobody", ids)


# Every operation as every caller, twice (valid and invalid input): minutes, not seconds,
# and more with each route; the suite's default limit is for ordinary tests.
@pytest.mark.timeout(1800)
async def test_s08_schemathesis_as_every_kind_of_caller(
    server: LiveServer, setup_ctx: Context
) -> None:
    for role in ROLES:
        await make_staff(setup_ctx, role, roles=[role])
    async with http_client(server.url) as http:
        chatter = await Chatter.start(http)
        callers = {"nobody": credentials(None), "chatter": credentials(chatter)}
        staff = {role: await StaffMember.login(http, role) for role in ROLES}
        callers.update({role: credentials(member) for role, member in staff.items()})
        ids = await things(http, setup_ctx, chatter, staff)
    await asyncio.to_thread(run_all, server.url, callers, ids)


async def things(
    http: httpx.AsyncClient, ctx: Context, chatter: Chatter, staff: dict[str, StaffMember]
) -> dict[str, Any]:
    """One of each thing a path can name, made as users make them: the chatter's chat,
    taken by the counselor, with a handover; a contact person, a campaign, a canned reply,
    and a staff member whose roles the admin may change."""
    counselor, admin = staff["counselor"], staff["admin"]
    assert (await counselor.accept(chatter.conversation)).status_code == 200
    contact = await admin.post(
        "/api/v1/regions/den_haag/contacts",
        json={"role": "avim", "name": "Zorg", "reach": "070 123"},
    )
    handover = await counselor.post(
        f"/api/v1/conversations/{chatter.conversation}/handovers",
        json={"contact": contact.json()["id"], "consent": True},
    )
    campaign = await staff["analyst"].post(
        "/api/v1/campaigns",
        json={"name": "Zomer", "starts_on": "2026-06-01", "ends_on": "2026-08-31"},
    )
    canned = await admin.get("/api/v1/canned")
    target = await make_staff(ctx, "target", roles=["analyst"])
    return {
        "conversation_id": chatter.conversation,
        "earlier_id": chatter.conversation,
        "handover_id": handover.json()["id"],
        "contact_id": contact.json()["id"],
        "campaign_id": campaign.json()["id"],
        "response_id": canned.json()[0]["id"],
        "user_id": target.id,
        "region": "den_haag",
        "version": 1,
    }
