"""The analyst page's script texts (web/static/js/analyst.js).

The log-in texts are web/strings/login.py's. The dashboard's row labels are named here
too: the dashboard answers in Dutch whatever the page language.
"""

from keerpunt.web.strings import N_

ANALYST = {
    # What went wrong, for any request.
    "gone": N_(
        "This was changed or removed in the meantime. The page shows the list as it is now."
    ),
    "refused": N_("That did not work: {reason}"),
    "failed": N_("That did not work. Try again."),
    "network": N_("The server cannot be reached. Check the connection and try again."),
    # The filters.
    "period": N_("{from} to {to}"),
    "all_regions": N_("all regions"),
    "retired_region": N_("{name} (retired)"),
    "campaign_option": N_("{name} ({from} to {to})"),
    "campaign_named": N_("Campaign {name}"),
    "period_missing": N_("Fill in both dates of the period."),
    "period_backwards": N_("The period ends before it starts. Check the dates."),
    "period_too_long": N_("A period covers at most {days} days. Choose a shorter one."),
    # The dashboard.
    "counting": N_("Counting…"),
    "col_count": N_("Number"),
    "col_share": N_("Share"),
    "col_step": N_("Step"),
    "col_answer": N_("Answer"),
    "col_of_visitors": N_("Of the visitors"),
    "funnel_title": N_("From visitor to signal"),
    "funnel_visitors": N_("Visitors"),
    "funnel_conversations": N_("Conversations"),
    "funnel_crime": N_("About involvement in crime"),
    "funnel_signals": N_("With clear signals of exploitation"),
    "title_visitors": N_("Who chatted"),
    "title_crime_forms": N_("Forms of crime"),
    "title_signals": N_("Signals of criminal exploitation"),
    "title_other_problems": N_("Other problems"),
    "title_help_questions": N_("Help questions"),
    "visitors_youth": N_("Young people"),
    "visitors_relative": N_("Parents, family and friends"),
    "visitors_professional": N_("Professionals"),
    "visitors_unknown": N_("Unknown"),
    "base_held": N_("Share of the conversations held ({n})."),
    "base_crime": N_("Share of the chats about involvement in crime ({n})."),
    "base_other": N_("Share of: {label} ({n})."),
    "several_apply": N_("Several answers may apply, so the shares can add up to more than 100%."),
    "none_in_period": N_("None in this period."),
    "timeline_summary": N_(
        "{total} chats started: {direct} directly through a tracking link, {organic} organic."
    ),
    "week_bar": N_("Week of {week}: {direct} direct, {organic} organic"),
    "week_of": N_("Week of {day}"),
    "week_numbers": N_("The numbers per week"),
    "col_week": N_("Week"),
    "col_direct": N_("Direct"),
    "col_organic": N_("Organic"),
    "legend_direct": N_("Direct: started through a tracking link"),
    "legend_organic": N_("Organic: without a tracking link"),
    # Reports.
    "report_covers": N_("The report covers: {scope}."),
    "partner_means": N_(
        "Partner edition: for partners outside the organisation. Numbers below {k} show as"
        " “< {k}”, numbers that could be worked out from others are hidden, and what it"
        " showed is recorded."
    ),
    "report_making": N_("Making the {format} report…"),
    "report_done": N_("Downloaded {name}."),
    "report_refused": N_("The report was not made: {reason}"),
    "report_failed": N_("The report was not made. Try again."),
    "report_period": N_("Check the period first: the report needs a correct one."),
    # Campaigns.
    "tracking_links": N_("Tracking links"),
    "no_channels": N_("No channels yet."),
    "no_regions": N_("None named"),
    "channels_of": N_("The channels of {name}"),
    "col_channel": N_("Channel"),
    "col_link": N_("Tracking link"),
    "copy": N_("Copy"),
    "copy_named": N_("Copy the link of {name}"),
    "link_copied": N_("The link of {name} is copied."),
    "copy_failed": N_("Copying did not work. Select the link and copy it yourself."),
    "edit": N_("Edit"),
    "edit_named": N_("Edit {name}"),
    "show_numbers": N_("Show the numbers"),
    "show_numbers_named": N_("Show the numbers of {name}"),
    "field_name": N_("Name"),
    "field_goal": N_("Goal"),
    "field_target_group": N_("Target group"),
    "target_hint": N_("For example: young people of 13 to 24 in Rotterdam."),
    "field_period": N_("Period"),
    "field_starts_on": N_("First day"),
    "field_ends_on": N_("Last day"),
    "field_regions": N_("Regions"),
    "regions_hint": N_("The regions the campaign runs in."),
    "field_channels": N_("Channels"),
    "channels_hint": N_(
        "One channel per place the ads run, each with its own tracking link. A channel can be"
        " renamed but not removed: its link may be in an ad already."
    ),
    "channel_number": N_("Channel {n}"),
    "channel_link_is": N_("Link: {link}"),
    "channel_new_hint": N_("New: it gets its tracking link when the campaign is saved."),
    "channel_add": N_("Add a channel"),
    "channel_drop": N_("Leave out"),
    "channel_drop_named": N_("Leave out the new channel {n}"),
    "channel_twice": N_("Another channel has this name already."),
    "channel_removed": N_(
        "A channel cannot be removed: its link may be in use. Rename it instead."
    ),
    "unknown_region": N_("This region is not in the taxonomy's region list."),
    "too_many_regions": N_("Choose at most {max} regions."),
    "field_required": N_("Fill this in."),
    "field_too_long": N_("This is too long: at most {max} characters."),
    "date_required": N_("Fill in a date."),
    "ends_before_starts": N_("The last day is before the first day."),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "campaign_new": N_("New campaign"),
    "campaign_change": N_("Change “{name}”"),
    "campaign_added": N_("“{name}” is added. Its tracking links are below."),
    "campaign_saved": N_("The changes to “{name}” are saved."),
}
