"""The staff log-in texts, shared by the console and the admin page (stafflogin.js)."""

from keerpunt.web.strings import N_

LOGIN = {
    "login_missing": N_("Fill in your user name and password."),
    "login_failed": N_("Logging in did not work: {reason}"),
    "login_failed_plain": N_("Logging in did not work. Try again."),
    "login_network": N_("The server cannot be reached. Check the connection and try again."),
    "server_unreachable": N_("The server cannot be reached right now."),
    "session_ended": N_("Your session has ended. Log in again to go on."),
    "logged_out": N_("You are logged out."),
    "logged_in_as": N_("Logged in as {name}"),
    "enrol_code_missing": N_("Type the 6 digits the app shows now."),
}
