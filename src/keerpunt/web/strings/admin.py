"""The admin page's script texts."""

from keerpunt.web.strings import N_

ADMIN = {
    "session_ended": N_("Your session has ended. Log in again to go on."),
}
