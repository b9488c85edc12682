"""Structured, one-line logs that never carry message text, passwords or tokens.

The filter works on the record's arguments and extra fields by name, and cuts every
string so one hostile value cannot flood the log or forge extra lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

REDACTED_FIELDS = frozenset(
    {"body", "text", "password", "token", "ticket", "authorization", "cookie", "totp", "secret"}
)
MAX_FIELD_CHARS = 512
MAX_TRACEBACK_CHARS = 8000
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\r", "\\r").replace("\n", "\\n").replace("\x1b", "\\x1b")
        return value if len(value) <= MAX_FIELD_CHARS else value[:MAX_FIELD_CHARS] + "…"
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _clean(repr(value))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(record.__dict__):
            if key.lower() in REDACTED_FIELDS:
                record.__dict__[key] = "[redacted]"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": _clean(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _clean(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            # Code locations only: database errors are built without row values
            # (hide_parameters), and one record stays one line.
            entry["traceback"] = self.formatException(record.exc_info)[-MAX_TRACEBACK_CHARS:]
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's access log would write every path; paths hold no secrets here, but the
    # client address does, and no chatter address may be written anywhere.
    logging.getLogger("uvicorn.access").disabled = True
