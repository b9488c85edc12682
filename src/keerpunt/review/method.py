"""The method conversations are reviewed against, read from `data/review_method.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.organisation import Text

Answer = Literal["done", "partly", "not_done", "not_applicable"]
ANSWERS: tuple[Answer, ...] = ("done", "partly", "not_done", "not_applicable")


class MethodItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: Text


class Method(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    item: tuple[MethodItem, ...] = Field(min_length=1, max_length=30)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.item)


@cache
def method() -> Method:
    source = (resources.files("keerpunt") / "data" / "review_method.toml").read_text("utf-8")
    return Method.model_validate(tomllib.loads(source))
