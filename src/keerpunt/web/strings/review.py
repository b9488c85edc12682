"""The review page's script texts (web/static/js/review.js).

The log-in texts are web/strings/login.py's. Answers and statuses are looked up by key
(`answer_partly`, `status_draft`), so every value the API can send has its key here.
"""

from keerpunt.web.strings import N_

REVIEW = {
    # What went wrong, for any request (staffpage.js).
    "refused": N_("That did not work: {reason}"),
    "failed": N_("That did not work. Try again."),
    "network": N_("The server cannot be reached. Check the connection and try again."),
    "loading": N_("Loading…"),
    # The sample and the search.
    "sample_week": N_("Sample of week {week}"),
    "sample_none": N_("No sample has been drawn yet. Search for an ended chat below."),
    "sample_empty": N_("Nothing left to review in the sample."),
    "found_n": N_("{n} ended chats found"),
    "found_none": N_("No ended chats in this period."),
    "col_ended": N_("Ended"),
    "col_counselor": N_("Counselor"),
    "col_week": N_("Week"),
    "col_messages": N_("Messages"),
    "col_status": N_("Review"),
    "col_do": N_("Action"),
    "status_none": N_("not started"),
    "status_draft": N_("draft"),
    "status_done": N_("done"),
    "sampled": N_("sample {week}"),
    "open_review": N_("Review"),
    "open_review_label": N_("Review the chat of {counselor}, ended {ended}"),
    "view_review": N_("View"),
    # The form.
    "form_title": N_("Review of a chat by {counselor}, ended {ended}"),
    "transcript": N_("Transcript"),
    "sender_chatter": N_("Chatter"),
    "sender_counselor": N_("Counselor"),
    "sender_system": N_("System"),
    "answer_done": N_("Done"),
    "answer_partly": N_("Partly"),
    "answer_not_done": N_("Not done"),
    "answer_not_applicable": N_("Not applicable"),
    "score": N_("Overall score (1 to 5)"),
    "comment": N_("Comment for the counselor"),
    "save_draft": N_("Save draft"),
    "finish": N_("Finish review"),
    "close": N_("Close"),
    "keys_hint": N_(
        "Keys: Tab moves between items, arrow keys choose an answer, Ctrl+S saves the draft,"
        " Ctrl+Enter finishes."
    ),
    "saved_draft": N_("Draft saved."),
    "finished": N_("Review finished. The counselor can read it now."),
    "review_done_readonly": N_("This review is done and does not change any more."),
    "incomplete": N_("Answer every item and give a score before finishing."),
    "purged": N_("The text of this chat was deleted after the retention period."),
    # My reviews.
    "mine_none": N_("No finished reviews yet."),
    "review_of": N_("Chat ended in week {week}, reviewed by {reviewer} on {date}"),
    "review_counselor": N_("Counselor: {name}"),
    "score_is": N_("Score: {score} of 5"),
    "no_comment": N_("No comment."),
    # Quality.
    "quality_none": N_("No finished reviews in these weeks."),
    "col_reviews": N_("Reviews"),
    "col_mean": N_("Mean score"),
    "share_cell": N_("{done}% done, {partly}% partly, {not_done}% not done"),
    "no_figure": N_("none"),
}
