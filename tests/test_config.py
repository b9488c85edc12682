"""Settings refuse to run without real secrets outside development."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr

from keerpunt.config import ConfigError, Settings, load_settings
from keerpunt.privacy.crypto import KeyRing

GOOD_KEYS = KeyRing.encode_spec({"k1": KeyRing.generate_key()})


def test_production_refuses_missing_or_placeholder_secrets() -> None:
    with pytest.raises(ConfigError, match="KEERPUNT_ENCRYPTION_KEYS is not set"):
        Settings(env="production").check()
    with pytest.raises(ConfigError, match="KEERPUNT_SESSION_SECRET is not set"):
        Settings(env="production", encryption_keys=SecretStr(GOOD_KEYS)).check()
    for secret in ("changeme", "short"):
        with pytest.raises(ConfigError, match="placeholder or shorter"):
            Settings(
                env="production",
                encryption_keys=SecretStr(GOOD_KEYS),
                session_secret=SecretStr(secret),
            ).check()
    for keys in ("k1:not-base64!", "k1:" + "A" * 8, "no-colon"):
        with pytest.raises(ConfigError):
            Settings(
                env="production",
                encryption_keys=SecretStr(keys),
                session_secret=SecretStr(secrets.token_urlsafe(32)),
            ).check()
    Settings(
        env="production",
        encryption_keys=SecretStr(GOOD_KEYS),
        session_secret=SecretStr(secrets.token_urlsafe(32)),
    ).check()
    # Development may run without any secrets (ephemeral keys, with a warning).
    Settings(env="development").check()


def test_secrets_are_read_from_a_secrets_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "keerpunt_encryption_keys").write_text(GOOD_KEYS)
    (folder / "keerpunt_session_secret").write_text(secrets.token_urlsafe(32))
    monkeypatch.setenv("KEERPUNT_SECRETS_DIR", str(folder))
    monkeypatch.setenv("KEERPUNT_ENV", "production")
    settings = load_settings()
    settings.check()
    assert list(settings.keyring_spec()) == ["k1"]
