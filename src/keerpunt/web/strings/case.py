"""The console's case tools: a returning chatter's history, duplicates, warm handovers,
the handover list and merges (web/static/js/casetools.js and handovers.js).

Every key starts with `case_`: these strings share one JSON block with the console's.
"""

from keerpunt.web.strings import N_

CASE: dict[str, str] = {
    # Shared.
    "case_loading": N_("Loading…"),
    "case_load_failed": N_("Loading did not work. Try again later."),
    "case_unknown_counselor": N_("unknown counselor"),
    "case_any": N_("Any"),
    "case_when_by": N_("{when}, with {counselor}"),
    "case_label_outcome": N_("Outcome"),
    "case_label_visitor": N_("Visitor"),
    "case_label_age_band": N_("Age band"),
    "case_label_region": N_("Region"),
    "case_label_crime_forms": N_("Forms of crime"),
    "case_label_signals": N_("Signals"),
    "case_label_help_questions": N_("Help questions"),
    "case_label_registration": N_("Registration"),
    "case_reg_new": N_("not registered"),
    "case_reg_draft": N_("not finished"),
    "case_reg_complete": N_("finished"),
    # Earlier conversations of a returning chatter.
    "case_history": N_("Earlier conversations"),
    "case_history_count": N_("({count})"),
    "case_history_intro": N_(
        "This chatter has chatted before. No text is shown here; open an earlier"
        " conversation only when it helps this chat."
    ),
    "case_history_account": N_("The chatter has an account and came back with it."),
    "case_history_empty": N_("No earlier conversations."),
    "case_read": N_("Read conversation"),
    "case_read_hide": N_("Hide conversation"),
    "case_read_logged": N_("Opening it is logged."),
    "case_transcript_of": N_("Conversation of {when}"),
    "case_transcript_empty": N_("Nothing was written in this conversation."),
    "case_transcript_failed": N_("The conversation could not be loaded. Try again."),
    "case_transcript_purged": N_(
        "The text of this conversation was deleted {days} days after it ended."
    ),
    "case_sender_chatter": N_("Chatter"),
    "case_sender_counselor": N_("Counselor"),
    "case_system_counselor_joined": N_("The counselor joined the chat."),
    "case_system_ended_by_chatter": N_("The chatter ended the chat."),
    "case_system_ended_by_counselor": N_("The counselor ended the chat."),
    "case_system_quick_exit": N_("The chatter left with quick exit. The chat has ended."),
    "case_system_idle_warning": N_("The chatter was asked whether they are still there."),
    "case_system_idle_closed": N_("The chat was closed: the chatter stayed silent."),
    "case_system_colleague_joined": N_("A supervisor joined the chat."),
    # Duplicates.
    "case_duplicate": N_("Duplicate"),
    "case_dup_intro": N_(
        "A duplicate is a chatter who started again under another name, for example after a"
        " broken connection. Marking it makes the two one chatter; a supervisor can undo that."
    ),
    "case_dup_hint": N_(
        "The search shows only the time and the registration, never what was written."
    ),
    "case_dup_filters": N_("Search for the earlier conversation"),
    "case_dup_days": N_("Period"),
    "case_dup_days_n": N_("last {days} days"),
    "case_dup_search": N_("Search"),
    "case_dup_found": N_("{count} conversations found."),
    "case_dup_found_one": N_("1 conversation found."),
    "case_dup_none": N_("No conversations found. Choose a longer period or clear a filter."),
    "case_dup_same": N_("This is the same chatter"),
    "case_dup_confirm": N_(
        "Mark this chat as a duplicate of the conversation of {when}? The two chatters"
        " become one. A supervisor can undo this."
    ),
    "case_dup_done": N_("Marked as a duplicate of the conversation of {when}."),
    "case_dup_same_chatter": N_("This chat is of that chatter already: there is nothing to merge."),
    "case_dup_already": N_(
        "This chat was marked as a duplicate already. A supervisor can undo that under Handovers."
    ),
    "case_dup_gone": N_("That conversation can no longer be chosen. Search again."),
    "case_dup_failed": N_("Marking the duplicate did not work. Try again."),
    "case_search_failed": N_("Searching did not work. Try again."),
    # Warm handover.
    "case_handover": N_("Warm handover"),
    "case_ho_intro": N_(
        "Hand the chatter over to a fixed contact person of the region, only with the"
        " chatter's explicit consent."
    ),
    "case_ho_choose_region": N_("Choose a region"),
    "case_ho_contact": N_("Contact person"),
    "case_ho_no_contacts": N_(
        "This region has no active contact person yet. An administrator adds them."
    ),
    "case_ho_reach": N_("Reach: {reach}"),
    "case_ho_consent": N_("The chatter gives explicit consent to this handover"),
    "case_ho_share": N_("What the chatter agrees to share"),
    "case_share_summary": N_("A summary"),
    "case_share_visitor": N_("Who is chatting (visitor)"),
    "case_share_age_band": N_("Age band"),
    "case_share_crime_forms": N_("Forms of crime"),
    "case_share_signals": N_("Signals of exploitation"),
    "case_share_help_questions": N_("Help questions"),
    "case_share_safety": N_("Safety"),
    "case_ho_summary": N_("Summary for the contact person"),
    "case_ho_summary_hint": N_(
        "Tick “A summary” to write one. It is stored encrypted and holds only what the"
        " chatter agreed to share."
    ),
    "case_ho_propose": N_("Propose handover"),
    "case_ho_proposed": N_("Handover to {name} proposed."),
    "case_ho_failed": N_("Proposing the handover did not work. Try again."),
    "case_err_region": N_("Choose the region."),
    "case_err_contact": N_("Choose an active contact person."),
    "case_err_consent": N_("Without the chatter's explicit consent there is no handover."),
    "case_err_summary": N_("Write the summary the chatter agreed to share."),
    # Blocking a chatter.
    "case_block": N_("Block"),
    "case_block_intro": N_(
        "Only for abuse. The chatter can start no chat and send no message for the period,"
        " and from this phone no new chat for the rest of today. This chat ends. A"
        " supervisor can lift the block."
    ),
    "case_block_period": N_("Period"),
    "case_block_1h": N_("1 hour"),
    "case_block_24h": N_("24 hours"),
    "case_block_7d": N_("7 days"),
    "case_block_reason": N_("Reason"),
    "case_block_reason_hint": N_(
        "For colleagues and the supervisor; the chatter does not see it. Stored encrypted."
    ),
    "case_block_submit": N_("Block chatter"),
    "case_block_confirm": N_("Block this chatter and end the chat?"),
    "case_block_err_reason": N_("Write why you block this chatter."),
    "case_block_failed": N_("Blocking did not work. Try again."),
    "case_block_done": N_("The chatter is blocked until {until}."),
    "case_err_not_agreed": N_(
        "The chatter did not agree to share a summary: leave it empty or tick “A summary”."
    ),
    "case_ho_list": N_("Handovers of this chat"),
    "case_ho_none": N_("No handover for this chat yet."),
    "case_ago": N_("{age} ago"),
    # A handover's status and steps (the chat's side column and the handover list).
    "case_status_proposed": N_("Proposed"),
    "case_status_contacted": N_("Contacted"),
    "case_status_accepted": N_("Accepted"),
    "case_status_completed": N_("Completed"),
    "case_status_declined": N_("Declined"),
    "case_step_contacted": N_("Next: contacted"),
    "case_step_accepted": N_("Next: accepted"),
    "case_step_completed": N_("Next: completed"),
    "case_step_declined": N_("Decline"),
    "case_step_confirm_declined": N_("Mark this handover as declined? It cannot go on after that."),
    "case_step_done": N_("The handover is now: {status}."),
    "case_step_conflict": N_("This handover changed meanwhile. The list is up to date again."),
    "case_step_failed": N_("Changing the handover did not work. Try again."),
    "case_pdf": N_("Download PDF"),
    "case_age_minutes": N_("{n} min"),
    "case_age_hours": N_("{n} h"),
    "case_age_days": N_("{n} d"),
    # The handover list.
    "case_view_title": N_("Handovers"),
    "case_view_filters": N_("Filter the handovers"),
    "case_view_count": N_("{count} handovers"),
    "case_view_one": N_("1 handover"),
    "case_view_none": N_("No handovers."),
    "case_col_region": N_("Region"),
    "case_col_contact": N_("Contact person"),
    "case_col_status": N_("Status"),
    "case_col_age": N_("Since proposal"),
    "case_col_step_age": N_("Since last step"),
    "case_col_counselor": N_("Counselor"),
    "case_col_actions": N_("Actions"),
    # Merges (supervisors).
    "case_merges": N_("Merged duplicates"),
    "case_merges_intro": N_(
        "Undoing a merge makes the two chatters two again; the chat goes back on its"
        " counselor's list to register."
    ),
    "case_merges_count": N_("{count} merges"),
    "case_merges_one": N_("1 merge"),
    "case_merges_none": N_("No merged duplicates."),
    "case_col_chat": N_("Chat"),
    "case_col_duplicate_of": N_("Duplicate of"),
    "case_col_by": N_("Marked by"),
    "case_col_when": N_("When"),
    "case_col_undone": N_("Undone"),
    "case_undone_by": N_("{when} by {name}"),
    "case_not_undone": N_("no"),
    "case_undo": N_("Undo"),
    "case_undo_confirm": N_(
        "Undo the merge of chat {code}? The two chatters become two again and the chat"
        " goes back on its counselor's list to register."
    ),
    "case_undo_done": N_("Merge undone: chat {code} is back on the list to register."),
    "case_undo_already": N_("This merge was undone already."),
    "case_undo_failed": N_("Undoing the merge did not work. Try again."),
    # Blocks in force (supervisors).
    "case_blocks": N_("Blocked chatters"),
    "case_blocks_intro": N_(
        "A block ends by itself. Lift one early when it was a mistake, or when the chatter"
        " needs help after all."
    ),
    "case_blocks_count": N_("{count} blocks"),
    "case_blocks_one": N_("1 block"),
    "case_blocks_none": N_("No chatter is blocked."),
    "case_col_blocked_by": N_("Blocked by"),
    "case_col_until": N_("Until"),
    "case_col_reason": N_("Reason"),
    "case_lift": N_("Lift"),
    "case_lift_confirm": N_("Lift the block of the chatter of chat {code}?"),
    "case_lift_done": N_("The block of the chatter of chat {code} is lifted."),
    "case_lift_failed": N_("Lifting the block did not work. Try again."),
    "case_system_transferred": N_("The chat was handed to a colleague."),
    "case_system_requeued": N_("The chat went back to the queue."),
}
