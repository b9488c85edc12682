"""Who is calling: an anonymous chatter or a staff member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["counselor", "supervisor", "analyst", "outreach", "admin", "researcher"]
ROLES: tuple[Role, ...] = ("counselor", "supervisor", "analyst", "outreach", "admin", "researcher")


@dataclass(frozen=True, slots=True)
class ChatterPrincipal:
    chatter_id: str


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    user_id: int
    username: str
    roles: frozenset[str]
    session_hash: str

    def has(self, role: str) -> bool:
        return role in self.roles


Principal = ChatterPrincipal | StaffPrincipal
