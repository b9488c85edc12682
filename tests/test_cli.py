"""The command line, as an operator uses it: real processes, real files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live import PASSWORD


def keerpunt(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keerpunt", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEERPUNT_")}
    env.update({"KEERPUNT_DATA_DIR": str(tmp_path / "data"), **extra})
    return env


def test_serve_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = keerpunt("serve", env=clean_env(tmp_path, KEERPUNT_ENV="production"))
    assert result.returncode == 2
    assert "KEERPUNT_ENCRYPTION_KEYS is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_keys_schema_and_users_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, KEERPUNT_ENV="production")
    assert keerpunt("keys", "init", env=env).returncode == 0
    secrets_dir = tmp_path / "data" / "secrets"
    for name in ("keerpunt_encryption_keys", "keerpunt_session_secret"):
        assert (secrets_dir / name).stat().st_mode & 0o777 == 0o600
    before = (secrets_dir / "keerpunt_encryption_keys").read_text()
    keerpunt("keys", "init", env=env)
    assert (secrets_dir / "keerpunt_encryption_keys").read_text() == before  # never replaced

    not_yet = keerpunt("serve", env=env)
    assert not_yet.returncode == 2
    assert "keerpunt db upgrade" in not_yet.stderr

    assert keerpunt("db", "upgrade", env=env).returncode == 0
    assert (tmp_path / "data" / "keerpunt.db").stat().st_mode & 0o077 == 0
    created = keerpunt(
        "user", "create", "anna", "--role", "counselor", "--password-stdin",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    again = keerpunt(
        "user", "create", "anna", "--role", "counselor", "--password-stdin",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert again.returncode == 1
    assert "exists already" in again.stderr
    bad_role = keerpunt(
        "user", "create", "bram", "--role", "police", "--password-stdin",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert bad_role.returncode == 1
    assert "roles must be" in bad_role.stderr
    assert "Traceback" not in again.stderr + bad_role.stderr


def test_demo_serves_with_the_chosen_password(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    env = clean_env(
        tmp_path, KEERPUNT_ENV="development", KEERPUNT_DEMO_PASSWORD="demo-wachtwoord-42"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "keerpunt", "demo", "--port", port],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "demo did not start"
            time.sleep(0.2)
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "demo", "password": "demo-wachtwoord-42"},
        )
        assert login.status_code == 200
        assert set(login.json()["roles"]) >= {"counselor"}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert "demo-wachtwoord-42" in output
    assert f"http://127.0.0.1:{port}" in output


def test_a_broken_organisation_file_stops_the_server_with_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "organisation.toml"
    policy.write_text('quick_exit_url = "/"\n[opening_hours]\nmonday = ["22:00-12:00"]\n')
    env = clean_env(tmp_path, KEERPUNT_ENV="development", KEERPUNT_ORGANISATION_FILE=str(policy))
    result = keerpunt("serve", env=env)
    assert result.returncode != 0
    assert "opening_hours.monday" in result.stderr
    assert "ends before it starts" in result.stderr
    assert "Traceback" not in result.stderr
