"""Opening hours: open or closed, and when that changes, in the organisation's timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from keerpunt.chat.hours import opening_state
from keerpunt.config import ConfigError
from keerpunt.organisation import Organisation, load_organisation

BASE = {
    "quick_exit_url": "https://example.org/",
    "timezone": "Europe/Amsterdam",
    "escalation_protocol": {"nl": "Bel 112.", "en": "Call 112."},
}


def org(**values: object) -> Organisation:
    return Organisation.model_validate({**BASE, **values})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_open_within_the_hours_and_closed_outside_them() -> None:
    weekdays = org(opening_hours={"saturday": ["14:00-22:00"]})
    # Saturday 21 November 2026, Amsterdam is UTC+1.
    inside = opening_state(weekdays, at("2026-11-21T13:30:00+00:00"))
    assert inside.open
    assert inside.closes_at == at("2026-11-21T22:00:00+01:00")
    before = opening_state(weekdays, at("2026-11-21T12:59:00+00:00"))
    assert not before.open
    assert before.opens_at == at("2026-11-21T14:00:00+01:00")
    after = opening_state(weekdays, at("2026-11-21T21:00:00+00:00"))
    assert after.opens_at == at("2026-11-28T14:00:00+01:00")  # a week later


def test_summer_time_is_the_local_clock() -> None:
    hours = org(opening_hours={"monday": ["09:00-17:00"]})
    state = opening_state(hours, at("2026-07-06T06:30:00+00:00"))  # 08:30 in Amsterdam
    assert state.opens_at == at("2026-07-06T09:00:00+02:00")


def test_a_closed_date_skips_that_day() -> None:
    hours = org(
        opening_hours={"friday": ["12:00-22:00"]},
        closed_dates=["2026-12-25"],
    )
    state = opening_state(hours, at("2026-12-25T12:00:00+00:00"))
    assert not state.open
    assert state.opens_at == at("2027-01-01T12:00:00+01:00")


def test_back_to_back_hours_close_at_the_real_end() -> None:
    late = org(opening_hours={"friday": ["20:00-24:00"], "saturday": ["00:00-02:00"]})
    state = opening_state(late, at("2026-11-20T22:00:00+00:00"))  # Friday 23:00
    assert state.open
    assert state.closes_at == at("2026-11-21T02:00:00+01:00")
    always = org(
        opening_hours={
            day: ["00:00-24:00"]
            for day in (
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            )
        }
    )
    assert opening_state(always, datetime.now(UTC)).closes_at is None


def test_no_hours_means_closed_with_no_opening() -> None:
    state = opening_state(org(opening_hours={}), at("2026-11-21T12:00:00+00:00"))
    assert (state.open, state.opens_at) == (False, None)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('monday = ["22:00-12:00"]', "ends before it starts"),
        ('monday = ["noon"]', "is not a range like"),
        ('funday = ["10:00-12:00"]', "funday"),
    ],
)
def test_a_broken_file_is_refused_with_one_clear_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "organisation.toml"
    path.write_text(f'quick_exit_url = "https://example.org/"\n[opening_hours]\n{line}\n')
    with pytest.raises(ConfigError, match=message) as caught:
        load_organisation(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_shipped_file_loads_and_speaks_both_languages() -> None:
    shipped = load_organisation()
    assert shipped.help_lines[0].contact == "112"
    assert 1 <= len(shipped.feedback) <= 3
    assert shipped.feedback[0].question("nl") != shipped.feedback[0].question("en")
    with pytest.raises(ConfigError, match="organisation file"):
        load_organisation(Path("/nonexistent/organisation.toml"))
