"""Domain errors. Each carries an HTTP status, a stable machine code and a reason for people.

The domain raises these; the HTTP layer and the socket gateway turn them into a response or
an `error` frame, so both transports say the same thing for the same mistake.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, reason: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        # The one input field at fault, so a form can put the message beside it.
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """Also what a caller gets for something that exists but is not theirs to see."""

    status = 404
    code = "not_found"


class Refused(NotFound):
    """Something that exists, refused to this caller by role or relation. It answers exactly
    like NotFound; the HTTP and socket edges also write a `denied` access-log entry when the
    caller is staff (a thing that is really missing raises plain NotFound, and is not
    logged)."""

    def __init__(self, reason: str, *, conversation: str | None = None) -> None:
        super().__init__(reason)
        self.conversation = conversation


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Gone(DomainError):
    status = 410
    code = "gone"


class TooMany(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Blocked(DomainError):
    """A counselor blocked this chatter (or, for new chats, their source) for a while.
    Not a 404: the chatter knows their own chat exists, and should know to wait."""

    status = 403
    code = "blocked"

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def first_problem(exc: ValidationError, whole: str = "") -> str:
    """One line for people: where the first rule broke ("ends_on", "region.3.code"; `whole`
    when it was the input as a whole) and what it says."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


class BrokenRule(BaseModel):
    """One rule a request broke: where (`loc`), which rule (`type`) and in words (`msg`)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorRead(BaseModel):
    """Every error answer: a stable code, and a reason in words (or, for input that does not
    fit the schema, the rules it broke); `field` names the one input field at fault."""

    code: str
    detail: str | list[BrokenRule]
    field: str | None = None


# Row ids and sequence numbers are 32-bit integer columns: anything larger is no row,
# and must be refused as input before a database driver chokes on it.
MAX_ROW_ID = 2**31 - 1
