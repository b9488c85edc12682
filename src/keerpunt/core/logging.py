"""Structured, one-line logs in UTC that never carry message text, passwords, codes or tokens.

Three layers keep secrets out. Fields named like a secret (`password`, `token`, `body`, ...)
are replaced whole. Every string that is written, the formatted message and the exception
text included, is scrubbed: `Bearer x`, `password=x`, `"token": "x"`, a pydantic
`input_value=...` and anything that looks like one of our random tokens (long, URL-safe,
upper and lower case mixed) become `[redacted]`. And each record is cut: a field to
MAX_FIELD_CHARS, the line as a whole to MAX_RECORD_CHARS, with control characters,
terminal escapes and Unicode line separators escaped, so one hostile value can neither
flood the log nor forge or hide a line.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from logging.handlers import WatchedFileHandler
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"
# Field names whose whole value is withheld: what people wrote, and every credential.
REDACTED_FIELDS = frozenset(
    {
        "body",
        "text",
        "notes",
        "summary",
        "password",
        "token",
        "ticket",
        "authorization",
        "cookie",
        "totp",
        "otp",
        "secret",
        "code_value",
        "recovery_code",
    }
)
# A field whose name contains one of these is withheld too ("new_password", "csrf_token").
SECRET_PARTS = ("password", "passwd", "token", "ticket", "secret", "totp", "cookie", "session")
MAX_FIELD_CHARS = 512
MAX_TRACEBACK_CHARS = 8000
# The whole line, JSON escapes included: below the 16 KiB a journald or syslog line takes.
MAX_RECORD_CHARS = 12_000
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}

# From the start of a name only, and a bounded prefix: a long run of word characters must
# not cost quadratic time.
_CREDENTIAL_NAMES = (
    r"(?<![\w-])[\w-]{0,40}?(?:password|passwd|pwd|token|ticket|secret|totp|otp|session|cookie)"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+"), rf"\1 {REDACTED}"),
    # key=value, key: value, "key": "value", key='value' (query strings, reprs, JSON, headers)
    (
        re.compile(rf"(?i)({_CREDENTIAL_NAMES}[\"']?\s*[=:]\s*[\"']?)[^\"'\s,;&)}}\]]+"),
        rf"\1{REDACTED}",
    ),
    # pydantic repeats what was sent; SQLAlchemy the row values (hidden already, but twice
    # is cheap).
    (re.compile(r"input_value=.*?(, input_type=|\]$|$)"), rf"input_value={REDACTED}\1"),
    (re.compile(r"\[parameters: .*?\]"), f"[parameters: {REDACTED}]"),
]
# Our tokens, tickets, secrets and keys: 32 or more URL-safe base64 characters. Hashes and
# ids (hex, UUIDs) are one case only, so they stay readable; paths have slashes.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")
# C0 and C1 controls (ESC, CSI), DEL, line and paragraph separators, bidi overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _token(match: re.Match[str]) -> str:
    found = match.group(0)
    if any(c.isupper() for c in found) and any(c.islower() for c in found):
        return REDACTED
    return found


def scrub(text: str) -> str:
    """The text with whatever looks like a credential replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _TOKEN_LIKE.sub(_token, text)


def _escape(text: str, *, newlines: bool = False) -> str:
    def hexed(match: re.Match[str]) -> str:
        char = match.group(0)
        return char if newlines and char == "\n" else f"\\x{ord(char):02x}"

    return _UNSAFE.sub(hexed, text)


def _clean(value: Any, limit: int = MAX_FIELD_CHARS, *, newlines: bool = False) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if not isinstance(value, str):
        value = repr(value)
    cut = len(value) > limit
    # Scrubbed before the cut with some margin, so a token on the edge is not half kept.
    value = _escape(scrub(value[: limit + 64])[:limit], newlines=newlines)
    return value + "…" if cut else value


def _secret_name(key: str) -> bool:
    name = key.lower()
    return name in REDACTED_FIELDS or any(part in name for part in SECRET_PARTS)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(record.__dict__):
            if key not in _STANDARD and _secret_name(key):
                record.__dict__[key] = REDACTED
        if isinstance(record.args, dict):
            record.args = {
                k: REDACTED if isinstance(k, str) and _secret_name(k) else v
                for k, v in record.args.items()
            }
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": _clean(record.name, 100),
            "event": _clean(message),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[_clean(key, 64)] = REDACTED if _secret_name(key) else _clean(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = _clean(record.exc_info[0].__name__, 100)
            # The end of the traceback is where the error is; the exception text is scrubbed
            # like any other string (database errors are built without row values).
            text = self.formatException(record.exc_info)[-MAX_TRACEBACK_CHARS:]
            # Its newlines stay (JSON writes them as \n, so the record is still one line).
            entry["traceback"] = _clean(text, MAX_TRACEBACK_CHARS, newlines=True)
        return _capped(entry)


def _capped(entry: dict[str, Any]) -> str:
    line = json.dumps(entry, ensure_ascii=False)
    if len(line) <= MAX_RECORD_CHARS:
        return line
    # Too many or too wide fields: keep what says what happened, drop the rest, and make
    # the traceback fit what room is left.
    essential = ("time", "level", "logger", "event", "error")
    kept: dict[str, Any] = {k: entry[k] for k in essential if k in entry}
    kept["truncated"] = True
    traceback = str(entry.get("traceback", ""))
    room = MAX_RECORD_CHARS - len(json.dumps(kept, ensure_ascii=False)) - 20
    while traceback and room > 0:
        kept["traceback"] = traceback[-room:]
        line = json.dumps(kept, ensure_ascii=False)
        if len(line) <= MAX_RECORD_CHARS:
            return line
        room //= 2
    kept.pop("traceback", None)
    return json.dumps(kept, ensure_ascii=False)


def _open_log_file(path: Path) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Only the service account reads it: a log is as private as what little it says.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    # Watched: after logrotate moves the file away, the next record opens a new one.
    return WatchedFileHandler(path, encoding="utf-8")


def configure_logging(level: str = "INFO", file: Path | None = None) -> None:
    """JSON lines on stderr, and in `file` as well when given (KEERPUNT_LOG_FILE)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        handlers.append(_open_log_file(file))
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level.upper())
    # uvicorn's access log would write every path; paths hold no secrets here, but the
    # client address does, and no chatter address may be written anywhere.
    logging.getLogger("uvicorn.access").disabled = True
    # SQLAlchemy writes every statement at INFO when its logger inherits INFO, aiosqlite
    # every statement with its values at DEBUG: they name what staff looked at and hold
    # hashes and sealed text, so only their warnings are kept, whatever the level.
    for talkative in ("sqlalchemy", "aiosqlite", "psycopg"):
        logging.getLogger(talkative).setLevel(logging.WARNING)
    # At DEBUG the socket library writes every frame, message text and tickets included,
    # to uvicorn's error logger.
    for framer in ("uvicorn.error", "websockets"):
        logging.getLogger(framer).setLevel(max(logging.INFO, root.level))
