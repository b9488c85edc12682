"""The counselor console's script texts.

Some ids are shared with the chat page (the connection states, "Sending…", the end
confirmation): one msgid, one translation.
"""

from keerpunt.web.strings import N_

CONSOLE = {
    # The connection (data-state on #connection is the Socket state name).
    "state_connecting": N_("Connecting…"),
    "state_online": N_("Connected"),
    "state_reconnecting": N_("Connection lost. Trying again…"),
    "state_offline": N_("No network. Waiting until the connection is back…"),
    "state_stopped": N_("Not connected"),
    "state_blocked": N_("The live connection is blocked. Trying again…"),
    # Log in and out.
    "login_missing": N_("Fill in your user name and password."),
    "login_failed": N_("Logging in did not work: {reason}"),
    "login_failed_plain": N_("Logging in did not work. Try again."),
    "login_network": N_("The server cannot be reached. Check the connection and try again."),
    "server_unreachable": N_("The server cannot be reached right now."),
    "session_ended": N_("Your session has ended. Log in again to go on."),
    "logged_out": N_("You are logged out."),
    "logged_in_as": N_("Logged in as {name}"),
    # The queue.
    "visitor_youth": N_("Young person"),
    "visitor_relative": N_("Family or friend"),
    "visitor_professional": N_("Professional"),
    "visitor_unknown": N_("Not given"),
    "waiting_for": N_("waiting {time}"),
    "accept": N_("Accept"),
    "accepted": N_("Chat accepted ({visitor})."),
    "accept_taken": N_("Another counselor was first. Pick another chat."),
    "accept_gone": N_("This chat is no longer waiting."),
    "accept_failed": N_("Accepting did not work. Try again."),
    "queue_empty": N_("No one is waiting."),
    "reason_paused": N_("You are paused. Resume to accept chats."),
    "reason_cap": N_("You have {max} chats open, your maximum. End a chat to accept a new one."),
    "no_chat_role": N_("Your account cannot take chats. Ask an administrator."),
    "cap": N_("{count} of {max} chats"),
    "paused_now": N_("Paused: you take no new chats."),
    "resumed_now": N_("Resumed: you can accept chats again."),
    "pause_failed": N_("Changing the pause did not work. Try again."),
    # Tabs and the conversation.
    "chat_name": N_("{visitor} · {code}"),
    "messages_of": N_("Messages: {name}"),
    "accepted_at": N_("Accepted at {time}"),
    "tab_ended": N_("(ended)"),
    "unread": N_("{count} new"),
    "close_tab": N_("Close tab"),
    "chat_ended": N_("This chat has ended. You can still read it."),
    "chat_abandoned": N_("The chatter left before the chat started. You can still read it."),
    "sender_chatter": N_("Chatter"),
    "sender_you": N_("You"),
    "system_counselor_joined": N_("You joined the chat."),
    "system_ended_by_chatter": N_("The chatter ended the chat."),
    "system_ended_by_counselor": N_("You ended the chat."),
    "system_quick_exit": N_("The chatter left with quick exit. The chat has ended."),
    "chatter_typing": N_("The chatter is typing…"),
    "sending": N_("Sending…"),
    "not_sent": N_("Not sent: the server refused this message."),
    "not_sent_ended": N_("Not sent: the chat has ended."),
    "too_long": N_("Your message is too long. Split it into smaller parts."),
    "confirm_end": N_("Do you want to end this chat?"),
    "end_failed": N_("Ending the chat did not work. Try again."),
    # Signals.
    "title_count": N_("({count}) {title}"),
    "notify_new_chat": N_("New chat waiting"),
    "notify_new_message": N_("New message"),
    "notify_on": N_("Notifications are on."),
    "notify_denied": N_("The browser blocks notifications for this page."),
}
