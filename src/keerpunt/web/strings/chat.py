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
    "you": N_("You"),
    "counselor": N_("Counselor"),
    "counselor_typing": N_("The counselor is typing…"),
    "system_counselor_joined": N_("A counselor has joined the chat."),
    "system_ended_by_chatter": N_("You ended the chat."),
    "system_ended_by_counselor": N_("The counselor ended the chat."),
    "system_quick_exit": N_("The chat was left with quick exit."),
    "confirm_end": N_("Do you want to end this chat?"),
    "start_failed": N_("Starting the chat did not work. Please try again."),
    "closed_now": N_("The chat closed just now. Look below for other help."),
    "too_long": N_("Your message is too long. Split it into smaller parts."),
    "feedback_thanks": N_("Thank you for your answer."),
    "chat_gone": N_("This chat can no longer be opened. You can start a new one."),
}
