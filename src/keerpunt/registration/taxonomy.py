"""The registration taxonomy as data: versioned lists of stable codes with Dutch and
English labels (`keerpunt/data/taxonomy.toml` is the shipped first version).

A version, once loaded, never changes, and a later version may reword or retire a code
but never drop it or move it to another list, so every registration keeps the meaning
it was made with and a report can read it back with that version's labels.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from keerpunt.core.errors import first_problem
from keerpunt.organisation import Strict, Text

SINGLE = ("outcome", "visitor", "age_band", "region", "crime_involvement")
MULTIPLE = ("crime_forms", "other_problems", "signals", "help_questions", "help_offered", "safety")
LISTS = SINGLE + MULTIPLE
# The product acts on these codes, so no version may drop or retire them.
RESERVED: dict[str, tuple[str, ...]] = {
    "outcome": ("conversation_held", "no_content", "duplicate"),
    "crime_involvement": ("yes",),
    "safety": ("acute_danger",),
    "help_offered": ("warm_handover",),
}
MAX_SOURCE_CHARS = 200_000


class TaxonomyError(ValueError):
    """The file cannot be used; the message is one line saying what and where."""


class Item(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: Text
    retired: bool = False


Items = Annotated[tuple[Item, ...], Field(min_length=1, max_length=60)]


class Taxonomy(Strict):
    version: int = Field(ge=1, le=1_000_000)
    outcome: Items
    visitor: Items
    age_band: Items
    region: Items
    crime_involvement: Items
    crime_forms: Items
    other_problems: Items
    signals: Items
    help_questions: Items
    help_offered: Items
    safety: Items
    _index: dict[str, dict[str, Item]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _codes(self) -> Taxonomy:
        self._index = {name: {item.code: item for item in self.items(name)} for name in LISTS}
        for name in LISTS:
            codes = [item.code for item in self.items(name)]
            doubled = sorted({code for code in codes if codes.count(code) > 1})
            if doubled:
                raise ValueError(f"{name}: code {doubled[0]!r} appears twice")
        for name, reserved in RESERVED.items():
            for code in reserved:
                item = self.item(name, code)
                if item is None or item.retired:
                    raise ValueError(f"{name}: the reserved code {code!r} must be present")
        return self

    def items(self, name: str) -> tuple[Item, ...]:
        items: tuple[Item, ...] = getattr(self, name)
        return items

    def item(self, name: str, code: str) -> Item | None:
        return self._index[name].get(code)

    def label(self, name: str, code: str | None) -> Text | None:
        item = self.item(name, code) if code else None
        return item.label if item else None


def parse_taxonomy(source: str) -> Taxonomy:
    """Raises TaxonomyError with one readable line."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TaxonomyError(f"the file is longer than {MAX_SOURCE_CHARS} characters")
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"not a valid TOML file: {exc}") from None
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        raise TaxonomyError(first_problem(exc, whole="file")) from None


def check_successor(earlier: list[Taxonomy], new: Taxonomy) -> None:
    """Refuse a version that would change what an old registration means."""
    if earlier and new.version <= max(t.version for t in earlier):
        latest = max(t.version for t in earlier)
        raise TaxonomyError(f"version must be higher than {latest}, the latest loaded")
    for old in sorted(earlier, key=lambda t: t.version):
        for name in LISTS:
            for item in old.items(name):
                now = new.item(name, item.code)
                if now is None:
                    moved = [other for other in LISTS if new.item(other, item.code) is not None]
                    where = f" (it moved to {moved[0]})" if moved else ""
                    raise TaxonomyError(
                        f"{name}: code {item.code!r} of version {old.version} is missing{where};"
                        " keep it with retired = true instead"
                    )
                if now.label.nl != item.label.nl and now.label.en != item.label.en:
                    raise TaxonomyError(
                        f"{name}: code {item.code!r} has new Dutch and English labels, which"
                        " looks like a new meaning; retire it and add a new code instead"
                    )


def shipped_source() -> str:
    return (resources.files("keerpunt") / "data" / "taxonomy.toml").read_text(encoding="utf-8")


@cache
def parsed(source: str) -> Taxonomy:
    """Versions never change once loaded, so each source is parsed once per process."""
    return parse_taxonomy(source)
