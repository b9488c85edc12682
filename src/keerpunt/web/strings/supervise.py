"""The supervisors' live view's script texts (web/static/js/supervise.js).

The log-in texts are web/strings/login.py's. Counselor states and system lines are looked
up by key (`state_online`, `system_transferred`...), so every value the API sends has its
key here.
"""

from keerpunt.web.strings import N_

SUPERVISE = {
    "refused": N_("That did not work: {reason}"),
    "failed": N_("That did not work. Try again."),
    "network": N_("The server cannot be reached. Check the connection and try again."),
    "updated": N_("Updated {time}"),
    "connection_online": N_("Live"),
    "connection_connecting": N_("Connecting…"),
    "connection_reconnecting": N_("Connection lost: reconnecting…"),
    "connection_offline": N_("Offline: waiting for the network…"),
    "connection_stopped": N_("Not connected"),
    # The tables.
    "minutes": N_("{n} min"),
    "seconds": N_("{n} s"),
    "hours": N_("{n} h"),
    "days": N_("{n} days"),
    "returning": N_("returning"),
    "nobody_waiting": N_("No one is waiting."),
    "no_counselors": N_("There are no counselors."),
    "no_running": N_("No chat is running."),
    "state_online": N_("online"),
    "state_paused": N_("paused"),
    "state_offline": N_("offline"),
    "load": N_("{n} / {max}"),
    "never": N_("—"),
    "waiting_yes": N_("waits for an answer"),
    "waiting_no": N_("—"),
    "acute": N_("Acute danger"),
    "observe": N_("Observe"),
    "observe_label": N_("Observe the chat of {name} with a {visitor} (chat {code})"),
    "visitor_youth": N_("youth"),
    "visitor_relative": N_("relative"),
    "visitor_professional": N_("professional"),
    "visitor_unknown": N_("unknown visitor"),
    # Alerts.
    "alert_acute": N_("Acute danger reported by {name} in chat {code}"),
    "no_alerts": N_("No alerts since you opened this page."),
    # The chat being observed.
    "observing": N_("Observing chat {code} of {name}"),
    "observing_hint": N_(
        "The chatter does not see you, and nothing is marked read. This opening is logged."
    ),
    "joined_hint": N_("You joined this chat: what you write here, the chatter reads."),
    "owner_hint": N_("You took this chat over: it is yours now, also in the console."),
    "sender_chatter": N_("Chatter"),
    "sender_counselor": N_("Counselor"),
    "sender_system": N_("System"),
    "system_counselor_joined": N_("A counselor joined the conversation."),
    "system_ended_by_chatter": N_("The chatter ended the conversation."),
    "system_ended_by_counselor": N_("The counselor ended the conversation."),
    "system_quick_exit": N_("The chatter left with the quick exit."),
    "system_transferred": N_("The chat continues with a colleague."),
    "system_colleague_joined": N_("A colleague joined the conversation."),
    "chat_ended": N_("This chat has ended."),
    "chat_gone": N_("This chat cannot be followed any more."),
    "whispers": N_("Whispers (only the counselor sees them)"),
    "no_whispers": N_("No whispers yet."),
    "whisper_from": N_("{name}, {time}"),
    "whisper_label": N_("Whisper to the counselor"),
    "whisper_send": N_("Whisper"),
    "write_label": N_("Write in the chat"),
    "write_send": N_("Send"),
    "join": N_("Join the chat"),
    "takeover": N_("Take over"),
    "takeover_confirm": N_(
        "Take this chat over? It moves to you; the counselor loses it and the chatter reads"
        " that a colleague continues."
    ),
    "close": N_("Close"),
    "joined_done": N_("You joined the chat. The chatter reads that a colleague joined."),
    "takeover_done": N_("The chat is yours now."),
}
