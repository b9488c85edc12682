"""The organisation's policy as data: opening hours, help lines, quick exit, feedback and
the escalation protocol for acute danger.

An organisation changes these without code by pointing KEERPUNT_ORGANISATION_FILE at its
own copy of `keerpunt/data/organisation.toml`. A broken file stops the server at start
with one line that says what is wrong, never halfway through a chat.
"""

from __future__ import annotations

import tomllib
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from keerpunt.config import ConfigError

Locale = Literal["nl", "en"]
LOCALES: tuple[Locale, ...] = ("nl", "en")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, locale: Locale) -> str:
        return self.nl if locale == "nl" else self.en


class Span(Strict):
    start: time
    end: time | None  # None is midnight at the end of the day

    @classmethod
    def parse(cls, text: str) -> Span:
        try:
            start_text, end_text = text.split("-")
            start = time.fromisoformat(start_text.strip())
            end_text = end_text.strip()
            end = None if end_text == "24:00" else time.fromisoformat(end_text)
        except ValueError:
            raise ValueError(f"{text!r} is not a range like '12:00-22:00'") from None
        if end is not None and end <= start:
            raise ValueError(f"{text!r} ends before it starts")
        return cls(start=start, end=end)


DaySpans = Annotated[tuple[Span, ...], Field(max_length=6)]


class OpeningHours(Strict):
    monday: DaySpans = ()
    tuesday: DaySpans = ()
    wednesday: DaySpans = ()
    thursday: DaySpans = ()
    friday: DaySpans = ()
    saturday: DaySpans = ()
    sunday: DaySpans = ()

    @field_validator(*WEEKDAYS, mode="before")
    @classmethod
    def _spans(cls, value: object) -> object:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(sorted((Span.parse(item) for item in value), key=lambda s: s.start))
        return value

    def day(self, weekday: int) -> tuple[Span, ...]:
        spans: tuple[Span, ...] = getattr(self, WEEKDAYS[weekday])
        return spans


class HelpLine(Strict):
    name: Text
    contact: str = Field(min_length=1, max_length=40)
    text: Text


class Choice(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text


class FeedbackQuestion(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    question: Text
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=6)


class Organisation(Strict):
    timezone: str = "Europe/Amsterdam"
    quick_exit_url: str = Field(pattern=r"^(https?://|/)[^\s]*$")
    opening_hours: OpeningHours
    closed_dates: tuple[date, ...] = ()
    help_lines: tuple[HelpLine, ...] = Field(default=(), max_length=10)
    feedback: tuple[FeedbackQuestion, ...] = Field(default=(), max_length=3)
    # Shown to the counselor who marks acute danger in a registration.
    escalation_protocol: Text

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def default_file() -> Path:
    return Path(str(resources.files("keerpunt") / "data" / "organisation.toml"))


def load_organisation(path: Path | None = None) -> Organisation:
    """Raises ConfigError with one readable line when the file cannot be used."""
    path = path or default_file()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"organisation file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"organisation file {path}: {exc}") from None
    try:
        return Organisation.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"organisation file {path}: {where}: {first['msg']}") from None
