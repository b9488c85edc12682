"""ISO weeks ("2026-W49") in the organisation's time zone: what samples and the quality
page count by."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from keerpunt.core.errors import Invalid

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week_of(moment: datetime, zone: ZoneInfo) -> str:
    year, number, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{number:02d}"


def week_of_day(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def monday(name: str) -> date:
    match = WEEK.match(name)
    if match is None:
        raise Invalid(f"{name!r} is not a week like 2026-W49", code="bad_week", field="week")
    if not 2000 <= int(match[1]) <= 2999:
        raise Invalid(f"{name} is not a week of this era", code="bad_week", field="week")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise Invalid(f"{name} has no such week", code="bad_week", field="week") from None


def bounds(name: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 up to the next Monday 00:00, local time, as UTC instants."""
    first = monday(name)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(first + timedelta(days=7), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def previous(name: str) -> str:
    return week_of_day(monday(name) - timedelta(days=7))


def recent(last: str, count: int) -> list[str]:
    """`count` weeks up to and including `last`, oldest first."""
    first = monday(last)
    return [week_of_day(first - timedelta(days=7 * n)) for n in range(count - 1, -1, -1)]
