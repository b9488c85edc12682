"""Role checks for staff routes. A caller without the role is told the thing is not
there, exactly as for something that does not exist."""

from __future__ import annotations

from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.core.errors import Refused


def require_role(staff: StaffPrincipal, *roles: str, what: str = "no such thing") -> None:
    if not staff.roles & set(roles):
        raise Refused(what)
