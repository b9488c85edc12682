"""Typed settings. Secrets come from the environment or from files in a secrets folder.

Outside development the server refuses to start when a secret is missing, too short or a
placeholder: a help chat that silently runs with a known key protects nobody.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "secret", "placeholder", "dev", "test", "xxx"}
MIN_SECRET_BYTES = 32


class ConfigError(Exception):
    """A setting is missing or unsafe; the message is one line meant for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEERPUNT_", extra="ignore")

    env: Literal["development", "production"] = "production"
    data_dir: Path = Path("data")
    database_url: str = ""
    # "id:base64key,id:base64key": the first key encrypts, every listed key decrypts.
    encryption_keys: SecretStr | None = None
    session_secret: SecretStr | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = True
    # Addresses of the reverse proxies whose X-Forwarded-For to believe ("127.0.0.1",
    # comma-separated, or "*"); empty: none. The address is only turned into today's keyed
    # hashes (to count distinct visitors and for the abuse limits) and then dropped.
    trusted_proxies: str = ""
    # The address people open, e.g. "https://chat.example.nl". When set, only pages from
    # exactly this origin may open a socket or write with a staff cookie; when empty, the
    # origin must match the Host the request came in on.
    public_origin: str = ""
    session_idle_minutes: int = 15
    session_absolute_hours: int = 10

    # Pages treat a socket without any frame for two heartbeats plus 5 s as dead, so this
    # stays at or below 27.5 s: a dead link is noticed within 60 s (SECURITY.md S05).
    heartbeat_seconds: float = Field(default=25.0, gt=0, le=27.5)
    # The server pings every socket (a WebSocket ping, answered by the browser itself) this
    # often and drops one that has not answered within the timeout: a silent, half-open
    # link is freed within their sum, 40 s by default (S05 promises 60).
    ws_ping_interval_seconds: float = Field(default=20.0, gt=0, le=30)
    ws_ping_timeout_seconds: float = Field(default=20.0, gt=0, le=30)
    # Frames one socket may send: a burst, then this many a second. A socket over budget
    # is read more slowly (S09); an honest page sends a few frames a minute, and at most
    # one subscribe per chat plus its unacknowledged messages after a reconnect.
    socket_frames_per_second: float = Field(default=20.0, gt=0)
    socket_frame_burst: int = Field(default=60, ge=1)
    hello_timeout_seconds: float = Field(default=10.0, gt=0)
    ticket_seconds: int = Field(default=60, gt=0, le=60)
    longpoll_max_seconds: int = Field(default=30, gt=0, le=30)
    # A chat is shown as "waiting long" to staff and the wait estimate looks this far back.
    wait_estimate_window_minutes: int = 120
    # A returning chatter waits this long for the counselor they spoke with last (when
    # that counselor is logged in, not paused and has room) before anyone may accept.
    returning_offer_seconds: int = Field(default=60, ge=0, le=600)
    # Automatic assignment: the longest-waiting chat is offered to one counselor (the one
    # idle longest with room under the cap) for offer_seconds, then to the next.
    auto_assign: bool = False
    offer_seconds: int = Field(default=30, ge=5, le=600)
    max_message_chars: int = 4000
    # Abuse limits (S18), in the `limits` notation: "5/10 minutes", several joined by ";".
    # A source is one address (through its keyed hash); a chatter is one token or account.
    # Staff are never limited this way. A phone network or a school shares one address,
    # so the per-source numbers are generous.
    limit_new_chats_per_source: str = "5/10 minutes"
    limit_messages_per_chatter: str = "15/10 seconds; 120/10 minutes"
    limit_messages_per_source: str = "60/minute; 600/hour"
    # Partner editions of reports show counts below this as "< k" (and hide what would
    # reveal them).
    report_threshold: int = Field(default=5, ge=2, le=100)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "FULL"
    # Several server processes share events, abuse counters, today's visitor keys and
    # sources through Redis ("redis://127.0.0.1:6379/0"); empty: one process keeps them
    # in memory (the embedded default). Every key starts with the prefix, so several
    # installations (or test runs) can share one Redis.
    redis_url: str = ""
    redis_prefix: str = Field(
        default="keerpunt", min_length=1, max_length=64, pattern=r"^[\w.:-]+$"
    )
    # Logs are JSON lines on stderr; with a file set, in that file as well (mode 0600,
    # reopened after logrotate moves it).
    log_file: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # How often the server writes a signed checkpoint of the access log to the log.
    audit_checkpoint_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # A conversation's text (messages, registration notes, handover summaries) is deleted
    # this many days after the conversation ended, unless a handover or a hold keeps it.
    retention_days: int = Field(default=90, ge=1, le=3650)
    # Run the retention job once a day inside the server; off to run it only from cron
    # (`keerpunt retention run`).
    retention_schedule: bool = True
    # Review: the share of a week's held conversations drawn for review, per counselor
    # (rounded up, at least one for a counselor who held any).
    review_sample_share: float = Field(default=0.1, gt=0, le=1)
    # Outreach: the text of matched Telegram posts is deleted this many days after it
    # was posted, unless its item is still open (new or in review); counts stay.
    outreach_retention_days: int = Field(default=30, ge=1, le=3650)
    # The live collector's Telegram account (my.telegram.org) and its session string
    # (Telethon's StringSession: as good as a password). Without them, no live collection.
    telegram_api_id: int | None = None
    telegram_api_hash: SecretStr | None = None
    telegram_session: SecretStr | None = None
    # History requests per minute over all sources, and the flood wait above which the
    # whole collector pauses (and says so) instead of only the source that hit it.
    outreach_requests_per_minute: int = Field(default=20, ge=1, le=600)
    outreach_pause_above_seconds: int = Field(default=600, ge=1, le=86400)

    # The organisation's policy (opening hours, help lines, quick exit, feedback); the
    # shipped example when unset. See keerpunt/data/organisation.toml.
    organisation_file: Path | None = None
    # Demos and tests only: take chats whatever the opening hours say.
    always_open: bool = False

    @field_validator(
        "limit_new_chats_per_source", "limit_messages_per_chatter", "limit_messages_per_source"
    )
    @classmethod
    def _limits(cls, value: str) -> str:
        if not value.strip():
            return value  # no limit: for load tests only
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a limit like '5/10 minutes; 100/day': {value!r}") from exc
        return value

    @field_validator("database_url", "redis_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        # Checked at start, so a typo is one line there, not a traceback at first use.
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'keerpunt.db').as_posix()}"

    def keyring_spec(self) -> dict[str, bytes]:
        """The encryption keys by id, the active one first."""
        if self.encryption_keys is None:
            raise ConfigError(
                "KEERPUNT_ENCRYPTION_KEYS is not set: run 'keerpunt keys init' or set it"
            )
        keys: dict[str, bytes] = {}
        for part in self.encryption_keys.get_secret_value().split(","):
            key_id, sep, encoded = part.strip().partition(":")
            if not sep or not key_id:
                raise ConfigError("KEERPUNT_ENCRYPTION_KEYS must look like 'k1:<base64 key>'")
            try:
                raw = base64.urlsafe_b64decode(encoded.encode())
            except (binascii.Error, ValueError) as exc:
                raise ConfigError(f"encryption key {key_id!r} is not valid base64") from exc
            if len(raw) != 32:
                raise ConfigError(f"encryption key {key_id!r} must be 32 bytes (AES-256)")
            keys[key_id] = raw
        return keys

    def session_secret_bytes(self) -> bytes:
        if self.session_secret is None:
            raise ConfigError(
                "KEERPUNT_SESSION_SECRET is not set: run 'keerpunt keys init' or set it"
            )
        value = self.session_secret.get_secret_value().strip()
        if value.lower() in PLACEHOLDERS or len(value.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"KEERPUNT_SESSION_SECRET is a placeholder or shorter than {MIN_SECRET_BYTES} bytes"
            )
        return value.encode()

    def check(self) -> None:
        """Raise ConfigError unless the secrets are usable; development may run without them."""
        if self.is_development and self.encryption_keys is None and self.session_secret is None:
            return
        self.keyring_spec()
        self.session_secret_bytes()


def secrets_dir() -> Path | None:
    configured = os.environ.get("KEERPUNT_SECRETS_DIR")
    if configured:
        return Path(configured)
    data_dir = Path(os.environ.get("KEERPUNT_DATA_DIR", "data"))
    candidate = data_dir / "secrets"
    return candidate if candidate.is_dir() else None


def load_settings() -> Settings:
    """Settings from the environment, with secrets files (one per setting) as a fallback."""
    folder = secrets_dir()
    if folder is None:
        return Settings()
    if not folder.is_dir():
        raise ConfigError(f"KEERPUNT_SECRETS_DIR {folder} is not a folder")
    return Settings(_secrets_dir=folder)
