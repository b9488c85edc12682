"""S19: every kind of answer carries the security headers; the staff cookie is a
__Host- cookie (Secure, HttpOnly, SameSite=Strict); chat and staff answers are never
cached."""

from __future__ import annotations

import httpx

from keerpunt.context import Context
from tests.live import PASSWORD, Chatter, Counselor, LiveServer, http_client, make_staff, next_code

CSP_PARTS = (
    "default-src 'none'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)


def check_common(response: httpx.Response, what: str) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", what
    assert headers["referrer-policy"] == "no-referrer", what
    assert headers["strict-transport-security"].startswith("max-age=31536000"), what
    assert "server" not in headers, what
    csp = headers.get_list("content-security-policy")
    assert len(csp) == 1, what  # one policy: a second would be enforced on top
    assert "'unsafe-inline'" not in csp[0] or "script-src" not in csp[0], what
    for part in ("default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert part in csp[0], (what, part)


async def test_s19_headers_on_pages_assets_api_errors_and_reports(
    server: LiveServer, setup_ctx: Context
) -> None:
    await make_staff(setup_ctx, "ada", roles=["analyst"])
    async with http_client(server.url) as http:
        login = await http.post(
            "/api/v1/auth/login",
            json={"username": "ada", "password": PASSWORD, "totp": next_code("ada")},
        )
        ada = await Counselor.login(http, "ada")
        youth = await Chatter.start(http)
        today = setup_ctx.today().isoformat()
        answers = {
            "chat page": await http.get("/"),
            "console page": await http.get("/console"),
            "analyst page": await http.get("/analyst"),
            "outreach page": await http.get("/outreach"),
            "review page": await http.get("/review"),
            "api": await http.post("/api/v1/conversations"),
            "chatter's messages": await youth.messages(),
            "error": await http.get("/api/v1/conversations/nope"),
            "unauthenticated": await http.get("/api/v1/me"),
            "missing route": await http.get("/nothing-here"),
            "report page": await ada.post(
                "/api/v1/reports", json={"starts_on": today, "ends_on": today, "format": "html"}
            ),
            "asset": await http.get("/static/js/chat.js"),
        }
    for what, response in answers.items():
        check_common(response, what)
    for what in ("chat page", "console page", "api", "chatter's messages", "error", "report page"):
        assert answers[what].headers["cache-control"] == "no-store", what
    # Assets hold nothing personal: kept, but checked each time.
    assert answers["asset"].headers["cache-control"] == "no-cache"
    # Pages allow their own scripts only; the report page allows no script at all.
    page_csp = answers["chat page"].headers["content-security-policy"]
    for part in CSP_PARTS:
        assert part in page_csp
    assert "'unsafe-inline'" not in page_csp
    report_csp = answers["report page"].headers["content-security-policy"]
    assert "script-src" not in report_csp
    assert "default-src 'none'" in report_csp

    cookie = login.headers["set-cookie"]
    assert cookie.startswith("__Host-keerpunt_session=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attributes
    assert not any(a.startswith("domain=") for a in attributes)
