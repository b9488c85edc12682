"""The admin page's script texts (web/static/js/admin.js).

The log-in texts are web/strings/login.py's, shared with the console.
"""

from keerpunt.web.strings import N_

ADMIN = {
    # What went wrong, for any request.
    "gone": N_(
        "This was changed or removed in the meantime. The page shows the list as it is now."
    ),
    "refused": N_("That did not work: {reason}"),
    "failed": N_("That did not work. Try again."),
    "network": N_("The server cannot be reached. Check the connection and try again."),
    # Form fields.
    "field_required": N_("Fill this in."),
    "field_too_long": N_("This is too long: at most {max} characters."),
    "field_invalid": N_("This is not accepted. Check it and try again."),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "edit": N_("Edit"),
    "remove": N_("Remove"),
    "edit_named": N_("Edit {name}"),
    "remove_named": N_("Remove {name}"),
    # The taxonomy.
    "taxonomy_current": N_("The current version is {version}, loaded on {when}."),
    "codes_count": N_("{count} codes"),
    "retired_count": N_("{count} retired"),
    "several_apply": N_("several may apply"),
    "col_code": N_("Code"),
    "col_dutch": N_("Dutch"),
    "col_english": N_("English"),
    "col_state": N_("Status"),
    "in_use": N_("Offered"),
    "retired": N_("Retired"),
    "loaded_by_system": N_("Installation or command line"),
    "list_outcome": N_("Outcome of the contact"),
    "list_visitor": N_("Who chatted"),
    "list_age_band": N_("Age band"),
    "list_region": N_("Region"),
    "list_crime_involvement": N_("Involvement in crime"),
    "list_crime_forms": N_("Forms of crime"),
    "list_other_problems": N_("Other problems"),
    "list_signals": N_("Signals of criminal exploitation"),
    "list_help_questions": N_("Help questions"),
    "list_help_offered": N_("Help offered"),
    "list_safety": N_("Safety"),
    "file_read": N_("{name} is read. Check the text below, then load it."),
    "file_too_big": N_("This file is too big for a taxonomy file. Choose another one."),
    "file_unreadable": N_("This file cannot be read. Choose another one or paste its text."),
    "source_missing": N_("Choose a file or paste its text first."),
    "source_too_long": N_("The text is too long: at most {max} characters."),
    "load_refused": N_("This version was not loaded: {reason}"),
    "load_done": N_("Version {version} is loaded and is now the current version."),
    # Regions and contact persons.
    "col_role": N_("Role"),
    "col_name": N_("Name"),
    "col_reach": N_("How to reach them"),
    "col_active": N_("Active"),
    "col_actions": N_("Actions"),
    "active": N_("Active"),
    "inactive": N_("Inactive"),
    "contacts_in": N_("Contact persons in {region}"),
    "no_contacts": N_("No contact persons yet."),
    "contact_add": N_("Add a contact person in {region}"),
    "contact_change": N_("Change {name}"),
    "contact_active_label": N_("Active: offered for new handovers"),
    "reach_hint": N_("A phone number, an e-mail address or a secure mailbox, and when."),
    "contact_added": N_("{name} is added in {region}."),
    "contact_saved": N_("The changes to {name} are saved."),
    "contact_confirm_remove": N_(
        "Remove {name}? A contact person named in a handover is kept as inactive instead."
    ),
    "contact_removed": N_("{name} is removed."),
    "contact_deactivated": N_(
        "{name} is named in a handover, so they are kept as inactive instead of removed."
        " They are no longer offered for new handovers."
    ),
    # Canned replies.
    "key_is": N_("Key: {key}"),
    "field_key": N_("Key"),
    "key_hint": N_("A short fixed name: lowercase letters, digits and _ only."),
    "key_pattern": N_("Use only lowercase letters, digits and _, at most 40."),
    "key_taken": N_("Another canned reply has this key already."),
    "field_title_nl": N_("Title in Dutch"),
    "field_title_en": N_("Title in English"),
    "field_body_nl": N_("Text in Dutch"),
    "field_body_en": N_("Text in English"),
    "canned_new": N_("New canned reply"),
    "canned_change": N_("Change “{name}”"),
    "canned_added": N_("“{name}” is added."),
    "canned_saved": N_("The changes to “{name}” are saved."),
    "canned_confirm_remove": N_("Remove the canned reply “{name}”?"),
    "canned_removed": N_("“{name}” is removed."),
    # The access log.
    "audit_count": N_("{count} entries shown, newest first."),
    "audit_none": N_("No entries match this search."),
    "audit_dates": N_("The end date is before the start date."),
    "audit_ok": N_("Allowed"),
    "audit_denied": N_("Refused"),
    "audit_system": N_("System"),
    # Staff accounts and sessions.
    "staff_user": N_("User name"),
    "staff_roles": N_("Roles"),
    "staff_state": N_("Account"),
    "staff_totp": N_("Authenticator app"),
    "staff_do": N_("Actions"),
    "staff_active": N_("active"),
    "staff_inactive": N_("disabled"),
    "staff_totp_on": N_("set up"),
    "staff_totp_pending": N_("at the next log-in"),
    "staff_disable": N_("Disable"),
    "staff_disable_named": N_("Disable {name}"),
    "staff_enable": N_("Enable"),
    "staff_enable_named": N_("Enable {name}"),
    "staff_totp_reset": N_("Reset app"),
    "staff_totp_reset_named": N_("Reset the authenticator app of {name}"),
    "staff_confirm_disable": N_("Disable {name}? Their sessions end at once."),
    "staff_confirm_totp_reset": N_(
        "Reset the authenticator app of {name}? Their sessions end, and they set up a new"
        " app at the next log-in."
    ),
    "staff_disabled": N_("{name} is disabled; their sessions have ended."),
    "staff_enabled": N_("{name} can log in again."),
    "staff_totp_was_reset": N_("{name} sets up a new authenticator app at the next log-in."),
    "staff_since": N_("Logged in at"),
    "staff_last_seen": N_("Last active"),
    "staff_session_yours": N_("this is you"),
    "staff_session_end": N_("End session"),
    "staff_session_end_named": N_("End the session of {name}"),
    "staff_session_ended": N_("The session of {name} has ended."),
    # Opening hours (adminhours.js)
    "hours_now_open": N_("The chat is open now, until {when}."),
    "hours_now_open_on": N_("The chat is open now."),
    "hours_now_closing_soon": N_("The chat closes at {when}: no new chats start now."),
    "hours_now_closed": N_("The chat is closed now. It opens on {when}."),
    "hours_now_closed_on": N_("The chat is closed now, and no opening is planned."),
    "hours_from_file": N_(
        "These hours come from the organisation file. Saving stores them here, and from then"
        " on the hours saved here apply."
    ),
    "hours_saved": N_("The opening hours are saved. They apply at once."),
    "hours_bad_spans": N_("Write the times as 12:00-22:00, several separated by commas."),
    "hours_bad_closed": N_("This line needs a date (YYYY-MM-DD) and what it is: {line}"),
    "hours_bad_exception": N_(
        "This line needs a date (YYYY-MM-DD), its hours (12:00-17:00) and what it is: {line}"
    ),
    "hours_bad_number": N_("Fill in a number of minutes."),
    "hours_span_order": N_(
        "A range ends before it starts. Open past midnight: until 24:00, and from 00:00 on"
        " the next day."
    ),
    "hours_span_overlap": N_("Two ranges of this day overlap."),
    "hours_duplicate_date": N_("A date is listed twice: as closed, or with its own hours."),
}
