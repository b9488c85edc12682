"""The chat page's script texts."""

from keerpunt.web.strings import N_

CHAT = {
    "state_connecting": N_("Connecting…"),
    "state_online": N_("Connected"),
    "state_offline": N_("No connection. Your messages wait and are sent when you are back."),
    "state_reconnecting": N_("Connection lost. Trying again…"),
    "state_polling": N_("Connected (slow connection mode)"),
    "queue_position": N_("You are number {position} in line."),
    "queue_first": N_("You are next in line."),
    "queue_wait": N_("Expected wait: about {minutes} min."),
    "queue_wait_short": N_("Expected wait: less than a minute."),
    "queue_type_ahead": N_("You can already start typing. A counselor reads it when they join."),
    "sending": N_("Sending…"),
    "sent": N_("Sent"),
    "refused": N_("Not sent."),
    "refused_ended": N_("Not sent: the chat has ended."),
    # Over an abuse limit or blocked: the message waits and goes again by itself.
    "held": N_("Wait a moment: your message is sent shortly."),
    "held_blocked": N_("You cannot send messages for a while. Your message stays here."),
    "start_rate_limited": N_(
        "Many chats were started from this network just now. Please try again in a few minutes."
    ),
    "start_blocked": N_("You cannot start a chat right now. Please try again later."),
    "you": N_("You"),
    "counselor": N_("Counselor"),
    "counselor_typing": N_("The counselor is typing…"),
    "system_counselor_joined": N_("A counselor has joined the chat."),
    "system_ended_by_chatter": N_("You ended the chat."),
    "system_ended_by_counselor": N_("The counselor ended the chat."),
    "system_quick_exit": N_("The chat was left with quick exit."),
    "system_idle_warning": N_(
        "Are you still there? If we do not hear from you, the chat closes in {n} minutes."
    ),
    "system_idle_closed": N_(
        "The chat was closed because we did not hear from you for a while."
        " You can always start again."
    ),
    "closing_soon_now": N_(
        "We close soon, so no new chat can start now. Look below for other help."
    ),
    "system_colleague_joined": N_("A colleague has joined the conversation too."),
    "confirm_end": N_("Do you want to end this chat?"),
    "start_failed": N_("Starting the chat did not work. Please try again."),
    "closed_now": N_("The chat closed just now. Look below for other help."),
    "too_long": N_("Your message is too long. Split it into smaller parts."),
    "feedback_thanks": N_("Thank you for your answer."),
    "chat_gone": N_("This chat can no longer be opened. You can start a new one."),
    # A returning chatter (account.js)
    "logged_in_as": N_("Logged in as {name}"),
    "account_made": N_("Your account is ready. You are logged in as {name}."),
    "welcome_back": N_("Welcome back. A chat you start now belongs with your earlier chats."),
    "logged_out": N_("You are logged out."),
    "login_expired": N_("You are no longer logged in. Log in again, or chat without an account."),
    "account_deleted": N_("Your account and all your chats have been deleted."),
    "err_username_missing": N_("Fill in a user name."),
    "err_username_rule": N_(
        "Choose a user name of 3 to 32 letters or digits (. _ and - may be used too)."
    ),
    "err_username_taken": N_("This user name is taken. Choose another one."),
    "err_password_missing": N_("Fill in your password."),
    "err_password_short": N_("This password is too short: use at least 8 characters."),
    "err_has_account": N_("This chat belongs to an account already. Log in with that account."),
    "err_bad_credentials": N_("The user name or the password is not right."),
    "err_wrong_password": N_("This password is not right."),
    "err_confirm_delete": N_("Tick the box if you are sure."),
    "err_failed": N_("That did not work. Please try again."),
    "loading": N_("Loading…"),
    "history_empty": N_("You have no earlier chats here yet."),
    "history_queued": N_("Waiting for a counselor"),
    "history_active": N_("Still going on"),
    "history_ended": N_("Ended"),
    "history_abandoned": N_("Ended before a counselor joined"),
    "read_title": N_("Chat of {date}"),
    "read_empty": N_("This chat has no messages."),
    "read_gone": N_("This chat is no longer there."),
    "read_purged": N_("The text of this conversation was deleted {days} days after it ended."),
    # Transfer (chat/assignment_actions.py)
    "system_transferred": N_("Your chat continues with a colleague."),
    "system_requeued": N_(
        "Your chat will continue with a colleague shortly. Please wait a moment."
    ),
}
