"""The deployment in deploy/: compose.yaml, its nginx config and the Dockerfile say what the
operator guide promises. Docker is not available where the tests run, so these read the
files; the two-process test (test_two_processes.py) is what proves the cluster works."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
APPS = ("app1", "app2", "app3")
KEERPUNT_SECRETS = {"keerpunt_database_url", "keerpunt_encryption_keys", "keerpunt_session_secret"}
# Settings that carry a secret: they come from files in the secrets folder, never from
# the compose file's environment.
SECRET_SETTINGS = {"KEERPUNT_DATABASE_URL", "KEERPUNT_ENCRYPTION_KEYS", "KEERPUNT_SESSION_SECRET"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _nginx() -> str:
    text = (DEPLOY / "nginx-compose.conf").read_text()
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_the_pieces_are_there(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"postgres", "redis", "migrate", *APPS, "nginx"}


def test_the_migration_runs_once_and_finishes_before_any_app_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["keerpunt", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APPS:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "command" not in services[name], name


def test_redis_keeps_nothing_on_disk(services: dict[str, dict[str, Any]]) -> None:
    redis = services["redis"]
    command = redis["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert "volumes" not in redis


def test_each_app_is_a_cluster_member_behind_the_proxy(
    services: dict[str, dict[str, Any]],
) -> None:
    nginx_address = services["nginx"]["networks"]["backend"]["ipv4_address"]
    for name in APPS:
        app = services[name]
        env = _environment(app)
        assert env["KEERPUNT_REDIS_URL"].startswith("redis://redis:"), name
        assert env["KEERPUNT_REDIS_PREFIX"], name
        assert env["KEERPUNT_TRUSTED_PROXIES"] == nginx_address, name
        assert env["KEERPUNT_SECRETS_DIR"] == "/run/secrets", name
        assert env["KEERPUNT_PUBLIC_ORIGIN"].startswith("${KEERPUNT_PUBLIC_ORIGIN:?"), name
        assert set(app["secrets"]) == KEERPUNT_SECRETS, name
        assert app["depends_on"]["redis"]["condition"] == "service_healthy", name
        check = " ".join(app["healthcheck"]["test"])
        assert "http://127.0.0.1:8000/healthz" in check, name
        assert app["restart"] == "unless-stopped", name
        assert app["read_only"] is True, name
    # The three are the same program with the same settings.
    assert all(services[name] == services[APPS[0]] for name in APPS)


def test_no_secret_value_is_written_in_the_file(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    for name, service in services.items():
        for key, value in _environment(service).items():
            assert key not in SECRET_SETTINGS, (name, key)
            if re.search(r"PASSWORD|SECRET|KEY", key) and key != "KEERPUNT_SECRETS_DIR":
                assert key.endswith("_FILE"), (name, key)
                assert value.startswith("/run/secrets/"), (name, key)
            # No URL with a password in it.
            assert not re.search(r"://[^/@\s]*:[^/@\s]*@", value), (name, key)
    for name, secret in compose["secrets"].items():
        assert set(secret) == {"file"}, name
        assert secret["file"].startswith("./secrets/"), name
    text = (DEPLOY / "compose.yaml").read_text()
    # A key ring ("k1:<base64>") or a long random token would be a secret pasted in.
    assert not re.search(r"\bk\d+:[A-Za-z0-9+/=_-]{20,}", text)
    assert not re.search(r"[A-Za-z0-9_-]{32,}", text)


def test_only_the_proxy_is_reachable_from_outside(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert [name for name, s in services.items() if "ports" in s] == ["nginx"]
    assert set(services["nginx"]["ports"]) == {"80:80", "443:443"}
    assert compose["networks"]["backend"]["internal"] is True
    for name, service in services.items():
        if name != "nginx":
            assert list(service["networks"]) == ["backend"], name


def test_the_proxy_runs_our_config_and_balances_over_the_three_apps(
    services: dict[str, dict[str, Any]],
) -> None:
    nginx = services["nginx"]
    assert "./nginx-compose.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert any(v.endswith(":/etc/nginx/certs:ro") for v in nginx["volumes"])
    # `resolve` on an upstream server needs nginx 1.27.3 or newer.
    major, minor = (int(n) for n in nginx["image"].split(":")[1].split("-")[0].split(".")[:2])
    assert (major, minor) >= (1, 28)
    text = _nginx()
    upstream = re.search(r"upstream\s+keerpunt\s*\{([^}]*)\}", text)
    assert upstream is not None
    servers = re.findall(r"server\s+(\S+)", upstream.group(1))
    assert servers == [f"{name}:8000" for name in APPS]
    assert re.search(r"\b(least_conn|ip_hash)\s*;", upstream.group(1))
    for name in APPS:
        assert nginx["depends_on"][name]["condition"] == "service_healthy"
    # Every location hands on to that upstream, the socket with the Upgrade headers.
    passes = re.findall(r"proxy_pass\s+([^;]+);", text)
    assert passes
    assert set(passes) == {"http://keerpunt"}
    socket = re.search(r"location\s*=\s*/api/v1/ws\s*\{([^}]*)\}", text)
    assert socket is not None
    assert "proxy_set_header Upgrade $http_upgrade;" in socket.group(1)
    assert "proxy_set_header Connection $keerpunt_connection;" in socket.group(1)
    assert re.search(r"listen\s+443\s+ssl\s*;", text)
    assert "ssl_certificate     /etc/nginx/certs/fullchain.pem;" in text


def test_the_image_installs_only_hashed_dependencies_and_runs_unprivileged() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    instructions = [line.strip() for line in text.splitlines() if not line.startswith("#")]
    froms = [line.split()[1] for line in instructions if line.startswith("FROM ")]
    assert froms
    assert all(image == "python:3.11-slim" for image in froms)
    assert "--require-hashes -r /tmp/requirements.lock" in text
    assert re.search(r"pip install [^\n]*--no-deps /wheels/", text)
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}
    cmd = next(line for line in reversed(instructions) if line.startswith("CMD "))
    assert '"keerpunt", "serve", "--host", "0.0.0.0"' in cmd
