from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from keerpunt.organisation import Text


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nl: str = Field(min_length=1, max_length=4000)
    en: str = Field(min_length=1, max_length=4000)


class Title(Bilingual):
    nl: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)


class CannedWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    title: Title
    body: Bilingual


class CannedRead(BaseModel):
    id: int
    key: str
    title: Text
    body: Text
    position: int
