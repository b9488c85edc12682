"""The counselor console's script texts."""

from keerpunt.web.strings import N_

CONSOLE = {
    "state_connecting": N_("Connecting…"),
    "state_online": N_("Connected"),
    "state_reconnecting": N_("Connection lost. Trying again…"),
}
