"""The counselor console's script texts.

Some ids are shared with the chat page (the connection states, "Sending…", the end
confirmation): one msgid, one translation.
"""

from keerpunt.web.strings import N_

CONSOLE = {
    # Retention deleted the text of an ended chat the console opens.
    "transcript_purged": N_(
        "The text of this conversation was deleted {days} days after it ended."
    ),
    # The connection (data-state on #connection is the Socket state name).
    "state_connecting": N_("Connecting…"),
    "state_online": N_("Connected"),
    "state_reconnecting": N_("Connection lost. Trying again…"),
    "state_offline": N_("No network. Waiting until the connection is back…"),
    "state_stopped": N_("Not connected"),
    "state_blocked": N_("The live connection is blocked. Trying again…"),
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
    "system_idle_warning": N_("The chatter was asked whether they are still there."),
    "system_idle_closed": N_("The chat was closed: the chatter stayed silent."),
    # The closing time and idle chats (consoletime.js)
    "closes_at_left": N_("Closes at {time} ({minutes} min left)"),
    "closed_at": N_("Closed at {time}"),
    "idle_closes_in": N_("The chatter is silent. This chat closes in {minutes} min."),
    "idle_extend": N_("Give more time"),
    "idle_extend_failed": N_("Giving more time did not work. Try again."),
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
    "notify_alert": N_("Acute danger reported"),
    # Returning chatters in the queue and on the tabs.
    "returning": N_("Returning"),
    "offered_to_colleague": N_("Offered to the previous counselor ({seconds} s left)"),
    "offered_to_you": N_("For you: this chatter spoke with you last time"),
    "accept_offered_to_colleague": N_(
        "This chatter is offered first to the counselor they spoke with last time."
        " You can accept once that offer has run out."
    ),
    "queue_all_offered": N_(
        "Everyone waiting is offered to a colleague first. Try again in a moment."
    ),
    "chat_in_english": N_("Chat in English"),
    # The list to register.
    "ended_at": N_("ended {time}"),
    "todo_new": N_("not started"),
    "todo_draft": N_("draft"),
    "todo_gone": N_("You can no longer register this chat."),
    "todo_open_failed": N_("Opening the chat did not work. Try again."),
    "registration_done": N_("Registration of {name} finished."),
    "no_chat_for_form": N_("Open a chat first: the form belongs to a chat."),
    # Supervisors: acute danger.
    "alert_acute": N_("Acute danger reported by {name} in chat {code}"),
    "alert_dismiss": N_("Dismiss this alert"),
    # Supervision: whispers and the lines of joining and taking over.
    "whisper_from": N_("Whisper from {name} (the chatter does not see this)"),
    "whisper_back": N_("Whisper back to the supervisor"),
    "whisper_send": N_("Whisper"),
    "whisper_failed": N_("The whisper was not sent. Try again."),
    "system_colleague_joined": N_("A supervisor joined the chat."),
    "handovers_unavailable": N_("The handover list is not available."),
    # Canned replies.
    "canned_failed": N_("The canned replies could not be loaded. Try again."),
    "canned_list": N_("Canned replies, inserted in {language}"),
    "language_nl": N_("Dutch"),
    "language_en": N_("English"),
    # The registration form (registration.js).
    "reg_title": N_("Registration of this chat"),
    "reg_state_new": N_("not started"),
    "reg_state_draft": N_("draft"),
    "reg_state_complete": N_("finished"),
    "reg_loading": N_("Loading the form…"),
    "reg_load_failed": N_("The form could not be loaded."),
    "reg_load_retry": N_("Load the form again"),
    "reg_intro": N_(
        "Fill this in during or after the chat: it saves itself. Tab goes from question to"
        " question, the arrow keys move within a question, Space chooses."
    ),
    "reg_derived_title": N_("Filled in by the system"),
    "reg_derived_source": N_("Came in through"),
    "reg_source_campaign": N_("a campaign link"),
    "reg_source_campaign_code": N_("a campaign link ({code})"),
    "reg_source_organic": N_("no campaign link (organic)"),
    "reg_derived_account": N_("Chatter has an account"),
    "reg_derived_wrote": N_("Chatter wrote something"),
    "reg_derived_wait": N_("Waited (min:s)"),
    "reg_derived_duration": N_("Chat lasted (min:s)"),
    "reg_derived_earlier": N_("Earlier conversations of this chatter"),
    "reg_yes": N_("yes"),
    "reg_no": N_("no"),
    "reg_unknown": N_("unknown"),
    "reg_running": N_("still going"),
    "reg_retired": N_("(no longer in use)"),
    "reg_list_outcome": N_("Outcome of the contact"),
    "reg_list_visitor": N_("Who chatted"),
    "reg_list_age_band": N_("Age of the person it is about"),
    "reg_list_region": N_("Region where the situation plays"),
    "reg_list_crime_involvement": N_("Involved in crime"),
    "reg_list_crime_forms": N_("Forms of crime"),
    "reg_list_signals": N_("Signals of criminal exploitation"),
    "reg_list_other_problems": N_("Other problems"),
    "reg_list_help_questions": N_("Help questions"),
    "reg_list_help_offered": N_("Help offered"),
    "reg_list_safety": N_("Safety"),
    "reg_list_notes": N_("Notes for the team"),
    "reg_hint_outcome": N_(
        "Always needed. “No content”: the chatter never wrote or left at once. “Duplicate”"
        " is not chosen here: mark the earlier conversation under “Duplicate” below, and"
        " the outcome becomes duplicate by itself."
    ),
    "reg_hint_visitor": N_(
        "Filled in from what the chatter chose at the start, where it fits; change it if the"
        " chat shows otherwise. Needed for a conversation held."
    ),
    "reg_hint_age_band": N_(
        "Your best estimate; “Unknown” if you cannot tell. Needed for a conversation held."
    ),
    "reg_hint_region": N_(
        "Where the situation plays, not where the chatter is now: it decides who a warm"
        " handover goes to. Needed for a conversation held."
    ),
    "reg_hint_crime_involvement": N_(
        "“Unclear”: there are signs, but the chatter does not say so. With yes or unclear,"
        " the forms of crime and the signals of exploitation appear. Needed for a"
        " conversation held."
    ),
    "reg_hint_crime_forms": N_(
        "All that apply; at least one when crime is involved. Choose “in the criminal"
        " circuit” when the chatter names no form."
    ),
    "reg_hint_signals": N_("Tick what the chatter tells, even in passing."),
    "reg_hint_other_problems": N_(
        "Problems that play a part, also when they seem unrelated to exploitation."
    ),
    "reg_hint_help_questions": N_("What the chatter asks for, in words or between the lines."),
    "reg_hint_help_offered": N_(
        "What you did in the chat; at least one for a conversation held. “Warm handover” is"
        " ticked by itself when you propose one below."
    ),
    "reg_hint_safety": N_(
        "“Acute danger” shows you the escalation protocol and alerts the supervisors at once."
    ),
    "reg_hint_notes": N_("For the team only. Never names, addresses or phone numbers."),
    "reg_not_saved_yet": N_("Not saved yet: your first change saves a draft."),
    "reg_saved": N_("Draft saved {time}"),
    "reg_saved_complete": N_("Finished; last saved {time}"),
    "reg_save_failed": N_("Saving failed: {reason}. Your changes stay here and are sent again."),
    "reg_reason_network": N_("no connection to the server"),
    "reg_reason_field": N_("see the marked question"),
    "reg_reason_gone": N_("this chat is no longer yours"),
    "reg_reason_server": N_("the server had a problem"),
    "reg_error_unknown": N_("This choice no longer exists. Choose another one."),
    "reg_error_retired": N_("This choice is no longer in use. Choose another one."),
    "reg_complete": N_("Finish registration"),
    "reg_complete_hint": N_("Checks that the questions needed are answered."),
    "reg_complete_after_end": N_("You can finish once the chat has ended."),
    "reg_done": N_(
        "Registration finished at {time}. You can still correct it: changes are saved and"
        " it stays finished."
    ),
    "reg_still_open": N_(
        "The chat is still going. Finish the registration once the chat has ended."
    ),
    "reg_missing_one": N_("Choose an answer to finish the registration."),
    "reg_missing_some": N_("Choose at least one to finish the registration."),
    "reg_missing_duplicate": N_(
        "For a duplicate, first mark the earlier conversation under “Duplicate” below."
    ),
    "reg_complete_failed": N_("Finishing did not work: {reason}"),
    "reg_escalation_title": N_("Acute danger: the escalation protocol"),
    "reg_supervisors_alerted": N_("The supervisors who are online have been alerted."),
    # Automatic offers and transfers (assignment.js)
    "system_transferred": N_("The chat was handed to a colleague."),
    "system_requeued": N_("The chat went back to the queue."),
    "offer_title": N_("A chat for you"),
    "offer_text": N_("A chat is waiting ({visitor}). Do you take it?"),
    "offer_text_returning": N_(
        "A chat is waiting ({visitor}); this chatter spoke with you last time. Do you take it?"
    ),
    "offer_seconds_left": N_("Offered to you for {seconds} more seconds."),
    "offer_hint": N_("Enter accepts. Escape declines."),
    "offer_accept": N_("Accept"),
    "offer_decline": N_("Decline"),
    "offer_declined": N_("Declined. The chat goes to a colleague."),
    "offer_gone": N_("The offered chat went to someone else or was ended."),
    "transfer": N_("Transfer"),
    "transfer_title": N_("Transfer this chat"),
    "transfer_to": N_("To"),
    "transfer_colleague": N_("{name} ({active} of {max} chats)"),
    "transfer_queue": N_("Back to the queue (first in line)"),
    "transfer_note": N_("Note for your colleague"),
    "transfer_note_hint": N_("Only your colleague reads this; the chatter never sees it."),
    "transfer_queue_hint": N_(
        "The next counselor takes it from the queue; a note is not possible."
    ),
    "transfer_send": N_("Transfer"),
    "transfer_cancel": N_("Cancel"),
    "transfer_no_chat": N_("Open a running chat to transfer it."),
    "transfer_asked": N_("Asked {name} to take over. The chat stays yours until they accept."),
    "transfer_queued": N_("The chat is back in the queue, first in line."),
    "transfer_accepted": N_("Your colleague took over the chat."),
    "transfer_declined": N_("Your colleague declined. The chat stays with you."),
    "transfer_error": N_("Transferring did not work. Try again."),
    "transfer_error_open": N_(
        "This chat is already offered to a colleague. Wait for their answer."
    ),
    "transfer_error_offline": N_("This colleague is no longer logged in. Choose another."),
    "transfer_error_ended": N_("This chat has ended."),
    "incoming_title": N_("A colleague hands you a chat"),
    "incoming_text": N_("{name} asks you to take over a chat ({visitor})."),
    "incoming_no_note": N_("No note."),
    "incoming_accept": N_("Take over"),
    "incoming_decline": N_("Decline"),
    "incoming_gone": N_("This transfer is no longer open."),
}
