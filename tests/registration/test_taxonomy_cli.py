"""`keerpunt taxonomy show | load | export`, as an admin uses them on a migrated database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from keerpunt.cli import app
from keerpunt.db import migrate
from keerpunt.privacy.crypto import KeyRing
from keerpunt.registration.taxonomy import shipped_source


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite database holding the shipped version 1, and settings that point
    the command at it."""
    for name in [name for name in os.environ if name.startswith("KEERPUNT_")]:
        monkeypatch.delenv(name)
    url = f"sqlite+aiosqlite:///{tmp_path / 'keerpunt.db'}"
    monkeypatch.setenv("KEERPUNT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KEERPUNT_DATABASE_URL", url)
    monkeypatch.setenv(
        "KEERPUNT_ENCRYPTION_KEYS", KeyRing.encode_spec({"k1": KeyRing.generate_key()})
    )
    monkeypatch.setenv("KEERPUNT_SESSION_SECRET", secrets.token_urlsafe(32))
    assert keerpunt("db", "upgrade").exit_code == 0
    assert migrate.is_current(url)
    return url


def keerpunt(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def version_2(tmp_path: Path) -> Path:
    """The shipped file as an admin edits it: version 2, burglary retired, a new form."""
    source = shipped_source().replace("version = 1\n", "version = 2\n", 1)
    source = source.replace('code = "burglary"\n', 'code = "burglary"\nretired = true\n', 1)
    source += (
        "\n[[crime_forms]]\n"
        'code = "scooter_theft"\n'
        'label = { nl = "Scooterdiefstal", en = "Scooter theft" }\n'
    )
    path = tmp_path / "taxonomy-v2.toml"
    path.write_text(source, encoding="utf-8")
    return path


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_show_lists_every_code_with_its_dutch_label(database: str) -> None:
    shown = keerpunt("taxonomy", "show")
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("taxonomy version 1, loaded ")
    assert "crime_forms (several may apply)" in shown.stdout
    assert "  burglary          Inbraak\n" in shown.stdout
    assert "[retired]" not in shown.stdout


def test_a_version_that_retires_a_code_and_adds_one_is_loaded(
    database: str, tmp_path: Path
) -> None:
    loaded = keerpunt("taxonomy", "load", str(version_2(tmp_path)))
    assert loaded.exit_code == 0, loaded.stderr
    assert loaded.stdout.strip() == "loaded taxonomy version 2"

    shown = keerpunt("taxonomy", "show").stdout
    assert shown.startswith("taxonomy version 2, loaded ")
    assert "Inbraak  [retired]" in shown
    assert "scooter_theft" in shown
    assert "Scooterdiefstal" in shown


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda source: source.replace('code = "theft"', 'code = "stealing"', 1),
            "error: crime_forms: code 'theft' of version 1 is missing;"
            " keep it with retired = true instead",
        ),
        (
            lambda source: source.replace("version = 2\n", "version = 1\n", 1),
            "error: version must be higher than 1, the latest loaded",
        ),
    ],
    ids=["drops_a_code", "same_version"],
)
def test_a_refused_file_says_why_in_one_line_and_changes_nothing(
    database: str, tmp_path: Path, edit: Callable[[str], str], reason: str
) -> None:
    path = version_2(tmp_path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = keerpunt("taxonomy", "export").stdout

    assert one_line_error(keerpunt("taxonomy", "load", str(path))) == reason
    assert keerpunt("taxonomy", "export").stdout == before
    assert keerpunt("taxonomy", "show").stdout.startswith("taxonomy version 1,")


def test_a_file_that_cannot_be_read_or_parsed_is_one_line_too(
    database: str, tmp_path: Path
) -> None:
    missing = one_line_error(keerpunt("taxonomy", "load", str(tmp_path / "nothing.toml")))
    assert missing == f"error: cannot read {tmp_path / 'nothing.toml'}: No such file or directory"

    binary = tmp_path / "picture.toml"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    assert one_line_error(keerpunt("taxonomy", "load", str(binary))).endswith("not UTF-8 text")

    broken = tmp_path / "broken.toml"
    broken.write_text("version = [\n", encoding="utf-8")
    assert "not a valid TOML file" in one_line_error(keerpunt("taxonomy", "load", str(broken)))

    # A pattern in the reason is shown as written, not read as console markup.
    bad_code = tmp_path / "bad-code.toml"
    bad_code.write_text(
        version_2(tmp_path).read_text(encoding="utf-8").replace('"scooter_theft"', '"Scooter"'),
        encoding="utf-8",
    )
    assert "[a-z0-9_]" in one_line_error(keerpunt("taxonomy", "load", str(bad_code)))


def test_export_prints_the_source_as_loaded(database: str, tmp_path: Path) -> None:
    exported = keerpunt("taxonomy", "export")
    assert exported.exit_code == 0
    assert exported.stdout == shipped_source()

    path = version_2(tmp_path)
    assert keerpunt("taxonomy", "load", str(path)).exit_code == 0
    assert keerpunt("taxonomy", "export").stdout == path.read_text(encoding="utf-8")
