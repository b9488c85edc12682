"""Every reverse-proxy config in deploy/ (the single-process example and the one compose.yaml
runs) keeps chatters' addresses out of its logs (S20), passes the socket upgrade on, and
never forwards a visitor's own X-Forwarded-For."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parents[2] / "deploy"
# Every nginx config we ship; a new one is checked by adding it here.
CONFIGS = ["nginx.conf", "nginx-compose.conf"]
# What names a visitor in an nginx log line.
IDENTIFYING = (
    "$remote_addr",
    "$binary_remote_addr",
    "$realip_remote_addr",
    "$http_x_forwarded_for",
    "$proxy_add_x_forwarded_for",
    "$http_user_agent",
    "$http_x_real_ip",
    "$http_forwarded",
)
CHAT_LOCATIONS = {"= /api/v1/ws", "/api/", "= /", "= /chat", "/c/", "/static/"}


@pytest.fixture(params=CONFIGS)
def config(request: pytest.FixtureRequest) -> str:
    """The config's text with the comments out, so a word in an explanation is not read
    as a directive."""
    text = (DEPLOY / request.param).read_text()
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_every_nginx_config_in_deploy_is_checked() -> None:
    assert sorted(path.name for path in DEPLOY.glob("*nginx*.conf")) == sorted(CONFIGS)


def _locations(text: str) -> dict[str, str]:
    return {
        match.group(1).strip(): match.group(2)
        for match in re.finditer(r"location\s+([^{]+)\{([^}]*)\}", text)
    }


def test_s20_no_log_format_names_the_address_or_user_agent(config: str) -> None:
    text = config
    formats = dict(re.findall(r"log_format\s+(\S+)\s+((?:'[^']*'\s*)+);", text))
    assert formats, "the example defines its own log format"
    for name, fmt in formats.items():
        for variable in IDENTIFYING:
            assert variable not in fmt, (name, variable)
    # Every access log is off or uses one of those formats (never nginx's "combined").
    for directive in re.findall(r"access_log\s+([^;]+);", text):
        parts = directive.split()
        assert parts == ["off"] or (len(parts) == 2 and parts[1] in formats), directive


def test_s20_the_chat_routes_are_not_logged_at_all(config: str) -> None:
    locations = _locations(config)
    assert set(locations) >= CHAT_LOCATIONS
    for where in CHAT_LOCATIONS:
        assert re.search(r"access_log\s+off\s*;", locations[where]), where


def test_the_socket_is_upgraded_and_the_address_is_replaced_not_appended(config: str) -> None:
    text = config
    socket = _locations(text)["= /api/v1/ws"]
    assert "proxy_set_header Upgrade $http_upgrade;" in socket
    assert "proxy_set_header Connection $keerpunt_connection;" in socket
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text
    assert "proxy_set_header Host $host;" in text


def test_s20_the_error_log_keeps_only_serious_errors(config: str) -> None:
    # nginx's error lines name the client, so a config keeps only "crit" and worse.
    levels = [d.split()[-1] for d in re.findall(r"error_log\s+([^;]+);", config)]
    assert levels, "the error log's level is set, not left at nginx's default"
    assert set(levels) <= {"crit", "alert", "emerg"}, levels
